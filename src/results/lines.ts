// What every reader of results files shares before the measurement schema: which files a list of
// paths names, and one line's JSON value or why it has none. Kept apart from the schema (read.ts) so
// that a reader which rarely needs the schema (the reporter's threads, report/read-fast.ts) loads zod
// only when a line does.

import { type Stats, statSync } from 'node:fs';
import { filesIn, type OnSkip, reportSkipped, WalkSeen } from '../fs/walk.js';
import type { Measurement } from '../model/measurement.js';
import { InputError } from '../util/input-error.js';
import { describeProblem, parseJson } from '../util/json-locate.js';
import { printable } from '../util/terminal.js';

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
