// WebSocket upgrade (WhatsApp Web's chat channel, for example) to a chosen IP with SNI and Host from
// the URL. A refused upgrade keeps the HTTP status, headers and the start of the body: a 403 from a
// filter and a 426 from the real server say different things.

import type WebSocketClass from 'ws';
import type { WebSocketUpgrade } from '../model/observations.js';
import { hostPort } from '../util/ip.js';
import { parseUrl, requireIp } from './address.js';
import { stepDeadline } from './deadline.js';
import { type DialPhase, defaultPort, dial } from './dial.js';
import { BROWSER_USER_AGENT, headerPairs, readPrefix } from './http.js';
import { KEEP_LIMITS, Keeper } from './keep.js';
import { meterReceived, type ReceiveMeter } from './receive-meter.js';
import type { StepOptions, TrustStore } from './types.js';

export interface WsUpgradeOptions extends StepOptions {
  url: string;
  ip: string;
  origin?: string;
  ca?: TrustStore;
}

const REFUSED_BODY_BYTES = 4096;

// `ws` (about 90 ms of start-up) is loaded by the first upgrade: most runs never get that far (a run
// where every server is silent, or one whose WebSocket targets fail at TLS), and none needs it to start.
let wsModule: Promise<typeof WebSocketClass> | undefined;
const loadWs = () => (wsModule ??= import('ws').then((m) => m.default));

const FAILED_OPERATION: Record<DialPhase, NonNullable<WebSocketUpgrade['x_failed_operation']>> = {
  connect: 'connect',
  tls_handshake: 'tls_handshake',
  established: 'ws_upgrade',
};

export async function wsUpgrade(o: WsUpgradeOptions): Promise<WebSocketUpgrade> {
  const url = parseUrl(o.url, ['wss:', 'ws:']);
  requireIp(o.ip);
  // Before the step's clock starts: loading the module is not the network's time.
  const WebSocket = await loadWs();
  const deadline = stepDeadline(o);
  const t0 = o.clock();
  const obs: WebSocketUpgrade = {
    url: url.href,
    address: hostPort(o.ip, defaultPort(url)),
    origin: o.origin ?? null,
    status: null,
    headers_list: [],
    failure: null,
    t0,
    t: t0,
    transaction_id: o.transactionId,
    ...(o.target ? { x_target: o.target } : {}),
    x_failed_operation: null,
  };
  let phase: () => DialPhase = () => 'connect';
  let meter: ReceiveMeter | undefined;

  try {
    await new Promise<void>((resolve) => {
      let settled = false;
      const settle = (record: () => void) => {
        if (settled) return;
        settled = true;
        if (meter) obs.x_received = meter.stop();
        obs.t = o.clock();
        record();
        ws.terminate();
        resolve();
      };
      const fail = (err: unknown) =>
        settle(() => {
          obs.failure = deadline.failureOf(err);
          obs.x_failed_operation = FAILED_OPERATION[phase()];
        });

      const ws = new WebSocket(url, {
        origin: o.origin,
        headers: { 'User-Agent': BROWSER_USER_AGENT },
        perMessageDeflate: false,
        followRedirects: false,
        createConnection: () => {
          const d = dial({ url, ip: o.ip, ca: o.ca, alpn: ['http/1.1'], signal: deadline.signal });
          phase = d.phase;
          meter = meterReceived(d.raw, o.clock);
          return d.socket;
        },
      });
      const keepHeaders = (raw: string[]) => {
        const keeper = new Keeper(KEEP_LIMITS.headers);
        obs.headers_list = headerPairs(raw, keeper);
        if (keeper.dropped) obs.x_dropped = keeper.dropped;
      };
      ws.on('upgrade', (res) => {
        obs.status = res.statusCode ?? null;
        keepHeaders(res.rawHeaders);
      });
      ws.on('open', () => settle(() => {}));
      ws.on('unexpected-response', (_req, res) => {
        obs.status = res.statusCode ?? null;
        keepHeaders(res.rawHeaders);
        readPrefix(res, REFUSED_BODY_BYTES).then(
          ({ bytes }) =>
            settle(() => {
              obs.body = bytes.toString('utf8');
              // The server answered, but not with 101: OONI's word for an HTTP exchange that did not succeed.
              obs.failure = 'http_request_failed';
              obs.x_failed_operation = 'ws_upgrade';
            }),
          fail,
        );
      });
      ws.on('error', fail);
      if (deadline.signal.aborted) fail(deadline.signal.reason);
      else deadline.signal.addEventListener('abort', () => fail(deadline.signal.reason), { once: true });
    });
  } finally {
    meter?.stop();
    deadline.dispose();
  }
  return obs;
}
