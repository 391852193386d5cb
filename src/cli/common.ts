// What every command shares: exit codes, the stderr logger, and turning errors into the right code.

import { pino, type Logger } from 'pino';
import { isIP } from 'node:net';
import { InputError } from '../util/input-error.js';
import { hostPort, splitHostPort } from '../util/ip.js';

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

/** A number (not necessarily an integer) from `min` to `max`. */
export function numberFlag(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new InputError(`--${name}: expected a number from ${min} to ${max}, got "${value}"`);
  return n;
}

/** Commander collector for repeatable flags (--resolver A --resolver B). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A resolver flag: "ip:port" or "[ipv6]:port" (the port may be left out for 53). */
export function resolverFlag(name: string, value: string): string {
  const { host, port } = splitHostPort(value.trim(), 53);
  if (isIP(host) === 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InputError(`--${name}: expected an IP address and port such as 192.0.2.53:53 or [2001:db8::53]:53, got "${value}"`);
  }
  return hostPort(host, port);
}

/** A DoH flag: an https:// URL. */
export function dohFlag(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InputError(`--doh: expected an https:// URL, got "${value}"`);
  }
  if (u.protocol !== 'https:') throw new InputError(`--doh: expected an https:// URL, got "${value}"`);
  return u.href;
}

/** Resolves on the first SIGINT or SIGTERM (a server's "stop": finish what is in flight, then close). */
export function untilStopped(log: Logger, what: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      log.info({ signal: sig }, `${what} stopping`);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve();
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}
