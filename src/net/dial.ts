// Opens the connection under an HTTP request or a WebSocket upgrade: to a chosen IP (the one the
// plan resolved, or one a censor's resolver would not give out), with SNI, Host and certificate
// name taken from the URL. Tracks which phase it reached, so a failure can name the operation.

import net from 'node:net';
import tls from 'node:tls';
import { requireIp, sniFor, urlHost } from './address.js';
import { trustOptions } from './tls.js';
import type { TrustStore } from './types.js';

export type DialPhase = 'connect' | 'tls_handshake' | 'established';

export interface Dialed {
  socket: net.Socket;
  /** The TCP socket under `socket` (the same socket without TLS): its byte count includes the TLS records. */
  raw: net.Socket;
  phase(): DialPhase;
}

export interface DialOptions {
  url: URL;
  ip: string;
  ca?: TrustStore;
  alpn?: string[];
  /** Aborting destroys the socket whatever phase it is in. */
  signal: AbortSignal;
}

const noop = () => {};

export function defaultPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' || url.protocol === 'wss:' ? 443 : 80;
}

export function isSecureUrl(url: URL): boolean {
  return url.protocol === 'https:' || url.protocol === 'wss:';
}

export function dial(o: DialOptions): Dialed {
  requireIp(o.ip);
  const secure = isSecureUrl(o.url);
  const host = urlHost(o.url);
  const port = defaultPort(o.url);
  let phase: DialPhase = 'connect';
  // TLS over a TCP socket of our own, so that what arrives can be counted below TLS.
  const raw = net.connect({ host: o.ip, port });
  const socket = secure
    ? tls.connect({
        socket: raw,
        servername: sniFor(host),
        ALPNProtocols: o.alpn,
        ...trustOptions(o.ca),
        // Check the certificate against the URL's host, not the IP we happen to connect to.
        checkServerIdentity: (_name, cert) => tls.checkServerIdentity(host, cert),
      })
    : raw;
  raw.on('error', noop);
  socket.on('error', noop);
  socket.once('connect', () => {
    if (phase === 'connect') phase = secure ? 'tls_handshake' : 'established';
  });
  if (secure) socket.once('secureConnect', () => (phase = 'established'));
  const onAbort = () => socket.destroy(o.signal.reason instanceof Error ? o.signal.reason : new Error('aborted'));
  if (o.signal.aborted) queueMicrotask(onAbort);
  else {
    o.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('close', () => o.signal.removeEventListener('abort', onAbort));
  }
  return { socket, raw, phase: () => phase };
}
