// A STUN Binding responder for the lab (RFC 5389 over UDP) with the behaviours a call's media path
// can meet: answered, silently dropped, answered with junk, refused with an error response, or no
// socket at all (the kernel then sends ICMP port unreachable).

import type dgram from 'node:dgram';
import { decodeStunMessage, encodeBindingError, encodeBindingSuccess, STUN_METHOD_BINDING } from '../../net/stun-codec.js';
import { type BoundAddress, bindUdp, closeUdp } from './listen.js';

export type StunBehaviour =
  /** Binding success with the sender's address in XOR-MAPPED-ADDRESS (and MAPPED-ADDRESS). */
  | { kind: 'answer' }
  | { kind: 'silent' }
  /** Reply with bytes that are not STUN; with `followWithAnswer`, the real answer comes right after. */
  | { kind: 'malformed'; bytes?: Buffer; followWithAnswer?: boolean }
  /** Binding error response, e.g. 400 Bad Request or 401 Unauthorized. */
  | { kind: 'error'; code: number; reason?: string }
  /** No socket on the port: ICMP port unreachable. */
  | { kind: 'closed' };

export interface StunServerOptions {
  address: string;
  /** 0 (default) picks a free port (kept when switching to `closed` and back). */
  port?: number;
  behaviour?: StunBehaviour;
  /** SOFTWARE attribute of the answers; default "voipprobe lab". */
  software?: string;
}

export const DEFAULT_STUN_GARBAGE = Buffer.from('voipprobe lab: this is not a STUN message\n');

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 420: 'Unknown Attribute', 500: 'Server Error' };

export class StunServer {
  private behaviour: StunBehaviour;
  private socket: dgram.Socket | null = null;
  private bound: BoundAddress | null = null;

  constructor(private readonly options: StunServerOptions) {
    this.behaviour = options.behaviour ?? { kind: 'answer' };
  }

  /** The bound address; with `closed` the port is reserved in name only (nothing listens). */
  async start(): Promise<BoundAddress> {
    if (this.bound) return this.bound;
    if (this.behaviour.kind === 'closed') {
      // Learn a free port, then give it back: nothing listens there, as the behaviour asks.
      await this.bind(this.options.port ?? 0);
      await this.unbind();
    } else await this.bind(this.options.port ?? 0);
    return this.bound!;
  }

  /** Switches behaviour; `closed` releases the socket and leaving it re-binds the same port. */
  async setBehaviour(behaviour: StunBehaviour): Promise<void> {
    const wasClosed = this.behaviour.kind === 'closed';
    this.behaviour = behaviour;
    if (!this.bound) return;
    if (behaviour.kind === 'closed' && !wasClosed) await this.unbind();
    if (behaviour.kind !== 'closed' && wasClosed) await this.bind(this.bound.port);
  }

  async close(): Promise<void> {
    await this.unbind();
    this.bound = null;
  }

  private async bind(port: number): Promise<void> {
    const { socket, bound } = await bindUdp(this.options.address, port);
    socket.on('message', (msg, rinfo) => this.onDatagram(socket, msg, rinfo));
    socket.on('error', () => {});
    this.socket = socket;
    this.bound = bound;
  }

  private async unbind(): Promise<void> {
    if (this.socket) await closeUdp(this.socket);
    this.socket = null;
  }

  private onDatagram(socket: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const decoded = decodeStunMessage(msg);
    if (!decoded.ok || decoded.message.class !== 'request' || decoded.message.method !== STUN_METHOD_BINDING) return;
    const txid = decoded.message.transactionId;
    const software = this.options.software ?? 'voipprobe lab';
    const answer = () =>
      encodeBindingSuccess(txid, { family: rinfo.family === 'IPv6' ? 'IPv6' : 'IPv4', address: rinfo.address, port: rinfo.port }, { software, mappedAddress: true });
    const send = (b: Buffer) => socket.send(b, rinfo.port, rinfo.address);
    const b = this.behaviour;
    switch (b.kind) {
      case 'answer':
        return send(answer());
      case 'malformed':
        send(b.bytes ?? DEFAULT_STUN_GARBAGE);
        if (b.followWithAnswer) send(answer());
        return;
      case 'error':
        return send(encodeBindingError(txid, b.code, b.reason ?? REASONS[b.code] ?? 'Error'));
      case 'silent':
      case 'closed':
        return;
    }
  }
}
