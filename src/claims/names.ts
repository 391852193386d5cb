// Which names claims, filters and reports may use, and the hint a mistyped one gets. A name nobody
// measures would match nothing and read as "0 measurements" or "no claims": it is an error instead,
// as `voipprobe run --service` makes it.

import { loadCatalogue } from '../catalogue/load.js';
import { InputError } from '../util/input-error.js';
import { SERVICE_ALIASES } from './scope.js';

/**
 * Services measured by other evidence sources, not by a catalogue file: OONI Probe's signal, telegram
 * and facebook_messenger experiments (see src/report/ooni.ts).
 */
export const EVIDENCE_ONLY_SERVICES = ['signal', 'telegram', 'messenger'] as const;

let bundled: string[] | undefined;

/** The bundled catalogue's services (probes/), loaded once. */
export function catalogueServiceNames(): string[] {
  bundled ??= loadCatalogue().services.map((s) => s.service);
  return bundled;
}

/** Every service name a claim or a filter may use: catalogue names, document aliases, OONI-only services. */
export function knownServiceNames(catalogue: readonly string[] = catalogueServiceNames()): string[] {
  return [...new Set([...catalogue, ...EVIDENCE_ONLY_SERVICES, ...Object.keys(SERVICE_ALIASES)])].sort();
}

/** Edit distance (insertions, deletions, substitutions), for "did you mean". */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known name closest to `name` when it is close enough to be a typo. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let d = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const k of known) {
    const e = editDistance(name.toLowerCase(), k.toLowerCase());
    if (e < d) {
      d = e;
      best = k;
    }
  }
  return best;
}

/** "unknown service "whatsap" (did you mean "whatsapp"?); known: ...". */
export function unknownNameMessage(what: string, name: string, known: readonly string[]): string {
  const near = closestName(name, known);
  return `unknown ${what} "${name}"${near ? ` (did you mean "${near}"?)` : ''}; known: ${known.join(', ')}`;
}

/** Throws a usage error (exit 2) for the first name that is not known. */
export function checkNames(
  flag: string,
  what: string,
  names: readonly string[] | undefined,
  known: readonly string[],
): void {
  const set = new Set(known);
  for (const n of names ?? []) if (!set.has(n)) throw new InputError(`${flag}: ${unknownNameMessage(what, n, known)}`);
}
