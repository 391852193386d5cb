// Loads claims files: the bundled seeds/claims.json and any number of user files (--claims FILE).
// Every error names the file, the line, the field and the claim's id, and the CLI exits 2 on it.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { packageDir } from '../fs/package-dir.js';
import { InputError } from '../util/input-error.js';
import { formatPath, type JsonPath, locationOfPath } from '../util/json-locate.js';
import { parseJsonText } from '../util/validate.js';
import { knownServiceNames, unknownNameMessage } from './names.js';
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

/** The external facts that close the seed documents' story (the lifting of November 2016), kept apart. */
export function bundledFactsFile(): string {
  return resolve(defaultSeedsDir(), 'facts.json');
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

/** Parses, validates and resolves one claims (or facts) file's text; `knownServices`: the names a claim may use. */
export function parseClaimsText(
  text: string,
  file: string,
  knownServices: readonly string[] = knownServiceNames(),
): Claim[] {
  const value = parseJsonText(text, file);
  const res = claimsFileSchema.safeParse(value);
  if (!res.success) schemaErrors(file, text, value, res.error);
  return resolveClaims(res.data, file, text, value, knownServices);
}

function resolveClaims(
  data: ClaimsFile,
  file: string,
  text: string,
  value: unknown,
  knownServices: readonly string[],
): Claim[] {
  const operators = data.operators ?? {};
  const seen = new Map<string, number>();
  const known = new Set(knownServices);
  const facts = data.kind === 'facts';
  const sourceList = () => Object.keys(data.sources).join(', ') || '(none)';
  return data.claims.map((c, i) => {
    const at = (...rest: (string | number)[]) => ['claims', i, ...rest];
    const prev = seen.get(c.id);
    if (prev !== undefined) fail(file, text, value, at('id'), `duplicate claim id (also claims[${prev}])`);
    seen.set(c.id, i);
    const source = data.sources[c.source];
    if (!source)
      fail(file, text, value, at('source'), `unknown source "${c.source}"; sources in this file: ${sourceList()}`);
    const also = (c.also_sources ?? []).map((k, j) => {
      const s = data.sources[k];
      if (!s)
        fail(file, text, value, at('also_sources', j), `unknown source "${k}"; sources in this file: ${sourceList()}`);
      return { ...s, key: k };
    });
    if (facts && !c.statement)
      fail(
        file,
        text,
        value,
        at(),
        'a fact needs a "statement" (the fact in your own words, as its sources establish it)',
      );
    if (!facts && !c.quote)
      fail(file, text, value, at(), 'a claim needs a "quote" (verbatim from the document, at most 25 words)');
    c.services.forEach((name, j) => {
      if (name !== 'any' && !known.has(name))
        fail(file, text, value, at('services', j), `${unknownNameMessage('service', name, knownServices)}, or "any"`);
    });
    let ops: Claim['operators'];
    if (c.operators === 'all' || c.operators === 'unspecified') ops = c.operators;
    else {
      ops = c.operators.map((k, j) => {
        const op = operators[k];
        if (!op)
          fail(
            file,
            text,
            value,
            at('operators', j),
            `unknown operator "${k}"; operators in this file: ${Object.keys(operators).join(', ') || '(none)'}`,
          );
        if (op.country !== c.country)
          fail(
            file,
            text,
            value,
            at('operators', j),
            `operator "${k}" is in ${op.country}, the claim is about ${c.country}`,
          );
        return { ...op, key: k };
      });
    }
    const days = periodDays(c.period);
    if (days.from !== null && days.to !== null && days.from > days.to)
      fail(file, text, value, at('period', 'to'), `period ends (${c.period.to}) before it starts (${c.period.from})`);
    if (c.services.includes('any') && c.services.length > 1)
      fail(file, text, value, at('services'), '"any" stands alone');
    if (c.paths.includes('any') && c.paths.length > 1) fail(file, text, value, at('paths'), '"any" stands alone');
    return {
      id: c.id,
      file,
      source: { ...source, key: c.source },
      origin: facts ? 'external' : 'document',
      ...(also.length ? { also_sources: also } : {}),
      speaker: c.speaker,
      quote: (facts ? c.statement : c.quote)!,
      ...(c.passage ? { passage: c.passage } : {}),
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

export function loadClaimsFile(file: string, knownServices?: readonly string[]): Claim[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(
      `${file}: cannot read claims file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      file,
    );
  }
  return parseClaimsText(text, file, knownServices);
}

export interface LoadClaimsOptions {
  /** The user's claims or facts files. */
  files?: readonly string[];
  /** seeds/claims.json, and with it seeds/facts.json (default true). */
  bundled?: boolean;
  /** seeds/facts.json, when the bundled claims are loaded (default true). */
  bundledFacts?: boolean;
  /** Service names a claim may use (default: the bundled catalogue's, aliases, OONI-only services). */
  knownServices?: readonly string[];
}

/**
 * The bundled claims and facts (unless left out) merged with the user's files. An id defined in two
 * files is an error naming both: a user's claim never silently replaces another.
 */
export function loadClaims(opts: LoadClaimsOptions = {}): ClaimSet {
  const bundled =
    opts.bundled === false ? [] : [bundledClaimsFile(), ...(opts.bundledFacts === false ? [] : [bundledFactsFile()])];
  const files = [...bundled, ...(opts.files ?? [])];
  const known = opts.knownServices ?? knownServiceNames();
  const byId = new Map<string, Claim>();
  const claims: Claim[] = [];
  for (const f of files) {
    for (const c of loadClaimsFile(f, known)) {
      const other = byId.get(c.id);
      if (other) throw new InputError(`${f}: claim "${c.id}" is also defined in ${other.file}`, f);
      byId.set(c.id, c);
      claims.push(c);
    }
  }
  return { files, claims };
}
