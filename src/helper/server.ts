// The helper's HTTP(S) server (node:http / node:https):
//   GET  /                 health check (OONI's helpers answer GET the same way)
//   POST /                 measure from here: OONI's test-helper request, plus our x_ fields
//   POST /x/call           open a test-call session (the helper is the far end of the call)
//   GET  /x/call/{id}      what the helper received in that session
//   DELETE /x/call/{id}    end it early
// Every request needs a bearer token (the collector's constant-time check), every client is rate
// limited and capped in flight, every body is bounded, and requests that outlive their budget are
// cut. Client addresses are used for admission only and logged only when the operator asks.

import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { Logger } from 'pino';
import type { TokenCheck } from '../collector/auth.js';
import { callSessionRequest } from '../protocol/call.js';
import { HELPER_LIMITS, HELPER_PROTOCOL_VERSION, helperRequest } from '../protocol/helper.js';
import { ClientGone, HttpError, listenOn, readBody, send } from '../util/http-io.js';
import { HELPER_SOFTWARE } from '../version.js';
import type { CallSessions } from './call-sessions.js';
import { ClientLimits, type ClientLimitsOptions } from './limits.js';
import { type HelperMeasureOptions, measureForClient } from './measure.js';

export interface HelperServerOptions {
  auth: TokenCheck;
  /** PEM certificate chain and key; without them the server speaks plain HTTP (only when the operator asked). */
  tls?: { cert: string; key: string };
  measure: Omit<HelperMeasureOptions, 'signal'>;
  limits: ClientLimitsOptions;
  /** Test calls; absent when the helper was started without UDP call ports. */
  calls?: { sessions: CallSessions; callPorts: number[]; neutralPorts: number[] };
  logger?: Logger;
  /** Put client addresses in the logs (off by default: the helper keeps no record of who used it). */
  logClientAddresses?: boolean;
  /** Clients must send their headers within this time (slowloris). */
  headersTimeoutMs?: number;
}

/** The address a request came from, without the IPv4-mapped prefix. */
export function clientAddress(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
}

function parseJson(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, `malformed JSON: ${(e as Error).message}`);
  }
}

/** The first problems of a zod validation, field by field, for a 400 answer. */
function zodReason(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`)
    .join('; ');
}

export function createHelperServer(o: HelperServerOptions): Server {
  const limits = new ClientLimits(o.limits);
  const log = o.logger;
  const opts = {
    headersTimeout: o.headersTimeoutMs ?? 10_000,
    // A measurement takes at most a few step timeouts; nothing legitimate is slower than this.
    requestTimeout: 4 * HELPER_LIMITS.maxStepTimeoutMs + 10_000,
    connectionsCheckingInterval: 1000,
    keepAliveTimeout: 5_000,
    maxHeaderSize: 16 * 1024,
  };
  // Over TLS, HTTP/2 (HTTP/1.1 too, for oohelperd-style clients): a probe's run asks about every target at
  // once, and one connection with a stream per question spares it (and the helper) a TLS handshake per
  // connection. Plain HTTP (test networks) stays HTTP/1.1.
  const server: Server | Http2SecureServer = o.tls
    ? createSecureServer({
        cert: o.tls.cert,
        key: o.tls.key,
        allowHTTP1: true,
        settings: { maxConcurrentStreams: 256 },
        maxSessionMemory: 32,
      })
    : createHttp(opts);
  if (o.tls) {
    server.setTimeout(opts.requestTimeout);
    // HTTP/2 sessions, so that stopping the helper can end them as an HTTP/1 server ends its connections.
    const sessions = new Set<{ destroy(): void }>();
    server.on('session', (s: { destroy(): void; once(e: 'close', f: () => void): void }) => {
      sessions.add(s);
      s.once('close', () => sessions.delete(s));
    });
    Object.assign(server, {
      closeAllConnections: () => {
        for (const s of sessions) s.destroy();
      },
    });
  }
  server.maxConnections = Math.max(64, o.limits.maxInFlightTotal * 2);
  const who = (req: IncomingMessage) => (o.logClientAddresses ? { client: clientAddress(req) } : {});

  const measure = async (req: IncomingMessage, res: ServerResponse) => {
    const parsed = helperRequest.safeParse(parseJson(await readBody(req, HELPER_LIMITS.requestBytes)));
    if (!parsed.success) throw new HttpError(400, zodReason(parsed.error.issues));
    const ac = new AbortController();
    const timeoutMs = parsed.data.x_timeout_ms ?? o.measure.defaultTimeoutMs;
    // DNS, then connect, TLS and the request: at most a few steps in a row.
    const budget = setTimeout(() => ac.abort(), 4 * timeoutMs + 1000);
    const onClose = () => {
      if (!res.writableEnded) ac.abort();
    };
    res.on('close', onClose);
    try {
      const answer = await measureForClient(parsed.data, { ...o.measure, signal: ac.signal });
      send(res, 200, answer);
    } finally {
      clearTimeout(budget);
      res.off('close', onClose);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.setHeader('server', HELPER_SOFTWARE);
    if (!o.auth.allows(req.headers.authorization)) {
      throw new HttpError(
        401,
        req.headers.authorization ? 'invalid bearer token' : 'missing "Authorization: Bearer <token>" header',
      );
    }
    const url = new URL(req.url ?? '/', 'http://helper');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (path === '/' && method === 'GET') {
      const calls = o.calls ? { call_ports: o.calls.callPorts, neutral_ports: o.calls.neutralPorts } : null;
      return send(res, 200, {
        message: 'voipprobe helper',
        x_voipprobe: { version: HELPER_PROTOCOL_VERSION, software: HELPER_SOFTWARE, calls },
      });
    }
    const admission = limits.admit(clientAddress(req));
    if (!admission.ok) {
      res.setHeader('retry-after', String(admission.retryAfterS));
      throw new HttpError(admission.status, admission.reason);
    }
    try {
      if (path === '/') {
        if (method !== 'POST') throw new HttpError(405, '/ accepts GET (health) and POST (measure)');
        return await measure(req, res);
      }
      const m = /^\/x\/call(?:\/([A-Za-z0-9_-]{1,64}))?$/.exec(path);
      if (!m) throw new HttpError(404, `no such endpoint: ${path.slice(0, 80)}`);
      if (!o.calls) throw new HttpError(404, 'this helper takes no test calls (started without --call-ports)');
      const id = m[1];
      if (!id) {
        if (method !== 'POST') throw new HttpError(405, '/x/call accepts POST');
        const parsed = callSessionRequest.safeParse(parseJson(await readBody(req, HELPER_LIMITS.requestBytes)));
        if (!parsed.success) throw new HttpError(400, zodReason(parsed.error.issues));
        const opened = o.calls.sessions.open(parsed.data, clientAddress(req));
        if (!opened.ok) throw new HttpError(opened.status, opened.reason);
        log?.info(
          {
            ...who(req),
            session: opened.session.session_id,
            flows: parsed.data.flows.length,
            duration_s: parsed.data.duration_s,
          },
          'test call opened',
        );
        return send(res, 200, opened.session);
      }
      if (method === 'GET') {
        const r = o.calls.sessions.results(id, clientAddress(req));
        if (!r) throw new HttpError(404, 'no such test call (unknown, expired, or opened by another client)');
        return send(res, 200, r);
      }
      if (method === 'DELETE') {
        if (!o.calls.sessions.close(id, clientAddress(req))) throw new HttpError(404, 'no such test call');
        return send(res, 200, {});
      }
      throw new HttpError(405, '/x/call/{id} accepts GET and DELETE');
    } finally {
      admission.release();
    }
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e: unknown) => {
      req.resume();
      if (e instanceof ClientGone) {
        log?.debug(e.message);
        return;
      }
      if (e instanceof HttpError) {
        log?.info({ ...who(req), status: e.status, reason: e.message }, 'request refused');
        // HTTP/2 has no Connection header: there the stream ends, the session stays.
        send(
          res,
          e.status,
          { error: e.message },
          e.status === 413 && req.httpVersionMajor === 1 ? { connection: 'close' } : {},
        );
      } else {
        log?.error({ err: (e as Error)?.stack ?? String(e) }, 'unexpected error');
        send(res, 500, { error: 'internal error' });
      }
    });
  });
  server.on('clientError', (_err: Error, socket: { destroy(): void }) => socket.destroy());
  return server as Server;
}

export interface RunningHelper {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Listens on host:port (0 = any free port) and resolves with the base URL. */
export async function listenHelper(
  server: Server,
  host: string,
  port: number,
  secure: boolean,
): Promise<RunningHelper> {
  const at = await listenOn(server, host, port);
  return {
    server,
    url: `${secure ? 'https' : 'http'}://${at}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
