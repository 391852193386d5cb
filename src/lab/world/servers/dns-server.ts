// A DNS server for the lab, over UDP and TCP on one address and port, answering from a Zone and
// able to misbehave per name the way censoring resolvers and on-path injectors do.

import type dgram from 'node:dgram';
import net from 'node:net';
import type dnsPacket from 'dns-packet';
import { RCODE } from '../../../net/dns-message.js';
import { hostPort } from '../../../util/ip.js';
import { type BoundAddress, bindUdp, ConnectionSet, closeTcp, closeUdp, listenTcp } from './listen.js';
import { NameRules } from './name-rules.js';
import { buildResponse, decodeQuery, truthfulResponse, type Zone } from './zone.js';

export type DnsBehaviour =
  /** Answer from the zone (NXDOMAIN for names it does not have). */
  | { kind: 'answer' }
  | { kind: 'nxdomain' }
  | { kind: 'refused' }
  | { kind: 'servfail' }
  /** Never answer. */
  | { kind: 'silent' }
  /** TC bit over UDP; the full answer over TCP. */
  | { kind: 'truncate' }
  /** Over UDP, a forged reply with these addresses at once, then the real one after `realAfterMs` (two replies on the wire). */
  | { kind: 'inject'; A?: string[]; AAAA?: string[]; realAfterMs: number }
  /** A lying resolver: these addresses instead of the real ones (UDP and TCP). */
  | { kind: 'sinkhole'; A?: string[]; AAAA?: string[] }
  /** The truthful answer, `ms` late (a slow or distant resolver; an injector on the path then wins the race). */
  | { kind: 'delay'; ms: number };

export interface DnsServerOptions {
  address: string;
  /** 0 (default) picks a free port, the same for UDP and TCP. */
  port?: number;
  zone: Zone;
}

type Transport = 'udp' | 'tcp';

/** One reply to send, after `delayMs`. */
interface Reply {
  bytes: Buffer;
  delayMs: number;
}

export class DnsServer {
  readonly zone: Zone;
  private readonly behaviours = new NameRules<DnsBehaviour>();
  private udp: dgram.Socket | null = null;
  private readonly tcp = net.createServer((socket) => this.onTcpConnection(socket));
  private readonly connections = new ConnectionSet();
  private readonly timers = new Set<NodeJS.Timeout>();
  private bound: BoundAddress | null = null;

  constructor(private readonly options: DnsServerOptions) {
    this.zone = options.zone;
  }

  /** Sets the behaviour for a name or a "*.suffix" pattern; takes effect for the next query. */
  setBehaviour(pattern: string, behaviour: DnsBehaviour): this {
    this.behaviours.set(pattern, behaviour);
    return this;
  }

  clearBehaviours(): void {
    this.behaviours.clear();
  }

  /** "ip:port" to give queryUdp/queryTcp. */
  get server(): string {
    if (!this.bound) throw new Error('DNS server not started');
    return hostPort(this.bound.address, this.bound.port);
  }

  async start(): Promise<BoundAddress> {
    if (this.bound) return this.bound;
    // With an ephemeral port, UDP picks it and TCP may find it taken: try a few times.
    for (let attempt = 0; ; attempt++) {
      const { socket, bound } = await bindUdp(this.options.address, this.options.port ?? 0);
      try {
        await listenTcp(this.tcp, this.options.address, bound.port);
      } catch (err) {
        await closeUdp(socket);
        if (this.options.port || attempt >= 5) throw err;
        continue;
      }
      socket.on('message', (msg, rinfo) => this.onDatagram(socket, msg, rinfo));
      socket.on('error', () => {}); // e.g. ICMP errors from a client that went away
      this.udp = socket;
      this.bound = bound;
      return bound;
    }
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.connections.destroyAll();
    await closeTcp(this.tcp);
    if (this.udp) await closeUdp(this.udp);
    this.udp = null;
    this.bound = null;
  }

  private later(delayMs: number, fn: () => void): void {
    if (delayMs <= 0) {
      fn();
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, delayMs);
    this.timers.add(t);
  }

  private replies(query: dnsPacket.DecodedPacket, transport: Transport): Reply[] {
    const name = query.questions?.[0]?.name;
    const b = (name !== undefined && this.behaviours.match(name)) || { kind: 'answer' };
    const now = (bytes: Buffer): Reply[] => [{ bytes, delayMs: 0 }];
    switch (b.kind) {
      case 'answer':
        return now(truthfulResponse(this.zone, query));
      case 'nxdomain':
        return now(buildResponse(query, { rcode: RCODE.NXDOMAIN }));
      case 'refused':
        return now(buildResponse(query, { rcode: RCODE.REFUSED }));
      case 'servfail':
        return now(buildResponse(query, { rcode: RCODE.SERVFAIL }));
      case 'silent':
        return [];
      case 'truncate':
        return transport === 'udp'
          ? now(buildResponse(query, { rcode: RCODE.NOERROR, truncated: true }))
          : now(truthfulResponse(this.zone, query));
      case 'sinkhole':
        return now(buildResponse(query, { rcode: RCODE.NOERROR, A: b.A, AAAA: b.AAAA }));
      case 'delay':
        return [{ bytes: truthfulResponse(this.zone, query), delayMs: b.ms }];
      case 'inject': {
        const real = truthfulResponse(this.zone, query);
        if (transport === 'tcp') return now(real);
        return [
          { bytes: buildResponse(query, { rcode: RCODE.NOERROR, A: b.A, AAAA: b.AAAA }), delayMs: 0 },
          { bytes: real, delayMs: b.realAfterMs },
        ];
      }
    }
  }

  private onDatagram(socket: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const query = decodeQuery(msg);
    if (!query) return;
    for (const r of this.replies(query, 'udp')) {
      this.later(r.delayMs, () => {
        if (this.udp === socket) socket.send(r.bytes, rinfo.port, rinfo.address);
      });
    }
  }

  private onTcpConnection(socket: net.Socket): void {
    this.connections.add(socket);
    socket.on('error', () => {});
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        const query = decodeQuery(msg);
        if (!query) {
          socket.destroy();
          return;
        }
        for (const r of this.replies(query, 'tcp')) {
          const len = Buffer.alloc(2);
          len.writeUInt16BE(r.bytes.length);
          this.later(r.delayMs, () => socket.writable && socket.write(Buffer.concat([len, r.bytes])));
        }
      }
    });
  }
}
