// STUN Binding over UDP: the first packet of every call's media path. Sent on a connected socket
// so that an ICMP port unreachable comes back as ECONNREFUSED, and retransmitted on RFC 5389's
// schedule (0, RTO, 3 RTO, 7 RTO... doubling) until the step's timeout: a single lost datagram must
// not read as "UDP blocked".

import dgram from 'node:dgram';
import type { Failure } from '../model/failure.js';
import type { StunExchange } from '../model/observations.js';
import { hostPort } from '../util/ip.js';
import { requireIp, requirePort } from './address.js';
import { stepDeadline } from './deadline.js';
import { KEEP_LIMITS, Keeper } from './keep.js';
import { decodeStunMessage, encodeBindingRequest, newTransactionId } from './stun-codec.js';
import type { StepOptions } from './types.js';

export interface StunBindingOptions extends StepOptions {
  ip: string;
  port: number;
  /** Initial retransmission timeout; default 500 ms (RFC 5389 7.2.1). */
  rtoMs?: number;
}

/** Send offsets in ms within `timeoutMs`: 0, RTO, 3 RTO, 7 RTO, ... */
export function retransmitSchedule(rtoMs: number, timeoutMs: number): number[] {
  const out: number[] = [];
  for (let at = 0, gap = rtoMs; at < timeoutMs; at += gap, gap *= 2) out.push(at);
  return out;
}

export async function stunBinding(o: StunBindingOptions): Promise<StunExchange> {
  const family = requireIp(o.ip);
  requirePort(o.port);
  const rto = o.rtoMs ?? 500;
  if (!Number.isFinite(rto) || rto <= 0) throw new RangeError(`invalid rtoMs: ${rto}`);
  const deadline = stepDeadline(o);
  const txid = newTransactionId();
  const request = encodeBindingRequest(txid);
  const t0 = o.clock();
  const obs: StunExchange = {
    address: hostPort(o.ip, o.port),
    transport: 'udp',
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
        if (m.class !== 'success' && m.class !== 'error') return record(`not a response (${m.class})`);
        const a = m.attributes;
        obs.response = {
          t,
          message_type: m.type,
          class: m.class,
          ...(a.xorMappedAddress ? { xor_mapped_address: a.xorMappedAddress } : {}),
          ...(a.mappedAddress ? { mapped_address: a.mappedAddress } : {}),
          ...(a.errorCode ? { error_code: a.errorCode.code } : {}),
          ...(a.software !== undefined ? { software: a.software } : {}),
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
