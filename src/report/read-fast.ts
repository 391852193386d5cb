// The reporter's results reader: the same files, line numbers and bad-line reports as
// src/results/read.ts (readResults), at several times the speed, because it reads bytes and only
// decodes the few fields the reporter uses (see json-scan.ts). A line the scanner is unsure about goes
// through exactly readResults' path (JSON.parse, then the shared measurement schema), so both readers
// accept and reject the same lines with the same reasons.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { ASN_RE, CC_RE, OONI_TIME_RE } from '../model/measurement.js';
import { type BadLine, type JudgedLine, parseLine, resultFiles } from '../results/lines.js';
import { InputError } from '../util/input-error.js';
import { estimateLines } from './idset.js';
import type { MeasurementCore, ReportLine } from './input.js';
import { F, scanMeasurement, spanEnd, spanStart } from './json-scan.js';
import { isOoniTestName } from './ooni.js';

/** Read size: 1 MiB reads cost no more time than 4 MiB ones, and each reader thread holds one (a longer line grows it). */
const CHUNK = 1 << 20;

/** A string field's value, undefined when absent or not a string. */
function str(buf: Buffer, f: number): string | undefined {
  const s = spanStart[f]!;
  if (s < 0 || buf[s] !== 34) return undefined;
  const e = spanEnd[f]!;
  for (let i = s + 1; i < e; i++) if (buf[i] === 92) return JSON.parse(buf.toString('utf8', s, e)) as string;
  return buf.toString('utf8', s + 1, e - 1);
}

function json(buf: Buffer, f: number): unknown {
  const s = spanStart[f]!;
  return s < 0 ? undefined : JSON.parse(buf.toString('utf8', s, spanEnd[f]!));
}

/** A value expected to be a string (decoded fast), anything else as JSON.parse reads it. */
function val(buf: Buffer, f: number): unknown {
  return buf[spanStart[f]!] === 34 ? str(buf, f) : json(buf, f);
}

const PATH_FIELDS = [
  ['chat', F.chat, F.chat_status, F.chat_techniques, F.chat_strength],
  ['web', F.web, F.web_status, F.web_techniques, F.web_strength],
  ['call', F.call, F.call_status, F.call_techniques, F.call_strength],
] as const;

/** x_verdict rebuilt from spans with just what normalise() reads: status, and per path status and techniques. */
function verdictFromSpans(buf: Buffer): unknown {
  const vs = spanStart[F.x_verdict]!;
  if (vs < 0) return undefined;
  if (buf[vs] !== 123) return json(buf, F.x_verdict);
  const v: Record<string, unknown> = {};
  if (spanStart[F.verdict_status]! >= 0) v.status = val(buf, F.verdict_status);
  const ps = spanStart[F.verdict_paths]!;
  if (ps >= 0) {
    if (buf[ps] !== 123) v.paths = json(buf, F.verdict_paths);
    else {
      const paths: Record<string, unknown> = {};
      for (const [name, f, fs, ft, fst] of PATH_FIELDS) {
        const s = spanStart[f]!;
        if (s < 0) continue;
        if (buf[s] !== 123) {
          paths[name] = json(buf, f);
          continue;
        }
        const one: Record<string, unknown> = {};
        if (spanStart[fs]! >= 0) one.status = val(buf, fs);
        const ts = spanStart[ft]!;
        // Most paths have no technique: skip JSON.parse for the empty array.
        if (ts >= 0) one.techniques = buf[ts] === 91 && buf[ts + 1] === 93 ? [] : json(buf, ft);
        if (spanStart[fst]! >= 0) one.strength = val(buf, fst);
        paths[name] = one;
      }
      v.paths = paths;
    }
  }
  return v;
}

/**
 * The measurement from a scanned line, or null when it does not pass the checks of `measurementShape`
 * (the caller then takes the slow path, which reports the same reason readResults would).
 */
function fromSpans(buf: Buffer): MeasurementCore | null {
  const id = str(buf, F.id);
  const report_id = str(buf, F.report_id);
  const time = str(buf, F.measurement_start_time);
  const testName = str(buf, F.test_name);
  const asn = str(buf, F.probe_asn);
  const cc = str(buf, F.probe_cc);
  const service = str(buf, F.service);
  if (!id || report_id === undefined || !time || !OONI_TIME_RE.test(time) || !testName || !asn || !ASN_RE.test(asn))
    return null;
  if (cc === undefined || !CC_RE.test(cc) || buf[spanStart[F.test_keys]!] !== 123 || !service) return null;
  const x_verdict = verdictFromSpans(buf);
  // Fields the reporter treats defensively (normalise) pass as found: a non-string becomes undefined,
  // which normalise reads exactly as it reads the non-string.
  return {
    id,
    report_id,
    measurement_start_time: time,
    probe_asn: asn,
    probe_cc: cc,
    probe_network_name: str(buf, F.probe_network_name),
    x_access: str(buf, F.x_access),
    x_vantage: str(buf, F.x_vantage),
    annotations: { x_geoip_attribution: str(buf, F.geoip_attribution), x_simulation: str(buf, F.simulation) },
    test_keys: { service, x_verdict },
  } as MeasurementCore;
}

/**
 * The measurement schema's check (results/read.ts: zod, about 12 MB and 100 ms in each reader thread),
 * loaded by the first line that needs it: one the scanner could not vouch for that is JSON all the same.
 * Most reports never meet one.
 */
let judgeValue: ((value: unknown) => JudgedLine) | undefined;

/** What reportLines yields when a line needs the schema: await `schemaNeeded`, then ask for the next line. */
export interface SchemaNeeded {
  schemaNeeded: Promise<void>;
}

async function loadSchema(): Promise<void> {
  judgeValue ??= (await import('../results/read.js')).judgeValue;
}

const NEEDS_SCHEMA = Symbol('needs the schema');

/**
 * readResults' judgement of one line (the same functions), with OONI Probe's own measurements let
 * through; NEEDS_SCHEMA (before anything is reported) when the schema is not loaded yet.
 */
function slowJudge(
  text: string,
  file: string,
  line: number,
  torn: boolean,
  onBad: (b: BadLine) => void,
): ReportLine | null | typeof NEEDS_SCHEMA {
  const parsed = parseLine(text, torn);
  if (!parsed) return null;
  if (!parsed.ok) {
    onBad({ file, line, kind: parsed.kind, reason: parsed.reason });
    return null;
  }
  const value = parsed.value;
  const v = value as { test_name?: unknown; software_name?: unknown; test_keys?: unknown } | null;
  // OONI Probe's measurements carry OONI's test names and no verdict of ours: src/report/ooni.ts reads them.
  if (v !== null && typeof v === 'object' && isOoniTestName(v.test_name) && v.software_name !== 'voipprobe') {
    if (v.test_keys === null || typeof v.test_keys !== 'object' || Array.isArray(v.test_keys)) {
      onBad({ file, line, kind: 'invalid', reason: 'test_keys: an OONI measurement without test keys' });
      return null;
    }
    return { file, line, measurement: value as MeasurementCore, raw: value, ooni: true };
  }
  if (!judgeValue) return NEEDS_SCHEMA;
  const judged = judgeValue(value);
  if (!judged.ok) {
    onBad({ file, line, kind: judged.kind, reason: judged.reason });
    return null;
  }
  return { file, line, measurement: value as MeasurementCore, raw: value };
}

export interface ReadOptions {
  /** Initial read buffer size (grows to fit the longest line); small values exercise the seams in tests. */
  chunkSize?: number;
}

/**
 * Every measurement line in the files and folders given (folders: *.jsonl, recursively, sorted).
 * Lines are split as readline splits them (\n, \r\n, lone \r) and numbered from 1, empty lines
 * included.
 */
export async function* readReportLines(
  paths: readonly string[],
  onBad: (b: BadLine) => void,
  opts: ReadOptions = {},
): AsyncGenerator<ReportLine> {
  for (const l of reportLines(paths, onBad, opts)) {
    if ('schemaNeeded' in l) await l.schemaNeeded;
    else yield l;
  }
}

/** The same lines into `take`, one at a time (the reporter's own loop, in the main thread or a reader thread). */
export async function takeReportLines(
  paths: readonly string[],
  onBad: (b: BadLine) => void,
  take: (l: ReportLine) => void,
): Promise<void> {
  for (const l of reportLines(paths, onBad)) {
    if ('schemaNeeded' in l) await l.schemaNeeded;
    else take(l);
  }
}

/**
 * The same lines, synchronously, since a promise per line costs more than the reads it would let
 * overlap (files are read with readSync). The one exception is the first line that needs the
 * measurement schema: then a SchemaNeeded comes first, and the caller awaits it before reading on.
 */
export function* reportLines(
  paths: readonly string[],
  onBad: (b: BadLine) => void,
  opts: ReadOptions = {},
): Generator<ReportLine | SchemaNeeded> {
  const chunk = Math.max(1, opts.chunkSize ?? CHUNK);
  let buf = Buffer.allocUnsafe(chunk);
  for (const file of resultFiles([...paths])) {
    // Synchronous reads: a promise round trip through the thread pool per chunk left the reporter idle
    // more than it saved, and nothing else runs on the event loop while a report is built.
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (e) {
      throw new InputError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file);
    }
    try {
      let len = 0;
      let pos = 0;
      let base = 0; // file offset of buf[0]
      let eof = false;
      let lastByte = -1;
      let lineNo = 0;
      let crAt = -2; // cached offset of the next \r at or after pos (-1: none in [pos, len); -2: unknown)
      lines: for (;;) {
        for (;;) {
          const lf = buf.indexOf(10, pos);
          const lfAt = lf === -1 || lf >= len ? -1 : lf;
          if (crAt === -2 || (crAt !== -1 && crAt < pos)) {
            const cr = buf.indexOf(13, pos);
            crAt = cr === -1 || cr >= len ? -1 : cr;
          }
          let lineEnd: number;
          let next: number;
          if (crAt !== -1 && (lfAt === -1 || crAt < lfAt)) {
            if (crAt === len - 1 && !eof) break; // a \r\n may straddle two reads
            lineEnd = crAt;
            next = crAt + 1 < len && buf[crAt + 1] === 10 ? crAt + 2 : crAt + 1;
          } else if (lfAt !== -1) {
            lineEnd = lfAt;
            next = lfAt + 1;
          } else {
            if (!eof) break;
            if (pos >= len) break lines;
            lineEnd = len;
            next = len;
          }
          if (next === len && !eof) break; // whether this is the file's last line is known only at EOF
          lineNo++;
          const isLast = eof && next === len;
          const start = pos;
          pos = next;
          if (lineEnd === len) {
            // The unterminated last line: give the scanner its control-byte sentinel.
            if (len === buf.length) {
              const bigger = Buffer.allocUnsafe(len + 1);
              buf.copy(bigger, 0, 0, len);
              buf = bigger;
            }
            buf[len] = 10;
          }
          if (scanMeasurement(buf, start, lineEnd)) {
            const m = fromSpans(buf);
            if (m) {
              yield { file, line: lineNo, measurement: m, offset: base + start, length: lineEnd - start };
              continue;
            }
          }
          const text = buf.toString('utf8', start, lineEnd);
          const torn = isLast && lastByte !== 10;
          let r = slowJudge(text, file, lineNo, torn, onBad);
          if (r === NEEDS_SCHEMA) {
            yield { schemaNeeded: loadSchema() };
            r = slowJudge(text, file, lineNo, torn, onBad);
            if (r === NEEDS_SCHEMA) throw new Error('reportLines: the schema was not loaded before reading on');
          }
          if (r) {
            r.offset = base + start;
            r.length = lineEnd - start;
            yield r;
          }
        }
        if (eof) break;
        // Keep the unfinished tail, grow the buffer when one line fills it, and read on.
        if (pos > 0) {
          buf.copy(buf, 0, pos, len);
          len -= pos;
          base += pos;
          pos = 0;
        }
        if (len === buf.length) {
          const bigger = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(bigger, 0, 0, len);
          buf = bigger;
        }
        const n = readSync(fd, buf, len, buf.length - len, null);
        if (n === 0) eof = true;
        else {
          len += n;
          lastByte = buf[len - 1]!;
        }
        crAt = -2;
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** One line again, by its place in the file (for the handful of lines a summary quotes in detail). */
export function readLineAt(file: string, offset: number, length: number): unknown {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.allocUnsafe(length);
    const n = readSync(fd, b, 0, length, offset);
    return JSON.parse(b.toString('utf8', 0, n));
  } finally {
    closeSync(fd);
  }
}

/** About how many lines the files hold (their sizes, and the line length of their first bytes). */
export function expectedLines(files: readonly string[]): number {
  return estimateLines(
    files.map((f) => ({
      size: statSync(f).size,
      head: (n: number) => {
        const fd = openSync(f, 'r');
        try {
          const b = Buffer.allocUnsafe(n);
          return b.subarray(0, readSync(fd, b, 0, n, 0));
        } finally {
          closeSync(fd);
        }
      },
    })),
  );
}
