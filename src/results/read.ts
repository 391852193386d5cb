// Streams measurements out of any number of results files and folders. Memory stays flat: one line
// at a time. A corrupt or torn line is reported with its file and line number and skipped; it never
// stops the rest.

import { createReadStream, type Stats, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { filesIn, type OnSkip, reportSkipped, WalkSeen } from '../fs/walk.js';
import type { Measurement } from '../model/measurement.js';
import { envelopeCoreSchema, serviceSchema } from '../model/schema/envelope.js';
import { vantageSchema } from '../model/schema/vantage.js';
import { InputError } from '../util/input-error.js';
import { describeProblem, parseJson } from '../util/json-locate.js';
import { printable } from '../util/terminal.js';

/**
 * The fields every consumer relies on, as the measurement schema defines them; the rest is passed
 * through untouched, so that lines written before a field existed (x_traces, x_format_version...)
 * are still read.
 */
export const measurementShape = z.looseObject({
  ...envelopeCoreSchema.shape,
  ...vantageSchema.pick({ probe_asn: true, probe_cc: true }).shape,
  test_keys: z.looseObject({ service: serviceSchema }),
});

export interface ResultLine {
  file: string;
  line: number;
  measurement: Measurement;
}

export interface BadLine {
  file: string;
  line: number;
  /** `torn`: the file's last line has no newline and does not parse (a write cut short). */
  kind: 'corrupt' | 'torn' | 'invalid';
  reason: string;
}

export type JudgedLine = { ok: true; measurement: Measurement } | { ok: false; kind: BadLine['kind']; reason: string };

/** A line's JSON value, or why it is not JSON (nesting bounded); undefined for a blank line. */
export function parseLine(
  raw: string,
  torn: boolean,
): { ok: true; value: unknown } | Extract<JudgedLine, { ok: false }> | undefined {
  const text = raw.trim();
  if (text === '') return undefined;
  const parsed = parseJson(text);
  if (parsed.ok) return { ok: true, value: parsed.value };
  if (parsed.kind === 'nesting') return { ok: false, kind: 'invalid', reason: describeProblem(text, parsed) };
  if (torn) return { ok: false, kind: 'torn', reason: 'last line cut short (no newline, not valid JSON)' };
  return { ok: false, kind: 'corrupt', reason: describeProblem(text, parsed) };
}

/** A parsed value checked against the measurement shape. */
export function judgeValue(value: unknown): JudgedLine {
  const res = measurementShape.safeParse(value);
  if (!res.success) {
    const issue = res.error.issues[0]!;
    return { ok: false, kind: 'invalid', reason: `${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  return { ok: true, measurement: value as Measurement };
}

/**
 * One results line judged the way every reader of measurement lines judges it (this reader, the
 * reporter's fast reader, the collector's stream): JSON with bounded nesting, then the measurement
 * shape. Undefined for a blank line. `torn`: it is the file's last line and has no newline.
 */
export function judgeLine(raw: string, torn: boolean): JudgedLine | undefined {
  const parsed = parseLine(raw, torn);
  return parsed?.ok ? judgeValue(parsed.value) : parsed;
}

/**
 * Expands files and folders (recursively, *.jsonl) into a sorted list of regular files, each once. A
 * path given that does not exist is bad input; inside folders, FIFOs, devices, dangling symlinks and
 * symlink loops are skipped with a message (`onSkip`, stderr by default). A file named explicitly is
 * read whatever it is (`submit <(zcat old.jsonl.gz)` is a pipe).
 */
export function resultFiles(paths: readonly string[], onSkip: OnSkip = reportSkipped): string[] {
  const out: string[] = [];
  const seen = new WalkSeen();
  for (const p of paths) {
    let st: Stats;
    try {
      st = statSync(p);
    } catch (e) {
      throw new InputError(`${p}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, p);
    }
    if (st.isDirectory()) {
      try {
        out.push(...filesIn(p, { accept: (n) => n.endsWith('.jsonl'), recursive: true, onSkip, seen }));
      } catch (e) {
        throw new InputError(`${p}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, p);
      }
    } else {
      const prev = seen.visit(st, p);
      if (prev === undefined) out.push(p);
      else onSkip({ path: p, reason: `the same file as ${printable(prev)}, read once` });
    }
  }
  return out;
}

/** Yields every valid measurement; every bad line goes to `onBad`. */
export async function* readResults(paths: string[], onBad: (bad: BadLine) => void): AsyncGenerator<ResultLine> {
  for (const file of resultFiles(paths)) yield* readResultsFile(file, onBad);
}

export async function* readResultsFile(file: string, onBad: (bad: BadLine) => void): AsyncGenerator<ResultLine> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const endsWithNewline = await lastByteIsNewline(file);
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  let pending: { line: number; text: string } | null = null;
  const judge = function* (entry: { line: number; text: string }, isLast: boolean): Generator<ResultLine> {
    const v = judgeLine(entry.text, isLast && !endsWithNewline);
    if (!v) return;
    if (v.ok) yield { file, line: entry.line, measurement: v.measurement };
    else onBad({ file, line: entry.line, kind: v.kind, reason: v.reason });
  };
  for await (const text of rl) {
    n++;
    // Hold one line back so the last one can be judged as possibly torn.
    if (pending) yield* judge(pending, false);
    pending = { line: n, text };
  }
  if (pending) yield* judge(pending, true);
}

async function lastByteIsNewline(file: string): Promise<boolean> {
  const { open } = await import('node:fs/promises');
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    if (size === 0) return true;
    const buf = Buffer.alloc(1);
    await fh.read(buf, 0, 1, size - 1);
    return buf[0] === 10;
  } finally {
    await fh.close();
  }
}
