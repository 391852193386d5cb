// Selecting claims for `voipprobe claims` (and the reporter's --service): by service, by operator
// (name, alias, ASN or "all"), or only those taking part in a contradiction.

import { InputError } from '../util/input-error.js';
import type { Contradiction } from './contradictions.js';
import { unknownNameMessage } from './names.js';
import type { Claim } from './schema.js';
import { measuredService } from './scope.js';

export interface ClaimFilter {
  services?: readonly string[];
  /** "Maroc Telecom", "iam", "AS6713", "6713" ... */
  operator?: string;
  contradicted?: boolean;
}

function fold(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/** A claim about "all" operators of a country covers every operator; "unspecified" covers none for sure. */
export function claimMentionsOperator(c: Claim, wanted: string): boolean {
  const w = fold(wanted.trim());
  const asn = /^(as)?\d+$/.test(w) ? `AS${w.replace(/^as/, '')}` : null;
  if (c.operators === 'all') return true;
  if (c.operators === 'unspecified') return false;
  return c.operators.some((op) =>
    asn ? op.asn === asn : [op.key, op.name, ...(op.aliases ?? [])].some((n) => fold(n).includes(w)),
  );
}

export function claimMentionsService(c: Claim, services: readonly string[]): boolean {
  const wanted = services.map(measuredService);
  return c.services.some((s) => s === 'any' || wanted.includes(measuredService(s)));
}

export function filterClaims(
  claims: readonly Claim[],
  f: ClaimFilter,
  contradictions: readonly Contradiction[] = [],
): Claim[] {
  const inConflict = new Set(contradictions.flatMap((c) => [...c.sides[0].claims, ...c.sides[1].claims]));
  return claims.filter(
    (c) =>
      (!f.services?.length || claimMentionsService(c, f.services)) &&
      (!f.operator || claimMentionsOperator(c, f.operator)) &&
      (!f.contradicted || inConflict.has(c.id)),
  );
}

/** Every way the claims name an operator (keys, names, aliases, ASNs), for hints. */
export function operatorNames(claims: readonly Claim[]): string[] {
  const names = new Set<string>();
  for (const c of claims) {
    if (!Array.isArray(c.operators)) continue;
    for (const op of c.operators) {
      names.add(op.name);
      if (op.asn) names.add(op.asn);
      for (const a of op.aliases ?? []) names.add(a);
    }
  }
  return [...names].sort((a, b) => a.localeCompare(b));
}

/** `--operator X` must name an operator some claim names (or "all"): otherwise it filters to nothing, silently. */
export function checkOperatorName(flag: string, wanted: string, claims: readonly Claim[]): void {
  if (fold(wanted.trim()) === 'all') return;
  const named = claims.filter((c) => Array.isArray(c.operators) && claimMentionsOperator(c, wanted));
  if (named.length === 0)
    throw new InputError(`${flag}: ${unknownNameMessage('operator', wanted, operatorNames(claims))}`);
}
