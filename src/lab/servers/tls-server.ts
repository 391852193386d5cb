// The lab's HTTPS/WebSocket/DoH server: one TLS listener on an address:port serving many names with
// certificates from the lab CA. It reads each ClientHello itself, so it can also play the SNI
// filter (reset or stall when the ClientHello names a listed host) in front of the real service.

import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { WebSocketServer } from 'ws';
import { issueCert, type IssuedCert, type LabCa } from '../pki.js';
import { scanClientHello } from './client-hello.js';
import { dohHandler, type RequestHandler } from './doh-handler.js';
import { type BoundAddress, closeTcp, ConnectionSet, listenTcp } from './listen.js';
import { NameRules } from './name-rules.js';
import { replayThenPipe } from './replay-stream.js';
import type { Zone } from './zone.js';

/** What happens once the ClientHello names a host: serve it, send a RST, or go silent. */
export type SniBehaviour = 'normal' | 'reset' | 'silent';

export interface HttpResponseSpec {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type HttpRoute = HttpResponseSpec | RequestHandler;

export type WsBehaviour =
  /**
   * Complete the upgrade (101) and keep the WebSocket open until the client leaves. With `origins`,
   * other Origin headers get 403, as services that only serve their own web client do.
   */
  | { kind: 'accept'; origins?: string[] }
  /** Answer the upgrade request with an HTTP error (e.g. 403 with a body). */
  | { kind: 'refuse'; status: number; headers?: Record<string, string>; body?: string }
  /** Reset the TCP connection when the upgrade request arrives. */
  | { kind: 'reset' };

export interface TlsServerOptions {
  address: string;
  /** 0 (default) picks a free port. */
  port?: number;
  ca: LabCa;
  /** Names to hold certificates for (a "*.example.com" pattern issues a wildcard certificate). */
  names?: string[];
  /** Name on the default certificate, presented when the SNI is absent or unknown; it also carries the listen IP. */
  defaultName?: string;
  /** ALPN protocols offered; default ['http/1.1']. */
  alpn?: string[];
}

const noop = () => {};

export class TlsServer {
  private readonly listener = net.createServer((socket) => this.onConnection(socket));
  private readonly http = http.createServer((req, res) => this.onRequest(req, res));
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly connections = new ConnectionSet();
  /** The TCP socket under each TLS socket, for behaviours that must act below TLS (RST). */
  private readonly rawOf = new WeakMap<object, net.Socket>();
  private readonly contexts = new NameRules<tls.SecureContext>();
  private readonly sniRules = new NameRules<SniBehaviour>();
  private readonly routes = new NameRules<Map<string, HttpRoute>>();
  private readonly wsRoutes = new NameRules<Map<string, WsBehaviour>>();
  private defaultContext: tls.SecureContext | null = null;
  private bound: BoundAddress | null = null;

  constructor(private readonly options: TlsServerOptions) {
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket as net.Socket, head));
    this.wss.on('connection', (ws) => ws.on('error', noop));
  }

  /** Sets what a ClientHello naming `pattern` (exact, "*.suffix" or "*") gets; a ClientHello without SNI is always served. */
  sni(pattern: string, behaviour: SniBehaviour): this {
    this.sniRules.set(pattern, behaviour);
    return this;
  }

  /** Serves `response` (or runs a handler) for any request to https://host/path; host may be "*.suffix" or "*". */
  route(host: string, path: string, response: HttpRoute): this {
    return this.addTo(this.routes, host, path, response);
  }

  webSocket(host: string, path: string, behaviour: WsBehaviour): this {
    return this.addTo(this.wsRoutes, host, path, behaviour);
  }

  /** Mounts an RFC 8484 endpoint answering truthfully from `zone`. */
  doh(host: string, path: string, zone: Zone): this {
    return this.route(host, path, dohHandler(zone));
  }

  /** Issues (from the lab CA) and installs certificates for more names. */
  async issue(...names: string[]): Promise<void> {
    await Promise.all(names.map(async (name) => this.useCertificate(name, await issueCert(this.options.ca, { names: [name], ips: [] }))));
  }

  /** Presents `cert` for SNIs matching `pattern`: e.g. an expired or wrong-name certificate. */
  useCertificate(pattern: string, cert: IssuedCert): this {
    this.contexts.set(pattern, tls.createSecureContext({ cert: cert.certPem, key: cert.keyPem }));
    return this;
  }

  async start(): Promise<BoundAddress> {
    if (this.bound) return this.bound;
    const o = this.options;
    const fallback = await issueCert(o.ca, { names: [o.defaultName ?? 'lab.invalid'], ips: [o.address] });
    this.defaultContext = tls.createSecureContext({ cert: fallback.certPem, key: fallback.keyPem });
    await this.issue(...(o.names ?? []));
    this.bound = await listenTcp(this.listener, o.address, o.port ?? 0);
    return this.bound;
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    this.connections.destroyAll();
    await closeTcp(this.listener);
    this.bound = null;
  }

  private addTo<T>(rules: NameRules<Map<string, T>>, host: string, path: string, value: T): this {
    const map = rules.get(host) ?? new Map<string, T>();
    map.set(path, value);
    rules.set(host, map);
    return this;
  }

  private lookup<T>(rules: NameRules<Map<string, T>>, hostHeader: string | undefined, url: string | undefined): T | undefined {
    const host = (hostHeader ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    const path = new URL(url ?? '/', 'https://lab.invalid').pathname;
    return rules.match(host)?.get(path);
  }

  private onConnection(raw: net.Socket): void {
    this.connections.add(raw);
    raw.on('error', noop);
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const scan = scanClientHello(buf);
      if (!scan.complete) return;
      raw.off('data', onData);
      const behaviour = (scan.sni && this.sniRules.match(scan.sni)) || 'normal';
      if (behaviour === 'reset') return void raw.resetAndDestroy();
      if (behaviour === 'silent') return void raw.on('data', noop); // read and drop, never answer
      raw.pause();
      this.serveTls(raw, buf);
    };
    raw.on('data', onData);
  }

  private serveTls(raw: net.Socket, clientHello: Buffer): void {
    const secure = new tls.TLSSocket(replayThenPipe(raw, clientHello), {
      isServer: true,
      secureContext: this.defaultContext!,
      SNICallback: (name, cb) => cb(null, this.contexts.match(name) ?? this.defaultContext!),
      ALPNProtocols: this.options.alpn ?? ['http/1.1'],
    });
    secure.on('error', noop);
    this.rawOf.set(secure, raw);
    this.http.emit('connection', secure);
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const route = this.lookup(this.routes, req.headers.host, req.url);
    if (typeof route === 'function') return route(req, res);
    const spec = route ?? { status: 404, headers: { 'content-type': 'text/plain' }, body: 'not found\n' };
    const body = spec.body ?? '';
    res.writeHead(spec.status, { 'content-length': Buffer.byteLength(body), ...spec.headers });
    res.end(body);
  }

  private onUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    socket.on('error', noop);
    let b: WsBehaviour = this.lookup(this.wsRoutes, req.headers.host, req.url) ?? { kind: 'refuse', status: 404, body: 'not found\n' };
    if (b.kind === 'accept' && b.origins && !b.origins.includes(req.headers.origin ?? '')) {
      b = { kind: 'refuse', status: 403, body: 'origin not allowed\n' };
    }
    switch (b.kind) {
      case 'accept':
        return this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
      case 'reset': {
        const raw = this.rawOf.get(socket);
        if (raw) raw.resetAndDestroy();
        else socket.destroy();
        return;
      }
      case 'refuse': {
        const body = b.body ?? '';
        const headers = { 'Content-Type': 'text/plain', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close', ...b.headers };
        const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
        socket.end(`HTTP/1.1 ${b.status} ${http.STATUS_CODES[b.status] ?? 'Error'}\r\n${lines.join('')}\r\n${body}`);
      }
    }
  }
}
