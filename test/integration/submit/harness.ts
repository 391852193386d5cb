// Test harness: a real collector (JSONL store in a temp dir) on 127.0.0.1, and a fault-injecting proxy
// in front of it that can answer 5xx/4xx itself, forward and then stall, or cut the connection.

import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { TokenCheck } from '../../../src/collector/auth.js';
import { createCollectorServer, listen, type RunningCollector } from '../../../src/collector/server.js';
import type { MeasurementStore } from '../../../src/collector/store.js';
import { JsonlStore } from '../../../src/collector/store-jsonl.js';

export const TOKEN = 'test-token-0123456789abcdef';

export interface TestCollector extends RunningCollector {
  store: MeasurementStore;
  dir: string;
  stop(): Promise<void>;
}

export async function startTestCollector(
  opts: {
    dir?: string;
    store?: MeasurementStore;
    maxBodyBytes?: number;
    headersTimeoutMs?: number;
    requestTimeoutMs?: number;
    port?: number;
    acceptSimulated?: boolean;
  } = {},
): Promise<TestCollector> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'voipprobe-collector-'));
  const store = opts.store ?? (await JsonlStore.open(dir));
  const server = createCollectorServer({
    store,
    auth: new TokenCheck([TOKEN]),
    maxBodyBytes: opts.maxBodyBytes,
    headersTimeoutMs: opts.headersTimeoutMs,
    requestTimeoutMs: opts.requestTimeoutMs,
    acceptSimulated: opts.acceptSimulated,
  });
  const running = await listen(server, '127.0.0.1', opts.port ?? 0);
  return {
    ...running,
    store,
    dir,
    async stop() {
      server.closeAllConnections();
      await running.close();
      await store.close();
    },
  };
}

export type Fault =
  | { kind: 'forward' }
  | { kind: 'answer'; status: number; body?: unknown }
  /** Forward (the collector stores it), then hold the answer back longer than the client waits. */
  | { kind: 'stall-after-forward'; ms: number }
  /** Forward (the collector stores it), then cut the connection instead of answering. */
  | { kind: 'close-after-forward' }
  /** Cut the connection after reading part of the request (nothing reaches the collector). */
  | { kind: 'close-mid-request' };

export interface FaultProxy {
  url: string;
  /** Requests seen, by path. */
  seen: string[];
  close(): Promise<void>;
}

/** `plan(n, path)` decides the fault for the n-th request (0-based) on a measurement path. */
export async function startFaultProxy(target: string, plan: (n: number, path: string) => Fault): Promise<FaultProxy> {
  const seen: string[] = [];
  let n = 0;
  const forward = async (req: IncomingMessage, body: Buffer) => {
    const headers: Record<string, string> = {};
    for (const h of ['authorization', 'content-type']) if (req.headers[h]) headers[h] = String(req.headers[h]);
    const res = await request(`${target}${req.url}`, {
      method: req.method as 'POST',
      headers,
      body: body.length ? body : undefined,
    });
    return { status: res.statusCode, text: await res.body.text() };
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    seen.push(path);
    // Opening and closing reports always go through; faults hit measurement submissions.
    const isMeasurement = /^\/report\/[^/]+$/.test(path) || path === '/api/v1/submit_measurement';
    const fault: Fault = isMeasurement ? plan(n++, path) : { kind: 'forward' };
    if (fault.kind === 'close-mid-request') {
      req.once('data', () => req.socket.destroy());
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      if (fault.kind === 'answer') {
        res.writeHead(fault.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(fault.body ?? { error: `injected ${fault.status}` }));
        return;
      }
      const a = await forward(req, body);
      if (fault.kind === 'close-after-forward') {
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'stall-after-forward') await new Promise((r) => setTimeout(r, fault.ms));
      if (res.destroyed) return;
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(a.text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
