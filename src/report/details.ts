// What a summary says about one path beyond its status, read from the latest measurement of it: why
// (the verdict's reason), where on the path a block sits and how strong the evidence is, and how good
// calls were when a test call measured them. The probe's lines grow new fields (evidence levels for the
// call path, the location of a censor, test-call quality from an outside helper); they are read here
// defensively and generically, by the names below, so that the report shows them as soon as lines
// carry them and never fails on a shape it does not know.

import type { ServicePath } from '../catalogue/schema.js';

export interface CallQuality {
  mos?: number;
  loss_pct?: number;
  jitter_ms?: number;
  rtt_ms?: number;
}

export interface PathDetails {
  /** The verdict's own sentence. */
  reason?: string;
  /** How strong the evidence is ("strong", "weak"), when the line says. */
  strength?: string;
  /** An evidence level in words ("answered by relay", "path open to the relay's network"...). */
  level?: string;
  /** Where on the path, in words ("blocked after the second hop, in AS6713"). */
  location?: string;
  quality?: CallQuality;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const MAX = 300;

function text(v: unknown): string | undefined {
  if (typeof v === 'string' && v.trim()) return v.length > MAX ? `${v.slice(0, MAX - 1)}…` : v;
  return undefined;
}

function firstText(o: Obj, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const t = text(o[k]);
    if (t) return t;
  }
  return undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function firstNum(o: Obj, keys: readonly string[]): number | undefined {
  for (const k of keys) {
    const n = num(o[k]);
    if (n !== undefined) return n;
  }
  return undefined;
}

/** A location as a string, or an object with a summary or parts (hop, address, ASN, network). */
export function locationText(v: unknown): string | undefined {
  const t = text(v);
  if (t) return t;
  if (!isObj(v)) return undefined;
  const said = firstText(v, ['summary', 'description', 'text', 'reason', 'where']);
  if (said) return said;
  const parts: string[] = [];
  const hop = num(v.hop) ?? num(v.ttl);
  if (hop !== undefined) parts.push(`hop ${hop}`);
  const addr = text(v.address) ?? text(v.ip);
  if (addr) parts.push(addr);
  const asn = text(v.asn) ?? (num(v.asn) !== undefined ? `AS${num(v.asn)}` : undefined);
  if (asn) parts.push(`in ${/^AS/i.test(asn) ? asn : `AS${asn}`}`);
  // The probe's PathLocation names the network's role (`vantage`, `beyond`, `relay`); its AS name says more.
  const ROLE_WORDS: Record<string, string | undefined> = {
    vantage: 'inside this network',
    beyond: 'between this network and the relay',
    relay: "the relay's network",
    unknown: undefined,
  };
  const role = typeof v.network === 'string' && v.network in ROLE_WORDS ? ROLE_WORDS[v.network] : text(v.network);
  const net = text(v.as_name) ?? text(v.network_name) ?? role;
  if (net) parts.push(`(${net})`);
  return parts.length ? parts.join(' ') : undefined;
}

/** Call quality from an object using any of the usual names (MOS, loss %, jitter and RTT in ms). */
export function qualityOf(v: unknown): CallQuality | undefined {
  if (!isObj(v)) return undefined;
  const q: CallQuality = {};
  const mos = firstNum(v, ['mos', 'MOS', 'mos_estimate']);
  const loss = firstNum(v, ['loss_pct', 'loss_percent', 'packet_loss_pct', 'loss']);
  const jitter = firstNum(v, ['jitter_ms', 'jitter']);
  const rtt = firstNum(v, ['rtt_ms', 'latency_ms', 'rtt']);
  if (mos !== undefined) q.mos = mos;
  if (loss !== undefined) q.loss_pct = loss;
  if (jitter !== undefined) q.jitter_ms = jitter;
  if (rtt !== undefined) q.rtt_ms = rtt;
  return Object.keys(q).length ? q : undefined;
}

const LEVEL_KEYS = ['level', 'evidence_level', 'evidence', 'x_level'];
const LOCATION_KEYS = ['location', 'where', 'x_location', 'blocked_at'];
const QUALITY_KEYS = ['quality', 'call_quality', 'x_quality', 'x_call_quality'];

function qualityIn(o: Obj): CallQuality | undefined {
  for (const k of QUALITY_KEYS) {
    const q = qualityOf(o[k]);
    if (q) return q;
  }
  return undefined;
}

/**
 * The quality of the test call a real call would be: the flow carrying the service's signature on its
 * call port (model/call-test.ts), worse direction for loss and jitter.
 */
function testCallQuality(v: unknown): CallQuality | undefined {
  if (!isObj(v) || !Array.isArray(v.flows)) return undefined;
  const flow = v.flows.find((f): f is Obj => isObj(f) && f.port_role === 'service' && f.scrambled === false);
  if (!flow) return qualityOf(v);
  const q: CallQuality = {};
  const mos = num(flow.mos);
  if (mos !== undefined) q.mos = mos;
  const dirs = [flow.up, flow.down].filter(isObj);
  const worst = (k: string) =>
    dirs
      .map((d) => num(d[k]))
      .filter((x): x is number => x !== undefined)
      .reduce<number | undefined>((a, b) => (a === undefined || b > a ? b : a), undefined);
  const loss = worst('loss_pct');
  if (loss !== undefined) q.loss_pct = loss;
  const jitter = worst('jitter_ms');
  if (jitter !== undefined) q.jitter_ms = jitter;
  const rtt = isObj(flow.rtt_ms) ? num(flow.rtt_ms.p50) : undefined;
  if (rtt !== undefined) q.rtt_ms = rtt;
  return Object.keys(q).length ? q : undefined;
}

/**
 * The details of one path in one of this probe's measurements: from the path's verdict, then (for the
 * call path) from the service's verdict and the test keys, where a test call's quality may be recorded.
 */
export function pathDetails(measurement: unknown, path: ServicePath | 'any'): PathDetails {
  const tk = isObj(measurement) && isObj(measurement.test_keys) ? measurement.test_keys : {};
  const verdict = isObj(tk.x_verdict) ? tk.x_verdict : {};
  const paths = isObj(verdict.paths) ? verdict.paths : {};
  const pv = path === 'any' ? verdict : isObj(paths[path]) ? (paths[path] as Obj) : {};
  const out: PathDetails = {};
  const reason = text(pv.reason);
  if (reason) out.reason = reason;
  const strength = text(pv.strength);
  if (strength) out.strength = strength;
  // A call path's evidence level and location sit in its `call` record (model/verdict.ts CallEvidence).
  const sources = [pv, ...(isObj(pv.call) ? [pv.call] : [])];
  for (const o of sources) {
    const level = text(o[LEVEL_KEYS.find((k) => typeof o[k] === 'string') ?? '']);
    if (level) out.level = level.replace(/_/g, ' ');
  }
  for (const o of sources) {
    const k = LOCATION_KEYS.find((key) => locationText(o[key]) !== undefined);
    if (k) out.location = locationText(o[k]);
  }
  const callQuality = () => testCallQuality(verdict.call_test) ?? qualityIn(verdict) ?? qualityIn(tk);
  const quality = qualityIn(pv) ?? (path === 'call' || path === 'any' ? callQuality() : undefined);
  if (quality) out.quality = quality;
  return out;
}

/** "MOS 3.9, loss 2 %, jitter 12 ms, RTT 80 ms". */
export function qualityWords(q: CallQuality): string {
  const parts: string[] = [];
  if (q.mos !== undefined) parts.push(`MOS ${q.mos.toFixed(1)}`);
  if (q.loss_pct !== undefined) parts.push(`loss ${Number(q.loss_pct.toFixed(1))} %`);
  if (q.jitter_ms !== undefined) parts.push(`jitter ${Math.round(q.jitter_ms)} ms`);
  if (q.rtt_ms !== undefined) parts.push(`RTT ${Math.round(q.rtt_ms)} ms`);
  return parts.join(', ');
}
