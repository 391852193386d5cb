// The system resolver (getaddrinfo), as the user's apps see it, and the nameservers it uses.
// getaddrinfo cannot be cancelled: on timeout or abort we stop waiting and report, and the late result
// is dropped. It blocks a thread until the resolver gives up (10 s and more with a silent nameserver),
// and Node's exit waits for every such thread of its own pool: a lookup still pending when a run ends
// would keep the process alive long after the run said it ended. So the lookups run in a small helper
// process (the same getaddrinfo, same resolv.conf and nsswitch), which is killed when the run ends.

import { type ChildProcess, spawn } from 'node:child_process';
import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { createInterface } from 'node:readline';
import type { DnsAnswer, DnsQuery } from '../model/observations.js';
import { hostPort, splitHostPort } from '../util/ip.js';
import { stepDeadline } from './deadline.js';
import type { StepOptions } from './types.js';

/** What one getaddrinfo call gave: the addresses, or the error (with its code, e.g. ENOTFOUND). */
export type GetaddrinfoResult = { addresses: dns.LookupAddress[] } | { error: NodeJS.ErrnoException };

/** A getaddrinfo implementation: the helper process (default) or this process's own thread pool. */
export type Getaddrinfo = (hostname: string) => Promise<GetaddrinfoResult>;

/** getaddrinfo on this process's thread pool (the fallback when the helper cannot run). */
export const inProcessGetaddrinfo: Getaddrinfo = (hostname) =>
  new Promise((resolve) =>
    dns.lookup(hostname, { all: true, family: 0 }, (error, addresses) => resolve(error ? { error } : { addresses })),
  );

// The helper: reads {"id","host"} lines, answers {"id","addresses"} or {"id","code","message"}. When the
// probe goes away (stdin ends) it kills itself rather than wait for its own pending lookups.
const HELPER_SOURCE = `
const dns = require('node:dns');
let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  for (let i = buf.indexOf('\\n'); i >= 0; i = buf.indexOf('\\n')) {
    const { id, host } = JSON.parse(buf.slice(0, i));
    buf = buf.slice(i + 1);
    dns.lookup(host, { all: true, family: 0 }, (e, addresses) =>
      process.stdout.write(JSON.stringify(e ? { id, code: e.code, message: e.message } : { id, addresses }) + '\\n'));
  }
});
process.stdin.on('end', () => process.kill(process.pid, 'SIGKILL'));
`;

type HelperAnswer = { id: number; addresses?: dns.LookupAddress[]; code?: string; message?: string };

/** One helper process shared by every lookup of the process, started on the first lookup. */
class GetaddrinfoHelper {
  private child: ChildProcess | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { hostname: string; resolve: (r: GetaddrinfoResult) => void }>();
  /** Set once the helper could not start or died: later lookups run in this process. */
  private failed = false;
  private killOnExit = false;

  lookup: Getaddrinfo = (hostname) => {
    const child = this.failed ? null : this.start();
    if (!child?.stdin?.writable) return inProcessGetaddrinfo(hostname);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { hostname, resolve });
      this.holdOpen();
      child.stdin!.write(`${JSON.stringify({ id, host: hostname })}\n`);
    });
  };

  /**
   * Kills the helper. A lookup still pending was given up by its step (or its caller was interrupted):
   * it is answered "cancelled", never retried here, where it would hold this process open.
   */
  close(): void {
    const child = this.child;
    this.child = null;
    if (child) child.kill('SIGKILL');
    const left = [...this.pending.values()];
    this.pending.clear();
    for (const p of left)
      p.resolve({ error: Object.assign(new Error(`getaddrinfo ECANCELLED ${p.hostname}`), { code: 'ECANCELLED' }) });
  }

  private start(): ChildProcess | null {
    if (this.child) return this.child;
    let child: ChildProcess;
    try {
      // No NODE_OPTIONS: hooks loaded into the probe (--import ...) have no business in the helper.
      const { NODE_OPTIONS: _ignored, ...env } = process.env;
      child = spawn(process.execPath, ['--max-semi-space-size=1', '-e', HELPER_SOURCE], {
        stdio: ['pipe', 'pipe', 'ignore'],
        env,
        windowsHide: true,
      });
    } catch {
      this.failed = true;
      return null;
    }
    this.child = child;
    // The helper keeps the probe alive only while a lookup waits for its answer (holdOpen).
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    child.stdin!.on('error', () => {});
    createInterface({ input: child.stdout! }).on('line', (line) => this.answer(line));
    // The helper died on its own: its pending lookups, and later ones, run in this process.
    const gone = () => {
      if (this.child !== child) return;
      this.child = null;
      this.failed = true;
      const left = [...this.pending.values()];
      this.pending.clear();
      for (const p of left) void inProcessGetaddrinfo(p.hostname).then(p.resolve);
    };
    child.on('error', gone);
    child.on('exit', gone);
    if (!this.killOnExit) {
      this.killOnExit = true;
      process.once('exit', () => this.child?.kill('SIGKILL'));
    }
    return child;
  }

  private answer(line: string): void {
    let a: HelperAnswer;
    try {
      a = JSON.parse(line) as HelperAnswer;
    } catch {
      return;
    }
    const p = this.pending.get(a.id);
    if (!p) return;
    this.pending.delete(a.id);
    this.holdOpen();
    if (a.addresses) p.resolve({ addresses: a.addresses });
    else
      p.resolve({
        error: Object.assign(new Error(a.message ?? `getaddrinfo ${a.code} ${p.hostname}`), { code: a.code }),
      });
  }

  /** The answer pipe keeps the event loop alive exactly while a lookup is pending. */
  private holdOpen(): void {
    const out = this.child?.stdout as unknown as { ref?: () => void; unref?: () => void } | undefined;
    if (this.pending.size > 0) out?.ref?.();
    else out?.unref?.();
  }
}

const helper = new GetaddrinfoHelper();

/** getaddrinfo in the helper process (see the top of this file). */
export const helperGetaddrinfo: Getaddrinfo = helper.lookup;

/** Ends the helper process now (its pending lookups are answered "cancelled"). Idempotent. */
export function closeSystemResolver(): void {
  helper.close();
}

let users = 0;

/**
 * For a run: the returned release function ends the helper once no run uses it any more, so that no
 * lookup outlives the run (runs sharing a process do not cancel each other's lookups).
 */
export function useSystemResolver(): () => void {
  users++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--users === 0) helper.close();
  };
}

export async function lookupSystem(
  o: StepOptions & { hostname: string; getaddrinfo?: Getaddrinfo },
): Promise<DnsQuery> {
  if (!o.hostname) throw new TypeError('hostname is required');
  const deadline = stepDeadline(o);
  const t0 = o.clock();
  const q: DnsQuery = {
    engine: 'getaddrinfo',
    resolver_address: '',
    hostname: o.hostname,
    query_type: 'ANY',
    answers: [],
    failure: null,
    t0,
    t: t0,
    transaction_id: o.transactionId,
    x_resolver_role: 'local',
  };
  try {
    const getaddrinfo = o.getaddrinfo ?? helperGetaddrinfo;
    const result = await new Promise<GetaddrinfoResult | { error: null }>((resolve) => {
      if (deadline.signal.aborted) return resolve({ error: null });
      deadline.signal.addEventListener('abort', () => resolve({ error: null }), { once: true });
      void getaddrinfo(o.hostname).then(resolve);
    });
    q.t = o.clock();
    if ('addresses' in result) {
      q.answers = result.addresses.map(toAnswer);
      if (q.answers.length === 0) q.failure = 'dns_no_answer';
    } else {
      q.failure = deadline.failureOf(result.error);
      if (result.error?.code) q.x_getaddrinfo_error = result.error.code;
    }
  } finally {
    deadline.dispose();
  }
  return q;
}

function toAnswer(a: dns.LookupAddress): DnsAnswer {
  return a.family === 6
    ? { answer_type: 'AAAA', ipv6: a.address, ttl: null }
    : { answer_type: 'A', ipv4: a.address, ttl: null };
}

/** "ip:port" of each `nameserver` line of a resolv.conf text. */
export function parseResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m && isIP(m[1]!.split('%')[0]!)) out.push(hostPort(m[1]!, 53));
  }
  return out;
}

/** The OS-configured nameservers as "ip:port" (/etc/resolv.conf, else what Node's resolver uses). */
export function systemNameservers(resolvConfPath = '/etc/resolv.conf'): string[] {
  try {
    const found = parseResolvConf(readFileSync(resolvConfPath, 'utf8'));
    if (found.length > 0) return found;
  } catch {
    // No resolv.conf (Windows, some containers): fall through to Node's view.
  }
  return dns.getServers().map((s) => {
    const { host, port } = splitHostPort(s, 53);
    return hostPort(host, port);
  });
}
