// STUN-framed exchanges over UDP: the first packets of every call's media path. Any request described
// as data (src/model/exchange.ts: a Binding, a TURN Allocate without credentials, an app's own
// message) is sent on a connected socket so that an ICMP port unreachable comes back as ECONNREFUSED,
// and retransmitted on RFC 5389's schedule (0, RTO, 3 RTO, 7 RTO... doubling) until the step's
// timeout: a single lost datagram must not read as "UDP blocked".

import dgram from 'node:dgram';
import type { ExchangeRequest } from '../model/exchange.js';
import type { Failure } from '../model/failure.js';
import type { StunExchange } from '../model/observations.js';
import { hostPort } from '../util/ip.js';
import { requireIp, requirePort } from './address.js';
import { stepDeadline } from './deadline.js';
import { KEEP_LIMITS, Keeper } from './keep.js';
import { decodeStunMessage, encodeExchangeRequest, newTransactionId, requestType } from './stun-codec.js';
import type { StepOptions } from './types.js';

export interface StunBindingOptions extends StepOptions {
  ip: string;
  port: number;
  /** Initial retransmission timeout; default 500 ms (RFC 5389 7.2.1). */
  rtoMs?: number;
}

export interface StunExchangeOptions extends StunBindingOptions {
  /** What to send (catalogue `exchanges[].request`). */
  request: ExchangeRequest;
  /** Recorded as x_exchange. */
  exchangeId: string;
  /**
   * Ends the wait early (before the step timeout) once the caller has what it needs otherwise, e.g. path
   * localisation showed the way to a relay that ignores strangers open. Recorded as x_ended_early with
   * the signal's reason; the failure stays `generic_timeout_error` (we stopped waiting, nothing answered).
   */
  endEarly?: AbortSignal;
}

const BINDING: ExchangeRequest = { method: 'binding', attributes: [], fingerprint: false };
const MAX_TEXT = 128;
const cut = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s);

/** Send offsets in ms within `timeoutMs`: 0, RTO, 3 RTO, 7 RTO, ... */
export function retransmitSchedule(rtoMs: number, timeoutMs: number): number[] {
  const out: number[] = [];
  for (let at = 0, gap = rtoMs; at < timeoutMs; at += gap, gap *= 2) out.push(at);
  return out;
}

/** A plain Binding request (the neutral controls' exchange). */
export function stunBinding(o: StunBindingOptions): Promise<StunExchange> {
  return stunExchange({ ...o, request: BINDING, exchangeId: 'binding' });
}

/** Sends one exchange described as data and records what came back; never throws on a network failure. */
export async function stunExchange(o: StunExchangeOptions): Promise<StunExchange> {
  const family = requireIp(o.ip);
  requirePort(o.port);
  const rto = o.rtoMs ?? 500;
  if (!Number.isFinite(rto) || rto <= 0) throw new RangeError(`invalid rtoMs: ${rto}`);
  const deadline = stepDeadline(o);
  const txid = newTransactionId();
  const request = encodeExchangeRequest(o.request, txid);
  const t0 = o.clock();
  const obs: StunExchange = {
    address: hostPort(o.ip, o.port),
    transport: 'udp',
    x_exchange: o.exchangeId,
    request_type: requestType(o.request),
    stun_transaction_id: txid.toString('hex'),
    sent: [],
    response: null,
    malformed: [],
    failure: null,
    t0,
    t: t0,
    transaction_id: o.transactionId,
    ...(o.target ? { x_target: o.target } : {}),
  };
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  const timers: NodeJS.Timeout[] = [];
  const junk = new Keeper(KEEP_LIMITS.datagrams);

  try {
    await new Promise<void>((resolve) => {
      let settled = false;
      const finish = (failure: Failure) => {
        if (settled) return;
        settled = true;
        obs.failure = failure;
        obs.t = o.clock();
        resolve();
      };
      const send = () => {
        if (settled) return;
        obs.sent.push(o.clock());
        socket.send(request, (err) => err && finish(deadline.failureOf(err)));
      };

      if (deadline.signal.aborted) return finish(deadline.stopped());
      deadline.signal.addEventListener('abort', () => finish(deadline.stopped()), { once: true });
      const early = () => {
        if (settled) return;
        obs.x_ended_early = String(o.endEarly?.reason ?? 'ended early');
        finish('generic_timeout_error');
      };
      if (o.endEarly?.aborted) return early();
      o.endEarly?.addEventListener('abort', early, { once: true });

      socket.on('message', (msg) => {
        if (settled) return;
        const t = o.clock();
        const decoded = decodeStunMessage(msg);
        const record = (reason: string) => {
          if (junk.admit(msg.length)) obs.malformed.push({ t, reason, bytes_base64: msg.toString('base64') });
        };
        if (!decoded.ok) return record(decoded.reason);
        const m = decoded.message;
        if (!m.transactionId.equals(txid)) return record('transaction id does not match');
        // Any message with our transaction ID is the server's answer (an app's own answer type, e.g.
        // WhatsApp's pong 0x0802, is of the request class), except our own request reflected back.
        if (m.type === obs.request_type && m.class === 'request') return record('our own request reflected back');
        const a = m.attributes;
        obs.response = {
          t,
          message_type: m.type,
          class: m.class,
          ...(a.xorMappedAddress ? { xor_mapped_address: a.xorMappedAddress } : {}),
          ...(a.mappedAddress ? { mapped_address: a.mappedAddress } : {}),
          ...(a.errorCode ? { error_code: a.errorCode.code, error_reason: cut(a.errorCode.reason) } : {}),
          ...(a.software !== undefined ? { software: cut(a.software) } : {}),
          ...(a.realm !== undefined ? { realm: cut(a.realm) } : {}),
          ...(a.nonceLength !== undefined ? { nonce_length: a.nonceLength } : {}),
          attributes: a.types,
        };
        // An error response still proves the UDP path works; the code is in the response.
        finish(null);
      });
      // ICMP port unreachable on the connected socket: nobody listens there, and waiting longer will not change it.
      socket.on('error', (err) => finish(deadline.failureOf(err)));
      socket.connect(o.port, o.ip, (err?: Error) => {
        if (err) return finish(deadline.failureOf(err));
        for (const at of retransmitSchedule(rto, o.timeoutMs)) {
          if (at === 0) send();
          else timers.push(setTimeout(send, at));
        }
      });
    });
  } finally {
    timers.forEach(clearTimeout);
    deadline.dispose();
    socket.close();
  }
  if (junk.dropped) obs.x_dropped = junk.dropped;
  return obs;
}
