import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsServer } from '../../../src/lab/world/servers/dns-server.js';
import { Zone } from '../../../src/lab/world/servers/zone.js';
import type { DnsQuery } from '../../../src/model/observations.js';
import { lookupSystem } from '../../../src/net/dns-system.js';
import { queryTcp, queryUdp } from '../../../src/net/dns-udp.js';
import { KEEP_LIMITS } from '../../../src/net/keep.js';
import { abortAfter, freePort, step, within } from './helpers.js';

const zone = new Zone({
  'web.whatsapp.com': { A: ['127.0.10.1'], AAAA: ['::1'] },
  'v.whatsapp.net': { A: ['127.0.10.2', '127.0.10.3'] },
  'a-only.lab': { A: ['127.0.10.4'] },
});
const dns = new DnsServer({ address: '127.0.53.1', zone });
const dns6 = new DnsServer({ address: '::1', zone });

beforeAll(async () => {
  await dns.start();
  await dns6.start();
});
afterAll(async () => {
  await dns.close();
  await dns6.close();
});

const ask = (
  hostname: string,
  over: {
    type?: 'A' | 'AAAA';
    timeoutMs?: number;
    listenWindowMs?: number;
    server?: string;
    signal?: AbortSignal;
  } = {},
) =>
  queryUdp({
    ...step({ timeoutMs: over.timeoutMs ?? 3000, signal: over.signal }),
    server: over.server ?? dns.server,
    hostname,
    type: over.type ?? 'A',
    role: 'local',
    listenWindowMs: over.listenWindowMs ?? 50,
  });

describe('queryUdp against the lab DNS server', () => {
  it('answers from the zone, recording the single reply', async () => {
    const q = await ask('v.whatsapp.net');
    expect(q).toMatchObject({
      engine: 'udp',
      resolver_address: dns.server,
      hostname: 'v.whatsapp.net',
      query_type: 'A',
      rcode: 0,
      failure: null,
      transaction_id: 7,
      x_resolver_role: 'local',
    });
    expect(q.answers.map((a) => a.ipv4)).toEqual(['127.0.10.2', '127.0.10.3']);
    expect(q.x_replies).toHaveLength(1);
    expect(q.x_replies![0]!.from).toBe(dns.server);
    expect(q.raw_response).toBe(q.x_replies![0]!.raw_response);
    expect(q.t).toBeGreaterThanOrEqual(q.t0);
    expect(q.t).toBeLessThan(1.5);
  });

  it('asks AAAA, and reports dns_no_answer when the name has no address of that type', async () => {
    const q6 = await ask('web.whatsapp.com', { type: 'AAAA' });
    expect(q6.answers).toEqual([{ answer_type: 'AAAA', ipv6: '::1', ttl: 60 }]);
    const none = await ask('a-only.lab', { type: 'AAAA' });
    expect(none).toMatchObject({ rcode: 0, failure: 'dns_no_answer', answers: [] });
  });

  it('works over IPv6 ("[::1]:port")', async () => {
    const q = await ask('web.whatsapp.com', { server: dns6.server });
    expect(dns6.server).toMatch(/^\[::1\]:\d+$/);
    expect(q).toMatchObject({ failure: null, resolver_address: dns6.server });
    expect(q.answers[0]!.ipv4).toBe('127.0.10.1');
  });

  it('maps NXDOMAIN, REFUSED and SERVFAIL', async () => {
    expect(await ask('unknown.lab')).toMatchObject({ rcode: 3, failure: 'dns_nxdomain_error' });
    dns
      .setBehaviour('refused.lab', { kind: 'refused' })
      .setBehaviour('servfail.lab', { kind: 'servfail' })
      .setBehaviour('*.blocked.lab', { kind: 'nxdomain' });
    zone.set('x.blocked.lab', { A: ['127.0.10.9'] });
    expect(await ask('refused.lab')).toMatchObject({ rcode: 5, failure: 'dns_refused_error' });
    expect(await ask('servfail.lab')).toMatchObject({ rcode: 2, failure: 'dns_servfail_error' });
    expect(await ask('x.blocked.lab')).toMatchObject({ rcode: 3, failure: 'dns_nxdomain_error' });
  });

  it('times out on silence', async () => {
    dns.setBehaviour('silent.lab', { kind: 'silent' });
    const q = await within(900, () => ask('silent.lab', { timeoutMs: 300 }));
    expect(q).toMatchObject({ failure: 'generic_timeout_error', answers: [], x_replies: [] });
    expect(q.rcode).toBeUndefined();
    expect(q.t - q.t0).toBeGreaterThanOrEqual(0.29);
  });

  it('records both replies of an injection; the forged one, first, is the top-level answer', async () => {
    dns.setBehaviour('web.whatsapp.com', { kind: 'inject', A: ['10.10.34.34'], realAfterMs: 60 });
    try {
      const q = await ask('web.whatsapp.com', { listenWindowMs: 250 });
      expect(q.failure).toBeNull();
      expect(q.answers).toEqual([{ answer_type: 'A', ipv4: '10.10.34.34', ttl: 60 }]);
      expect(q.x_replies!.map((r) => r.answers.map((a) => a.ipv4))).toEqual([['10.10.34.34'], ['127.0.10.1']]);
      const [first, second] = q.x_replies!;
      expect(second!.t - first!.t).toBeGreaterThan(0.04);
      expect(first!.raw_response).not.toBe(second!.raw_response);
    } finally {
      dns.setBehaviour('web.whatsapp.com', { kind: 'answer' });
    }
  });

  it('hands over the first answer at once while the window keeps recording later replies', async () => {
    dns.setBehaviour('web.whatsapp.com', { kind: 'inject', A: ['10.10.34.34'], realAfterMs: 60 });
    try {
      let early: { replies: number; at: number; answer?: string } | undefined;
      const started = Date.now();
      const q = await queryUdp({
        ...step({ timeoutMs: 3000 }),
        server: dns.server,
        hostname: 'web.whatsapp.com',
        type: 'A',
        role: 'local',
        listenWindowMs: 250,
        onFirstReply: (first) => {
          early = { replies: first.x_replies!.length, at: Date.now() - started, answer: first.answers[0]?.ipv4 };
        },
      });
      expect(early).toMatchObject({ replies: 1, answer: '10.10.34.34' });
      expect(early!.at).toBeLessThan(200);
      expect(q.x_replies).toHaveLength(2);
    } finally {
      dns.setBehaviour('web.whatsapp.com', { kind: 'answer' });
    }
  });

  describe('a genuine reply 300 ms behind a forged one (issue 10, item 3)', () => {
    const late = (over: Partial<Parameters<typeof queryUdp>[0]>) =>
      queryUdp({
        ...step({ timeoutMs: 3000 }),
        server: dns.server,
        hostname: 'web.whatsapp.com',
        type: 'A',
        role: 'local',
        listenWindowMs: 200,
        ...over,
      });
    const answersOf = (q: DnsQuery) => q.x_replies!.map((r) => r.answers.map((a) => a.ipv4).join(','));

    it('keeps listening until the encrypted control vouches for the first reply: a forged one it does not', async () => {
      dns.setBehaviour('web.whatsapp.com', { kind: 'inject', A: ['10.10.34.34'], realAfterMs: 300 });
      try {
        expect(answersOf(await late({}))).toEqual(['10.10.34.34']); // a fixed 200 ms window misses it
        const q = await late({ corroborate: async () => false });
        expect(answersOf(q)).toEqual(['10.10.34.34', '127.0.10.1']);
        expect(q.answers[0]!.ipv4).toBe('10.10.34.34');
      } finally {
        dns.setBehaviour('web.whatsapp.com', { kind: 'answer' });
      }
    });

    it('closes the window after the floor once the first reply is vouched for (a clean network pays nothing)', async () => {
      const started = performance.now();
      const q = await late({ listenWindowMs: 100, maxListenMs: 2000, corroborate: async () => true });
      expect(q.x_replies).toHaveLength(1);
      expect(performance.now() - started).toBeLessThan(1000);
    });

    it('gives up listening maxListenMs after the first reply when nothing vouches for it', async () => {
      const started = performance.now();
      const q = await late({ listenWindowMs: 50, maxListenMs: 400, corroborate: () => new Promise(() => {}) });
      expect(q.failure).toBeNull();
      const took = performance.now() - started;
      expect(took).toBeGreaterThanOrEqual(380);
      expect(took).toBeLessThan(2500);
    });
  });

  it('keeps at most KEEP_LIMITS.replies.items valid replies and counts the rest', async () => {
    dns.setBehaviour('flood.lab', { kind: 'answer' });
    zone.set('flood.lab', { A: ['127.0.10.6'] });
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.53.7', r));
    const port = sock.address().port;
    // A resolver that answers every query with KEEP_LIMITS.replies.items + 5 copies.
    sock.on('message', (msg, rinfo) => {
      const query = dnsPacket.decode(msg);
      const answer = dnsPacket.encode({
        type: 'response',
        id: query.id,
        flags: dnsPacket.RECURSION_DESIRED,
        questions: query.questions,
        answers: [{ type: 'A', name: 'flood.lab', ttl: 60, data: '127.0.10.6' }],
      });
      for (let i = 0; i < KEEP_LIMITS.replies.items + 5; i++) sock.send(answer, rinfo.port, rinfo.address);
    });
    try {
      const q = await ask('flood.lab', { server: `127.0.53.7:${port}`, listenWindowMs: 300 });
      expect(q.x_replies).toHaveLength(KEEP_LIMITS.replies.items);
      expect(q.x_dropped?.items).toBe(5);
    } finally {
      sock.close();
    }
  });

  it('returns sinkholed addresses as the answer', async () => {
    dns.setBehaviour('sink.lab', { kind: 'sinkhole', A: ['127.0.0.2'] });
    zone.set('sink.lab', { A: ['127.0.10.5'] });
    const q = await ask('sink.lab');
    expect(q.answers.map((a) => a.ipv4)).toEqual(['127.0.0.2']);
  });

  it('repeats a truncated query over TCP', async () => {
    dns.setBehaviour('v.whatsapp.net', { kind: 'truncate' });
    try {
      const q = await ask('v.whatsapp.net');
      expect(q).toMatchObject({ engine: 'tcp', x_truncated: true, failure: null, rcode: 0 });
      expect(q.answers.map((a) => a.ipv4)).toEqual(['127.0.10.2', '127.0.10.3']);
      expect(q.x_replies).toHaveLength(1); // the truncated UDP reply, kept as evidence
      expect(q.x_replies![0]!.answers).toEqual([]);
    } finally {
      dns.setBehaviour('v.whatsapp.net', { kind: 'answer' });
    }
  });

  it('reports connection_refused from ICMP port unreachable, at once', async () => {
    const port = await freePort('127.0.53.9', 'udp');
    const q = await within(500, () => ask('web.whatsapp.com', { server: `127.0.53.9:${port}`, timeoutMs: 2000 }));
    expect(q.failure).toBe('connection_refused');
  });

  it('is interrupted promptly by an abort', async () => {
    dns.setBehaviour('silent.lab', { kind: 'silent' });
    const q = await within(500, () => ask('silent.lab', { timeoutMs: 5000, signal: abortAfter(50) }));
    expect(q.failure).toBe('interrupted');
    const pre = await ask('web.whatsapp.com', { signal: AbortSignal.abort() });
    expect(pre.failure).toBe('interrupted');
  });

  it('throws on misuse', async () => {
    await expect(ask('x', { server: '127.0.0.1' })).rejects.toThrow(TypeError);
    await expect(ask('x', { server: 'resolver.example:53' })).rejects.toThrow(TypeError);
    await expect(ask('x', { server: '::1:53' })).rejects.toThrow(TypeError);
    await expect(ask('x', { timeoutMs: 0 })).rejects.toThrow(RangeError);
  });
});

describe('queryUdp against a misbehaving responder', () => {
  // Raw responder: junk, a wrong-id copy, then the real answer, all to one query.
  let sock: dgram.Socket;
  let server = '';
  beforeAll(async () => {
    sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.53.2', r));
    server = `127.0.53.2:${sock.address().port}`;
    sock.on('message', (msg, rinfo) => {
      const q = dnsPacket.decode(msg);
      const answer = (id: number, ip: string) =>
        dnsPacket.encode({
          type: 'response',
          id,
          flags: dnsPacket.RECURSION_AVAILABLE,
          questions: q.questions,
          answers: [{ type: 'A', name: q.questions![0]!.name, ttl: 5, data: ip }],
        });
      const send = (b: Buffer) => sock.send(b, rinfo.port, rinfo.address);
      if (q.questions![0]!.name === 'junk-only.lab') return send(Buffer.from('junk'));
      if (q.questions![0]!.name === 'wrong-id-only.lab') return send(answer((q.id! + 1) & 0xffff, '127.0.0.66'));
      send(Buffer.from('not dns at all'));
      send(answer((q.id! + 1) & 0xffff, '127.0.0.66'));
      send(answer(q.id!, '127.0.10.1'));
    });
  });
  afterAll(() => new Promise<void>((r) => sock.close(() => r())));

  it('records junk and wrong ids as malformed and still takes the valid reply', async () => {
    const q = await ask('mixed.lab', { server, listenWindowMs: 100 });
    expect(q.failure).toBeNull();
    expect(q.answers[0]!.ipv4).toBe('127.0.10.1');
    expect(q.x_replies!.map((r) => r.x_malformed?.replace(/:.*/, ''))).toEqual([
      'undecodable',
      'query id mismatch',
      undefined,
    ]);
    expect(q.x_replies![1]!.answers[0]!.ipv4).toBe('127.0.0.66');
  });

  it('names what came back when nothing valid did', async () => {
    expect((await ask('junk-only.lab', { server, timeoutMs: 300 })).failure).toBe('dns_server_misbehaving');
    expect((await ask('wrong-id-only.lab', { server, timeoutMs: 300 })).failure).toBe('dns_reply_with_wrong_query_id');
  });
});

describe('queryTcp', () => {
  it('answers over TCP', async () => {
    const q = await queryTcp({
      ...step(),
      server: dns.server,
      hostname: 'web.whatsapp.com',
      type: 'A',
      role: 'control',
    });
    expect(q).toMatchObject({ engine: 'tcp', failure: null, rcode: 0, x_resolver_role: 'control' });
    expect(q.answers[0]!.ipv4).toBe('127.0.10.1');
    expect(q.x_replies).toBeUndefined();
  });

  it('is refused on a closed port and times out on a silent name', async () => {
    const port = await freePort('127.0.53.9', 'tcp');
    const refused = await queryTcp({
      ...step(),
      server: `127.0.53.9:${port}`,
      hostname: 'x',
      type: 'A',
      role: 'local',
    });
    expect(refused.failure).toBe('connection_refused');
    dns.setBehaviour('silent.lab', { kind: 'silent' });
    const silent = await queryTcp({
      ...step({ timeoutMs: 300 }),
      server: dns.server,
      hostname: 'silent.lab',
      type: 'A',
      role: 'local',
    });
    expect(silent.failure).toBe('generic_timeout_error');
  });

  it('is interrupted promptly by an abort', async () => {
    const q = await within(500, () =>
      queryTcp({
        ...step({ timeoutMs: 5000, signal: abortAfter(50) }),
        server: dns.server,
        hostname: 'silent.lab',
        type: 'A',
        role: 'local',
      }),
    );
    expect(q.failure).toBe('interrupted');
  });
});

describe('lookupSystem', () => {
  it('resolves localhost through the system resolver (from /etc/hosts, no DNS traffic)', async () => {
    const q = await lookupSystem({ ...step(), hostname: 'localhost' });
    expect(q).toMatchObject({ engine: 'getaddrinfo', query_type: 'ANY', failure: null });
    expect(q.answers.some((a) => a.ipv4 === '127.0.0.1' || a.ipv6 === '::1')).toBe(true);
  });
});
