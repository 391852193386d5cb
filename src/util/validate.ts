// Parse and validate a JSON document with a zod schema; every error names file, line and field.

import type { z } from 'zod';
import { InputError } from './input-error.js';
import { formatPath, locationOfOffset, locationOfPath, parseJson } from './json-locate.js';

/**
 * Parses a JSON file's text; a syntax error or nesting deeper than MAX_JSON_DEPTH is an InputError
 * `file:line:column: invalid JSON: reason`.
 */
export function parseJsonText(text: string, file: string): unknown {
  const r = parseJson(text);
  if (r.ok) return r.value;
  const loc = locationOfOffset(text, r.offset);
  throw new InputError(`${file}:${loc.line}:${loc.column}: invalid JSON: ${r.reason}`, file, loc.line);
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
