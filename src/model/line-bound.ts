// Every measurement line is bounded (MAX_LINE_BYTES), whatever the network sent: a line the collector
// refuses (413) would be refused for ever. One mechanism for every field: when a line is too long,
// one cap C is applied to every array and every string of the raw observations (test_keys' network
// records) — an array keeps its first element (itself capped) and as many more as serialise within C
// bytes, a string its longest prefix within C — with C the largest cap under which the line fits. Small records stay whole; only
// the largest ones are cut, evenly. What was cut is recorded in test_keys.x_trimmed.
//
// The top-level record arrays keep every element (a verdict's evidence points into them by index);
// only when the line still does not fit are they cut as well, and the note says so.

import type { Measurement, TrimCut, TrimNote } from './measurement.js';
import type { Observations } from './observations.js';

/** The largest line `voipprobe run` writes, newline excluded (the collector accepts 4 MiB). */
export const MAX_LINE_BYTES = 1024 * 1024;

/** The raw observation arrays: what the network fed, and what may be cut. */
const RECORD_KEYS = [
  'queries',
  'tcp_connect',
  'tls_handshakes',
  'requests',
  'network_events',
  'x_websocket',
  'x_stun',
] as const satisfies readonly (keyof Observations)[];

/** Notes kept in x_trimmed.cuts; more are counted. */
const MAX_NOTES = 32;
/** Room kept for the x_trimmed note itself (32 cuts). */
const noteReserve = (maxBytes: number) => Math.min(8 * 1024, Math.floor(maxBytes / 4));
/** The smallest cap tried before the top-level arrays are cut too. */
const MIN_CAP = 64;

type Node =
  | { kind: 'lit'; value: unknown; bytes: number }
  | { kind: 'str'; value: string; bytes: number }
  | { kind: 'arr'; items: Node[]; bytes: number; whole: boolean }
  | { kind: 'obj'; entries: { key: string; keyBytes: number; node: Node }[]; bytes: number };

const jsonBytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v) ?? 'null');

function build(v: unknown, whole = false): Node {
  if (typeof v === 'string') return { kind: 'str', value: v, bytes: jsonBytes(v) };
  if (Array.isArray(v)) {
    const items = v.map((x) => build(x));
    return {
      kind: 'arr',
      items,
      whole,
      bytes: 2 + Math.max(0, items.length - 1) + items.reduce((n, i) => n + i.bytes, 0),
    };
  }
  if (v && typeof v === 'object') {
    const entries = Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([key, x]) => ({ key, keyBytes: jsonBytes(key) + 1, node: build(x) }));
    return {
      kind: 'obj',
      entries,
      bytes: 2 + Math.max(0, entries.length - 1) + entries.reduce((n, e) => n + e.keyBytes + e.node.bytes, 0),
    };
  }
  return { kind: 'lit', value: v, bytes: jsonBytes(v) };
}

/** Size of `n` under cap `c`. */
function cappedBytes(n: Node, c: number): number {
  if (n.kind === 'lit') return n.bytes;
  if (n.kind === 'str') return Math.min(n.bytes, c);
  // An object is never cut itself (its fields are what a reader looks for), only what it holds.
  if (n.kind === 'obj')
    return (
      2 + Math.max(0, n.entries.length - 1) + n.entries.reduce((s, e) => s + e.keyBytes + cappedBytes(e.node, c), 0)
    );
  let total = 2;
  for (let i = 0; i < n.items.length; i++) {
    const add = cappedBytes(n.items[i]!, c) + (i > 0 ? 1 : 0);
    if (!n.whole && i > 0 && total + add > c) break;
    total += add;
  }
  return total;
}

/** The longest prefix of `s` whose JSON form fits in `max` bytes. */
function cutString(s: string, max: number): string {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (jsonBytes(s.slice(0, mid)) <= max) lo = mid;
    else hi = mid - 1;
  }
  // Never split a surrogate pair.
  const code = s.charCodeAt(lo - 1);
  return code >= 0xd800 && code <= 0xdbff ? s.slice(0, lo - 1) : s.slice(0, lo);
}

function materialise(n: Node, c: number, path: string, cuts: TrimCut[]): unknown {
  if (n.kind === 'lit') return n.value;
  if (n.kind === 'str') {
    if (n.bytes <= c) return n.value;
    const kept = cutString(n.value, c);
    cuts.push({
      path,
      unit: 'bytes',
      kept: Buffer.byteLength(kept),
      dropped: Buffer.byteLength(n.value) - Buffer.byteLength(kept),
    });
    return kept;
  }
  if (n.kind === 'obj') {
    const out: Record<string, unknown> = {};
    for (const e of n.entries) out[e.key] = materialise(e.node, c, `${path}.${e.key}`, cuts);
    return out;
  }
  const out: unknown[] = [];
  let total = 2;
  for (let i = 0; i < n.items.length; i++) {
    const add = cappedBytes(n.items[i]!, c) + (i > 0 ? 1 : 0);
    if (!n.whole && i > 0 && total + add > c) break;
    total += add;
    out.push(materialise(n.items[i]!, c, `${path}[${i}]`, cuts));
  }
  if (out.length < n.items.length)
    cuts.push({ path, unit: 'items', kept: out.length, dropped: n.items.length - out.length });
  return out;
}

/** Largest cap under which the records fit in `budget` bytes (MIN_CAP when none does). */
function largestCap(records: Node[], budget: number, upper: number): { cap: number; fits: boolean } {
  const size = (c: number) => records.reduce((s, r) => s + cappedBytes(r, c), 0);
  if (size(MIN_CAP) > budget) return { cap: MIN_CAP, fits: false };
  let lo = MIN_CAP;
  let hi = upper;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (size(mid) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return { cap: lo, fits: true };
}

/**
 * `m` itself when its line fits in `maxBytes`; else a copy whose raw observations are cut to fit, with
 * test_keys.x_trimmed saying what was cut. Pure.
 */
export function boundMeasurement(m: Measurement, maxBytes: number = MAX_LINE_BYTES): Measurement {
  const original = jsonBytes(m);
  if (original <= maxBytes) return m;
  const tk = m.test_keys as unknown as Record<string, unknown>;
  const keys = RECORD_KEYS.filter((k) => Array.isArray(tk[k]));
  const recordBytes = (nodes: Node[]) => nodes.reduce((s, n) => s + n.bytes, 0);
  const attempt = (wholeTopLevel: boolean) => {
    const nodes = keys.map((k) => build(tk[k], wholeTopLevel));
    const fixed = original - recordBytes(nodes);
    return {
      nodes,
      ...largestCap(nodes, maxBytes - fixed - noteReserve(maxBytes), Math.max(MIN_CAP, ...nodes.map((n) => n.bytes))),
    };
  };
  // First keep every record (evidence points into them by index); cut the records themselves only if that cannot fit.
  let a = attempt(true);
  if (!a.fits) a = attempt(false);
  const cuts: TrimCut[] = [];
  const records: Record<string, unknown> = {};
  keys.forEach((k, i) => {
    records[k] = a.fits ? materialise(a.nodes[i]!, a.cap, `test_keys.${k}`, cuts) : [];
    if (!a.fits && (tk[k] as unknown[]).length)
      cuts.push({ path: `test_keys.${k}`, unit: 'items', kept: 0, dropped: (tk[k] as unknown[]).length });
  });
  // Bounding a line bound before (after scrubbing lengthened it) adds to its note.
  const prior = m.test_keys.x_trimmed;
  const all = [...(prior?.cuts ?? []), ...cuts];
  const note: TrimNote = {
    max_line_bytes: maxBytes,
    original_bytes: prior?.original_bytes ?? original,
    cuts: all.slice(0, MAX_NOTES),
    more_cuts: (prior?.more_cuts ?? 0) + Math.max(0, all.length - MAX_NOTES),
  };
  return { ...m, test_keys: { ...m.test_keys, ...records, x_trimmed: note } as Measurement['test_keys'] };
}
