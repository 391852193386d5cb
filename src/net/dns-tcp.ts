// DNS over TCP (RFC 1035 4.2.2, 2-byte length prefix): the standalone `tcp` engine, and the retry
// path of the udp engine when a reply comes back truncated.

import net from 'node:net';
import type { DnsQuery, ResolverRole } from '../model/observations.js';
import { hostPort } from '../util/ip.js';
import { parseIpPort } from './address.js';
import { stepDeadline } from './deadline.js';
import { type AddressQueryType, applyReply, encodeQuery, newQuery, randomQueryId } from './dns-message.js';
import type { StepOptions } from './types.js';

export type TcpExchangeResult = { ok: true; raw: Buffer } | { ok: false; error: unknown };

/** Sends one framed message and reads one framed reply. Never rejects; `signal` ends it early. */
export function exchangeTcp(
  ip: string,
  port: number,
  message: Buffer,
  signal: AbortSignal,
): Promise<TcpExchangeResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: ip, port });
    let buf = Buffer.alloc(0);
    const finish = (r: TcpExchangeResult) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(r);
    };
    const onAbort = () => finish({ ok: false, error: signal.reason });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(message.length);
      socket.write(Buffer.concat([len, message]));
    });
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0))
        finish({ ok: true, raw: buf.subarray(2, 2 + buf.readUInt16BE(0)) });
    });
    socket.on('end', () => finish({ ok: false, error: new Error('unexpected EOF before a complete DNS message') }));
    socket.on('error', (error) => finish({ ok: false, error }));
  });
}

export interface DnsServerQueryOptions extends StepOptions {
  /** "ip:port", IPv6 as "[::1]:53". */
  server: string;
  hostname: string;
  type: AddressQueryType;
  role: ResolverRole;
}

export async function queryTcp(o: DnsServerQueryOptions): Promise<DnsQuery> {
  const { ip, port } = parseIpPort(o.server);
  const deadline = stepDeadline(o);
  const id = randomQueryId();
  const t0 = o.clock();
  const q = newQuery({
    engine: 'tcp',
    resolver_address: hostPort(ip, port),
    hostname: o.hostname,
    query_type: o.type,
    t0,
    transaction_id: o.transactionId,
    x_resolver_role: o.role,
  });
  try {
    const r = await exchangeTcp(ip, port, encodeQuery(id, o.hostname, o.type), deadline.signal);
    q.t = o.clock();
    if (!r.ok) q.failure = deadline.failureOf(r.error);
    else applyReply(q, r.raw, id, o.type);
  } finally {
    deadline.dispose();
  }
  return q;
}
