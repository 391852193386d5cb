// What a claim is about, dimension by dimension (service, operator, access, path), and where two claims'
// scopes meet. Shared by contradiction detection and by the reporter's matching of measurements.

import type { ServicePath } from '../catalogue/schema.js';
import type { Claim, ClaimAccess, ClaimPath, Effect, Operator } from './schema.js';

/**
 * Documents name services as people know them; the catalogue measures them under its own names.
 * Hangouts became Google Meet (catalogue "meet"); Teams is measured inside "skype" (group "teams").
 */
export const SERVICE_ALIASES: Readonly<Record<string, string>> = {
  hangouts: 'meet',
  'google-hangouts': 'meet',
  'google-meet': 'meet',
  teams: 'skype',
};

export function measuredService(name: string): string {
  return SERVICE_ALIASES[name] ?? name;
}

/** Services both lists cover (catalogue names; "any" when both say any). */
export function intersectServices(a: readonly string[], b: readonly string[]): string[] {
  const ma = a.map(measuredService);
  const mb = b.map(measuredService);
  if (ma.includes('any')) return mb.includes('any') ? ['any'] : [...new Set(mb)];
  if (mb.includes('any')) return [...new Set(ma)];
  return [...new Set(ma.filter((s) => mb.includes(s)))];
}

export function claimCoversService(claim: Pick<Claim, 'services'>, measured: string): boolean {
  return claim.services.some((s) => s === 'any' || measuredService(s) === measured);
}

export type ClaimOperators = Claim['operators'];

export function operatorLabel(op: Pick<Operator, 'name' | 'asn'>): string {
  return op.asn ? `${op.name} ${op.asn}` : op.name;
}

export function operatorsLabel(ops: ClaimOperators, country?: string): string {
  if (ops === 'all') return country ? `all operators (${country})` : 'all operators';
  if (ops === 'unspecified') return country ? `operator not stated (${country})` : 'operator not stated';
  return ops.map(operatorLabel).join(', ');
}

function normName(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

export function sameOperator(a: Operator, b: Operator): boolean {
  if (a.country !== b.country) return false;
  if (a.asn && b.asn) return a.asn === b.asn;
  const names = (o: Operator) => [o.name, ...(o.aliases ?? [])].map(normName);
  const nb = names(b);
  return names(a).some((n) => nb.includes(n));
}

/**
 * The operators both claims speak for, or null when they are disjoint. `all` meets anything; an
 * unstated operator might be any of them (the meeting is then only possible, see `uncertain`).
 */
export function intersectOperators(a: ClaimOperators, b: ClaimOperators): ClaimOperators | null {
  if (a === 'all' || a === 'unspecified') return b === 'all' ? a : b;
  if (b === 'all' || b === 'unspecified') return a;
  const both = a.filter((x) => b.some((y) => sameOperator(x, y)));
  return both.length ? both : null;
}

/** Whether a measured network (ASN and the name the measurement gives it) is one the claim names. */
export function operatorMatchesNetwork(op: Operator, asn: string, networkName: string): boolean {
  if (op.asn) return op.asn === asn;
  const n = normName(networkName);
  return n !== '' && [op.name, ...(op.aliases ?? [])].some((x) => n.includes(normName(x)));
}

export function intersectAccess(a: ClaimAccess, b: ClaimAccess): ClaimAccess | null {
  if (a === 'any') return b;
  if (b === 'any' || a === b) return a;
  return null;
}

/**
 * Measured access labels a claim's access covers. Wi-Fi sits behind a fixed line (ADSL, fibre) far
 * more often than behind a mobile hotspot, so it counts as fixed; `unknown` only meets "any".
 */
export function accessCovers(claimAccess: ClaimAccess, measured: string): boolean {
  if (claimAccess === 'any') return true;
  if (claimAccess === 'mobile') return measured === 'mobile';
  return measured === 'fixed' || measured === 'wifi';
}

export function intersectPaths(a: readonly ClaimPath[], b: readonly ClaimPath[]): ClaimPath[] {
  if (a.includes('any')) return b.includes('any') ? ['any'] : [...b];
  if (b.includes('any')) return [...a];
  return a.filter((p) => b.includes(p));
}

/** The measured path keys a claim path reads: a named path, or the service-level verdict for `any`. */
export type MeasuredPath = ServicePath | 'any';

/**
 * What each effect says about the state of the service. `circumvented` says people got around a block,
 * which neither confirms nor denies the block: it has no state.
 */
export type ClaimedState = 'blocked' | 'degraded' | 'working';
export function claimedState(effect: Effect): ClaimedState | null {
  switch (effect) {
    case 'blocked':
      return 'blocked';
    case 'throttled':
    case 'degraded':
      return 'degraded';
    case 'working':
    case 'restored':
      return 'working';
    case 'circumvented':
      return null;
  }
}
