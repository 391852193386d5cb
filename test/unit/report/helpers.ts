// Test helpers: measurements in the shape `voipprobe run` writes, claims built from a few fields.

import type { Claim } from '../../../src/claims/schema.js';
import type { AccessLabel, Measurement } from '../../../src/model/measurement.js';
import type { PathStatus, PathVerdict, ServiceVerdict } from '../../../src/model/verdict.js';
import type { ReportLine } from '../../../src/report/input.js';

export const IAM = { key: 'iam', name: 'Maroc Telecom', asn: 'AS6713', country: 'MA' };
export const MEDITEL = { key: 'meditel', name: 'Meditel', asn: 'AS36925', country: 'MA', aliases: ['Orange Maroc'] };
export const INWI = { key: 'inwi', name: 'Inwi', asn: 'AS36884', country: 'MA' };

export const NETWORKS = {
  iamMobile: { asn: 'AS6713', cc: 'MA', name: 'Maroc Telecom', access: 'mobile' as AccessLabel, vantage: 'casa' },
  iamFixed: { asn: 'AS6713', cc: 'MA', name: 'Maroc Telecom', access: 'fixed' as AccessLabel, vantage: 'rabat' },
  iamWifi: { asn: 'AS6713', cc: 'MA', name: 'Maroc Telecom', access: 'wifi' as AccessLabel, vantage: 'cafe' },
  iamUnknown: { asn: 'AS6713', cc: 'MA', name: 'Maroc Telecom', access: 'unknown' as AccessLabel, vantage: 'x' },
  inwiMobile: { asn: 'AS36884', cc: 'MA', name: 'Inwi', access: 'mobile' as AccessLabel, vantage: 'tanger' },
  meditelMobile: { asn: 'AS36925', cc: 'MA', name: 'Orange Maroc', access: 'mobile' as AccessLabel, vantage: 'fez' },
  orangeFr: { asn: 'AS3215', cc: 'FR', name: 'Orange', access: 'fixed' as AccessLabel, vantage: 'paris' },
};
export type Network = (typeof NETWORKS)[keyof typeof NETWORKS];

let seq = 0;

/** A full measurement line: envelope, a few raw observations, and a verdict with the given path statuses. */
export function measurement(o: {
  service?: string;
  net?: Network;
  time?: string;
  status?: PathStatus;
  chat?: PathStatus;
  web?: PathStatus;
  call?: PathStatus;
  techniques?: Partial<Record<'chat' | 'web' | 'call', string[]>>;
  /** The evidence strength of a blocked path, when the line records it. */
  strength?: Partial<Record<'chat' | 'web' | 'call', 'strong' | 'weak'>>;
  id?: string;
  reportId?: string;
}): Measurement {
  const net = o.net ?? NETWORKS.iamMobile;
  const service = o.service ?? 'whatsapp';
  const time = o.time ?? '2026-11-23 10:00:00';
  const paths: ServiceVerdict['paths'] = {};
  for (const p of ['chat', 'web', 'call'] as const) {
    const s = o[p];
    if (!s) continue;
    // As lines written before a blocked path had to say its strength: the reporter reads those too.
    paths[p] = {
      path: p,
      status: s,
      techniques: (o.techniques?.[p] ??
        (s === 'blocked' ? [p === 'call' ? 'udp.no_response' : 'tls.reset'] : [])) as never,
      counts: { ok: 1, blocked: 0, failed: 0, inconclusive: 0, skipped: 0, total: 1 },
      ...(o.strength?.[p] ? { strength: o.strength[p] } : {}),
      reason: `${p} ${s}`,
    } as PathVerdict;
  }
  const statuses = Object.values(paths).map((p) => p!.status);
  const status =
    o.status ??
    (statuses.length === 0
      ? 'inconclusive'
      : statuses.every((s) => s === statuses[0])
        ? statuses[0]!
        : statuses.includes('blocked') || statuses.includes('partially_blocked')
          ? 'partially_blocked'
          : 'degraded');
  seq++;
  return {
    id: o.id ?? `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    data_format_version: '0.2.0',
    x_format_version: '1.0',
    report_id:
      o.reportId ?? `${time.slice(0, 10).replace(/-/g, '')}T100000Z_voipprobe_${net.cc}_${net.asn.slice(2)}_n0_abc`,
    input: '',
    measurement_start_time: time,
    test_start_time: time,
    test_runtime: 1.5,
    test_name: 'voipprobe',
    test_version: '0.1.0',
    software_name: 'voipprobe',
    software_version: '0.1.0',
    probe_asn: net.asn,
    probe_cc: net.cc,
    probe_ip: '127.0.0.1',
    probe_network_name: net.name,
    annotations: {},
    extensions: {},
    options: [],
    x_access: net.access,
    x_vantage: net.vantage,
    test_keys: {
      service,
      x_catalogue: { file: `probes/${service}.json`, sha256: 'ab'.repeat(32) },
      x_interrupted: false,
      x_deadline_reached: false,
      x_controls: {} as never,
      x_traces: [],
      x_controls_measurement_id: 'c',
      queries: [
        {
          engine: 'udp',
          resolver_address: '198.51.100.53:53',
          hostname: `e1.${service}.net`,
          query_type: 'A',
          answers: [{ answer_type: 'A', ipv4: '157.240.1.1', ttl: 60 }],
          failure: null,
          rcode: 0,
          t0: 0,
          t: 0.02,
          transaction_id: 1,
          x_resolver_role: 'local',
        },
      ],
      tcp_connect: [
        {
          ip: '157.240.1.1',
          port: 443,
          status: { success: true, failure: null },
          t0: 0.03,
          t: 0.05,
          transaction_id: 2,
        },
      ],
      tls_handshakes: [],
      requests: [],
      network_events: [],
      x_websocket: [],
      x_stun: [],
      x_verdict:
        service === 'controls'
          ? null
          : ({
              service,
              status,
              paths,
              layers: {},
              targets: [],
              controls: {} as never,
              reason: 'test',
            } as ServiceVerdict),
    },
  };
}

export function line(m: Measurement, file = 'results/a.jsonl', n = 1): ReportLine {
  return { file, line: n, measurement: m };
}

export async function* stream(ms: readonly Measurement[], file = 'results/a.jsonl'): AsyncGenerator<ReportLine> {
  let n = 0;
  for (const m of ms) yield line(m, file, ++n);
}

/** A claim with sensible defaults: Maroc Telecom, any access, WhatsApp calls blocked in November 2026. */
export function claim(o: Partial<Omit<Claim, 'operators'>> & { operators?: Claim['operators'] } = {}): Claim {
  return {
    id: o.id ?? 'c1',
    file: 'test-claims.json',
    source: o.source ?? {
      key: 's',
      file: 'doc.txt',
      outlet: 'Test Outlet',
      title: 'Test',
      language: 'en',
      published: { date: '2026-11-01', precision: 'day' },
    },
    origin: o.origin ?? 'document',
    speaker: o.speaker ?? { kind: 'author' },
    quote: o.quote ?? 'calls are blocked',
    ...(o.passage ? { passage: o.passage } : {}),
    country: o.country ?? 'MA',
    services: o.services ?? ['whatsapp'],
    operators: o.operators ?? [IAM],
    access: o.access ?? 'any',
    period: o.period ?? { from: '2026-11', to: null, precision: 'month' },
    effect: o.effect ?? 'blocked',
    paths: o.paths ?? ['call'],
    ...(o.technique ? { technique: o.technique } : {}),
    ...(o.scope ? { scope: o.scope } : {}),
  };
}

/** A source published on a given date (claims can only speak for days up to their publication). */
export function sourceOn(date: string): Claim['source'] {
  return {
    key: `s-${date}`,
    file: 'doc.txt',
    outlet: 'Test Outlet',
    title: 'Test',
    language: 'en',
    published: { date, precision: 'day' },
  };
}
