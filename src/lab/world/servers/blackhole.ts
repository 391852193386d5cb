// TCP ports whose SYNs go unanswered, without root and without firewall rules. Linux drops a SYN
// when the listening socket's accept queue is full. Node accepts every connection at once, so the
// listeners live in a worker thread whose event loop is blocked (nobody ever calls accept), and we
// fill each accept queue with our own connections; from then on every new SYN is dropped and a
// client's connect times out, exactly as behind a filtering firewall. One worker serves any number
// of ports (a worker costs megabytes and a few hundred milliseconds to start).

import net from 'node:net';
import { Worker } from 'node:worker_threads';
import type { BoundAddress } from './listen.js';

/** The smallest queue: Linux holds backlog + 1 connections before it drops SYNs. */
const BACKLOG = 1;

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const net = require('node:net');
const release = new Int32Array(workerData.release);
const servers = [];
const results = [];
let pending = workerData.holes.length;
const ready = () => {
  parentPort.postMessage(results);
  // Block this thread's loop: the listeners are never accepted from until release.
  Atomics.wait(release, 0, 0);
  for (const s of servers) s.close();
};
workerData.holes.forEach((h, i) => {
  const server = net.createServer();
  servers.push(server);
  server.once('error', (err) => { results[i] = { error: err.message, code: err.code }; if (--pending === 0) ready(); });
  server.listen({ host: h.address, port: h.port, backlog: workerData.backlog }, () => {
    results[i] = { port: server.address().port };
    if (--pending === 0) ready();
  });
});
if (pending === 0) ready();
`;

/** The first BACKLOG + 1 fillers must connect: generous, so a busy event loop cannot fake a full queue. */
const FILLER_CONNECT_MS = 5000;
/** After those, a connect unanswered for this long means the queue is full (kernels that queue more). */
const FILL_PROBE_MS = 100;
const MAX_FILLERS = 16;

export interface HoleAddress {
  address: string;
  /** 0 picks a free port. */
  port: number;
}

function tryConnect(address: string, port: number, ms: number): Promise<net.Socket | null> {
  return new Promise((resolve) => {
    const s = net.connect({ host: address, port });
    s.on('error', () => {});
    const timer = setTimeout(() => {
      s.destroy();
      resolve(null);
    }, ms);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('close', () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}

export class Blackholes {
  private constructor(
    /** The holes, in the order asked, with their actual ports. */
    readonly bound: BoundAddress[],
    private readonly release: Int32Array,
    private readonly exited: Promise<void>,
    private readonly fillers: net.Socket[],
  ) {}

  static async open(holes: HoleAddress[]): Promise<Blackholes> {
    const release = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { holes, backlog: BACKLOG, release: release.buffer },
    });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.on('error', () => {}); // reported through 'exit'; must not crash the lab
    const results = await new Promise<{ port?: number; error?: string; code?: string }[]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const bound = holes.map((h, i) => ({ address: h.address, port: results[i]?.port ?? 0 }));
    const group = new Blackholes(bound, release, exited, []);
    try {
      const failed = results.findIndex((r) => r.port === undefined);
      if (failed >= 0) {
        const h = holes[failed]!;
        throw Object.assign(new Error(`blackhole listen on ${h.address}:${h.port} failed: ${results[failed]!.error}`), {
          code: results[failed]!.code,
        });
      }
      await Promise.all(bound.map((b) => group.fill(b)));
    } catch (err) {
      await group.close();
      throw err;
    }
    return group;
  }

  private async fill(b: BoundAddress): Promise<void> {
    for (let i = 0; i <= BACKLOG; i++) {
      const s = await tryConnect(b.address, b.port, FILLER_CONNECT_MS);
      if (!s) throw new Error(`blackhole ${b.address}:${b.port}: could not connect to the worker's listener`);
      this.fillers.push(s);
    }
    for (let extra = 0; ; extra++) {
      const s = await tryConnect(b.address, b.port, FILL_PROBE_MS);
      if (!s) return;
      this.fillers.push(s);
      if (extra >= MAX_FILLERS)
        throw new Error(`blackhole ${b.address}:${b.port}: the accept queue never filled; SYNs would be answered`);
    }
  }

  async close(): Promise<void> {
    for (const s of this.fillers) s.destroy();
    this.fillers.length = 0;
    Atomics.store(this.release, 0, 1);
    Atomics.notify(this.release, 0);
    await this.exited;
  }
}
