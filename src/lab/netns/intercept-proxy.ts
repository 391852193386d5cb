// A transparent TLS-intercepting proxy, run inside the middlebox namespace: what a censor uses to
// block WebSocket traffic while plain HTTPS to the same host keeps working (a packet filter cannot
// see an Upgrade header inside TLS). nftables redirects the client's connections to the listed
// host addresses to this proxy; it completes the TLS handshake with a certificate for the name from
// the "censor CA" (which the client has been made to trust), reads each HTTP request, forwards
// ordinary requests to the real server (verifying the real server's certificate against the lab CA)
// and resets the TCP connection of any request that asks for an Upgrade.
// With `passthrough`, it intercepts only the names it holds certificates for: it reads the
// ClientHello first and splices any other SNI, untouched, to the real server (what an interceptor
// with a list of names does; its CA may be one the client does not trust).
//
//   node dist/src/lab/netns/intercept-proxy.js <config.json>
//   config: { "listen": {"address": "198.18.0.1", "port": 8443},
//             "upstreams": {"web.whatsapp.com": "198.18.16.40"}, "upstreamPort": 443,
//             "certs": {"web.whatsapp.com": {"certPem": "...", "keyPem": "..."}},
//             "upstreamCaPem": "..." }
// Prints one JSON line {"ready":true,...} on stdout once listening; SIGTERM ends it.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { readClientHello } from '../world/servers/client-hello.js';
import { replayThenPipe } from '../world/servers/replay-stream.js';

export interface InterceptConfig {
  listen: { address: string; port: number };
  /** Intercepted hostname → the real server's address. */
  upstreams: Record<string, string>;
  upstreamPort: number;
  /** Certificates (leaf + censor CA) presented for each intercepted name. */
  certs: Record<string, { certPem: string; keyPem: string }>;
  /** CA the real servers' certificates chain to (the proxy checks the real server, as a TLS client). */
  upstreamCaPem: string;
  /** Intercept only the names in `certs`; connections naming anything else go here, byte for byte. */
  passthrough?: { address: string; port: number };
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

function main(): void {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: intercept-proxy.js <config.json>\n');
    process.exit(2);
  }
  const cfg = JSON.parse(readFileSync(file, 'utf8')) as InterceptConfig;
  const contexts = new Map(
    Object.entries(cfg.certs).map(([name, c]) => [
      name.toLowerCase(),
      tls.createSecureContext({ cert: c.certPem, key: c.keyPem }),
    ]),
  );
  const firstName = Object.keys(cfg.certs)[0]!.toLowerCase();
  const rawOf = new WeakMap<object, net.Socket>();
  const stats = { connections: 0, forwarded: 0, upgradesReset: 0, passedThrough: 0 };
  const agent = new https.Agent({ keepAlive: false, ca: cfg.upstreamCaPem });

  const httpServer = http.createServer((req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const upstream = cfg.upstreams[host];
    if (!upstream) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end('intercepting proxy: unknown host\n');
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
    const up = https.request(
      { host: upstream, port: cfg.upstreamPort, servername: host, method: req.method, path: req.url, headers, agent },
      (ures) => {
        const out: http.OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(ures.headers)) if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
        res.writeHead(ures.statusCode ?? 502, out);
        ures.pipe(res);
        stats.forwarded++;
      },
    );
    up.on('error', (err) => {
      if (!res.headersSent)
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`intercepting proxy: upstream ${err.message}\n`);
      else res.destroy();
    });
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  httpServer.on('upgrade', (_req, socket: net.Socket) => {
    // The censor's rule: any Upgrade (WebSocket) request gets its TCP connection reset.
    stats.upgradesReset++;
    const raw = rawOf.get(socket);
    if (raw) raw.resetAndDestroy();
    else socket.destroy();
  });
  httpServer.on('clientError', (_err, socket) => socket.destroy());

  const intercept = (raw: net.Socket, transport: net.Socket | ReturnType<typeof replayThenPipe>) => {
    const secure = new tls.TLSSocket(transport as net.Socket, {
      isServer: true,
      SNICallback: (name, cb) => cb(null, contexts.get(name.toLowerCase()) ?? contexts.get(firstName)!),
      secureContext: contexts.get(firstName)!,
      ALPNProtocols: ['http/1.1'],
    });
    secure.on('error', () => {});
    rawOf.set(secure, raw);
    httpServer.emit('connection', secure);
  };
  // Splices a connection whose ClientHello (already read: `hello`) names no listed host to the real server.
  const passThrough = (raw: net.Socket, hello: Buffer, to: { address: string; port: number }) => {
    stats.passedThrough++;
    const up = net.connect({ host: to.address, port: to.port });
    up.on('error', () => raw.destroy());
    raw.on('error', () => up.destroy());
    up.write(hello);
    raw.pipe(up);
    up.pipe(raw);
    raw.resume();
  };

  const listener = net.createServer((raw) => {
    stats.connections++;
    raw.on('error', () => {});
    const to = cfg.passthrough;
    if (!to) return intercept(raw, raw);
    readClientHello(raw, (scan, buf) => {
      raw.pause();
      if (scan.sni && contexts.has(scan.sni.toLowerCase())) intercept(raw, replayThenPipe(raw, buf));
      else passThrough(raw, buf, to);
    });
  });
  listener.listen({ host: cfg.listen.address, port: cfg.listen.port }, () => {
    process.stdout.write(
      `${JSON.stringify({ ready: true, role: 'intercept-proxy', listen: cfg.listen, hosts: Object.keys(cfg.upstreams) })}\n`,
    );
  });
  const stop = () => {
    process.stderr.write(`intercept-proxy: ${JSON.stringify(stats)}\n`);
    listener.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
