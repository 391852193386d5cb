// Random start delay for scheduled runs. Every box's cron fires on the same minute; without jitter
// they would all hit the control servers and the collector in the same second. The delay is drawn
// inside the tool (not with `sleep $RANDOM` in the crontab line) so it works without a shell feature
// and can be cut short by Ctrl-C / SIGTERM.

import { setTimeout as sleep } from 'node:timers/promises';
import { InputError } from '../util/input-error.js';

/** Parses `--jitter N` (seconds, 0 to 3600) to milliseconds. */
export function parseJitter(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 3600)
    throw new InputError(`--jitter: expected seconds from 0 to 3600, got "${value}"`);
  return Math.round(n * 1000);
}

export interface JitterOptions {
  /** A number in [0, 1); Math.random by default (tests pass their own). */
  random?: () => number;
  signal?: AbortSignal;
  /** Replaces the timer in tests. */
  sleepFn?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Told the delay drawn, before the sleep starts (to say how long the wait will be). */
  onDelay?: (ms: number) => void;
}

/**
 * Sleeps a uniformly random time in [0, maxMs) and returns it. An abort ends the sleep early without
 * throwing: the caller decides whether to go on (a run that was asked to stop should not start).
 */
export async function jitterSleep(maxMs: number, opts: JitterOptions = {}): Promise<number> {
  if (maxMs <= 0) return 0;
  const delay = Math.floor((opts.random ?? Math.random)() * maxMs);
  opts.onDelay?.(delay);
  const doSleep =
    opts.sleepFn ?? ((ms: number, signal?: AbortSignal) => sleep(ms, undefined, { signal }).then(() => undefined));
  try {
    await doSleep(delay, opts.signal);
  } catch (e) {
    if ((e as Error).name !== 'AbortError') throw e;
  }
  return delay;
}
