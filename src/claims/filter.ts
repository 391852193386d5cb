// Selecting claims for `voipprobe claims` (and the reporter's --service): by service, by operator
// (name, alias, ASN or "all"), or only those taking part in a contradiction.

import type { Contradiction } from './contradictions.js';
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

export function filterClaims(claims: readonly Claim[], f: ClaimFilter, contradictions: readonly Contradiction[] = []): Claim[] {
  const inConflict = new Set(contradictions.flatMap((c) => c.claims));
  return claims.filter(
    (c) =>
      (!f.services?.length || claimMentionsService(c, f.services)) &&
      (!f.operator || claimMentionsOperator(c, f.operator)) &&
      (!f.contradicted || inConflict.has(c.id)),
  );
}
