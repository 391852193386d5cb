// Parse and validate a JSON document with a zod schema; every error names file, line and field.

import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { InputError } from './input-error.js';
import { formatPath, locationOfOffset, locationOfPath } from './json-locate.js';

/** Parses JSON text, reporting a syntax error as `file:line:column: message`. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /at position (\d+)/.exec(msg);
    const loc = m ? locationOfOffset(text, Number(m[1])) : { line: 1, column: 1 };
    throw new InputError(`${file}:${loc.line}:${loc.column}: invalid JSON: ${msg.replace(/\s*\(line \d+ column \d+\)/, '')}`, file, loc.line);
  }
}

/** Validates a parsed value; the first few issues are reported with their line and field path. */
export function validateJson<S extends z.ZodType>(schema: S, value: unknown, text: string, file: string): z.output<S> {
  const res = schema.safeParse(value);
  if (res.success) return res.data;
  const lines = res.error.issues.slice(0, 5).map((issue) => {
    const loc = locationOfPath(text, issue.path);
    const where = loc ? `${file}:${loc.line}:${loc.column}` : file;
    return `${where}: ${formatPath(issue.path)}: ${issue.message}`;
  });
  const more = res.error.issues.length > 5 ? `\n(and ${res.error.issues.length - 5} more problems)` : '';
  const first = res.error.issues[0];
  const line = first ? locationOfPath(text, first.path)?.line : undefined;
  throw new InputError(lines.join('\n') + more, file, line);
}

export function readJsonFile<S extends z.ZodType>(schema: S, file: string): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file);
  }
  return validateJson(schema, parseJsonText(text, file), text, file);
}
