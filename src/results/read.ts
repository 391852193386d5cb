// Streams measurements out of any number of results files and folders. Memory stays flat: one line
// at a time. A corrupt or torn line is reported with its file and line number and skipped; it never
// stops the rest.

import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { Measurement } from '../model/measurement.js';
import { InputError } from '../util/input-error.js';

/** The fields every consumer relies on; the rest is passed through untouched. */
export const measurementShape = z
  .object({
    id: z.string().min(1),
    report_id: z.string(),
    measurement_start_time: z.string().regex(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
    test_name: z.string().min(1),
    probe_asn: z.string().regex(/^AS\d+$/),
    probe_cc: z.string().length(2),
    test_keys: z.object({ service: z.string().min(1) }).passthrough(),
  })
  .passthrough();

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

/** Expands files and folders (recursively, *.jsonl) into a sorted list of files. */
export function resultFiles(paths: string[]): string[] {
  const out: string[] = [];
  const stat = (p: string) => {
    try {
      return statSync(p);
    } catch (e) {
      // A missing path, or a dangling symlink inside a folder: named, never skipped in silence.
      throw new InputError(`${p}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, p);
    }
  };
  const walk = (p: string, explicit: boolean) => {
    if (stat(p).isDirectory()) {
      for (const n of readdirSync(p).sort()) {
        const child = join(p, n);
        if (stat(child).isDirectory()) walk(child, false);
        else if (n.endsWith('.jsonl')) out.push(child);
      }
    } else if (explicit || p.endsWith('.jsonl')) out.push(p);
  };
  for (const p of paths) walk(p, true);
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
    const text = entry.text.trim();
    if (text === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      const torn = isLast && !endsWithNewline;
      onBad({ file, line: entry.line, kind: torn ? 'torn' : 'corrupt', reason: torn ? 'last line cut short (no newline, not valid JSON)' : (e as Error).message });
      return;
    }
    const res = measurementShape.safeParse(value);
    if (!res.success) {
      const issue = res.error.issues[0]!;
      onBad({ file, line: entry.line, kind: 'invalid', reason: `${issue.path.join('.') || '(root)'}: ${issue.message}` });
      return;
    }
    yield { file, line: entry.line, measurement: value as Measurement };
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
