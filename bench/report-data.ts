// Generates realistic results files for the reporter benchmark: full measurements (envelope, raw
// observations under test_keys, verdict with per-target layers), several services, networks, access
// labels and days, verdict mixes per network, a controls line per run, and a few corrupt and torn lines.

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ServicePath } from '../src/catalogue/schema.js';
import type { AccessLabel, Measurement } from '../src/model/measurement.js';
import type {
  ControlVerdict,
  EvidenceRef,
  LayerVerdict,
  PathStatus,
  ServiceVerdict,
  TargetOutcome,
  TargetVerdict,
  Technique,
} from '../src/model/verdict.js';

export interface Vantage {
  asn: string;
  cc: string;
  name: string;
  access: AccessLabel;
  label: string;
  /** Per service: the call path's status on this network (chat and web accessible unless set). */
  call: Record<string, PathStatus>;
  chat?: Record<string, PathStatus>;
}

export const VANTAGES: Vantage[] = [
  {
    asn: 'AS6713',
    cc: 'MA',
    name: 'Maroc Telecom',
    access: 'mobile',
    label: 'casa-4g',
    call: { whatsapp: 'blocked', skype: 'blocked', viber: 'blocked', facetime: 'blocked' },
  },
  { asn: 'AS6713', cc: 'MA', name: 'Maroc Telecom', access: 'fixed', label: 'rabat-adsl', call: { skype: 'degraded' } },
  { asn: 'AS36925', cc: 'MA', name: 'Orange Maroc', access: 'mobile', label: 'fez-4g', call: {} },
  {
    asn: 'AS36884',
    cc: 'MA',
    name: 'Inwi',
    access: 'mobile',
    label: 'tanger-4g',
    call: { viber: 'blocked' },
    chat: { viber: 'blocked' },
  },
  { asn: 'AS36884', cc: 'MA', name: 'Inwi', access: 'wifi', label: 'home-wifi', call: {} },
  { asn: 'AS3215', cc: 'FR', name: 'Orange', access: 'fixed', label: 'paris-fibre', call: {} },
];

export const SERVICES = ['whatsapp', 'skype', 'viber', 'facetime', 'meet', 'tango', 'teamspeak'] as const;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CONTROLS: ControlVerdict = {
  network: 'up',
  dns: { ok: true, doh_ok: true, udp_ok: true, local_ok: true },
  tls: { ok: true },
  udp: { ok: true },
  stun: { answered_ports: [3478, 19302], silent_ports: [], classification: 'open', blocked_ports: [] },
  reason: 'neutral resolvers, TLS host and STUN servers answered',
};

function technique(s: PathStatus, path: ServicePath): Technique[] {
  if (s === 'blocked' || s === 'partially_blocked') return path === 'call' ? ['udp.no_response'] : ['tls.reset'];
  if (s === 'degraded') return ['throttled'];
  return [];
}

type Blocked = Extract<LayerVerdict, { status: 'blocked' }>;

/** A layer that is either blocked as `how` says or ok for `okReason`. */
function layer(
  name: LayerVerdict['layer'],
  blocked: boolean,
  how: Pick<Blocked, 'technique' | 'strength' | 'failure' | 'reason'>,
  okReason: string,
  ref: EvidenceRef,
): LayerVerdict {
  return blocked
    ? { layer: name, status: 'blocked', ...how, evidence: [ref] }
    : { layer: name, status: 'ok', reason: okReason, evidence: [ref] };
}

function target(service: string, i: number, path: ServicePath, s: PathStatus): TargetVerdict {
  const blocked = s === 'blocked' || s === 'partially_blocked';
  const host = `${path}${i}.${service}.example.net`;
  const tech = technique(s, path)[0];
  const outcome: TargetOutcome =
    blocked && tech
      ? { status: 'blocked', technique: tech, strength: 'strong' }
      : { status: s === 'inconclusive' ? 'inconclusive' : 'ok' };
  return {
    target: `${path}-${i}`,
    role: path,
    path,
    host,
    address: `157.240.${i}.${10 + i}`,
    port: path === 'call' ? 3478 : 443,
    ...outcome,
    informational: false,
    layers: [
      path === 'call'
        ? layer(
            'stun',
            blocked,
            {
              technique: 'udp.no_response',
              strength: 'strong',
              failure: 'generic_timeout_error',
              reason: 'Binding request unanswered while neutral STUN answered',
            },
            'Binding success response',
            { key: 'x_stun', index: 0 },
          )
        : layer(
            'tls',
            blocked,
            {
              technique: 'tls.reset',
              strength: 'strong',
              failure: 'connection_reset',
              reason: `ClientHello with SNI ${host} reset; neutral SNI completed`,
            },
            `TLSv1.3 handshake with ${host} completed`,
            { key: 'tls_handshakes', index: i },
          ),
    ],
    reason: blocked ? `${path} endpoint ${host} blocked` : `${path} endpoint ${host} reachable`,
  };
}

function verdict(service: string, v: Vantage, inconclusive: boolean): ServiceVerdict {
  const st = (path: ServicePath): PathStatus =>
    inconclusive
      ? 'inconclusive'
      : path === 'call'
        ? (v.call[service] ?? 'accessible')
        : path === 'chat'
          ? (v.chat?.[service] ?? 'accessible')
          : 'accessible';
  const paths: ServiceVerdict['paths'] = {};
  const targets: TargetVerdict[] = [];
  for (const p of ['chat', 'web', 'call'] as const) {
    const s = st(p);
    const blocked = s === 'blocked' ? 2 : 0;
    const common = {
      path: p,
      techniques: technique(s, p),
      counts: {
        ok: s === 'accessible' ? 2 : 0,
        blocked,
        failed: 0,
        inconclusive: s === 'inconclusive' ? 2 : 0,
        skipped: 0,
        total: 2,
      },
      reason: s === 'accessible' ? `every ${p} target answered` : `${p}: ${s}`,
    };
    paths[p] =
      s === 'blocked' || s === 'partially_blocked'
        ? { ...common, status: s, strength: 'strong' }
        : { ...common, status: s };
    targets.push(target(service, 1, p, s));
  }
  const statuses = Object.values(paths).map((p) => p!.status);
  const status: PathStatus = inconclusive
    ? 'inconclusive'
    : statuses.every((s) => s === 'accessible')
      ? 'accessible'
      : statuses.every((s) => s === 'blocked')
        ? 'blocked'
        : statuses.includes('blocked')
          ? 'partially_blocked'
          : 'degraded';
  const judged: Omit<ServiceVerdict, 'status' | 'strength'> = {
    service,
    paths,
    layers: {
      dns: { layer: 'dns', ok: 6, blocked: 0, failed: 0, inconclusive: 0, skipped: 0, techniques: [] },
      tls: { layer: 'tls', ok: 4, blocked: 0, failed: 0, inconclusive: 0, skipped: 0, techniques: [] },
      stun: {
        layer: 'stun',
        ok: status === 'accessible' ? 2 : 0,
        blocked: status === 'accessible' ? 0 : 2,
        failed: 0,
        inconclusive: 0,
        skipped: 0,
        techniques: [],
      },
    },
    targets,
    controls: inconclusive ? { ...CONTROLS, network: 'down', reason: 'no neutral server answered' } : CONTROLS,
    reason: `${service}: ${status}`,
  };
  return status === 'blocked' || status === 'partially_blocked'
    ? { ...judged, status, strength: 'strong' }
    : { ...judged, status };
}

/** A measurement with placeholders for the per-line fields, split so that lines are built by concatenation. */
function template(service: string, v: Vantage, inconclusive: boolean): string[] {
  const tk = {
    service,
    x_catalogue: { file: `probes/${service}.json`, sha256: '3f'.repeat(32) },
    x_interrupted: false,
    x_deadline_reached: false,
    x_controls: CONTROLS,
    x_controls_measurement_id: '@CTRL@',
    queries: [1, 2].map((i) => ({
      engine: 'udp' as const,
      resolver_address: '9.9.9.9:53',
      hostname: `chat${i}.${service}.example.net`,
      query_type: 'A' as const,
      answers: [{ answer_type: 'A' as const, ipv4: `157.240.${i}.${10 + i}`, ttl: 300 }],
      failure: null,
      rcode: 0,
      raw_response: 'q80BAAABAAEAAAAAA2UxMAh3aGF0c2FwcANuZXQAAAEAAcAMAAEAAQAAADwABJ3wAQE=',
      t0: 0.0012 * i,
      t: 0.0213 * i,
      transaction_id: i,
      x_resolver_role: 'local' as const,
    })),
    tcp_connect: [1, 2].map((i) => ({
      ip: `157.240.${i}.${10 + i}`,
      port: 443,
      status: { success: true, failure: null },
      t0: 0.05 + i / 100,
      t: 0.09 + i / 100,
      transaction_id: 10 + i,
      x_target: `chat-${i}`,
    })),
    tls_handshakes: [1].map((i) => ({
      network: 'tcp' as const,
      address: `157.240.${i}.${10 + i}:443`,
      server_name: `chat${i}.${service}.example.net`,
      tls_version: 'TLSv1.3',
      cipher_suite: 'TLS_AES_128_GCM_SHA256',
      negotiated_protocol: 'h2',
      peer_certificates: [],
      no_tls_verify: true,
      failure: null,
      t0: 0.1,
      t: 0.18,
      transaction_id: 20 + i,
      x_sni_kind: 'target' as const,
      x_validation: { ok: true, failure: null },
    })),
    requests: [
      {
        request: {
          method: 'GET',
          url: `https://www.${service}.example.net/`,
          headers_list: [['User-Agent', 'voipprobe/0.1.0']] as [string, string][],
        },
        response: {
          code: 200,
          headers_list: [['Content-Type', 'text/html']] as [string, string][],
          body: '<!doctype html><html><head><title>ok</title></head>',
          body_is_truncated: true,
        },
        failure: null,
        t0: 0.2,
        t: 0.41,
        transaction_id: 30,
        x_target: 'web-1',
      },
    ],
    network_events: [
      {
        operation: 'connect',
        address: '157.240.1.11:443',
        proto: 'tcp' as const,
        failure: null,
        t: 0.09,
        transaction_id: 11,
      },
    ],
    x_websocket: [],
    x_stun: [
      {
        address: '157.240.1.11:3478',
        transport: 'udp' as const,
        stun_transaction_id: 'a1b2c3d4e5f60718293a4b5c',
        sent: [0.1, 0.6, 1.6],
        response: null,
        malformed: [],
        failure: 'generic_timeout_error' as const,
        t0: 0.1,
        t: 3.1,
        transaction_id: 40,
      },
    ],
    x_traces: [],
    x_verdict: service === 'controls' ? null : verdict(service, v, inconclusive),
  };
  const m: Measurement = {
    id: '@ID@',
    data_format_version: '0.2.0',
    x_format_version: '1.0',
    report_id: '@RID@',
    input: '',
    measurement_start_time: '@TIME@',
    test_start_time: '@TIME@',
    test_runtime: 3.2,
    test_name: 'voipprobe',
    test_version: '0.1.0',
    software_name: 'voipprobe',
    software_version: '0.1.0',
    probe_asn: v.asn,
    probe_cc: v.cc,
    probe_ip: '127.0.0.1',
    probe_network_name: v.name,
    annotations: { platform: 'linux', engine_name: 'voipprobe' },
    extensions: {},
    options: [],
    x_access: v.access,
    x_vantage: v.label,
    test_keys: tk,
  };
  return JSON.stringify(m).split(/"@(ID|RID|TIME|CTRL)@"/);
}

function fill(parts: string[], vals: Record<string, string>): string {
  let s = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) s += JSON.stringify(vals[parts[i]!]) + parts[i + 1]!;
  return s;
}

function uuid(r: () => number): string {
  const h = () =>
    Math.floor(r() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  const a = h() + h() + h() + h();
  return `${a.slice(0, 8)}-${a.slice(8, 12)}-4${a.slice(13, 16)}-a${a.slice(17, 20)}-${a.slice(20, 32)}`;
}

export interface GeneratedSet {
  dir: string;
  lines: number;
  bytes: number;
  files: number;
  corrupt: number;
  torn: number;
}

/**
 * Writes about `lines` lines: runs of one controls line plus one line per service, one file per
 * vantage and day; a few corrupt lines, and a torn last line in some files.
 */
export function generateResults(
  dir: string,
  lines: number,
  days = 60,
  seed = 42,
  opts: { vantages?: readonly Vantage[] } = {},
): GeneratedSet {
  mkdirSync(dir, { recursive: true });
  const r = rng(seed);
  const vantages = opts.vantages ?? VANTAGES;
  const perRun = SERVICES.length + 1;
  const runs = Math.ceil(lines / perRun);
  const files = vantages.length * days;
  const runsPerFile = Math.ceil(runs / files);
  const tpl = new Map<string, string[]>();
  const key = (s: string, vi: number, inc: boolean) => `${s}|${vi}|${inc}`;
  for (const [vi, v] of vantages.entries()) {
    for (const s of [...SERVICES, 'controls']) {
      for (const inc of [false, true]) tpl.set(key(s, vi, inc), template(s, v, inc));
    }
  }
  const start = Date.UTC(2026, 8, 1);
  let written = 0;
  let bytes = 0;
  let corrupt = 0;
  let torn = 0;
  let nfiles = 0;
  for (let d = 0; d < days && written < lines; d++) {
    for (const [vi, v] of vantages.entries()) {
      if (written >= lines) break;
      const day = new Date(start + d * 86_400_000).toISOString().slice(0, 10);
      const file = join(dir, `${day}-${v.label}.jsonl`);
      const fd = openSync(file, 'w');
      nfiles++;
      let chunk: string[] = [];
      let chunkBytes = 0;
      const flush = () => {
        const buf = Buffer.from(chunk.join(''), 'utf8');
        writeSync(fd, buf);
        bytes += buf.length;
        chunk = [];
        chunkBytes = 0;
      };
      for (let k = 0; k < runsPerFile && written < lines; k++) {
        const secs = Math.floor((k * 86_400) / runsPerFile);
        const time = `${day} ${new Date(secs * 1000).toISOString().slice(11, 19)}`;
        const rid = `${day.replace(/-/g, '')}T${time.slice(11).replace(/:/g, '')}Z_voipprobe_${v.cc}_${v.asn.slice(2)}_n0_${uuid(r).slice(0, 16)}`;
        const inconclusive = r() < 0.05; // the controls failed on this run
        const ctrl = uuid(r);
        for (const s of ['controls', ...SERVICES]) {
          if (written >= lines) break;
          let line = fill(tpl.get(key(s, vi, inconclusive))!, {
            ID: s === 'controls' ? ctrl : uuid(r),
            RID: rid,
            TIME: time,
            CTRL: ctrl,
          });
          if (r() < 0.0001) {
            line = line.slice(0, Math.floor(line.length / 2)); // a corrupt line: half of one
            corrupt++;
          }
          chunk.push(line, '\n');
          chunkBytes += line.length + 1;
          written++;
          if (chunkBytes > 1 << 22) flush();
        }
      }
      if (r() < 0.05 && written < lines) {
        chunk.push('{"id":"torn-line","report_id":"x","measurement_start_time":"2026-0'); // cut short, no newline
        torn++;
        written++;
      }
      flush();
      closeSync(fd);
    }
  }
  return { dir, lines: written, bytes, files: nfiles, corrupt, torn };
}

/** A week of hourly runs from three Moroccan mobile networks (Maroc Telecom, Orange Maroc, Inwi): a typical dataset. */
export function generateWeek(dir: string, seed = 7): GeneratedSet {
  const three = [VANTAGES[0]!, VANTAGES[2]!, VANTAGES[3]!];
  return generateResults(dir, three.length * 7 * 24 * (SERVICES.length + 1), 7, seed, { vantages: three });
}
