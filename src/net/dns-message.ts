// DNS wire messages for the udp, tcp and doh engines: build the query, and judge each datagram that
// comes back. A reply that does not decode or does not answer our question is kept as evidence
// (`x_malformed`), never thrown: forged and broken replies are what DNS censorship looks like.

import { randomInt } from 'node:crypto';
import dnsPacket from 'dns-packet';
import type { Failure } from '../model/failure.js';
import type { DnsAnswer, DnsQuery, DnsReply } from '../model/observations.js';

export type AddressQueryType = 'A' | 'AAAA';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export function randomQueryId(): number {
  return randomInt(0, 0x10000);
}

/** Normalised for comparison: lower case, no trailing dot. */
export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

export function encodeQuery(id: number, hostname: string, type: AddressQueryType): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, class: 'IN', name: normaliseName(hostname) }],
  });
}

export interface JudgedReply {
  /** The reply as recorded in `x_replies`. */
  reply: DnsReply;
  /** True when it decodes and answers our query (id and question match). */
  valid: boolean;
  /** TC bit: the answer did not fit in the datagram. */
  truncated: boolean;
}

export interface ExpectedReply {
  id: number;
  hostname: string;
  type: AddressQueryType;
}

function answersOf(packet: dnsPacket.DecodedPacket): DnsAnswer[] {
  const out: DnsAnswer[] = [];
  for (const a of packet.answers ?? []) {
    const ttl = 'ttl' in a && typeof a.ttl === 'number' ? a.ttl : null;
    if (a.type === 'A' && typeof a.data === 'string') out.push({ answer_type: 'A', ipv4: a.data, ttl });
    else if (a.type === 'AAAA' && typeof a.data === 'string') out.push({ answer_type: 'AAAA', ipv6: a.data, ttl });
    else if (a.type === 'CNAME' && typeof a.data === 'string')
      out.push({ answer_type: 'CNAME', hostname: a.data, ttl });
  }
  return out;
}

function mismatch(packet: dnsPacket.DecodedPacket, expect: ExpectedReply): string | undefined {
  if (packet.type !== 'response') return 'not a response (QR bit clear)';
  if (packet.id !== expect.id) return `query id mismatch: got ${packet.id}, sent ${expect.id}`;
  // Some servers omit the question in error replies; when present it must be ours.
  const q = packet.questions?.[0];
  if (q && (normaliseName(q.name) !== normaliseName(expect.hostname) || q.type !== expect.type)) {
    return `question mismatch: got ${q.name} ${q.type}`;
  }
  return undefined;
}

/** Decodes one datagram (or TCP/DoH message) and says whether it is a valid reply to `expect`. */
export function judgeReply(raw: Buffer, expect: ExpectedReply, from: string, t: number): JudgedReply {
  const raw_response = raw.toString('base64');
  let packet: dnsPacket.DecodedPacket;
  try {
    packet = dnsPacket.decode(raw);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      reply: { t, from, rcode: -1, answers: [], raw_response, x_malformed: `undecodable: ${why}` },
      valid: false,
      truncated: false,
    };
  }
  const rcode = (packet.flags ?? 0) & 0xf;
  const reply: DnsReply = { t, from, rcode, answers: answersOf(packet), raw_response };
  const bad = mismatch(packet, expect);
  if (bad) reply.x_malformed = bad;
  return { reply, valid: !bad, truncated: !bad && packet.flag_tc };
}

/** df-007 failure for a valid reply: the rcode, or `dns_no_answer` when no address of the asked type came back. */
export function replyFailure(rcode: number, answers: DnsAnswer[], type: AddressQueryType): Failure {
  switch (rcode) {
    case RCODE.NOERROR:
      return answers.some((a) => a.answer_type === type) ? null : 'dns_no_answer';
    case RCODE.NXDOMAIN:
      return 'dns_nxdomain_error';
    case RCODE.SERVFAIL:
      return 'dns_servfail_error';
    case RCODE.REFUSED:
      return 'dns_refused_error';
    default:
      return 'dns_server_misbehaving';
  }
}

/** What to report when no valid reply came before the deadline: silence, or only junk. */
export function noValidReplyFailure(replies: DnsReply[], anyArrived = replies.length > 0): Failure {
  if (replies.some((r) => r.x_malformed?.startsWith('query id mismatch'))) return 'dns_reply_with_wrong_query_id';
  if (anyArrived) return 'dns_server_misbehaving';
  return 'generic_timeout_error';
}

/** Fills the top-level answer fields of `q` from the one reply of a TCP or DoH exchange. */
export function applyReply(q: DnsQuery, raw: Buffer, id: number, type: AddressQueryType): void {
  const judged = judgeReply(raw, { id, hostname: q.hostname, type }, q.resolver_address, q.t);
  q.raw_response = judged.reply.raw_response;
  if (!judged.valid) {
    q.failure = noValidReplyFailure([judged.reply]);
    q.answers = [];
    delete q.rcode;
    return;
  }
  q.rcode = judged.reply.rcode;
  q.answers = judged.reply.answers;
  q.failure = replyFailure(judged.reply.rcode, judged.reply.answers, type);
}

/** A query observation before any reply: t0 = t = now, no answers, no failure yet. */
export function newQuery(
  fields: Pick<DnsQuery, 'engine' | 'resolver_address' | 'hostname' | 'x_resolver_role'> & {
    query_type: AddressQueryType;
    t0: number;
    transaction_id: number;
  },
): DnsQuery {
  return { ...fields, answers: [], failure: null, t: fields.t0 };
}
