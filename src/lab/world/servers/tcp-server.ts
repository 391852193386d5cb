// Plain TCP endpoints for the lab (WhatsApp's chat port 5222, for example) with the behaviours a
// path can show: accept and answer, reset or close on the first data (DPI matching a preamble), or
// a blackhole whose SYNs go unanswered. "Refused" needs no server: a port nobody listens on.

import net from 'node:net';
import { Blackholes } from './blackhole.js';
import { type BoundAddress, ConnectionSet, closeTcp, listenTcp } from './listen.js';

export type TcpBehaviour =
  /** Accept, and answer the first data with `reply`. */
  | { kind: 'accept'; reply?: Buffer }
  /** Accept, then send a RST when the first data segment arrives. */
  | { kind: 'reset_on_data' }
  /** Accept, then close (FIN) when the first data segment arrives. */
  | { kind: 'close_on_data' }
  /** Never answer a SYN: clients time out (see blackhole.ts for how, without root). */
  | { kind: 'blackhole' };

export interface TcpServerOptions {
  address: string;
  /** 0 (default) picks a free port. */
  port?: number;
  behaviour?: TcpBehaviour;
}

/** What an `accept` server answers by default: a few bytes, so a client sees the server speak. */
export const DEFAULT_TCP_REPLY = Buffer.from('voipprobe-lab\n');

export class TcpServer {
  private behaviour: TcpBehaviour;
  private server: net.Server | null = null;
  private hole: Blackholes | null = null;
  private readonly connections = new ConnectionSet();
  private bound: BoundAddress | null = null;

  constructor(private readonly options: TcpServerOptions) {
    this.behaviour = options.behaviour ?? { kind: 'accept' };
  }

  async start(): Promise<BoundAddress> {
    if (!this.bound) this.bound = await this.open(this.options.port ?? 0);
    return this.bound;
  }

  /** Switches behaviour; moving to or from `blackhole` re-binds the same port. */
  async setBehaviour(behaviour: TcpBehaviour): Promise<void> {
    const wasHole = this.behaviour.kind === 'blackhole';
    this.behaviour = behaviour;
    if (!this.bound || wasHole === (behaviour.kind === 'blackhole')) return;
    await this.release();
    this.bound = await this.open(this.bound.port);
  }

  async close(): Promise<void> {
    await this.release();
    this.bound = null;
  }

  private async open(port: number): Promise<BoundAddress> {
    if (this.behaviour.kind === 'blackhole') {
      this.hole = await Blackholes.open([{ address: this.options.address, port }]);
      return this.hole.bound[0]!;
    }
    this.server = net.createServer((socket) => this.onConnection(socket));
    return listenTcp(this.server, this.options.address, port);
  }

  private async release(): Promise<void> {
    this.connections.destroyAll();
    if (this.server) await closeTcp(this.server);
    if (this.hole) await this.hole.close();
    this.server = null;
    this.hole = null;
  }

  private onConnection(socket: net.Socket): void {
    this.connections.add(socket);
    socket.on('error', () => {});
    socket.once('data', () => {
      const b = this.behaviour;
      if (b.kind === 'reset_on_data') socket.resetAndDestroy();
      else if (b.kind === 'close_on_data') socket.end();
      else if (b.kind === 'accept') socket.write(b.reply ?? DEFAULT_TCP_REPLY);
    });
  }
}
