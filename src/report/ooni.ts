// OONI Probe measurements as evidence. OONI publishes every measurement (JSONL, its data format
// df-000 and the test specifications ts-018 whatsapp, ts-019 facebook_messenger, ts-020 telegram,
// ts-025 stunreachability, ts-029 signal, ts-017 web_connectivity). Each experiment covers some paths
// of a service and none covers calls: the whatsapp test connects to the chat endpoints and fetches the
// registration server and WhatsApp Web, never a call relay. So an OONI measurement is evidence for the
// paths it covers, and a service whose call path it did not measure is never "accessible" from it.
//
// The readings follow OONI's own pipeline (ooni/backend fastpath scoring) rather than the keys the probe
// wrote where OONI stopped trusting them: the whatsapp probe's own status keys are ignored (probe-engine
// issue 341) and the requests and TCP connects are read instead; telegram's blocking flags likewise;
// signal measurements of versions and dates OONI marks as unreliable are not used; any "unknown_failure"
// makes a measurement unusable; web_connectivity's "blocking" is an anomaly, never a confirmation.
// Unusable parts become `inconclusive` with the caveat as the reason, never a block.

import type { ServicePath } from '../catalogue/schema.js';
import type { PathStatus } from '../model/verdict.js';

export const OONI_TESTS = [
  'whatsapp',
  'signal',
  'telegram',
  'facebook_messenger',
  'stunreachability',
  'web_connectivity',
] as const;
export type OoniTest = (typeof OONI_TESTS)[number];
const OONI_SET: ReadonlySet<string> = new Set(OONI_TESTS);

/** "Context" services: network-wide evidence (STUN to public servers) that no claim about a service reads. */
export const CONTEXT_SERVICES: ReadonlySet<string> = new Set(['stun']);

export interface OoniPath {
  path: ServicePath;
  status: PathStatus;
  techniques: string[];
  strength?: 'strong' | 'weak';
  /** Why: what the test keys say, or the caveat that made them unusable. */
  reason: string;
}

export interface OoniReading {
  service: string;
  /** The service as a whole: never `accessible`, since no OONI test measures calls. */
  status: PathStatus;
  paths: OoniPath[];
  /** What the experiment does not cover, for the reader. */
  covers: string;
}

export function isOoniTestName(name: unknown): name is OoniTest {
  return typeof name === 'string' && OONI_SET.has(name);
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** "0.2.10" > "0.2.9": numeric comparison of dotted versions (anything else counts as 0). */
export function versionLess(a: string, b: string): boolean {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

/** OONI marks a measurement unusable when any "*_failure" key holds an "unknown_failure". */
function unknownFailure(tk: Obj): string | undefined {
  for (const [k, v] of Object.entries(tk))
    if (k.endsWith('_failure') && typeof v === 'string' && v.startsWith('unknown_failure')) return k;
  return undefined;
}

/** TCP connects that worked, and the failures of those that did not (df-005 `tcp_connect`). */
function tcpConnects(tk: Obj): { ok: number; failures: (string | undefined)[] } {
  let ok = 0;
  const failures: (string | undefined)[] = [];
  for (const c of arr(tk.tcp_connect).map(obj)) {
    const st = obj(c.status);
    if (st.success === true) ok++;
    else if (st.success === false) failures.push(str(st.failure));
  }
  return { ok, failures };
}

/** A failure OONI records as a censorship signature (a reset) is strong; timeouts and the rest are weak. */
function strengthOf(failures: readonly (string | undefined)[]): 'strong' | 'weak' {
  return failures.length > 0 && failures.every((f) => f === 'connection_reset') ? 'strong' : 'weak';
}

function combine(parts: readonly PathStatus[]): PathStatus {
  const decisive = parts.filter((p) => p !== 'inconclusive');
  if (decisive.length === 0) return 'inconclusive';
  if (decisive.every((p) => p === 'accessible'))
    return parts.length === decisive.length ? 'accessible' : 'inconclusive';
  if (decisive.every((p) => p === 'blocked')) return 'blocked';
  return 'partially_blocked';
}

/**
 * The service as a whole from the covered paths: partly blocked when a covered path is blocked (the
 * calls, and any path the test skips, were not measured, so never "blocked" as a whole), otherwise
 * unknown: never "accessible", since no OONI test measures calls.
 */
function serviceStatus(paths: readonly OoniPath[]): PathStatus {
  return paths.some((p) => p.status === 'blocked' || p.status === 'partially_blocked')
    ? 'partially_blocked'
    : 'inconclusive';
}

function inconclusive(path: ServicePath, reason: string): OoniPath {
  return { path, status: 'inconclusive', techniques: [], reason };
}

function blockedOrOk(path: ServicePath, ok: boolean, failure: string | undefined, what: string): OoniPath {
  return ok
    ? { path, status: 'accessible', techniques: [], reason: `${what} worked` }
    : {
        path,
        status: 'blocked',
        techniques: [`ooni:${failure ?? 'failed'}`],
        strength: strengthOf([failure]),
        reason: `${what} failed (${failure ?? 'no failure string'})`,
      };
}

/** Days on which a service's own servers misbehaved worldwide: failures then are not counted as blocking. */
const OUTAGES: readonly { test: OoniTest; from: string; to: string; why: string }[] = [
  {
    test: 'whatsapp',
    from: '2026-01-17',
    to: '2026-01-20',
    why: "WhatsApp's servers stopped accepting TCP on port 5222 worldwide (ooni/probe issue 2869)",
  },
];

function whatsapp(m: Obj, tk: Obj): OoniReading {
  const covers = 'chat (endpoints e1-e16 and the registration server) and web (web.whatsapp.com); not calls';
  const bad = (why: string): OoniReading => ({
    service: 'whatsapp',
    status: 'inconclusive',
    paths: [inconclusive('chat', why), inconclusive('web', why)],
    covers,
  });
  const unk = unknownFailure(tk);
  if (unk) return bad(`${unk} holds an unknown_failure: OONI does not use such measurements`);
  const requests = arr(tk.requests).map(obj);
  if (requests.length === 0) return bad('no HTTP requests recorded: OONI does not use such measurements');
  let web: Obj | undefined;
  let reg: Obj | undefined;
  for (const r of requests) {
    const url = str(obj(r.request).url);
    if (url === 'https://web.whatsapp.com/') web = r;
    else if (url === 'https://v.whatsapp.net/v2/register') reg = r;
  }
  if (!web || !reg) return bad('the web or registration request is missing: OONI does not use such measurements');
  const day = str(m.measurement_start_time)?.slice(0, 10) ?? '';
  const outage = OUTAGES.find((o) => o.test === 'whatsapp' && day >= o.from && day <= o.to);
  // ooniprobe 2.1.0-2.3.0 sent no browser headers and was sent to an "unsupported browser" page.
  const oldProbe =
    str(m.software_name) === 'ooniprobe' && ['2.1.0', '2.2.0', '2.3.0'].includes(str(m.software_version) ?? '');
  const webFailure = str(web.failure);
  const webPath =
    webFailure && oldProbe
      ? inconclusive(
          'web',
          `ooniprobe ${str(m.software_version)} reported WhatsApp Web blocked where the site sent it to an "unsupported browser" page: a known false positive`,
        )
      : blockedOrOk('web', !webFailure, webFailure, 'fetching https://web.whatsapp.com/');
  const regFailure = str(reg.failure);
  const { ok, failures } = tcpConnects(tk);
  let endpoints: PathStatus;
  if (ok > 0) endpoints = 'accessible';
  else if (failures.length === 0) endpoints = 'inconclusive';
  else endpoints = 'blocked';
  const regStatus: PathStatus = regFailure ? 'blocked' : 'accessible';
  let chat: OoniPath;
  if (outage && (endpoints === 'blocked' || regFailure))
    chat = inconclusive('chat', `failures on ${day} are not counted: ${outage.why}`);
  else {
    const status = combine([endpoints, regStatus]);
    const failed = [...(endpoints === 'blocked' ? failures : []), ...(regFailure ? [regFailure] : [])];
    chat = {
      path: 'chat',
      status,
      techniques: [...new Set(failed.map((f) => `ooni:${f ?? 'failed'}`))],
      ...(status === 'blocked' || status === 'partially_blocked' ? { strength: strengthOf(failed) } : {}),
      reason: `chat endpoints: ${ok} of ${ok + failures.length} TCP connects worked; registration server ${regFailure ? `failed (${regFailure})` : 'worked'}`,
    };
  }
  const paths = [chat, webPath];
  return { service: 'whatsapp', status: serviceStatus(paths), paths, covers };
}

function signal(m: Obj, tk: Obj): OoniReading {
  const covers =
    'the Signal backend over HTTPS (chat; its check of the calling server is HTTPS, not the call path); not calls';
  const bad = (why: string): OoniReading => ({
    service: 'signal',
    status: 'inconclusive',
    paths: [inconclusive('chat', why)],
    covers,
  });
  if (tk.failed_operation !== null && tk.failed_operation !== undefined)
    return bad(`failed_operation "${String(tk.failed_operation)}": the test did not complete`);
  if (tk.failure !== null && tk.failure !== undefined)
    return bad(`failure "${String(tk.failure)}": the test did not complete`);
  const tv = str(m.test_version) ?? '0.0.0';
  const day = str(m.measurement_start_time)?.slice(0, 10) ?? '';
  const ev = str(obj(m.annotations).engine_version) ?? '0.0.0';
  if (tv === '0.2.4') return bad('signal test 0.2.4 gave false positives (ooni/probe issue 2636)');
  if (!versionLess('0.2.3', tv) && day >= '2023-11-07')
    return bad(`signal test ${tv} used an endpoint Signal retired in November 2023 (ooni/probe issue 2627)`);
  if (versionLess(tv, '0.2.2') && day >= '2022-10-19')
    return bad(`signal test ${tv} predates a certificate change of October 2022`);
  if (versionLess(ev, '3.17.2') && day >= '2023-05-02')
    return bad(`engine ${ev} is known to misreport Signal from May 2023 (ooni/backend issue 679)`);
  const st = tk.signal_backend_status;
  if (st !== 'ok' && st !== 'blocked') return bad('signal_backend_status is neither "ok" nor "blocked"');
  const p = blockedOrOk('chat', st === 'ok', str(tk.signal_backend_failure), "reaching Signal's backend");
  return { service: 'signal', status: serviceStatus([p]), paths: [p], covers };
}

function telegram(_m: Obj, tk: Obj): OoniReading {
  const covers = 'chat (the data centres, by TCP and HTTP) and web (web.telegram.org); not calls';
  const unk = unknownFailure(tk);
  if (unk)
    return {
      service: 'telegram',
      status: 'inconclusive',
      paths: [
        inconclusive('chat', `${unk} holds an unknown_failure`),
        inconclusive('web', `${unk} holds an unknown_failure`),
      ],
      covers,
    };
  const { ok: tcpOk, failures: tcpFail } = tcpConnects(tk);
  let httpOk = 0;
  const httpFail: (string | undefined)[] = [];
  for (const r of arr(tk.requests).map(obj)) {
    const url = str(obj(r.request).url);
    if (url === undefined)
      return {
        service: 'telegram',
        status: 'inconclusive',
        paths: [
          inconclusive('chat', 'a request without a URL (a probe bug)'),
          inconclusive('web', 'a request without a URL (a probe bug)'),
        ],
        covers,
      };
    if (/^https?:\/\/web\.telegram\.org\/$/.test(url)) continue;
    if (r.failure === null || r.failure === undefined) httpOk++;
    else httpFail.push(str(r.failure));
  }
  const okN = tcpOk + httpOk;
  const failed = [...tcpFail, ...httpFail];
  // Any failure among working data centres is partial blocking (OONI's "one success is enough" hid
  // partial blocking in Brazil, ooni/probe issue 2466); none at all working is blocking.
  const status: PathStatus =
    okN + failed.length === 0
      ? 'inconclusive'
      : failed.length === 0
        ? 'accessible'
        : okN === 0
          ? 'blocked'
          : 'partially_blocked';
  const chat: OoniPath = {
    path: 'chat',
    status,
    techniques: [...new Set(failed.map((f) => `ooni:${f ?? 'failed'}`))],
    reason: `data centres: ${tcpOk} of ${tcpOk + tcpFail.length} TCP connects and ${httpOk} of ${httpOk + httpFail.length} HTTP requests worked`,
  };
  if (chat.status === 'blocked' || chat.status === 'partially_blocked') chat.strength = strengthOf(failed);
  const ws = tk.telegram_web_status;
  const web =
    ws === 'ok' || ws === 'blocked'
      ? blockedOrOk('web', ws === 'ok', str(tk.telegram_web_failure), 'fetching https://web.telegram.org/')
      : inconclusive('web', 'telegram_web_status not recorded');
  const paths = [chat, web];
  return { service: 'telegram', status: serviceStatus(paths), paths, covers };
}

function messenger(_m: Obj, tk: Obj): OoniReading {
  const covers = "chat (TCP to Facebook Messenger's endpoints); not calls";
  const reach = Object.entries(tk).filter(([k, v]) => /^facebook_.*_reachable$/.test(k) && typeof v === 'boolean');
  if (reach.length === 0)
    return {
      service: 'messenger',
      status: 'inconclusive',
      paths: [inconclusive('chat', 'no facebook_*_reachable keys')],
      covers,
    };
  const down = reach.filter(([, v]) => v === false).map(([k]) => k.replace(/^facebook_|_reachable$/g, ''));
  const dnsOdd = Object.entries(tk)
    .filter(([k, v]) => /^facebook_.*_dns_consistent$/.test(k) && v === false)
    .map(([k]) => k.replace(/^facebook_|_dns_consistent$/g, ''));
  // OONI's DNS check compares each answer's ASN with Meta's: Meta also serves from other networks, so an
  // "inconsistent" answer alone is not read as blocking (the fastpath ignores the probe's dns_blocking flag).
  const note = dnsOdd.length
    ? `; DNS answers outside Meta's network for ${dnsOdd.join(', ')} (not counted: OONI's ASN check has false positives)`
    : '';
  const status: PathStatus =
    down.length === 0 ? 'accessible' : down.length === reach.length ? 'blocked' : 'partially_blocked';
  const chat: OoniPath = {
    path: 'chat',
    status,
    techniques: down.length ? ['ooni:tcp_blocking'] : [],
    ...(down.length ? { strength: 'weak' as const } : {}),
    reason: `${reach.length - down.length} of ${reach.length} endpoints reachable${down.length ? ` (not: ${down.join(', ')})` : ''}${note}`,
  };
  return { service: 'messenger', status: serviceStatus([chat]), paths: [chat], covers };
}

function stun(_m: Obj, tk: Obj): OoniReading {
  const covers =
    'one STUN Binding request to a public STUN server: the network lets STUN through or not; says nothing about any service';
  const endpoint = str(tk.endpoint) ?? 'a STUN server';
  const failure = str(tk.failure);
  const p: OoniPath = failure
    ? {
        path: 'call',
        status: 'blocked',
        techniques: [`ooni:${failure}`],
        strength: 'weak',
        reason: `STUN to ${endpoint} failed (${failure}); one server, so an outage there reads the same`,
      }
    : { path: 'call', status: 'accessible', techniques: [], reason: `STUN to ${endpoint} answered` };
  return { service: 'stun', status: 'inconclusive', paths: [p], covers };
}

/**
 * The services' own domains, for web_connectivity inputs: a URL on one of them is evidence for that
 * service's web path. Hostnames the catalogue measures are added by the caller.
 */
export const SERVICE_DOMAINS: Readonly<Record<string, readonly string[]>> = {
  whatsapp: ['whatsapp.com', 'whatsapp.net'],
  skype: ['skype.com'],
  viber: ['viber.com'],
  signal: ['signal.org'],
  telegram: ['telegram.org', 't.me'],
  facetime: ['facetime.apple.com'],
  tango: ['tango.me'],
  teamspeak: ['teamspeak.com'],
};

export function serviceOfUrl(input: string, extraHosts: ReadonlyMap<string, string> = new Map()): string | undefined {
  let host: string;
  try {
    host = new URL(input).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  const exact = extraHosts.get(host);
  if (exact) return exact;
  for (const [service, domains] of Object.entries(SERVICE_DOMAINS))
    if (domains.some((d) => host === d || host.endsWith(`.${d}`))) return service;
  return undefined;
}

function webConnectivity(m: Obj, tk: Obj, hosts: ReadonlyMap<string, string>): OoniReading | null {
  const input = str(m.input);
  const service = input ? serviceOfUrl(input, hosts) : undefined;
  if (!service) return null;
  const covers = `the web path only (${input})`;
  const one = (p: OoniPath): OoniReading => ({ service, status: serviceStatus([p]), paths: [p], covers });
  const unk = unknownFailure(tk);
  if (unk) return one(inconclusive('web', `${unk} holds an unknown_failure`));
  const blocking = tk.blocking;
  if (tk.accessible === null || blocking === null || blocking === undefined)
    return one(inconclusive('web', 'the control or the measurement failed (accessible/blocking not set)'));
  if (blocking === false)
    return one({ path: 'web', status: 'accessible', techniques: [], reason: `${input} loaded as from OONI's control` });
  if (typeof blocking === 'string' && ['dns', 'tcp_ip', 'http-failure', 'http-diff'].includes(blocking))
    return one({
      path: 'web',
      status: 'blocked',
      techniques: [`ooni:${blocking}`],
      strength: 'weak',
      reason: `${input}: anomaly "${blocking}" (an anomaly, not a confirmed block: OONI confirms only with a known block page)`,
    });
  return one(inconclusive('web', `unexpected blocking value ${JSON.stringify(blocking)?.slice(0, 40)}`));
}

/** An OONI measurement read as evidence, or null when it concerns no service we report on. */
export function readOoni(m: unknown, hosts: ReadonlyMap<string, string> = new Map()): OoniReading | null {
  const o = obj(m);
  const tk = obj(o.test_keys);
  switch (o.test_name) {
    case 'whatsapp':
      return whatsapp(o, tk);
    case 'signal':
      return signal(o, tk);
    case 'telegram':
      return telegram(o, tk);
    case 'facebook_messenger':
      return messenger(o, tk);
    case 'stunreachability':
      return stun(o, tk);
    case 'web_connectivity':
      return webConnectivity(o, tk, hosts);
    default:
      return null;
  }
}

/** OONI Explorer's page for a measurement (text only: the report never fetches anything). */
export function explorerUrl(m: {
  measurement_uid?: unknown;
  report_id?: unknown;
  input?: unknown;
}): string | undefined {
  if (typeof m.measurement_uid === 'string' && m.measurement_uid)
    return `https://explorer.ooni.org/m/${m.measurement_uid}`;
  if (typeof m.report_id === 'string' && m.report_id) {
    const q = typeof m.input === 'string' && m.input ? `?input=${encodeURIComponent(m.input)}` : '';
    return `https://explorer.ooni.org/measurement/${m.report_id}${q}`;
  }
  return undefined;
}
