// Where packets towards a destination stop: TTL-limited probes of one protocol and port, every TTL
// sent at once (the traceroute principle, as in Censored Planet's CenTrace). Node cannot read the
// ICMP "time exceeded" that names each router, so the probes are made by the Linux `traceroute`
// (Debian package `traceroute`): UDP to a fixed port (-U) works without privileges; TCP SYN probes (-T)
// need root (raw sockets); ICMP echo probes (-I) need root or "ping sockets" (the sysctl
// net.ipv4.ping_group_range covering the user's group). Its output is read line by line as each hop
// completes, so a caller can stop it as soon as what it has seen is conclusive. Like every primitive
// here, it returns a record and never throws on a network failure (only on misuse).

import { spawn, spawnSync } from 'node:child_process';
import { isIP } from 'node:net';
import { delimiter } from 'node:path';
import { findExecutable } from '../fs/executable.js';
import type { PathTrace, TraceHop, TracePurpose } from '../model/observations.js';
import { hostPort } from '../util/ip.js';
import { requireIp, requirePort } from './address.js';
import type { StepOptions } from './types.js';

/** What this machine can trace with; see findTraceTool. */
export type TraceCapability =
  | {
      available: true;
      path: string;
      /** coreutils stdbuf, to read traceroute's output line by line (without it, only at the end). */
      stdbuf?: string;
      /** The protocol that compares with UDP on the same address: TCP SYN (root), ICMP echo (ping sockets), or none. */
      compare: 'tcp' | 'icmp' | 'none';
      version: string;
      /** What this machine cannot do, in words (printed once by the CLI). */
      note?: string;
    }
  | { available: false; reason: string };

export type TraceProtocol = 'udp' | 'tcp' | 'icmp';

export interface TraceOptions extends StepOptions {
  ip: string;
  /** Destination port (UDP, TCP); ignored for ICMP. */
  port: number;
  protocol: TraceProtocol;
  purpose: TracePurpose;
  /** The relay a comparison trace is made for ("ip:port"). */
  relay?: string;
  tool: Extract<TraceCapability, { available: true }>;
  /** Highest TTL probed (default 30). */
  maxTtl?: number;
  /** Probes per TTL (default 2): one lost datagram must not read as a router that stays silent. */
  probesPerHop?: number;
  /**
   * Called as each hop completes, in TTL order; returning true ends the trace there (it has seen enough,
   * e.g. packets entered the destination's network). The hop may be annotated (asn) by the callback.
   */
  onHop?: (hop: TraceHop, hops: TraceHop[]) => boolean | Promise<boolean>;
}

/** traceroute lives in /usr/sbin on Debian, which an ordinary user's PATH may lack. */
const SEARCH_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];
/** Output beyond this is not ours to keep (30 hops take about 2 KB). */
const MAX_OUTPUT_BYTES = 64 * 1024;
/** How long the output must pause before a hop line without its newline is read (see traceRoute). */
const PARTIAL_LINE_IDLE_MS = 25;

let cached: TraceCapability | undefined;

/**
 * The Linux traceroute, found once per process: UDP traces always, TCP traces when running as root.
 * `VOIPPROBE_TRACEROUTE` names another binary (or "none" to run without one, as a machine without it would).
 */
export function findTraceTool(refresh = false): TraceCapability {
  if (cached && !refresh) return cached;
  const wanted = process.env.VOIPPROBE_TRACEROUTE;
  const search = [process.env.PATH ?? '', ...SEARCH_DIRS].join(delimiter);
  const path = wanted === 'none' ? undefined : wanted ? wanted : findExecutable('traceroute', search);
  if (!path) {
    cached = {
      available: false,
      reason: 'the `traceroute` program is not installed (Debian/Ubuntu: apt-get install traceroute)',
    };
    return cached;
  }
  const v = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 3000, env: { ...process.env, LC_ALL: 'C' } });
  const text = `${v.stdout ?? ''}${v.stderr ?? ''}`;
  if (v.error || !/Modern traceroute for Linux/i.test(text)) {
    cached = {
      available: false,
      reason: `${path} is not the Linux traceroute this probe drives (Debian/Ubuntu package \`traceroute\`)`,
    };
    return cached;
  }
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const version = /version\s+([\d.]+)/i.exec(text)?.[1] ?? 'unknown';
  const stdbuf = findExecutable('stdbuf', search);
  // Without root, ICMP echo probes work only where ping sockets are allowed for the user's group.
  const icmp =
    !root &&
    spawnSync(path, ['-4', '-n', '-I', '-q', '1', '-m', '1', '-w', '0.3', '127.0.0.1'], {
      stdio: 'ignore',
      timeout: 3000,
    }).status === 0;
  const compare = root ? 'tcp' : icmp ? 'icmp' : 'none';
  cached = {
    available: true,
    path,
    ...(stdbuf ? { stdbuf } : {}),
    compare,
    version,
    ...(compare === 'tcp'
      ? {}
      : compare === 'icmp'
        ? {
            note: 'runs without root: UDP towards a relay is compared with ICMP echo probes to the same address (TCP probes need root)',
          }
        : {
            note: 'runs without root: it can show the way to a call relay open, but cannot locate a block, because the probes that tell a drop from a network that ignores them (TCP, or ICMP echo) need root or ping sockets (sysctl net.ipv4.ping_group_range)',
          }),
  };
  return cached;
}

/** One hop line of traceroute's output (" 3  198.18.0.9  0.123 ms !X  *"); undefined for other lines. */
export function parseHopLine(line: string): TraceHop | undefined {
  const m = /^\s*(\d+)\s+(.*)$/.exec(line);
  if (!m) return undefined;
  const ttl = Number(m[1]);
  const tokens = m[2]!.trim().split(/\s+/);
  let current: string | null = null;
  const addresses: string[] = [];
  const rtt: number[] = [];
  const flags: string[] = [];
  let lost = 0;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok === '*') lost++;
    else if (isIP(tok)) {
      current = tok;
      if (!addresses.includes(tok)) addresses.push(tok);
    } else if (/^\d+(\.\d+)?$/.test(tok) && tokens[i + 1] === 'ms') {
      if (current !== null) rtt.push(Number(tok));
      i++;
    } else if (tok.startsWith('!')) flags.push(tok);
    // Anything else (a name in parentheses, "<syn,ack>") is not needed.
  }
  const hop: TraceHop = { ttl, address: addresses[0] ?? null, rtt_ms: rtt, lost };
  if (addresses.length > 1) hop.other_addresses = addresses.slice(1);
  if (flags.length) hop.flags = flags;
  return hop;
}

const METHOD_FLAG: Record<TraceProtocol, string> = { udp: '-U', tcp: '-T', icmp: '-I' };

export function traceArgs(
  o: Pick<TraceOptions, 'ip' | 'port' | 'protocol' | 'maxTtl' | 'probesPerHop' | 'timeoutMs'>,
): string[] {
  const max = o.maxTtl ?? 30;
  const q = o.probesPerHop ?? 2;
  const waitS = Math.max(0.05, o.timeoutMs / 1000).toFixed(2);
  return [
    isIP(o.ip) === 6 ? '-6' : '-4',
    '-n',
    METHOD_FLAG[o.protocol],
    ...(o.protocol === 'icmp' ? [] : ['-p', String(o.port)]),
    '-q',
    String(q),
    // Every probe at once: a silent path costs one wait, not one per hop.
    '-N',
    String(max * q),
    '-m',
    String(max),
    // Wait at most the step's time; less once nearer hops have answered (traceroute's here/near factors).
    '-w',
    `${waitS},3,10`,
    o.ip,
  ];
}

/** Runs one trace; never throws on a network or tool failure (those are recorded). */
export async function traceRoute(o: TraceOptions): Promise<PathTrace> {
  requireIp(o.ip);
  if (o.protocol !== 'icmp') requirePort(o.port);
  const t0 = o.clock();
  const maxTtl = o.maxTtl ?? 30;
  const rec: PathTrace = {
    address: o.protocol === 'icmp' ? o.ip : hostPort(o.ip, o.port),
    protocol: o.protocol,
    method: `traceroute ${METHOD_FLAG[o.protocol]}`,
    x_purpose: o.purpose,
    ...(o.relay ? { x_relay: o.relay } : {}),
    max_ttl: maxTtl,
    hops: [],
    reached: false,
    failure: null,
    t0,
    t: t0,
    transaction_id: o.transactionId,
    ...(o.target ? { x_target: o.target } : {}),
  };
  if (o.signal?.aborted) {
    rec.failure = 'interrupted';
    return rec;
  }
  const args = traceArgs({ ...o, maxTtl });
  const argv = o.tool.stdbuf ? [o.tool.stdbuf, '-oL', o.tool.path, ...args] : [o.tool.path, ...args];
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
  });
  let stopped: 'early' | 'interrupted' | 'timeout' | undefined;
  const stop = (why: typeof stopped) => {
    if (stopped) return;
    stopped = why;
    child.kill('SIGKILL');
  };
  const onAbort = () => stop('interrupted');
  o.signal?.addEventListener('abort', onAbort, { once: true });
  // traceroute waits at most timeoutMs per probe; give it a little more to print, then stop it.
  const killer = setTimeout(() => stop('timeout'), o.timeoutMs + 500);
  let stderr = '';
  let bytes = 0;
  let pending = '';
  let chain: Promise<void> = Promise.resolve();
  // Hops are handed to onHop one at a time, in order, even though lines may arrive together; a hop is
  // recorded once onHop has seen it (and annotated it), and none after the caller said it had enough.
  let parsed = 0;
  const onLine = (line: string) => {
    const hop = parseHopLine(line);
    if (!hop || hop.ttl !== parsed + 1 || hop.ttl > maxTtl) return;
    parsed++;
    const early = () => stopped === 'early';
    chain = chain.then(async () => {
      if (early()) return;
      const enough = o.onHop ? await o.onHop(hop, [...rec.hops, hop]) : false;
      if (early()) return;
      if (hop.address === o.ip) rec.reached = true;
      rec.hops.push(hop);
      if (enough) stop('early');
    });
  };
  // traceroute ends a hop's line only when it starts the next one, which waits for the next hop's
  // probes: a hop whose every probe is accounted for is taken once the output pauses, not a timeout later.
  const q = o.probesPerHop ?? 2;
  let idle: NodeJS.Timeout | undefined;
  const takePartial = () => {
    const hop = parseHopLine(pending);
    if (hop && hop.rtt_ms.length + hop.lost >= q) onLine(pending);
  };
  child.stdout.on('data', (d: Buffer) => {
    bytes += d.length;
    if (bytes > MAX_OUTPUT_BYTES) return stop('timeout');
    pending += d.toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      onLine(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
    clearTimeout(idle);
    if (pending) idle = setTimeout(takePartial, PARTIAL_LINE_IDLE_MS);
  });
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 2048) stderr += d.toString('utf8');
  });
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', (err) => {
      stderr += err.message;
      resolve(null);
    });
    child.on('close', (c) => resolve(c));
  });
  clearTimeout(killer);
  clearTimeout(idle);
  o.signal?.removeEventListener('abort', onAbort);
  if (pending && !stopped) onLine(pending);
  await chain;
  rec.t = o.clock();
  if (stopped === 'early') rec.stopped_early = true;
  else if (stopped === 'interrupted') rec.failure = 'interrupted';
  else if (code !== 0 && rec.hops.length === 0) {
    const why = stderr.trim().split('\n')[0] ?? `exit ${code}`;
    rec.failure = /permission|privilege|not permitted/i.test(why)
      ? 'permission_denied'
      : `unknown_failure: traceroute: ${why.slice(0, 200)}`;
  }
  return rec;
}
