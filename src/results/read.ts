// Streams measurements out of any number of results files and folders. Memory stays flat: one line
// at a time. A corrupt or torn line is reported with its file and line number and skipped; it never
// stops the rest.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { Measurement } from '../model/measurement.js';
import { envelopeCoreSchema, serviceSchema } from '../model/schema/envelope.js';
import { vantageSchema } from '../model/schema/vantage.js';
import { type BadLine, type JudgedLine, parseLine, resultFiles } from './lines.js';

export { type BadLine, type JudgedLine, parseLine, resultFiles } from './lines.js';

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
