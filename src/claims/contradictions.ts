// Which claims disagree, and on what. Two claims conflict when their scopes meet (same country, a
// common service, operator, access and path, overlapping periods) and they state incompatible effects.
// Conflicts are recorded, never resolved: the reporter shows both sides and what measurements say.

import { formatPeriod, intersectDays, isImprecise, periodDays } from './period.js';
import { type Claim, type ClaimAccess, type ClaimPath, type Effect, SPEAKER_WEIGHT } from './schema.js';
import {
  claimedState,
  type ClaimOperators,
  intersectAccess,
  intersectOperators,
  intersectPaths,
  intersectServices,
  operatorsLabel,
} from './scope.js';

/**
 * - `state`: blocked vs working.
 * - `lifting`: one says the block was lifted (restored) while the other says it was still in force.
 * - `severity`: blocked vs only throttled/degraded.
 * - `quality`: throttled/degraded vs working fine.
 * - `exception`: one claim is about a place or event (a conference venue), the other about whole networks.
 */
export type ConflictKind = 'state' | 'lifting' | 'severity' | 'quality' | 'exception';

export interface Contradiction {
  /** Ids in claim order. */
  claims: [string, string];
  kind: ConflictKind;
  effects: [Effect, Effect];
  /** Where the two claims' scopes meet: what they disagree about. */
  overlap: {
    country: string;
    services: string[];
    operators: string;
    access: ClaimAccess;
    paths: ClaimPath[];
    period: { from: string | null; to: string | null };
  };
  /** `possible` when the meeting rests on an unstated operator or on loose dates. */
  certainty: 'definite' | 'possible';
  uncertain_because: string[];
  /** Speaker weights (regulator 4 ... reader comment 1), shown to the reader, deciding nothing. */
  weights: [number, number];
  summary: string;
}

function kindOf(a: Claim, b: Claim): ConflictKind | null {
  const sa = claimedState(a.effect);
  const sb = claimedState(b.effect);
  if (sa === null || sb === null || sa === sb) return null;
  if (Boolean(a.scope) !== Boolean(b.scope)) return 'exception';
  const pair = new Set([sa, sb]);
  if (pair.has('blocked') && pair.has('working')) return a.effect === 'restored' || b.effect === 'restored' ? 'lifting' : 'state';
  if (pair.has('blocked')) return 'severity';
  return 'quality';
}

function uncertainty(a: Claim, b: Claim): string[] {
  const out: string[] = [];
  for (const c of [a, b]) {
    if (c.operators === 'unspecified') out.push(`${c.id} does not say which operator`);
    if (isImprecise(c.period)) out.push(`${c.id} has loose dates (${formatPeriod(c.period)}, ${c.period.precision})`);
  }
  return out;
}

/** The conflict between two claims, or null when they are compatible or do not meet. */
export function conflictBetween(a: Claim, b: Claim): Contradiction | null {
  if (a.country !== b.country) return null;
  const kind = kindOf(a, b);
  if (!kind) return null;
  const services = intersectServices(a.services, b.services);
  if (services.length === 0) return null;
  const operators: ClaimOperators | null = intersectOperators(a.operators, b.operators);
  if (operators === null) return null;
  const access = intersectAccess(a.access, b.access);
  if (access === null) return null;
  const paths = intersectPaths(a.paths, b.paths);
  if (paths.length === 0) return null;
  const period = intersectDays(periodDays(a.period), periodDays(b.period));
  if (period === null) return null;
  const uncertain_because = uncertainty(a, b);
  const overlap = { country: a.country, services, operators: operatorsLabel(operators, a.country), access, paths, period };
  return {
    claims: [a.id, b.id],
    kind,
    effects: [a.effect, b.effect],
    overlap,
    certainty: uncertain_because.length ? 'possible' : 'definite',
    uncertain_because,
    weights: [SPEAKER_WEIGHT[a.speaker.kind], SPEAKER_WEIGHT[b.speaker.kind]],
    summary:
      `${a.id} says ${a.effect}, ${b.id} says ${b.effect}: ${services.join(', ')} ` +
      `(${paths.join(', ')}) on ${overlap.operators}, access ${access}, ${formatPeriod(period)}`,
  };
}

/** Every conflicting pair, in claim order. Pure: O(n²) over a few hundred claims at most. */
export function detectContradictions(claims: readonly Claim[]): Contradiction[] {
  const out: Contradiction[] = [];
  for (let i = 0; i < claims.length; i++) {
    for (let j = i + 1; j < claims.length; j++) {
      const c = conflictBetween(claims[i]!, claims[j]!);
      if (c) out.push(c);
    }
  }
  return out;
}

/** Ids of the claims each claim conflicts with. */
export function conflictIndex(contradictions: readonly Contradiction[]): Map<string, string[]> {
  const idx = new Map<string, string[]>();
  for (const c of contradictions) {
    const [a, b] = c.claims;
    idx.set(a, [...(idx.get(a) ?? []), b]);
    idx.set(b, [...(idx.get(b) ?? []), a]);
  }
  return idx;
}
