// The helper wire contract: OONI's request and response shapes are accepted as OONI sends them, our
// x_ fields are validated, and every bound is enforced on both sides.
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../../src/catalogue/load.js';
import type { Target } from '../../../src/catalogue/schema.js';
import { annotateTraces, helperQuestion, readHelperAnswer } from '../../../src/measure/helper.js';
import { HELPER_LIMITS, helperRequest, helperResponse } from '../../../src/protocol/helper.js';

// The example request and response of ooni/spec ts-017 (addresses replaced by documentation ones).
const OONI_REQUEST = {
  http_request: 'https://www.example.com',
  http_request_headers: {
    Accept: ['text/html'],
    'Accept-Language': ['en-US;q=0.8,en;q=0.5'],
    'User-Agent': ['Mozilla/5.0'],
  },
  tcp_connect: ['192.0.2.34:443', '[2001:db8::1946]:443'],
};
const OONI_RESPONSE = {
  tcp_connect: {
    '192.0.2.34:443': { status: true, failure: null },
    '[2001:db8::1946]:443': { status: false, failure: 'invalid_socket' },
  },
  http_request: {
    body_length: 1256,
    failure: null,
    title: 'Example Domain',
    headers: { 'Content-Type': 'text/html; charset=UTF-8' },
    status_code: 200,
  },
  dns: { failure: null, addrs: ['192.0.2.34'] },
};

describe('the request', () => {
  it("accepts OONI's example request as is", () => {
    const r = helperRequest.parse(OONI_REQUEST);
    expect(r.tcp_connect).toHaveLength(2);
    expect(r.x_voipprobe).toBeUndefined();
  });

  const bad: [string, object, RegExp][] = [
    ['a non-http URL', { http_request: 'ftp://x/' }, /http_request: must be a http: or https: URL/],
    [
      'an endpoint without a port',
      { http_request: 'https://a/', tcp_connect: ['192.0.2.1'] },
      /tcp_connect\.0: must be "ip:port"/,
    ],
    ['a hostname as endpoint', { http_request: 'https://a/', tcp_connect: ['example.com:443'] }, /must be "ip:port"/],
    [
      'an unbracketed IPv6 endpoint',
      { http_request: 'https://a/', tcp_connect: ['2001:db8::1:443'] },
      /must be "ip:port"/,
    ],
    [
      'too many endpoints',
      {
        http_request: 'https://a/',
        tcp_connect: Array.from({ length: HELPER_LIMITS.endpoints + 1 }, (_, i) => `192.0.2.${i + 1}:443`),
      },
      /tcp_connect/,
    ],
    [
      'a long preamble',
      { http_request: 'https://a/', x_tcp_preamble_hex: '00'.repeat(HELPER_LIMITS.preambleBytes + 1) },
      /x_tcp_preamble_hex/,
    ],
    [
      'a step timeout past the cap',
      { http_request: 'https://a/', x_timeout_ms: HELPER_LIMITS.maxStepTimeoutMs + 1 },
      /x_timeout_ms/,
    ],
    [
      'an unknown UDP exchange kind',
      { http_request: 'https://a/', x_udp: [{ endpoint: '192.0.2.1:3478', exchange: { kind: 'flood' } }] },
      /x_udp/,
    ],
    [
      'more traces than the bound',
      {
        http_request: 'https://a/',
        x_trace: Array.from({ length: HELPER_LIMITS.traces + 1 }, (_, i) => ({
          endpoint: `192.0.2.${i + 1}:3478`,
          protocol: 'udp',
        })),
      },
      /x_trace/,
    ],
    [
      'a trace past TTL 32',
      { http_request: 'https://a/', x_trace: [{ endpoint: '192.0.2.1:3478', protocol: 'udp', max_ttl: 33 }] },
      /x_trace\.0\.max_ttl/,
    ],
  ];
  for (const [name, body, re] of bad) {
    it(`refuses ${name}`, () => {
      const r = helperRequest.safeParse(body);
      expect(r.success).toBe(false);
      expect(r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')).toMatch(re);
    });
  }
});

describe('the questions the probe asks', () => {
  const t = (x: object) => ({ source: 'test', enabled: true, role: 'chat', ...x }) as Target;
  it('a TCP target: every address on every port, the preamble, no GET', () => {
    const q = helperQuestion(
      t({ id: 'c', check: 'tcp', host: 'e1.example', ports: [443, 5222], preamble_hex: '57410603' }),
      ['192.0.2.1', '2001:db8::1'],
      2000,
    )!;
    expect(q.tcp_connect).toEqual(['192.0.2.1:443', '192.0.2.1:5222', '[2001:db8::1]:443', '[2001:db8::1]:5222']);
    expect(q).toMatchObject({
      http_request: 'https://e1.example/',
      x_http: false,
      x_tcp_preamble_hex: '57410603',
      x_timeout_ms: 2000,
      x_voipprobe: { version: 1 },
    });
  });
  it('a WebSocket target: TLS with the host as SNI, the plain GET of the root, the upgrade at each address', () => {
    const q = helperQuestion(
      t({
        id: 'w',
        check: 'websocket',
        url: 'wss://web.example/ws/chat',
        origin: 'https://web.example',
        expect_status: 101,
      }),
      ['192.0.2.1'],
      5000,
    )!;
    expect(q.http_request).toBe('https://web.example/');
    expect(q.x_tls).toEqual([{ endpoint: '192.0.2.1:443', sni: 'web.example', alpn: ['http/1.1'] }]);
    expect(q.x_websocket).toEqual({
      url: 'wss://web.example/ws/chat',
      origin: 'https://web.example',
      addresses: ['192.0.2.1'],
    });
    expect(q.x_http).toBeUndefined();
  });
  it('a STUN relay given by address: a Binding from outside, no DNS, no GET', () => {
    const q = helperQuestion(
      t({ id: 'r', role: 'call', check: 'stun', host: '192.0.2.7', ports: [3478, 3479], answers_binding: false }),
      ['192.0.2.7'],
      2000,
    )!;
    expect(q.http_request).toBe('https://192.0.2.7/');
    expect(q.x_udp).toEqual([
      { endpoint: '192.0.2.7:3478', exchange: { kind: 'stun_binding' } },
      { endpoint: '192.0.2.7:3479', exchange: { kind: 'stun_binding' } },
    ]);
  });
  it("a relay's catalogue exchanges: each endpoint's first exchange before any second one, described ones as data, within the bound", () => {
    const allocate = {
      id: 'allocate',
      request: {
        method: 'allocate' as const,
        attributes: [{ type: 'REQUESTED-TRANSPORT', hex: '11000000' }],
        fingerprint: false,
      },
      source: 'RFC 8656',
    };
    const binding = {
      id: 'binding',
      request: { method: 'binding' as const, attributes: [], fingerprint: false },
      source: 'RFC 5389',
    };
    const q = helperQuestion(
      t({
        id: 'r',
        role: 'call',
        check: 'stun',
        host: '192.0.2.7',
        ports: [3478, 3479],
        exchanges: [binding, allocate],
      }),
      ['192.0.2.7', '192.0.2.8'],
      2000,
    )!;
    expect(
      q.x_udp!.map((x) => `${x.endpoint} ${x.exchange.kind === 'described' ? x.exchange.id : x.exchange.kind}`),
    ).toEqual([
      '192.0.2.7:3478 stun_binding',
      '192.0.2.7:3479 stun_binding',
      '192.0.2.8:3478 stun_binding',
      '192.0.2.8:3479 stun_binding',
      '192.0.2.7:3478 allocate',
      '192.0.2.7:3479 allocate',
      '192.0.2.8:3478 allocate',
      '192.0.2.8:3479 allocate',
    ]);
    expect(q.x_udp![4]!.exchange).toEqual({ kind: 'described', id: 'allocate', request: allocate.request });
  });
  it('a relay: a UDP trace towards each of its endpoints if they do not answer the helper, within the bound; none when the run does not localise', () => {
    const quiet = t({ id: 'r', role: 'call', check: 'stun', host: '192.0.2.7', ports: [3478, 3479] });
    const q = helperQuestion(quiet, ['192.0.2.7', '192.0.2.8', '192.0.2.9'], 2000)!;
    expect(q.x_trace).toEqual([
      { endpoint: '192.0.2.7:3478', protocol: 'udp', if_unanswered: true },
      { endpoint: '192.0.2.7:3479', protocol: 'udp', if_unanswered: true },
      { endpoint: '192.0.2.8:3478', protocol: 'udp', if_unanswered: true },
      { endpoint: '192.0.2.8:3479', protocol: 'udp', if_unanswered: true },
    ]);
    expect(q.x_trace).toHaveLength(HELPER_LIMITS.traces);
    expect(helperQuestion(quiet, ['192.0.2.7'], 2000, { traces: false })!.x_trace).toBeUndefined();
  });
  it("maps a helper trace's routers with the probe's own ASN database, never the helper's", async () => {
    const traces = {
      'udp:192.0.2.7:3478': {
        failure: null,
        reached: false,
        destination_asn: 1,
        hops: [
          { ttl: 1, address: '198.51.100.1', rtt_ms: [1], lost: 0, asn: 99, as_name: 'claimed by the helper' },
          { ttl: 2, address: null, rtt_ms: [], lost: 2, asn: 98 },
          { ttl: 3, address: '192.0.2.1', rtt_ms: [2], lost: 0 },
        ],
      },
    };
    const db: Record<string, { asn: number; organisation: string }> = {
      '198.51.100.1': { asn: 64510, organisation: 'transit' },
      '192.0.2.1': { asn: 64520, organisation: 'relays' },
      '192.0.2.7': { asn: 64520, organisation: 'relays' },
    };
    await annotateTraces(traces, async (ip) => db[ip]);
    const tr = traces['udp:192.0.2.7:3478'];
    expect(tr.destination_asn).toBe(64520);
    expect(tr.hops.map((h) => [h.asn, h.as_name])).toEqual([
      [64510, 'transit'],
      [undefined, undefined],
      [64520, 'relays'],
    ]);
    await annotateTraces(traces);
    expect(tr.hops.every((h) => h.asn === undefined) && tr.destination_asn === undefined).toBe(true);
  });
  it('every question the shipped catalogue makes is a valid request, as sent', () => {
    const cat = loadCatalogue();
    let asked = 0;
    for (const svc of cat.services)
      for (const target of svc.targets) {
        // Up to 20 addresses of both families: the bounds must hold however many a name resolves to.
        const addrs = Array.from({ length: 20 }, (_, i) => (i % 2 ? `2001:db8::${i}` : `192.0.2.${i + 1}`));
        const q = helperQuestion(target, addrs, 5000);
        if (!q) continue;
        asked++;
        expect(helperRequest.parse(JSON.parse(JSON.stringify(q))), target.id).toEqual(q);
      }
    expect(asked).toBeGreaterThan(20);
  });
  it('the neutral controls are never asked about', () => {
    expect(
      helperQuestion(t({ id: 'd', role: 'control', check: 'doh', url: 'https://192.0.2.53/dns-query' }), [], 2000),
    ).toBeNull();
  });
});

describe('reading an answer', () => {
  it("accepts OONI's example response (an oohelperd-compatible helper)", () => {
    const r = readHelperAnswer({ status: 200, body: JSON.stringify(OONI_RESPONSE), truncated: false, failure: null });
    expect(r.failure).toBeNull();
    expect(r.response!.tcp_connect['192.0.2.34:443']!.status).toBe(true);
  });
  const garbage: [string, string, boolean, RegExp][] = [
    ['not JSON', '<html>hello</html>', false, /^not JSON/],
    ['JSON of another shape', '{"hello": "world"}', false, /^not a helper answer: tcp_connect/],
    [
      'a wrong type deep inside',
      JSON.stringify({ ...OONI_RESPONSE, dns: { failure: 3, addrs: [] } }),
      false,
      /dns\.failure/,
    ],
    ['an answer cut at the size limit', JSON.stringify(OONI_RESPONSE), true, /larger than any helper answer/],
  ];
  for (const [name, body, truncated, re] of garbage) {
    it(`refuses ${name}, saying why`, () => {
      const r = readHelperAnswer({ status: 200, body, truncated, failure: null });
      expect(r.failure).toBe('x_invalid_response');
      expect(r.response).toBeNull();
      expect(r.x_reason).toMatch(re);
    });
  }
  it("keeps the helper's own reason for a refused request", () => {
    const r = readHelperAnswer({
      status: 429,
      body: '{"error":"rate limit: 10 requests/s per client (burst 200)"}',
      truncated: false,
      failure: 'http_request_failed',
    });
    expect(r).toEqual({
      status: 429,
      response: null,
      failure: 'http_request_failed',
      x_reason: 'HTTP 429: rate limit: 10 requests/s per client (burst 200)',
    });
  });
  it('bounds what a helper may put in an answer', () => {
    const many = Object.fromEntries(
      Array.from({ length: 65 }, (_, i) => [`192.0.2.${i}:443`, { status: true, failure: null }]),
    );
    expect(helperResponse.safeParse({ ...OONI_RESPONSE, tcp_connect: many }).success).toBe(false);
  });
});
