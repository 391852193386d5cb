import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import type { DnsQuery } from '../../../src/model/observations.js';
import {
  applyReply,
  encodeQuery,
  judgeReply,
  noValidReplyFailure,
  replyFailure,
} from '../../../src/net/dns-message.js';

const expectA = { id: 4242, hostname: 'web.whatsapp.com', type: 'A' as const };

function reply(over: Partial<dnsPacket.Packet> & { rcode?: number } = {}): Buffer {
  const { rcode = 0, ...rest } = over;
  return dnsPacket.encode({
    type: 'response',
    id: 4242,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode,
    questions: [{ type: 'A', class: 'IN', name: 'web.whatsapp.com' }],
    answers: [
      { type: 'CNAME', name: 'web.whatsapp.com', ttl: 300, data: 'mmx-ds.cdn.whatsapp.net' },
      { type: 'A', name: 'mmx-ds.cdn.whatsapp.net', ttl: 60, data: '157.240.1.53' },
    ],
    ...rest,
  });
}

describe('encodeQuery', () => {
  it('asks one question with recursion desired and our id', () => {
    const q = dnsPacket.decode(encodeQuery(7, 'Web.WhatsApp.com.', 'AAAA'));
    expect(q).toMatchObject({
      id: 7,
      type: 'query',
      flag_rd: true,
      questions: [{ name: 'web.whatsapp.com', type: 'AAAA', class: 'IN' }],
    });
  });
});

describe('judgeReply', () => {
  it('accepts a matching reply and decodes A and CNAME answers', () => {
    const j = judgeReply(reply(), expectA, '127.0.0.53:53', 0.5);
    expect(j.valid).toBe(true);
    expect(j.truncated).toBe(false);
    expect(j.reply).toMatchObject({ t: 0.5, from: '127.0.0.53:53', rcode: 0 });
    expect(j.reply.x_malformed).toBeUndefined();
    expect(j.reply.answers).toEqual([
      { answer_type: 'CNAME', hostname: 'mmx-ds.cdn.whatsapp.net', ttl: 300 },
      { answer_type: 'A', ipv4: '157.240.1.53', ttl: 60 },
    ]);
    expect(Buffer.from(j.reply.raw_response, 'base64').equals(reply())).toBe(true);
  });

  it('compares the question name without case or trailing dot', () => {
    const r = reply({ questions: [{ type: 'A', class: 'IN', name: 'WEB.whatsapp.COM' }] });
    expect(judgeReply(r, { ...expectA, hostname: 'web.whatsapp.com.' }, 's', 0).valid).toBe(true);
  });

  it('accepts an error reply that omits the question section', () => {
    const j = judgeReply(reply({ questions: [], answers: [], rcode: 5 }), expectA, 's', 0);
    expect(j.valid).toBe(true);
    expect(j.reply.rcode).toBe(5);
  });

  it('sees the TC bit', () => {
    expect(judgeReply(reply({ flags: dnsPacket.TRUNCATED_RESPONSE }), expectA, 's', 0).truncated).toBe(true);
  });

  const invalid: [string, Buffer, RegExp][] = [
    ['wrong query id', reply({ id: 1 }), /^query id mismatch: got 1, sent 4242$/],
    [
      'another name',
      reply({ questions: [{ type: 'A', class: 'IN', name: 'example.org' }] }),
      /^question mismatch: got example.org A$/,
    ],
    [
      'another type',
      reply({ questions: [{ type: 'AAAA', class: 'IN', name: 'web.whatsapp.com' }] }),
      /^question mismatch/,
    ],
    [
      'a query, not a response',
      dnsPacket.encode({ type: 'query', id: 4242, questions: [{ type: 'A', name: 'web.whatsapp.com' }] }),
      /QR bit clear/,
    ],
    ['garbage', Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'), /^undecodable: /],
    ['empty datagram', Buffer.alloc(0), /^undecodable: /],
    ['truncated packet', reply().subarray(0, 30), /^undecodable: /],
  ];
  it.each(invalid)('records %s as malformed, without throwing', (_name, raw, reason) => {
    const j = judgeReply(raw, expectA, '127.0.0.53:53', 1);
    expect(j.valid).toBe(false);
    expect(j.truncated).toBe(false);
    expect(j.reply.x_malformed).toMatch(reason);
    expect(j.reply.raw_response).toBe(raw.toString('base64'));
  });
});

describe('replyFailure', () => {
  const a = [{ answer_type: 'A' as const, ipv4: '1.2.3.4', ttl: 1 }];
  const cname = [{ answer_type: 'CNAME' as const, hostname: 'x', ttl: 1 }];
  it.each([
    [0, a, 'A', null],
    [0, a, 'AAAA', 'dns_no_answer'],
    [0, cname, 'A', 'dns_no_answer'],
    [0, [], 'A', 'dns_no_answer'],
    [2, [], 'A', 'dns_servfail_error'],
    [3, [], 'A', 'dns_nxdomain_error'],
    [5, [], 'A', 'dns_refused_error'],
    [4, [], 'A', 'dns_server_misbehaving'],
  ] as const)('rcode %i with %j asking %s → %s', (rcode, answers, type, expected) => {
    expect(replyFailure(rcode, [...answers], type)).toBe(expected);
  });
});

describe('noValidReplyFailure', () => {
  const r = (x_malformed?: string) => ({
    t: 0,
    from: 's',
    rcode: 0,
    answers: [],
    raw_response: '',
    ...(x_malformed ? { x_malformed } : {}),
  });
  it('is a timeout for silence, wrong id when only mismatched ids came, misbehaving for junk', () => {
    expect(noValidReplyFailure([])).toBe('generic_timeout_error');
    expect(noValidReplyFailure([r('undecodable: x'), r('query id mismatch: got 1, sent 2')])).toBe(
      'dns_reply_with_wrong_query_id',
    );
    expect(noValidReplyFailure([r('undecodable: x')])).toBe('dns_server_misbehaving');
  });
});

describe('applyReply', () => {
  const base = (): DnsQuery => ({
    engine: 'tcp',
    resolver_address: '127.0.0.53:53',
    hostname: 'web.whatsapp.com',
    query_type: 'A',
    answers: [],
    failure: null,
    t0: 0,
    t: 0.1,
    transaction_id: 1,
    x_resolver_role: 'local',
  });
  it('fills answers, rcode and raw_response from a valid reply', () => {
    const q = base();
    applyReply(q, reply(), 4242, 'A');
    expect(q).toMatchObject({ rcode: 0, failure: null, raw_response: reply().toString('base64') });
    expect(q.answers).toHaveLength(2);
  });
  it('keeps the raw bytes of an invalid reply and reports it', () => {
    const q = { ...base(), answers: [{ answer_type: 'A' as const, ipv4: '198.51.100.9', ttl: 1 }], rcode: 0 };
    applyReply(q, reply({ id: 9 }), 4242, 'A');
    expect(q.failure).toBe('dns_reply_with_wrong_query_id');
    expect(q.answers).toEqual([]);
    expect(q.rcode).toBeUndefined();
    expect(q.raw_response).toBe(reply({ id: 9 }).toString('base64'));
  });
});
