// A stream over a TCP socket that first replays bytes already read from it. Needed because the
// lab's TLS server reads the ClientHello itself (to act on the SNI) before handing the connection
// to node:tls, and a TLSSocket over a raw net.Socket would read from the kernel, not from us.

import { Duplex } from 'node:stream';
import type net from 'node:net';

export function replayThenPipe(socket: net.Socket, prefix: Buffer): Duplex {
  const stream = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, callback);
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
