// When to try an unsent measurement again. Exponential growth so a collector that is down for days is
// not hammered by every box on every run; random jitter so boxes that failed together do not retry
// together; a cap so a collector that comes back is reached within the hour.

export interface BackoffPolicy {
  /** Delay after the first failure. */
  baseMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 60_000, maxMs: 60 * 60_000 };

/** Delay before attempt number `failures + 1`, "equal jitter": half fixed, half random. */
export function backoffDelay(
  failures: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}
