// The helper as the far end of test calls: UDP sockets on the operator's call ports, sessions opened
// over HTTPS by authenticated clients, and one reply per packet received.
//
// Why it cannot be turned against anyone:
// - a packet is answered only if it carries the tag of an open session (8 random bytes handed out
//   over the authenticated HTTPS channel), arrives on that flow's port, comes from the address that
//   opened the session, and stays within the flow's declared rate (with slack);
// - the answer goes to the packet's own source, is exactly as long as the packet, and there is one
//   answer per packet: bytes sent to an address never exceed the bytes received from it
//   (`perClient()` keeps both counts, for the benchmark that checks it);
// - sessions are bounded in number (in total and per client), duration and recorded arrivals.

import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import {
  type CallFlowReport,
  type CallSessionOpened,
  type CallSessionReport,
  type CallSessionRequest,
  DIR,
  invert,
  readTrailer,
  TRAILER_BYTES,
  writeTrailer,
} from '../protocol/call.js';

export interface CallSessionsOptions {
  /** UDP ports to answer on: the services' call ports and at least one neutral port. */
  ports: number[];
  /** Address to bind them to ("0.0.0.0" by default; "::" for both families). */
  host?: string;
  maxSessions: number;
  maxSessionsPerClient: number;
  /** Seconds a session stays open after its declared duration (late packets, clock drift). */
  graceS?: number;
  /** Seconds the results stay readable after the session ended. */
  keepResultsS?: number;
  logger?: Logger;
}

interface Flow {
  id: number;
  port: number;
  scrambled: boolean;
  replyHeader: Buffer | null;
  /** First copies seen, indexed by seq (bounded). */
  seen: Uint8Array;
  received: number;
  duplicates: number;
  bytesIn: number;
  replies: number;
  bytesOut: number;
  refused: number;
  /** Flat [seq, tUs, size, seq, tUs, size, ...]. */
  arrivals: number[];
  tokens: number;
  tokensAt: number;
}

interface Session {
  id: string;
  tag: bigint;
  tagHex: string;
  client: string;
  startMs: number;
  endsAtMs: number;
  closedAtMs: number | null;
  ratePps: number;
  burst: number;
  flows: Map<number, Flow>;
}

export interface ClientBytes {
  bytesIn: number;
  bytesOut: number;
  packetsIn: number;
  packetsOut: number;
}

export type OpenResult =
  | { ok: true; session: CallSessionOpened }
  | { ok: false; status: 400 | 429 | 503; reason: string };

/** A flow may send this many seconds' worth of packets at once (a sender catching up after its event loop stalled). */
const BURST_S = 2;
/** ... and never fewer than this many. */
const BURST_MIN_PACKETS = 25;
const MAX_TRACKED_CLIENTS = 10_000;
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export class CallSessions {
  private readonly sockets = new Map<number, dgram.Socket>();
  private readonly sessions = new Map<string, Session>();
  private readonly byTag = new Map<bigint, Session>();
  private readonly clientBytes = new Map<string, ClientBytes>();
  private sweeper: NodeJS.Timeout | undefined;
  /** Datagrams that belonged to no open session (scans, strays): dropped, counted. */
  unmatched = 0;
  /** Counts of sessions already forgotten (counters() keeps totals). */
  private answeredClosed = 0;
  private refusedClosed = 0;

  private constructor(private readonly o: CallSessionsOptions) {}

  /** Binds every port; rejects (closing what it opened) if one cannot be bound. */
  static async start(o: CallSessionsOptions): Promise<CallSessions> {
    const cs = new CallSessions(o);
    try {
      for (const port of new Set(o.ports)) await cs.bind(port);
    } catch (e) {
      cs.stop();
      throw e;
    }
    cs.sweeper = setInterval(() => cs.sweep(), 1000);
    cs.sweeper.unref();
    return cs;
  }

  /** The ports bound (for a port given as 0, the one the system chose). */
  get ports(): number[] {
    return [...this.sockets.keys()];
  }

  private bind(port: number): Promise<void> {
    const host = this.o.host ?? '0.0.0.0';
    // A deep receive buffer: every session's packets share these sockets, and a helper process that is
    // briefly descheduled must not lose them (the kernel caps it at net.core.rmem_max).
    const socket = dgram.createSocket({
      type: host.includes(':') ? 'udp6' : 'udp4',
      reuseAddr: false,
      recvBufferSize: SOCKET_BUFFER_BYTES,
      sendBufferSize: SOCKET_BUFFER_BYTES,
    });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        const bound = socket.address().port;
        socket.on('error', (err) => this.o.logger?.warn({ port: bound, err: err.message }, 'call socket error'));
        socket.on('message', (msg, rinfo) => this.onPacket(socket, bound, msg, rinfo));
        this.sockets.set(bound, socket);
        resolve();
      });
    });
  }

  private count(client: string): ClientBytes {
    let c = this.clientBytes.get(client);
    if (!c) {
      if (this.clientBytes.size >= MAX_TRACKED_CLIENTS) this.clientBytes.delete(this.clientBytes.keys().next().value!);
      c = { bytesIn: 0, bytesOut: 0, packetsIn: 0, packetsOut: 0 };
      this.clientBytes.set(client, c);
    }
    return c;
  }

  private onPacket(socket: dgram.Socket, port: number, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const nowMs = performance.now();
    const client = rinfo.address.replace(/^::ffff:/, '');
    const counts = this.count(client);
    counts.bytesIn += msg.length;
    counts.packetsIn++;
    // The trailer in the clear, else inverted (a scrambled flow).
    let inverted = false;
    let t = readTrailer(msg, false);
    let s = t ? this.byTag.get(t.tag) : undefined;
    if (!s) {
      t = readTrailer(msg, true);
      s = t ? this.byTag.get(t.tag) : undefined;
      inverted = true;
    }
    if (!s || !t) {
      this.unmatched++;
      return;
    }
    const f = s.flows.get(t.flow);
    if (!f) {
      this.unmatched++;
      return;
    }
    // Only the opener's address, on the flow's own port, in the flow's own encoding, while open.
    if (
      client !== s.client ||
      port !== f.port ||
      inverted !== f.scrambled ||
      t.dir !== DIR.up ||
      nowMs > s.endsAtMs ||
      s.closedAtMs !== null
    ) {
      f.refused++;
      return;
    }
    // The flow's declared rate, with slack for bursts after a stall.
    f.tokens = Math.min(s.burst, f.tokens + ((nowMs - f.tokensAt) / 1000) * s.ratePps * 1.5);
    f.tokensAt = nowMs;
    if (f.tokens < 1 || t.seq >= f.seen.length) {
      f.refused++;
      return;
    }
    f.tokens -= 1;
    const arrivalUs = Math.round((nowMs - s.startMs) * 1000);
    if (f.arrivals.length < f.seen.length * 3 * 2) f.arrivals.push(t.seq, arrivalUs, msg.length);
    if (f.seen[t.seq]) f.duplicates++;
    else {
      f.seen[t.seq] = 1;
      f.received++;
    }
    f.bytesIn += msg.length;

    // The reply: this very packet, turned around (same length), with the helper's trailer.
    if (inverted) invert(msg);
    if (f.replyHeader) f.replyHeader.copy(msg, 0, 0, Math.min(f.replyHeader.length, msg.length - TRAILER_BYTES));
    const sendUs = Math.round((performance.now() - s.startMs) * 1000);
    writeTrailer(msg, {
      tag: s.tag,
      flow: f.id,
      dir: DIR.down,
      seq: f.replies,
      tSendUs: sendUs,
      echoSeq: t.seq,
      echoHoldUs: Math.max(0, sendUs - arrivalUs),
    });
    if (inverted) invert(msg);
    f.replies++;
    f.bytesOut += msg.length;
    counts.bytesOut += msg.length;
    counts.packetsOut++;
    socket.send(msg, rinfo.port, rinfo.address);
  }

  open(req: CallSessionRequest, client: string): OpenResult {
    const unknownPorts = req.flows.map((f) => f.port).filter((p) => !this.sockets.has(p));
    if (unknownPorts.length)
      return {
        ok: false,
        status: 400,
        reason: `this helper does not answer on UDP port ${[...new Set(unknownPorts)].join(', ')} (its call ports: ${this.ports.join(', ')})`,
      };
    const live = [...this.sessions.values()].filter((s) => s.closedAtMs === null);
    if (live.length >= this.o.maxSessions)
      return { ok: false, status: 503, reason: `the helper is at its capacity (${this.o.maxSessions} test calls)` };
    if (live.filter((s) => s.client === client).length >= this.o.maxSessionsPerClient)
      return { ok: false, status: 429, reason: `at most ${this.o.maxSessionsPerClient} test calls at once per client` };
    let tag: bigint;
    do tag = randomBytes(8).readBigUInt64BE(0);
    while (this.byTag.has(tag));
    const now = performance.now();
    const ratePps = 1000 / req.interval_ms;
    const burst = Math.max(BURST_MIN_PACKETS, Math.ceil(BURST_S * ratePps));
    // Sequence numbers beyond what the declared call can send are refused: it bounds memory too.
    const maxPackets = Math.ceil(req.duration_s * ratePps) + burst;
    const s: Session = {
      id: randomBytes(12).toString('base64url'),
      tag,
      tagHex: tag.toString(16).padStart(16, '0'),
      client,
      startMs: now,
      endsAtMs: now + (req.duration_s + (this.o.graceS ?? 10)) * 1000,
      closedAtMs: null,
      ratePps,
      burst,
      flows: new Map(
        req.flows.map((f) => [
          f.id,
          {
            id: f.id,
            port: f.port,
            scrambled: f.scrambled,
            replyHeader: f.reply_header_hex ? Buffer.from(f.reply_header_hex, 'hex') : null,
            seen: new Uint8Array(maxPackets),
            received: 0,
            duplicates: 0,
            bytesIn: 0,
            replies: 0,
            bytesOut: 0,
            refused: 0,
            arrivals: [],
            tokens: burst,
            tokensAt: now,
          },
        ]),
      ),
    };
    this.sessions.set(s.id, s);
    this.byTag.set(tag, s);
    return {
      ok: true,
      session: { session_id: s.id, tag_hex: s.tagHex, expires_in_s: Math.round((s.endsAtMs - now) / 1000) },
    };
  }

  results(id: string, client: string): CallSessionReport | undefined {
    const s = this.sessions.get(id);
    if (!s || s.client !== client) return undefined;
    const flows: CallFlowReport[] = [...s.flows.values()].map((f) => {
      const arrivals: [number, number, number][] = [];
      for (let i = 0; i + 2 < f.arrivals.length; i += 3)
        arrivals.push([f.arrivals[i]!, f.arrivals[i + 1]!, f.arrivals[i + 2]!]);
      return {
        id: f.id,
        port: f.port,
        received: f.received,
        duplicates: f.duplicates,
        bytes_in: f.bytesIn,
        replies: f.replies,
        bytes_out: f.bytesOut,
        refused: f.refused,
        arrivals,
      };
    });
    return {
      session_id: s.id,
      state: s.closedAtMs === null && performance.now() <= s.endsAtMs ? 'open' : 'ended',
      flows,
    };
  }

  /** Ends a session now (its results stay readable for a while). */
  close(id: string, client: string): boolean {
    const s = this.sessions.get(id);
    if (!s || s.client !== client) return false;
    this.end(s, performance.now());
    return true;
  }

  private end(s: Session, now: number): void {
    if (s.closedAtMs === null) s.closedAtMs = now;
    this.byTag.delete(s.tag);
  }

  private sweep(): void {
    const now = performance.now();
    const keep = (this.o.keepResultsS ?? 120) * 1000;
    for (const s of this.sessions.values()) {
      if (s.closedAtMs === null && now > s.endsAtMs) this.end(s, now);
      if (s.closedAtMs !== null && now - s.closedAtMs > keep) {
        for (const f of s.flows.values()) {
          this.answeredClosed += f.replies;
          this.refusedClosed += f.refused;
        }
        this.sessions.delete(s.id);
      }
    }
  }

  /** UDP bytes and packets per client address, both ways (the no-amplification check). */
  perClient(): Map<string, ClientBytes> {
    return new Map([...this.clientBytes].map(([k, v]) => [k, { ...v }]));
  }

  /** Totals over every session since start: packets answered, refused (a session's rules), and datagrams matching no session. */
  counters(): { answered: number; refused: number; unmatched: number } {
    let answered = this.answeredClosed;
    let refused = this.refusedClosed;
    for (const s of this.sessions.values())
      for (const f of s.flows.values()) {
        answered += f.replies;
        refused += f.refused;
      }
    return { answered, refused, unmatched: this.unmatched };
  }

  /** Open sessions now. */
  get openSessions(): number {
    return [...this.sessions.values()].filter((s) => s.closedAtMs === null).length;
  }

  stop(): void {
    clearInterval(this.sweeper);
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }
}
