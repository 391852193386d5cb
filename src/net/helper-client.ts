// HTTP(S) exchanges with a helper: one JSON request, one bounded answer. Like every primitive it
// never throws on a network failure: it returns what happened (status, body, failure, times). The
// caller validates the body; a helper that answers garbage is evidence too.
//
// One keep-alive pool per helper and trust store, so the many requests of a run share a few
// connections; once a helper could not be reached at all, the requests still queued for it fail at
// once instead of each waiting for its own connect timeout.

import type { Failure } from '../model/failure.js';
import type { Dispatcher } from '../util/undici.js';
import { parseUrl } from './address.js';
import { stepDeadline } from './deadline.js';
import { discardBody, readPrefix } from './http.js';
import { trustOptions } from './tls.js';
import type { StepOptions, TrustStore } from './types.js';

export interface HelperCallOptions extends StepOptions {
  /** The helper's base URL (https://host:port/ or http:// on a test network). */
  url: string;
  /** Path under the base URL ("" for OONI's POST /). */
  path?: string;
  method: 'GET' | 'POST' | 'DELETE';
  token?: string;
  body?: unknown;
  ca?: TrustStore;
  /** Largest answer kept; a longer one is cut and flagged. */
  maxBytes?: number;
  /**
   * The request changes nothing on the helper (a measurement question): it may share an HTTP/2
   * connection with others in flight. undici runs a POST alone on its connection otherwise, so the
   * quick questions of a run would queue behind each slow one (a silent relay's full timeout).
   */
  idempotent?: boolean;
}

export interface HelperCall {
  status: number | null;
  body: string;
  truncated: boolean;
  failure: Failure;
  t0: number;
  t: number;
}

const DEFAULT_MAX = 1024 * 1024;
const pools = new Map<string, { agent: Dispatcher; unreachable: Failure }>();
const storeIds = new WeakMap<readonly string[], number>();
let nextStoreId = 1;

function poolFor(
  { Agent, Pool }: typeof import('../util/undici.js'),
  origin: string,
  ca: TrustStore,
): { agent: Dispatcher; unreachable: Failure } {
  let id = 0;
  if (ca) {
    id = storeIds.get(ca) ?? nextStoreId++;
    storeIds.set(ca, id);
  }
  const key = `${origin} ${id}`;
  let p = pools.get(key);
  if (!p) {
    // Over TLS, HTTP/2 when the helper offers it (ours does): the questions of a run as streams of two
    // connections, not a TLS handshake each (on a loaded box, sixteen handshakes cost a quarter second).
    // A helper speaking HTTP/1.1 only gets at most two questions at a time then (POSTs are never
    // pipelined); over plain HTTP (test networks) sixteen connections.
    const agent = origin.startsWith('https:')
      ? new Pool(origin, {
          connections: 2,
          pipelining: 128,
          allowH2: true,
          keepAliveTimeout: 10_000,
          connect: { ...trustOptions(ca) },
        })
      : new Agent({ connections: 16, keepAliveTimeout: 10_000 });
    p = { agent, unreachable: null };
    pools.set(key, p);
  }
  return p;
}

/** Closes every helper connection (end of a run). */
export async function closeHelperPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.agent.destroy().catch(() => {})));
}

/** The URL as it may be recorded: no user, password, query or fragment. */
export function helperLabel(url: string): string {
  const u = parseUrl(url, ['https:', 'http:']);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** Failures that say the helper itself cannot be reached (as opposed to a slow or odd answer). */
const UNREACHABLE = new Set<Failure>([
  'connection_refused',
  'host_unreachable',
  'network_unreachable',
  'network_down',
  'ssl_unknown_authority',
  'ssl_invalid_hostname',
  'ssl_invalid_certificate',
  'ssl_failed_handshake',
]);

export async function callHelper(o: HelperCallOptions): Promise<HelperCall> {
  const base = parseUrl(o.url, ['https:', 'http:']);
  // undici is loaded by the first question, before its clock starts: a run without helpers never needs it.
  const undici = await import('../util/undici.js');
  const t0 = o.clock();
  const out: HelperCall = { status: null, body: '', truncated: false, failure: null, t0, t: t0 };
  const pool = poolFor(undici, base.origin, o.ca);
  if (pool.unreachable) {
    out.failure = pool.unreachable;
    return out;
  }
  const deadline = stepDeadline(o);
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'voipprobe' };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const path = `${base.pathname.replace(/\/+$/, '')}/${(o.path ?? '').replace(/^\/+/, '')}`;
  try {
    const res = await pool.agent.request({
      origin: base.origin,
      path: path === '' ? '/' : path,
      method: o.method,
      idempotent: o.method === 'GET' || o.idempotent === true,
      headers,
      ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
      signal: deadline.signal,
    });
    out.status = res.statusCode;
    try {
      const { bytes, truncated } = await readPrefix(res.body, o.maxBytes ?? DEFAULT_MAX);
      out.body = bytes.toString('utf8');
      out.truncated = truncated;
    } finally {
      discardBody(res.body);
    }
    if (res.statusCode !== 200) out.failure = 'http_request_failed';
  } catch (err) {
    out.failure = deadline.failureOf(err);
    // Nobody there: the other requests to this helper need not wait for the same answer.
    if (out.status === null && UNREACHABLE.has(out.failure)) pool.unreachable = out.failure;
  } finally {
    out.t = o.clock();
    deadline.dispose();
  }
  return out;
}
