// Many TCP blackholes at once, without root: the trick of src/lab/servers/blackhole.ts (a listener
// whose accept queue is full drops every new SYN; the listener lives in a worker thread whose loop is
// blocked, so nobody ever accepts), but with ONE worker holding every listener of a scenario.
//
// Why not BlackholeListener/TcpServer's `blackhole` behaviour: each of those starts its own worker
// (about 9 MB and 200 ms each here), and a scenario that drops the SYNs to every WhatsApp endpoint
// needs about forty of them; started together they also starve the 100 ms fill probe of the event
// loop and fail ("could not connect to the worker listener"). One worker for all, and a fill probe
// that waits longer, avoid both.

import net from 'node:net';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const net = require('node:net');
const release = new Int32Array(workerData.release);
const servers = [];
let pending = workerData.listeners.length;
const results = new Array(pending);
const done = () => {
  if (--pending > 0) return;
  parentPort.postMessage({ results });
  // Block this thread's loop: no listener is ever accepted from until release.
  Atomics.wait(release, 0, 0);
  for (const s of servers) s.close();
};
workerData.listeners.forEach((l, i) => {
  const server = net.createServer();
  servers.push(server);
  server.once('error', (err) => { results[i] = { error: err.message, code: err.code }; done(); });
  server.listen({ host: l.address, port: l.port, backlog: 1 }, () => { results[i] = { port: server.address().port }; done(); });
});
if (workerData.listeners.length === 0) { parentPort.postMessage({ results: [] }); }
`;

/** A filler that has not connected after this long is taken as dropped: the accept queue is full. */
const FILL_PROBE_MS = 250;
/** listen(backlog 1) queues two connections on Linux; more than this means SYNs are still answered. */
const MAX_FILLERS = 16;

export interface HoleAddress {
  address: string;
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

export class BlackholePool {
  private constructor(
    readonly holes: HoleAddress[],
    private readonly release: Int32Array,
    private readonly exited: Promise<void>,
    private readonly fillers: net.Socket[],
  ) {}

  /** Opens a blackhole on every address:port (ports must be given: 0 is not allowed). */
  static async open(holes: HoleAddress[]): Promise<BlackholePool> {
    for (const h of holes) if (!Number.isInteger(h.port) || h.port <= 0) throw new RangeError(`blackhole pool needs fixed ports, got ${h.address}:${h.port}`);
    const release = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { listeners: holes, release: release.buffer } });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.on('error', () => {});
    const fillers: net.Socket[] = [];
    const pool = new BlackholePool(holes, release, exited, fillers);
    const msg = await new Promise<{ results: { port?: number; error?: string; code?: string }[] }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const failed = msg.results.map((r, i) => ({ r, h: holes[i]! })).filter(({ r }) => r.port === undefined);
    if (failed.length) {
      await pool.close();
      const { r, h } = failed[0]!;
      throw Object.assign(new Error(`blackhole listen on ${h.address}:${h.port} failed: ${r.error}`), { code: r.code });
    }
    try {
      await Promise.all(holes.map((h) => pool.fill(h)));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  private async fill(h: HoleAddress): Promise<void> {
    let mine = 0;
    for (;;) {
      const s = await tryConnect(h.address, h.port, FILL_PROBE_MS);
      if (!s) break;
      this.fillers.push(s);
      if (++mine > MAX_FILLERS) throw new Error(`blackhole ${h.address}:${h.port}: the accept queue never filled; SYNs would be answered`);
    }
    if (mine === 0) throw new Error(`blackhole ${h.address}:${h.port}: could not connect to the worker's listener`);
  }

  async close(): Promise<void> {
    for (const s of this.fillers) s.destroy();
    this.fillers.length = 0;
    Atomics.store(this.release, 0, 1);
    Atomics.notify(this.release, 0);
    await this.exited;
  }
}
