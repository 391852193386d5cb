// A validating JSON scanner over raw bytes that records where a handful of fields sit, so that the
// reporter can read a measurement's envelope and verdict without building objects for its kilobytes
// of raw observations. It accepts only text that JSON.parse accepts (it is a strict, complete
// grammar check); anything it is unsure about (an escaped key where a field is looked up, a root that
// is not an object, nesting deeper than MAX_DEPTH) makes it return false, and the caller then falls
// back to JSON.parse, which decides. So a false negative costs time, never correctness.

import { MAX_JSON_DEPTH } from '../util/json-locate.js';

/** Field ids: where a value's span is recorded in `spanStart`/`spanEnd`. */
export const F = {
  id: 1,
  report_id: 2,
  measurement_start_time: 3,
  test_name: 4,
  probe_asn: 5,
  probe_cc: 6,
  probe_network_name: 7,
  x_access: 8,
  x_vantage: 9,
  test_keys: 10,
  service: 11,
  x_verdict: 12,
  verdict_status: 13,
  verdict_paths: 14,
  chat: 15,
  chat_status: 16,
  chat_techniques: 17,
  web: 18,
  web_status: 19,
  web_techniques: 20,
  call: 21,
  call_status: 22,
  call_techniques: 23,
  annotations: 24,
  geoip_attribution: 25,
  simulation: 26,
  chat_strength: 27,
  web_strength: 28,
  call_strength: 29,
} as const;
const FIELD_COUNT = 30;

/** Containers we look inside: the root object, test_keys, x_verdict, its paths, and each path. */
const N_ROOT = 1;
const N_TEST_KEYS = 2;
const N_VERDICT = 3;
const N_PATHS = 4;
const N_CHAT = 5;
const N_WEB = 6;
const N_CALL = 7;
const N_ANNOTATIONS = 8;

const KEYS_BY_NODE: Record<number, Record<string, number>> = {
  [N_ROOT]: {
    id: F.id,
    report_id: F.report_id,
    measurement_start_time: F.measurement_start_time,
    test_name: F.test_name,
    probe_asn: F.probe_asn,
    probe_cc: F.probe_cc,
    probe_network_name: F.probe_network_name,
    x_access: F.x_access,
    x_vantage: F.x_vantage,
    test_keys: F.test_keys,
    annotations: F.annotations,
  },
  [N_TEST_KEYS]: { service: F.service, x_verdict: F.x_verdict },
  [N_VERDICT]: { status: F.verdict_status, paths: F.verdict_paths },
  [N_PATHS]: { chat: F.chat, web: F.web, call: F.call },
  [N_CHAT]: { status: F.chat_status, techniques: F.chat_techniques, strength: F.chat_strength },
  [N_WEB]: { status: F.web_status, techniques: F.web_techniques, strength: F.web_strength },
  [N_CALL]: { status: F.call_status, techniques: F.call_techniques, strength: F.call_strength },
  // The IP-to-ASN/country data credit a measurement carries when it used the offline databases, and
  // the mark `voipprobe demo` puts on simulated lines.
  [N_ANNOTATIONS]: { x_geoip_attribution: F.geoip_attribution, x_simulation: F.simulation },
};
/** Per node, per key length: the candidate keys' bytes and their fields (parallel arrays). */
const KEY_BYTES: Uint8Array[][][] = [];
const KEY_FIELDS: number[][][] = [];
for (const [node, keys] of Object.entries(KEYS_BY_NODE)) {
  const bytes: Uint8Array[][] = [];
  const fields: number[][] = [];
  for (const [k, f] of Object.entries(keys)) {
    (bytes[k.length] ??= []).push(Uint8Array.from(Buffer.from(k, 'latin1')));
    (fields[k.length] ??= []).push(f);
  }
  KEY_BYTES[Number(node)] = bytes;
  KEY_FIELDS[Number(node)] = fields;
}
/** The container a field's object value opens (0: not looked inside). */
const CHILD_NODE = new Uint8Array(FIELD_COUNT);
CHILD_NODE[F.test_keys] = N_TEST_KEYS;
CHILD_NODE[F.x_verdict] = N_VERDICT;
CHILD_NODE[F.verdict_paths] = N_PATHS;
CHILD_NODE[F.chat] = N_CHAT;
CHILD_NODE[F.web] = N_WEB;
CHILD_NODE[F.call] = N_CALL;
CHILD_NODE[F.annotations] = N_ANNOTATIONS;
/** Fields inside a field's value: cleared when the field is (re)assigned, since a later duplicate key wins. */
const DESCENDANTS: number[][] = Array.from({ length: FIELD_COUNT }, () => []);
const descend = (f: number): number[] => {
  const node = CHILD_NODE[f]!;
  if (!node) return [];
  return Object.values(KEYS_BY_NODE[node]!).flatMap((c) => [c, ...descend(c)]);
};
for (let f = 1; f < FIELD_COUNT; f++) DESCENDANTS[f] = descend(f);

/** Deeper lines are left to the slow path, which refuses them as every reader does. */
export const MAX_DEPTH = MAX_JSON_DEPTH;
const kind = new Uint8Array(MAX_DEPTH); // 1 object, 2 array
const nodeAt = new Uint8Array(MAX_DEPTH);
const fieldAt = new Uint8Array(MAX_DEPTH);

/** Byte offsets of each recorded value ([start, end)); -1 when absent. Valid until the next scan. */
export const spanStart = new Int32Array(FIELD_COUNT);
export const spanEnd = new Int32Array(FIELD_COUNT);

let sawEscape = false;

/** Bytes that stand for themselves inside a string: not a quote, a backslash or a control byte. */
const PLAIN = new Uint8Array(256).fill(1);
for (let c = 0; c < 32; c++) PLAIN[c] = 0;
PLAIN[34] = 0;
PLAIN[92] = 0;

function isHex(h: number): boolean {
  return (h >= 48 && h <= 57) || (h >= 65 && h <= 70) || (h >= 97 && h <= 102);
}

/**
 * b[i] is a quote; returns the offset after the closing quote, or -1. No bound check in the loop: the
 * caller guarantees a control byte (< 0x20) right after the text, which ends any string.
 */
function skipString(b: Uint8Array, i: number): number {
  i++;
  for (;;) {
    while (PLAIN[b[i]!] === 1) i++;
    const c = b[i]!;
    if (c === 34) return i + 1;
    if (c === 92) {
      sawEscape = true;
      const d = b[i + 1];
      if (d === 34 || d === 92 || d === 47 || d === 98 || d === 102 || d === 110 || d === 114 || d === 116) {
        i += 2;
        continue;
      }
      if (d === 117 && isHex(b[i + 2]!) && isHex(b[i + 3]!) && isHex(b[i + 4]!) && isHex(b[i + 5]!)) {
        i += 6;
        continue;
      }
      return -1;
    }
    // A control byte ends the scan; so does running off the buffer (undefined), should a caller forget the sentinel.
    if (!(c >= 32)) return -1;
    i++;
  }
}

function matchKey(b: Uint8Array, s: number, e: number, node: number): number {
  const len = e - s;
  const cands = KEY_BYTES[node]![len];
  if (cands === undefined) return 0;
  for (let n = 0; n < cands.length; n++) {
    const k = cands[n]!;
    let j = 0;
    while (j < len && b[s + j] === k[j]) j++;
    if (j === len) return KEY_FIELDS[node]![len]![n]!;
  }
  return 0;
}

let keyField = 0;

/** At a key's opening quote: the offset after the colon; -1 when not JSON, -2 for an escaped key we would have to look up. */
function readKey(b: Uint8Array, i: number, end: number, node: number): number {
  if (b[i] !== 34) return -1;
  sawEscape = false;
  const after = skipString(b, i);
  if (after < 0) return -1;
  keyField = 0;
  if (node !== 0) {
    if (sawEscape) return -2;
    keyField = matchKey(b, i + 1, after - 1, node);
  }
  i = after;
  let c: number;
  while (i < end && (c = b[i]!) <= 32 && (c === 32 || c === 9 || c === 10 || c === 13)) i++;
  if (b[i] !== 58) return -1;
  return i + 1;
}

function startField(f: number, at: number): void {
  spanStart[f] = at;
  spanEnd[f] = -1;
  for (const d of DESCENDANTS[f]!) {
    spanStart[d] = -1;
    spanEnd[d] = -1;
  }
}

/**
 * True when b[start, end) is one JSON object (surrounded by JSON whitespace at most) and the spans of
 * the fields in F were recorded; false when it is not, or when the scanner is not sure. b[end] must be
 * a control byte (the line's \n or \r, or a sentinel the caller writes): it bounds string scanning.
 */
export function scanMeasurement(b: Uint8Array, start: number, end: number): boolean {
  spanStart.fill(-1);
  spanEnd.fill(-1);
  if (!(end < b.length && b[end]! < 32)) return false;
  let i = start;
  let c = 0;
  let sp = 0;
  let pending = 0;
  while (i < end && (c = b[i]!) <= 32 && (c === 32 || c === 9 || c === 10 || c === 13)) i++;
  if (b[i] !== 123) return false;
  value: for (;;) {
    while (i < end && (c = b[i]!) <= 32 && (c === 32 || c === 9 || c === 10 || c === 13)) i++;
    if (i >= end) return false;
    const f = pending;
    pending = 0;
    if (f !== 0) startField(f, i);
    if (c === 34) {
      i = skipString(b, i);
      if (i < 0) return false;
    } else if (c === 123 || c === 91) {
      if (sp >= MAX_DEPTH) return false;
      const isObj = c === 123;
      kind[sp] = isObj ? 1 : 2;
      fieldAt[sp] = f;
      nodeAt[sp] = !isObj ? 0 : sp === 0 ? N_ROOT : CHILD_NODE[f]!;
      sp++;
      i++;
      while (i < end && (c = b[i]!) <= 32 && (c === 32 || c === 9 || c === 10 || c === 13)) i++;
      if (c === (isObj ? 125 : 93)) {
        i++;
        sp--;
        if (f !== 0) spanEnd[f] = i;
      } else if (isObj) {
        i = readKey(b, i, end, nodeAt[sp - 1]!);
        if (i < 0) return false;
        pending = keyField;
        continue;
      } else continue;
    } else if (c === 116) {
      if (b[i + 1] !== 114 || b[i + 2] !== 117 || b[i + 3] !== 101) return false;
      i += 4;
    } else if (c === 102) {
      if (b[i + 1] !== 97 || b[i + 2] !== 108 || b[i + 3] !== 115 || b[i + 4] !== 101) return false;
      i += 5;
    } else if (c === 110) {
      if (b[i + 1] !== 117 || b[i + 2] !== 108 || b[i + 3] !== 108) return false;
      i += 4;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      if (c === 45) c = b[++i]!;
      if (c === 48) i++;
      else if (c >= 49 && c <= 57) {
        i++;
        while ((c = b[i]!) >= 48 && c <= 57) i++;
      } else return false;
      if (b[i] === 46) {
        c = b[++i]!;
        if (!(c >= 48 && c <= 57)) return false;
        while ((c = b[i]!) >= 48 && c <= 57) i++;
      }
      c = b[i]!;
      if (c === 101 || c === 69) {
        c = b[++i]!;
        if (c === 43 || c === 45) c = b[++i]!;
        if (!(c >= 48 && c <= 57)) return false;
        while ((c = b[i]!) >= 48 && c <= 57) i++;
      }
    } else return false;
    if (i > end) return false;
    if (f !== 0 && spanEnd[f] === -1) spanEnd[f] = i;
    // After a value: separators and closing brackets.
    for (;;) {
      if (sp === 0) {
        while (i < end && (c = b[i]!) <= 32 && (c === 32 || c === 9 || c === 10 || c === 13)) i++;
        return i === end;
      }
      while (i < end && (c = b[i]!) <= 32 && (c === 32 || c === 9 || c === 10 || c === 13)) i++;
      if (i >= end) return false;
      const k = kind[sp - 1]!;
      if (c === 44) {
        i++;
        if (k === 1) {
          while (i < end && (c = b[i]!) <= 32 && (c === 32 || c === 9 || c === 10 || c === 13)) i++;
          i = readKey(b, i, end, nodeAt[sp - 1]!);
          if (i < 0) return false;
          pending = keyField;
        }
        continue value;
      }
      if ((k === 1 && c === 125) || (k === 2 && c === 93)) {
        i++;
        sp--;
        const cf = fieldAt[sp]!;
        if (cf !== 0) spanEnd[cf] = i;
        continue;
      }
      return false;
    }
  }
}
