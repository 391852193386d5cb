// Loads claims files: the bundled seeds/claims.json and any number of user files (--claims FILE).
// Every error names the file, the line, the field and the claim's id, and the CLI exits 2 on it.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { InputError } from '../util/input-error.js';
import { packageDir } from '../util/package-dir.js';
import { formatPath, type JsonPath, locationOfPath } from '../util/json-locate.js';
import { parseJsonText } from '../util/validate.js';
import { periodDays } from './period.js';
import { type Claim, type ClaimsFile, claimsFileSchema } from './schema.js';

export interface ClaimSet {
  /** Files in load order (the bundled file first when used). */
  files: string[];
  claims: Claim[];
}

/** seeds/ shipped with the package. */
export function defaultSeedsDir(): string {
  return packageDir('seeds', 'claims.json');
}

export function bundledClaimsFile(): string {
  return resolve(defaultSeedsDir(), 'claims.json');
}

function claimIdAt(value: unknown, path: JsonPath): string | undefined {
  if (path[0] !== 'claims' || typeof path[1] !== 'number') return undefined;
  const claims = (value as { claims?: unknown })?.claims;
  const c = Array.isArray(claims) ? (claims[path[1]] as { id?: unknown } | undefined) : undefined;
  return typeof c?.id === 'string' ? c.id : undefined;
}

function problem(file: string, text: string, value: unknown, path: JsonPath, message: string): string {
  const loc = locationOfPath(text, path);
  const where = loc ? `${file}:${loc.line}:${loc.column}` : file;
  const id = claimIdAt(value, path);
  return `${where}: ${formatPath(path)}${id ? ` (claim "${id}")` : ''}: ${message}`;
}

function fail(file: string, text: string, value: unknown, path: JsonPath, message: string): never {
  throw new InputError(problem(file, text, value, path, message), file, locationOfPath(text, path)?.line);
}

function schemaErrors(file: string, text: string, value: unknown, error: z.ZodError): never {
  const lines = error.issues.slice(0, 5).map((i) => problem(file, text, value, i.path, i.message));
  const more = error.issues.length > 5 ? `\n(and ${error.issues.length - 5} more problems)` : '';
  const first = error.issues[0];
  throw new InputError(lines.join('\n') + more, file, first ? locationOfPath(text, first.path)?.line : undefined);
}

/** Parses, validates and resolves one claims file's text. */
export function parseClaimsText(text: string, file: string): Claim[] {
  const value = parseJsonText(text, file);
  const res = claimsFileSchema.safeParse(value);
  if (!res.success) schemaErrors(file, text, value, res.error);
  return resolveClaims(res.data, file, text, value);
}

function resolveClaims(data: ClaimsFile, file: string, text: string, value: unknown): Claim[] {
  const operators = data.operators ?? {};
  const seen = new Map<string, number>();
  return data.claims.map((c, i) => {
    const at = (...rest: (string | number)[]) => ['claims', i, ...rest];
    const prev = seen.get(c.id);
    if (prev !== undefined) fail(file, text, value, at('id'), `duplicate claim id (also claims[${prev}])`);
    seen.set(c.id, i);
    const source = data.sources[c.source];
    if (!source) fail(file, text, value, at('source'), `unknown source "${c.source}"; sources in this file: ${Object.keys(data.sources).join(', ') || '(none)'}`);
    let ops: Claim['operators'];
    if (c.operators === 'all' || c.operators === 'unspecified') ops = c.operators;
    else {
      ops = c.operators.map((k, j) => {
        const op = operators[k];
        if (!op) fail(file, text, value, at('operators', j), `unknown operator "${k}"; operators in this file: ${Object.keys(operators).join(', ') || '(none)'}`);
        if (op.country !== c.country) fail(file, text, value, at('operators', j), `operator "${k}" is in ${op.country}, the claim is about ${c.country}`);
        return { ...op, key: k };
      });
    }
    const days = periodDays(c.period);
    if (days.from !== null && days.to !== null && days.from > days.to)
      fail(file, text, value, at('period', 'to'), `period ends (${c.period.to}) before it starts (${c.period.from})`);
    if (c.services.includes('any') && c.services.length > 1) fail(file, text, value, at('services'), '"any" stands alone');
    if (c.paths.includes('any') && c.paths.length > 1) fail(file, text, value, at('paths'), '"any" stands alone');
    return {
      id: c.id,
      file,
      source: { ...source, key: c.source },
      speaker: c.speaker,
      quote: c.quote,
      country: c.country,
      services: c.services,
      operators: ops,
      access: c.access,
      period: c.period,
      effect: c.effect,
      paths: c.paths,
      ...(c.technique ? { technique: c.technique } : {}),
      ...(c.scope ? { scope: c.scope } : {}),
      ...(c.note ? { note: c.note } : {}),
    };
  });
}

export function loadClaimsFile(file: string): Claim[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read claims file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file);
  }
  return parseClaimsText(text, file);
}

/**
 * The bundled claims (unless `bundled` is false) merged with the user's files. An id defined in two
 * files is an error naming both: a user's claim never silently replaces another.
 */
export function loadClaims(opts: { files?: readonly string[]; bundled?: boolean } = {}): ClaimSet {
  const files = [...(opts.bundled === false ? [] : [bundledClaimsFile()]), ...(opts.files ?? [])];
  const byId = new Map<string, Claim>();
  const claims: Claim[] = [];
  for (const f of files) {
    for (const c of loadClaimsFile(f)) {
      const other = byId.get(c.id);
      if (other) throw new InputError(`${f}: claim "${c.id}" is also defined in ${other.file}`, f);
      byId.set(c.id, c);
      claims.push(c);
    }
  }
  return { files, claims };
}
