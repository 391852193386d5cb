// Binding and tearing down the lab's listeners. Every server tracks its open connections so that
// close() really releases everything, even connections a behaviour deliberately left hanging.

import dgram from 'node:dgram';
import net from 'node:net';

export interface BoundAddress {
  address: string;
  port: number;
}

export function udpType(address: string): 'udp4' | 'udp6' {
  const v = net.isIP(address);
  if (v === 0) throw new TypeError(`lab servers bind to an IP address, got ${JSON.stringify(address)}`);
  return v === 6 ? 'udp6' : 'udp4';
}

export function listenTcp(server: net.Server, address: string, port: number, backlog?: number): Promise<BoundAddress> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host: address, port, ...(backlog ? { backlog } : {}) }, () => {
      server.off('error', onError);
      const a = server.address() as net.AddressInfo;
      resolve({ address: a.address, port: a.port });
    });
  });
}

export function closeTcp(server: net.Server): Promise<void> {
  return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
}

export function bindUdp(address: string, port: number): Promise<{ socket: dgram.Socket; bound: BoundAddress }> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(udpType(address));
    const onError = (err: Error) => {
      socket.close();
      reject(err);
    };
    socket.once('error', onError);
    socket.bind(port, address, () => {
      socket.off('error', onError);
      const a = socket.address();
      resolve({ socket, bound: { address: a.address, port: a.port } });
    });
  });
}

export function closeUdp(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

/** Open connections of one server, destroyed on close. */
export class ConnectionSet {
  private readonly sockets = new Set<net.Socket>();

  add(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}
