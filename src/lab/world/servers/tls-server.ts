// The lab's HTTPS/WebSocket/DoH server: one TLS listener on an address:port serving many names with
// certificates from the lab CA. It reads each ClientHello itself, so it can also play the SNI
// filter (reset or stall when the ClientHello names a listed host) in front of the real service.

import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { WebSocketServer } from 'ws';
import { type IssuedCert, issueCert, type LabCa, paddingCertificate } from '../pki.js';
import { readClientHello } from './client-hello.js';
import { dohHandler, type RequestHandler } from './doh-handler.js';
import { type BoundAddress, ConnectionSet, closeTcp, listenTcp } from './listen.js';
import { NameRules } from './name-rules.js';
import { replayThenPipe, TokenBucket } from './replay-stream.js';
import type { Zone } from './zone.js';

/** What happens once the ClientHello names a host: serve it, send a RST, or go silent. */
export type SniBehaviour = 'normal' | 'reset' | 'silent';

/**
 * Ways a real server's TLS defeats a current client with no censor involved (the server answers,
 * the same way whatever the SNI): a verdict must never read them as blocking.
 */
export type TlsQuirk =
  /** Speaks only TLS 1.0 and 1.1, which current clients refuse. */
  | 'legacy_versions'
  /** Requires a client certificate (the probe has none). */
  | 'client_cert'
  /** Sends a certificate chain of about 1 MB, far past what clients accept in one message. */
  | 'huge_chain';

/** Size of the chain a `huge_chain` server sends. */
export const HUGE_CHAIN_BYTES = 1024 * 1024;

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
  /** The certificate behind each entry of `contexts` (a quirk builds its own context from it). */
  private readonly certs = new NameRules<IssuedCert>();
  /** Exact patterns overridden by overrideCertificate(), with what they held before (undefined: nothing). */
  private readonly overridden = new Map<string, IssuedCert | undefined>();
  private tlsQuirk: TlsQuirk | null = null;
  private readonly quirkContexts = new Map<string, tls.SecureContext>();
  private pacer: TokenBucket | undefined;
  /** PEM of the ~1 MB certificate a `huge_chain` server appends to its chain. */
  private padding: string | null = null;
  private defaultCert: IssuedCert | null = null;
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
    await Promise.all(
      names.map(async (name) =>
        this.useCertificate(name, await issueCert(this.options.ca, { names: [name], ips: [] })),
      ),
    );
  }

  /** Presents `cert` for SNIs matching `pattern`: e.g. an expired or wrong-name certificate. */
  useCertificate(pattern: string, cert: IssuedCert): this {
    this.contexts.set(pattern, tls.createSecureContext({ cert: cert.certPem, key: cert.keyPem }));
    this.certs.set(pattern, cert);
    this.quirkContexts.clear();
    return this;
  }

  /** Presents `cert` for exactly `name` until restoreCertificates() (what an intercepting middlebox does to one name). */
  overrideCertificate(name: string, cert: IssuedCert): this {
    if (!this.overridden.has(name)) this.overridden.set(name, this.certs.get(name));
    return this.useCertificate(name, cert);
  }

  /** Undoes every overrideCertificate(). */
  restoreCertificates(): void {
    for (const [name, before] of this.overridden) {
      if (before) this.useCertificate(name, before);
      else {
        this.contexts.delete(name);
        this.certs.delete(name);
      }
    }
    this.overridden.clear();
    this.quirkContexts.clear();
  }

  /** Makes every later handshake show `quirk` (null: back to a well-behaved server). */
  async quirk(q: TlsQuirk | null): Promise<this> {
    if (q === 'huge_chain') this.padding ??= await paddingCertificate(HUGE_CHAIN_BYTES);
    this.tlsQuirk = q;
    this.quirkContexts.clear();
    return this;
  }

  /**
   * Sends everything at `kbit` kbit/s (below TLS, handshakes included) on later connections, all of
   * them through one token bucket as through a shaper's class for this address; null: full speed.
   */
  pace(kbit: number | null): this {
    this.pacer = kbit ? new TokenBucket(kbit) : undefined;
    return this;
  }

  async start(): Promise<BoundAddress> {
    if (this.bound) return this.bound;
    const o = this.options;
    const fallback = await issueCert(o.ca, { names: [o.defaultName ?? 'lab.invalid'], ips: [o.address] });
    this.defaultCert = fallback;
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

  private lookup<T>(
    rules: NameRules<Map<string, T>>,
    hostHeader: string | undefined,
    url: string | undefined,
  ): T | undefined {
    const host = (hostHeader ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    const path = new URL(url ?? '/', 'https://lab.invalid').pathname;
    return rules.match(host)?.get(path);
  }

  private onConnection(raw: net.Socket): void {
    this.connections.add(raw);
    raw.on('error', noop);
    readClientHello(raw, (scan, buf) => {
      const behaviour = (scan.sni && this.sniRules.match(scan.sni)) || 'normal';
      if (behaviour === 'reset') return void raw.resetAndDestroy();
      if (behaviour === 'silent') return void raw.on('data', noop); // read and drop, never answer
      raw.pause();
      this.serveTls(raw, buf);
    });
  }

  /** The context for an SNI: the name's certificate, or the default one, as the quirk (if any) serves it. */
  private contextFor(name: string | null): tls.SecureContext {
    const plain = (name !== null && this.contexts.match(name)) || this.defaultContext!;
    const q = this.tlsQuirk;
    if (!q || q === 'client_cert') return plain;
    const cert = (name !== null && this.certs.match(name)) || this.defaultCert!;
    const key = `${q}\0${cert.certPem}`;
    let ctx = this.quirkContexts.get(key);
    if (!ctx) {
      if (q === 'legacy_versions') {
        ctx = tls.createSecureContext({
          cert: cert.certPem,
          key: cert.keyPem,
          minVersion: 'TLSv1',
          maxVersion: 'TLSv1.1',
          ciphers: 'DEFAULT@SECLEVEL=0',
        });
      } else {
        // The real chain, then a certificate of about HUGE_CHAIN_BYTES.
        ctx = tls.createSecureContext({ cert: `${cert.certPem}\n${this.padding!}`, key: cert.keyPem });
      }
      this.quirkContexts.set(key, ctx);
    }
    return ctx;
  }

  private serveTls(raw: net.Socket, clientHello: Buffer): void {
    const clientCert = this.tlsQuirk === 'client_cert';
    const secure = new tls.TLSSocket(replayThenPipe(raw, clientHello, this.pacer ? { pacer: this.pacer } : {}), {
      isServer: true,
      secureContext: this.contextFor(null),
      SNICallback: (name, cb) => cb(null, this.contextFor(name)),
      ALPNProtocols: this.options.alpn ?? ['http/1.1'],
      // A server that insists on a client certificate: it asks for one and refuses the session without it.
      ...(clientCert ? { requestCert: true, rejectUnauthorized: true } : {}),
    });
    secure.on('error', noop);
    this.rawOf.set(secure, raw);
    this.http.emit('connection', secure);
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const route = this.lookup(this.routes, req.headers.host, req.url);
    if (typeof route === 'function') {
      route(req, res);
      return;
    }
    const spec = route ?? { status: 404, headers: { 'content-type': 'text/plain' }, body: 'not found\n' };
    const body = spec.body ?? '';
    res.writeHead(spec.status, { 'content-length': Buffer.byteLength(body), ...spec.headers });
    res.end(body);
  }

  private onUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    socket.on('error', noop);
    let b: WsBehaviour = this.lookup(this.wsRoutes, req.headers.host, req.url) ?? {
      kind: 'refuse',
      status: 404,
      body: 'not found\n',
    };
    if (b.kind === 'accept' && b.origins && !b.origins.includes(req.headers.origin ?? '')) {
      b = { kind: 'refuse', status: 403, body: 'origin not allowed\n' };
    }
    switch (b.kind) {
      case 'accept':
        this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
        return;
      case 'reset': {
        const raw = this.rawOf.get(socket);
        if (raw) raw.resetAndDestroy();
        else socket.destroy();
        return;
      }
      case 'refuse': {
        const body = b.body ?? '';
        const headers = {
          'Content-Type': 'text/plain',
          'Content-Length': String(Buffer.byteLength(body)),
          Connection: 'close',
          ...b.headers,
        };
        const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
        socket.end(`HTTP/1.1 ${b.status} ${http.STATUS_CODES[b.status] ?? 'Error'}\r\n${lines.join('')}\r\n${body}`);
      }
    }
  }
}
