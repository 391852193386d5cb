// Shared test scaffolding: a measurement clock, step options with short timeouts, and aborts.

import dgram from 'node:dgram';
import net from 'node:net';
import { expect } from 'vitest';
import type { StepOptions } from '../../../src/net/types.js';

/** Step options with a fresh clock (seconds since now) and a short timeout. */
export function step(over: Partial<StepOptions> = {}): StepOptions {
  const start = performance.now();
  return { clock: () => (performance.now() - start) / 1000, timeoutMs: 3000, transactionId: 7, ...over };
}

/** A signal the test aborts after `ms`, as Ctrl-C would. */
export function abortAfter(ms: number): AbortSignal {
  const c = new AbortController();
  setTimeout(() => c.abort(), ms);
  return c.signal;
}

/** Runs `fn` and checks it finished within `maxMs` of wall time. */
export async function within<T>(maxMs: number, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const out = await fn();
  expect(performance.now() - t).toBeLessThan(maxMs);
  return out;
}

/** A port nobody listens on at `address` (bound, then released). */
export async function freePort(address: string, kind: 'tcp' | 'udp'): Promise<number> {
  if (kind === 'udp') {
    const s = dgram.createSocket(net.isIP(address) === 6 ? 'udp6' : 'udp4');
    await new Promise<void>((r) => s.bind(0, address, r));
    const port = s.address().port;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, address, r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
