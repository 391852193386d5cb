// A stream over a TCP socket that first replays bytes already read from it. Needed because the
// lab's TLS server reads the ClientHello itself (to act on the SNI) before handing the connection
// to node:tls, and a TLSSocket over a raw net.Socket would read from the kernel, not from us.
// Optionally it paces what is written through a token bucket, below TLS, as a shaper on the path
// would let it through: whole TLS records arrive late, handshakes included.

import type net from 'node:net';
import { Duplex } from 'node:stream';

export interface ReplayOptions {
  /** Send through this token bucket (shared by every connection to one address, as a shaper's class is). */
  pacer?: TokenBucket;
}

/** The shaper's burst, as `tc ... htb burst 1600` in the namespace lab. */
const PACE_BURST_BYTES = 1600;
const PACE_TICK_MS = 20;

type Callback = (err?: Error | null) => void;

/**
 * A token bucket at `kbit` kbit/s with a small burst, in front of any number of sockets: writes leave
 * in the order they were made, whichever connection they belong to, as through one shaper class. A
 * write's callback fires once all of it went out; what a closed socket still had queued is dropped.
 */
export class TokenBucket {
  private readonly bytesPerMs: number;
  private readonly queue: { socket: net.Socket; buf: Buffer; callback: Callback }[] = [];
  private tokens = PACE_BURST_BYTES;
  private last = performance.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly kbit: number) {
    this.bytesPerMs = (kbit * 1000) / 8 / 1000;
  }

  write(socket: net.Socket, chunk: Buffer, callback: Callback): void {
    this.queue.push({ socket, buf: chunk, callback });
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), PACE_TICK_MS);
      this.tick();
    }
  }

  private tick(): void {
    const now = performance.now();
    this.tokens = Math.min(PACE_BURST_BYTES, this.tokens + (now - this.last) * this.bytesPerMs);
    this.last = now;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (head.socket.destroyed) {
        this.queue.shift();
        head.callback();
        continue;
      }
      if (this.tokens < 1) break;
      const n = Math.min(Math.floor(this.tokens), head.buf.length);
      head.socket.write(head.buf.subarray(0, n));
      head.buf = head.buf.subarray(n);
      this.tokens -= n;
      if (head.buf.length === 0) {
        this.queue.shift();
        head.callback();
      }
    }
    if (this.queue.length === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

export function replayThenPipe(socket: net.Socket, prefix: Buffer, o: ReplayOptions = {}): Duplex {
  const pacer = o.pacer;
  const stream = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      if (pacer) pacer.write(socket, chunk, callback);
      else socket.write(chunk, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(err, callback) {
      socket.destroy();
      callback(err);
    },
  });
  stream.push(prefix);
  socket.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.on('end', () => stream.push(null));
  socket.on('close', () => stream.destroy());
  socket.on('error', (err) => stream.destroy(err));
  return stream;
}
