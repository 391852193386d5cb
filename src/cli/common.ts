// What every command shares: exit codes, the stderr logger, and turning errors into the right code.

import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { InputError } from '../util/input-error.js';
import { hostPort, splitHostPort } from '../util/ip.js';
import { isSystemError, OperationalError } from '../util/operational-error.js';
import { escapeForTerminal } from '../util/terminal.js';
import { stampLines } from './log-stamp.js';

/** Documented exit codes: 0 measured (whatever was found), 1 could not run, 2 bad usage or input. */
export const EXIT = { ok: 0, cannotRun: 1, badInput: 2 } as const;

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

/** pino's own numeric levels: a message below the logger's level is dropped. */
const LEVEL_VALUES: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

const require = createRequire(import.meta.url);

/** Stack traces are for people who asked for them (--log-level debug, or VOIPPROBE_LOG=debug). */
let showStacks = isDebugLevel(process.env.VOIPPROBE_LOG);

function isDebugLevel(level: string | undefined): boolean {
  return level === 'debug' || level === 'trace';
}

/**
 * Logs go to stderr synchronously, so nothing is lost when a cron run exits. An unknown level is a usage
 * error (exit 2), checked before anything else happens.
 *
 * pino itself (about 45 ms of start-up) is loaded by the first message at an enabled level: at the
 * default level a run logs nothing, and messages below the level are dropped without it, as pino would.
 */
export function makeLogger(level: string = process.env.VOIPPROBE_LOG ?? 'info'): Logger {
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new InputError(`--log-level (or VOIPPROBE_LOG): expected one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
  }
  if (isDebugLevel(level)) showStacks = true;
  const threshold = LEVEL_VALUES[level as LogLevel];
  const toStderr = stamped;
  let real: Logger | undefined;
  const load = (): Logger => {
    if (real) return real;
    const { pino } = require('pino') as typeof import('pino');
    // Time-stamped output (scheduled runs) goes through process.stderr, which is synchronous on files and pipes.
    const dest = toStderr
      ? { write: (s: string) => void process.stderr.write(s) }
      : pino.destination({ dest: 2, sync: true });
    return (real = pino({ level, base: undefined }, dest));
  };
  const drop = () => {};
  return new Proxy({} as Logger, {
    get(_, key) {
      if (!real) {
        if (key === 'level') return level;
        if (key === 'isLevelEnabled') return (l: string) => (LEVEL_VALUES[l as LogLevel] ?? 0) >= threshold;
        if (typeof key === 'string' && key in LEVEL_VALUES && LEVEL_VALUES[key as LogLevel] < threshold) return drop;
      }
      const logger = load();
      const value: unknown = Reflect.get(logger, key);
      return typeof value === 'function' ? value.bind(logger) : value;
    },
    set: (_, key, value) => Reflect.set(load(), key, value),
  });
}

let stamped = false;

/** Scheduled runs: every line on stdout and stderr (logs included) starts with the UTC time. */
export function stampOutput(): void {
  if (stamped) return;
  stamped = true;
  stampLines(process.stdout);
  stampLines(process.stderr);
}

/** A command's failure: bad input exits 2 with its message; anything else exits 1. */
export function exitCodeFor(err: unknown): number {
  return err instanceof InputError ? EXIT.badInput : EXIT.cannotRun;
}

/**
 * The one place a command's failure is told: bad input (exit 2) and operational trouble (a port in use,
 * a locked store, a full disk: exit 1) in one sentence; anything else is a bug, said as such. A stack
 * trace only at --log-level debug.
 */
export function reportError(err: unknown): void {
  if (err instanceof InputError) {
    process.stderr.write(`voipprobe: ${escapeForTerminal(err.message, { multiline: true })}\n`);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  const expected = err instanceof OperationalError || isSystemError(err);
  let text = `voipprobe: could not run: ${escapeForTerminal(message, { multiline: true })}\n`;
  if (showStacks && err instanceof Error && err.stack) text += `${err.stack}\n`;
  else if (!expected)
    text +=
      'voipprobe: this looks like a bug in voipprobe; run again with --log-level debug (or VOIPPROBE_LOG=debug) for the details, and please report it\n';
  process.stderr.write(text);
}

/** Parses a positive number of seconds ("5", "2.5") from a flag, as milliseconds. */
export function secondsFlag(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InputError(`--${name}: expected a positive number of seconds, got "${value}"`);
  return Math.round(n * 1000);
}

export function intFlag(name: string, value: string, min = 1, max = 10_000): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InputError(`--${name}: expected an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

/** A number (not necessarily an integer) from `min` to `max`. */
export function numberFlag(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new InputError(`--${name}: expected a number from ${min} to ${max}, got "${value}"`);
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
    throw new InputError(
      `--${name}: expected an IP address and port such as 192.0.2.53:53 or [2001:db8::53]:53, got "${value}"`,
    );
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
