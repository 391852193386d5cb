// DNS over UDP with an injection-aware listener: after the first valid reply the socket stays open
// for a while, because an on-path injector answers first and the real resolver answers later
// (hundreds of milliseconds later, when the censor holds the real answer back or the resolver is far
// away). Every datagram that arrives is recorded in `x_replies`; two different answers to one query
// is the evidence of injection. The window is short when the caller can vouch for the first reply
// (the encrypted control gives the same answer) and long when it cannot, so a clean network pays
// nothing for it.

import dgram from 'node:dgram';
import type { Failure } from '../model/failure.js';
import type { DnsQuery, DnsReply } from '../model/observations.js';
import { hostPort } from '../util/ip.js';
import { parseIpPort } from './address.js';
import { stepDeadline } from './deadline.js';
import {
  applyReply,
  encodeQuery,
  judgeReply,
  newQuery,
  noValidReplyFailure,
  randomQueryId,
  replyFailure,
} from './dns-message.js';
import { type DnsServerQueryOptions, exchangeTcp } from './dns-tcp.js';
import { droppedBy, KEEP_LIMITS, Keeper } from './keep.js';

export { type DnsServerQueryOptions, queryTcp } from './dns-tcp.js';

export interface UdpQueryOptions extends DnsServerQueryOptions {
  /** How long to keep listening after the first valid reply, at least; default 200 ms. */
  listenWindowMs?: number;
  /**
   * Vouches for the first valid reply (e.g. "the encrypted control gives the same answer"). Given, the
   * window lasts until it resolves true (and at least `listenWindowMs`), or `maxListenMs` after the
   * first reply when it resolves false or not in time: a late genuine reply behind a forged one is
   * only seen by a socket still listening.
   */
  corroborate?: (first: DnsQuery) => Promise<boolean>;
  /** Longest window after the first reply when `corroborate` does not vouch for it; default 1500 ms (the step timeout caps it). */
  maxListenMs?: number;
  /**
   * Called once the first valid reply is in `q` (after the TCP retry when it was truncated), while the
   * listening window goes on: a caller may act on the answer without waiting for the window, which
   * exists only to record injected replies. `q` keeps gaining replies until the promise resolves.
   */
  onFirstReply?: (q: DnsQuery) => void;
}

export async function queryUdp(o: UdpQueryOptions): Promise<DnsQuery> {
  const { ip, port, family } = parseIpPort(o.server);
  const windowMs = o.listenWindowMs ?? 200;
  const maxMs = Math.max(windowMs, o.maxListenMs ?? 1500);
  if (!Number.isFinite(windowMs) || windowMs < 0) throw new RangeError(`invalid listenWindowMs: ${windowMs}`);
  if (!Number.isFinite(maxMs)) throw new RangeError(`invalid maxListenMs: ${o.maxListenMs}`);
  const deadline = stepDeadline(o);
  const id = randomQueryId();
  const query = encodeQuery(id, o.hostname, o.type);
  const t0 = o.clock();
  const q: DnsQuery = {
    ...newQuery({
      engine: 'udp',
      resolver_address: hostPort(ip, port),
      hostname: o.hostname,
      query_type: o.type,
      t0,
      transaction_id: o.transactionId,
      x_resolver_role: o.role,
    }),
    x_replies: [],
  };
  const replies = q.x_replies as DnsReply[];
  // Valid and invalid replies are kept within their own limits: a flood of junk must not hide a forged answer.
  const keepValid = new Keeper(KEEP_LIMITS.replies);
  const keepJunk = new Keeper(KEEP_LIMITS.replies);
  let anyReply = false;
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');

  try {
    await new Promise<void>((resolve) => {
      let answered = false; // a valid reply arrived: we are in the listening window
      let listening = true;
      let tcpPending = false;
      let windowTimer: NodeJS.Timeout | undefined;

      const maybeDone = () => {
        if (!listening && !tcpPending) resolve();
      };
      const stopListening = () => {
        if (!listening) return;
        listening = false;
        clearTimeout(windowTimer);
        maybeDone();
      };
      const fail = (failure: Failure) => {
        if (!listening) return;
        q.failure = failure;
        q.t = o.clock();
        stopListening();
      };

      deadline.signal.addEventListener(
        'abort',
        () =>
          answered
            ? stopListening()
            : fail(deadline.stopped() === 'interrupted' ? 'interrupted' : noValidReplyFailure(replies, anyReply)),
        { once: true },
      );
      if (deadline.signal.aborted) return fail(deadline.stopped());

      // The window: the floor, then (unless vouched for by then) up to maxMs after the first reply.
      let floorPassed = false;
      let vouched = false;
      const openWindow = () => {
        windowTimer = setTimeout(
          () => {
            floorPassed = true;
            if (!o.corroborate || vouched) return stopListening();
            windowTimer = setTimeout(stopListening, Math.min(maxMs - windowMs, deadline.remainingMs()));
          },
          Math.min(windowMs, deadline.remainingMs()),
        );
      };
      const firstReplyReady = () => {
        o.onFirstReply?.(q);
        o.corroborate?.(q).then(
          (ok) => {
            vouched = ok;
            if (ok && floorPassed) stopListening();
          },
          () => {},
        );
      };

      socket.on('message', (msg, rinfo) => {
        if (!listening) return;
        const judged = judgeReply(
          msg,
          { id, hostname: o.hostname, type: o.type },
          hostPort(rinfo.address, rinfo.port),
          o.clock(),
        );
        anyReply = true;
        if ((judged.valid ? keepValid : keepJunk).admit(msg.length)) replies.push(judged.reply);
        if (!judged.valid || answered) return;
        answered = true;
        const r = judged.reply;
        Object.assign(q, { t: r.t, rcode: r.rcode, answers: r.answers, raw_response: r.raw_response });
        q.failure = replyFailure(r.rcode, r.answers, o.type);
        openWindow();
        if (!judged.truncated) firstReplyReady();
        if (judged.truncated) {
          // The answer did not fit: ask again over TCP (within the same deadline) while still listening.
          tcpPending = true;
          q.engine = 'tcp';
          q.x_truncated = true;
          void exchangeTcp(ip, port, query, deadline.signal).then((res) => {
            q.t = o.clock();
            if (res.ok) applyReply(q, res.raw, id, o.type);
            else q.failure = deadline.failureOf(res.error);
            tcpPending = false;
            firstReplyReady();
            maybeDone();
          });
        }
      });
      // On a connected UDP socket an ICMP port unreachable surfaces as ECONNREFUSED: final.
      socket.on('error', (err) => {
        if (!answered) fail(deadline.failureOf(err));
      });
      socket.connect(port, ip, (err?: Error) => {
        if (err) return fail(deadline.failureOf(err));
        socket.send(query, (sendErr) => {
          if (sendErr && !answered) fail(deadline.failureOf(sendErr));
        });
      });
    });
  } finally {
    deadline.dispose();
    socket.close();
  }
  const dropped = droppedBy(keepValid, keepJunk);
  if (dropped) q.x_dropped = dropped;
  return q;
}
