// The collector's HTTP server (node:http). OONI-shaped endpoints so OONI-style tooling can submit here:
//   POST /report                    open a report        -> {report_id, supported_formats, backend_version}
//   POST /report/{id}               {format, content}    -> {measurement_uid}
//   POST /report/{id}/close                              -> {}
//   POST /api/v1/submit_measurement {format, content}    -> {measurement_uid, report_id}
// plus GET /api/v1/measurements (JSON lines, for `voipprobe report --from-collector`) and GET /health.
// Reports are stateless (any well-formed report id is accepted), so a restart never strands a client.
// A measurement is answered 200 only after the store made it durable; a replayed id gets 200 with the
// measurement_uid it got the first time and writes nothing.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { type Measurement, ooniReportId } from '../model/measurement.js';
import { SIMULATED_REFUSAL, simulationMark } from '../model/simulation.js';
import { ClientGone, HttpError, listenOn, readBody, send } from '../util/http-io.js';
import { isBogon } from '../util/ip.js';
import { describeProblem, parseJson } from '../util/json-locate.js';
import { SOFTWARE_VERSION } from '../version.js';
import type { TokenCheck } from './auth.js';
import { openReportBody, submissionBody, validateMeasurement, validateWith } from './ingest-schema.js';
import { type MeasurementStore, type QueryFilter, RefusedDocument } from './store.js';

export interface CollectorServerOptions {
  store: MeasurementStore;
  /** Undefined only when the operator explicitly turned authentication off. */
  auth: TokenCheck | undefined;
  /** Largest accepted request body (after decompression), bytes. */
  maxBodyBytes?: number;
  /** A client must finish sending headers within this time (slowloris). */
  headersTimeoutMs?: number;
  /** A client must finish the whole request within this time (slow body). */
  requestTimeoutMs?: number;
  /** ASN/country of a submitter address; the address itself is never stored. */
  submitterNetwork?: (ip: string) => Promise<{ asn?: string; cc?: string }>;
  /** Store simulated measurements (voipprobe demo) too; refused with 400 otherwise (a test collector may want them). */
  acceptSimulated?: boolean;
  logger?: Logger;
}

export const DEFAULT_MAX_BODY = 4 * 1024 * 1024;

/**
 * JSON from a client: a syntax error, or nesting deeper than MAX_JSON_DEPTH (which would overflow the
 * stack of whatever serialises it later), is a 400 saying where, before anything else sees it.
 */
function jsonFrom(text: string, prefix: string): unknown {
  const r = parseJson(text);
  if (r.ok) return r.value;
  throw new HttpError(400, `${prefix}: ${describeProblem(text, r)}`);
}

const REPORT_ID_RE = /^[A-Za-z0-9_.-]{1,200}$/;

/** "2026-11-26", "2026-11-26 10:00:00", "2026-11-26T10:00:00Z" -> "YYYY-MM-DD HH:MM:SS". */
export function normaliseTime(v: string, name: string): string {
  const m = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d(?::\d\d)?)(?:\.\d+)?Z?)?$/.exec(v);
  if (!m || Number.isNaN(Date.parse(`${m[1]}T${m[2] ?? '00:00'}Z`)))
    throw new HttpError(400, `${name}: expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS (UTC), got "${v}"`);
  const t = m[2] ?? '00:00:00';
  return `${m[1]} ${t.length === 5 ? `${t}:00` : t}`;
}

export function createCollectorServer(opts: CollectorServerOptions): Server {
  const limit = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const log = opts.logger;
  const server = createServer({
    headersTimeout: opts.headersTimeoutMs ?? 10_000,
    requestTimeout: opts.requestTimeoutMs ?? 60_000,
    // How often the server checks the two timeouts above (default 30 s would let slow clients linger).
    connectionsCheckingInterval: Math.min(1000, opts.headersTimeoutMs ?? 10_000),
    keepAliveTimeout: 5_000,
  });

  const submitter = async (req: IncomingMessage) => {
    const ip = req.socket.remoteAddress?.replace(/^::ffff:/, '');
    if (!opts.submitterNetwork || !ip || isBogon(ip)) return undefined;
    try {
      return await opts.submitterNetwork(ip);
    } catch {
      return undefined;
    }
  };

  const store = async (req: IncomingMessage, m: Measurement, collectorReportId: string | undefined) => {
    try {
      const r = await opts.store.insert({
        measurement: m,
        receivedAt: new Date(),
        collectorReportId,
        submitter: await submitter(req),
      });
      log?.debug({ id: m.id, uid: r.measurement_uid, duplicate: r.duplicate }, 'measurement');
      return r;
    } catch (e) {
      if (e instanceof RefusedDocument) throw new HttpError(400, e.message);
      log?.error({ err: (e as Error).message }, 'store failed');
      throw new HttpError(503, `the store could not save the measurement; retry later (${(e as Error).message})`);
    }
  };

  const measurementFrom = (body: unknown): Measurement => {
    const b = validateWith(submissionBody, body);
    if (!b.ok) throw new HttpError(400, b.reason);
    const content =
      typeof b.value.content === 'string' ? jsonFrom(b.value.content, 'content: not valid JSON') : b.value.content;
    const v = validateMeasurement(content);
    if (!v.ok) throw new HttpError(400, v.reason);
    if (!opts.acceptSimulated && simulationMark(v.value) !== undefined)
      throw new HttpError(
        400,
        `content.annotations.x_simulation: ${SIMULATED_REFUSAL}; this collector stores real measurements only (start it with --accept-simulated to store simulations)`,
      );
    return v.value;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://collector');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const only = (m: string) => {
      if (method !== m) throw new HttpError(405, `${path} accepts ${m} only`);
    };

    if (path === '/health') {
      only('GET');
      return send(res, 200, { status: 'ok', software_version: SOFTWARE_VERSION });
    }
    const known =
      path === '/report' ||
      path.startsWith('/report/') ||
      path === '/api/v1/submit_measurement' ||
      path === '/api/v1/measurements';
    if (!known) throw new HttpError(404, `no such endpoint: ${path}`);
    if (opts.auth && !opts.auth.allows(req.headers.authorization)) {
      throw new HttpError(
        401,
        req.headers.authorization ? 'invalid bearer token' : 'missing "Authorization: Bearer <token>" header',
      );
    }

    if (path === '/report') {
      only('POST');
      const v = validateWith(
        openReportBody,
        jsonFrom((await readBody(req, limit)).toString('utf8'), 'malformed JSON in request body'),
      );
      if (!v.ok) throw new HttpError(400, v.reason);
      return send(res, 200, {
        backend_version: `voipprobe-collector ${SOFTWARE_VERSION}`,
        report_id: ooniReportId({
          time: new Date(),
          testName: v.value.test_name,
          cc: v.value.probe_cc,
          asn: v.value.probe_asn,
          collector: 1,
        }),
        supported_formats: ['json'],
      });
    }
    const rm = /^\/report\/([^/]+)(\/close)?$/.exec(path);
    if (rm) {
      only('POST');
      let reportId: string;
      try {
        reportId = decodeURIComponent(rm[1]!);
      } catch {
        throw new HttpError(400, 'report id: bad percent-encoding');
      }
      if (!REPORT_ID_RE.test(reportId)) throw new HttpError(404, `no such report: ${reportId.slice(0, 80)}`);
      if (rm[2]) {
        req.resume();
        return send(res, 200, {});
      }
      const m = measurementFrom(
        jsonFrom((await readBody(req, limit)).toString('utf8'), 'malformed JSON in request body'),
      );
      const r = await store(req, m, reportId);
      return send(res, 200, { measurement_uid: r.measurement_uid });
    }
    if (path === '/api/v1/submit_measurement') {
      only('POST');
      const m = measurementFrom(
        jsonFrom((await readBody(req, limit)).toString('utf8'), 'malformed JSON in request body'),
      );
      const r = await store(req, m, undefined);
      return send(res, 200, {
        measurement_uid: r.measurement_uid,
        report_id: m.report_id,
        verification_status: 'unverified',
      });
    }
    // GET /api/v1/measurements
    only('GET');
    const q = url.searchParams;
    const filter: QueryFilter = {};
    if (q.get('since')) filter.since = normaliseTime(q.get('since')!, 'since');
    if (q.get('until')) filter.until = normaliseTime(q.get('until')!, 'until');
    if (q.get('service')) filter.service = q.get('service')!;
    if (q.get('probe_asn')) filter.probe_asn = q.get('probe_asn')!;
    if (q.get('probe_cc')) filter.probe_cc = q.get('probe_cc')!;
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    let closed = false;
    res.on('close', () => {
      closed = true;
    });
    try {
      for await (const line of opts.store.query(filter)) {
        if (closed) return;
        // Wait for room, or for the client to leave (then 'drain' never comes and the query must end).
        if (!res.write(`${JSON.stringify(line.measurement)}\n`)) {
          await new Promise<void>((r) => {
            const done = () => {
              res.off('drain', done);
              res.off('close', done);
              r();
            };
            res.once('drain', done);
            res.once('close', done);
          });
        }
      }
      res.end();
    } catch (e) {
      // Headers are gone: cut the stream so the reader sees an error instead of a silently short list.
      log?.error({ err: (e as Error).message }, 'measurement query failed');
      res.destroy(e as Error);
    }
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof ClientGone) {
        log?.debug({ path: req.url }, e.message);
        return;
      }
      if (e instanceof HttpError) {
        if (e.status >= 500) log?.error({ status: e.status, reason: e.message }, 'request failed');
        else log?.info({ status: e.status, reason: e.message, path: req.url }, 'request refused');
        // After a 413 or 401 the rest of the body is drained, not stored; close the connection after it.
        req.resume();
        send(
          res,
          e.status,
          { error: e.message },
          e.status === 413 ? { connection: 'close' } : e.status === 503 ? { 'retry-after': '5' } : {},
        );
      } else {
        // A bug of ours: one line at error level; the stack only for whoever runs at debug level.
        log?.error({ err: e instanceof Error ? e.message : String(e), path: req.url }, 'unexpected error');
        log?.debug({ stack: (e as Error)?.stack }, 'unexpected error: stack');
        req.resume();
        send(res, 500, { error: 'internal error' });
      }
    });
  });
  return server;
}

export interface RunningCollector {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Listens on host:port (port 0 = any free port) and resolves with the base URL. */
export async function listen(server: Server, host: string, port: number): Promise<RunningCollector> {
  const at = await listenOn(server, host, port);
  return {
    server,
    url: `http://${at}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
