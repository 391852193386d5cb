// One HTTP(S) GET to a chosen IP, keeping Host and SNI from the URL. Redirects are not followed: a
// redirect to a block page is evidence, and its Location header is recorded with the others. A
// status code is evidence too, never a failure: failures are what stopped the exchange.

import type { HeaderList, HttpRequest } from '../model/observations.js';
import { parseUrl, requireIp } from './address.js';
import { stepDeadline } from './deadline.js';
import { type DialPhase, dial, isSecureUrl } from './dial.js';
import { KEEP_LIMITS, Keeper } from './keep.js';
import { meterReceived, type ReceiveMeter } from './receive-meter.js';
import { tlsErrorCode } from './tls-error.js';
import type { StepOptions, TrustStore } from './types.js';

/** What a current desktop browser sends: some filters treat non-browser clients differently. */
export const BROWSER_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export interface HttpsGetOptions extends StepOptions {
  url: string;
  ip: string;
  ca?: TrustStore;
  headers?: Record<string, string>;
  /** Body bytes to keep; default 4096. */
  maxBodyBytes?: number;
}

const FAILED_OPERATION: Record<DialPhase, NonNullable<HttpRequest['x_failed_operation']>> = {
  connect: 'connect',
  tls_handshake: 'tls_handshake',
  established: 'http_round_trip',
};

/**
 * A raw header array (name, value, name, value...) as pairs, original case and order kept, within the
 * keep limits; `keeper` counts what did not fit.
 */
export function headerPairs(
  raw: readonly (string | Buffer)[],
  keeper: Keeper = new Keeper(KEEP_LIMITS.headers),
): HeaderList {
  const out: HeaderList = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const pair: [string, string] = [String(raw[i]), String(raw[i + 1])];
    if (keeper.admit(pair[0].length + pair[1].length)) out.push(pair);
  }
  return out;
}

/** Reads at most `max` bytes (plus one chunk, to know whether more followed). */
export async function readPrefix(
  body: AsyncIterable<Buffer | Uint8Array>,
  max: number,
): Promise<{ bytes: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(Buffer.from(chunk));
    size += chunk.length;
    if (size > max) break;
  }
  const all = Buffer.concat(chunks);
  return { bytes: all.subarray(0, max), truncated: size > max };
}

/** Drops a response body we are done with; undici reports an unread body's destruction as an error event. */
export function discardBody(body: NodeJS.ReadableStream & { destroy(): void }): void {
  body.on('error', () => {});
  body.destroy();
}

export async function httpsGet(o: HttpsGetOptions): Promise<HttpRequest> {
  const url = parseUrl(o.url, ['https:', 'http:']);
  requireIp(o.ip);
  const maxBody = o.maxBodyBytes ?? 4096;
  if (!Number.isInteger(maxBody) || maxBody < 0) throw new RangeError(`invalid maxBodyBytes: ${maxBody}`);
  const headers: Record<string, string> = {
    'User-Agent': BROWSER_USER_AGENT,
    Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    'Accept-Language': 'en-US,en;q=0.9',
    ...o.headers,
  };
  // undici (about 45 ms of start-up) is loaded by the first request, before the step's clock starts.
  const { Client } = await import('../util/undici.js');
  const deadline = stepDeadline(o);
  const t0 = o.clock();
  const obs: HttpRequest = {
    request: {
      method: 'GET',
      url: url.href,
      headers_list: [['Host', url.host], ...Object.entries(headers)],
      x_address: o.ip,
    },
    response: null,
    failure: null,
    t0,
    t: t0,
    transaction_id: o.transactionId,
    ...(o.target ? { x_target: o.target } : {}),
    x_failed_operation: null,
  };
  let phase: () => DialPhase = () => 'connect';
  let meter: ReceiveMeter | undefined;
  // undici reports a connection the server ended as "other side closed"; the TLS alert that ended it
  // (a server asking for a client certificate, say) only shows on the socket itself.
  let socketError: unknown;
  const client = new Client(url.origin, {
    connect: (_opts, callback) => {
      const d = dial({ url, ip: o.ip, ca: o.ca, alpn: ['http/1.1'], signal: deadline.signal });
      phase = d.phase;
      meter = meterReceived(d.raw, o.clock);
      d.socket.on('error', (err) => (socketError ??= err));
      let called = false;
      const once = (err: Error | null) => {
        if (called) return;
        called = true;
        if (err) callback(err, null);
        else callback(null, d.socket);
      };
      d.socket.once(isSecureUrl(url) ? 'secureConnect' : 'connect', () => once(null));
      d.socket.once('error', once);
      d.socket.once('close', () => once(new Error('unexpected EOF before the connection was established')));
    },
  });
  const fail = (err: unknown) => {
    obs.failure = deadline.failureOf(err);
    obs.x_failed_operation = FAILED_OPERATION[phase()];
    const code = tlsErrorCode(err) ?? tlsErrorCode(socketError);
    if (code) obs.x_tls_error = code;
  };
  try {
    const res = await client.request({
      path: url.pathname + url.search,
      method: 'GET',
      headers,
      signal: deadline.signal,
      responseHeaders: 'raw',
    });
    const keptHeaders = new Keeper(KEEP_LIMITS.headers);
    obs.response = {
      code: res.statusCode,
      headers_list: headerPairs(res.headers as unknown as string[], keptHeaders),
      body: '',
      body_is_truncated: false,
    };
    if (keptHeaders.dropped) obs.x_dropped = keptHeaders.dropped;
    try {
      const { bytes, truncated } = await readPrefix(res.body, maxBody);
      obs.response.body = bytes.toString('utf8');
      obs.response.body_is_truncated = truncated;
    } catch (err) {
      fail(err);
    } finally {
      discardBody(res.body);
    }
  } catch (err) {
    fail(err);
  } finally {
    if (meter) obs.x_received = meter.stop();
    obs.t = o.clock();
    deadline.dispose();
    await client.destroy().catch(() => {});
  }
  return obs;
}
