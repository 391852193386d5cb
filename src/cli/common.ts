// What every command shares: exit codes, the stderr logger, and turning errors into the right code.

import { pino, type Logger } from 'pino';
import { InputError } from '../util/input-error.js';

/** Documented exit codes: 0 measured (whatever was found), 1 could not run, 2 bad usage or input. */
export const EXIT = { ok: 0, cannotRun: 1, badInput: 2 } as const;

/** Logs go to stderr synchronously, so nothing is lost when a cron run exits. */
export function makeLogger(level: string = process.env.VOIPPROBE_LOG ?? 'info'): Logger {
  return pino({ level, base: undefined }, pino.destination({ dest: 2, sync: true }));
}

/** A command's failure: bad input exits 2 with its message; anything else exits 1. */
export function exitCodeFor(err: unknown): number {
  return err instanceof InputError ? EXIT.badInput : EXIT.cannotRun;
}

export function reportError(err: unknown): void {
  if (err instanceof InputError) process.stderr.write(`voipprobe: ${err.message}\n`);
  else process.stderr.write(`voipprobe: could not run: ${(err as Error)?.stack ?? String(err)}\n`);
}

/** Parses a positive number of seconds ("5", "2.5") from a flag, as milliseconds. */
export function secondsFlag(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InputError(`--${name}: expected a positive number of seconds, got "${value}"`);
  return Math.round(n * 1000);
}

export function intFlag(name: string, value: string, min = 1, max = 10_000): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new InputError(`--${name}: expected an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

/** Commander collector for repeatable flags (--resolver A --resolver B). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
