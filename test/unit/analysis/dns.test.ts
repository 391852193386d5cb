import { describe, expect, it } from 'vitest';
import { judgeDns } from '../../../src/analysis/dns.js';
import type { Failure } from '../../../src/model/failure.js';
import type { DnsQuery, TcpConnect, TlsHandshake } from '../../../src/model/observations.js';
import type { ControlVerdict } from '../../../src/model/verdict.js';
import { CONTROLS_UP, obs, query, reply, tcp, tls } from '../../support/obs.js';

const H = 'web.whatsapp.com';
const net = { public_ranges: [] as string[], sinkholes: ['203.0.113.66'] };
const labNet = { public_ranges: ['198.18.0.0/15'], sinkholes: [] as string[] };
const brokenLocal: ControlVerdict = { ...CONTROLS_UP, dns: { ...CONTROLS_UP.dns, local_ok: false } };

interface Case {
  name: string;
  queries: DnsQuery[];
  controls?: ControlVerdict;
  policy?: typeof net;
  status: string;
  technique?: string;
  strength?: string;
}

const cases: Case[] = [
  {
    name: 'local and control agree',
    queries: [query(H, 'local', ['157.240.1.1']), query(H, 'control', ['157.240.1.1'])],
    status: 'ok',
  },
  {
    name: 'local differs from control (CDN): not blocking by itself',
    queries: [query(H, 'local', ['157.240.1.2']), query(H, 'control', ['157.240.1.1'])],
    status: 'ok',
  },
  {
    name: 'NXDOMAIN locally, control resolves',
    queries: [query(H, 'local', 'dns_nxdomain_error'), query(H, 'control', ['157.240.1.1'])],
    status: 'blocked',
    technique: 'dns.nxdomain',
    strength: 'strong',
  },
  {
    name: 'NXDOMAIN everywhere: the name does not exist',
    queries: [query(H, 'local', 'dns_nxdomain_error'), query(H, 'control', 'dns_nxdomain_error')],
    status: 'failed',
  },
  {
    name: 'local fails, no control answer: inconclusive',
    queries: [query(H, 'local', 'dns_nxdomain_error'), query(H, 'control', 'generic_timeout_error')],
    status: 'inconclusive',
  },
  {
    name: 'REFUSED locally, control resolves',
    queries: [query(H, 'local', 'dns_refused_error'), query(H, 'control', ['157.240.1.1'])],
    status: 'blocked',
    technique: 'dns.refused',
    strength: 'strong',
  },
  {
    name: 'local timeout, control resolves, resolver healthy',
    queries: [query(H, 'local', 'generic_timeout_error'), query(H, 'control', ['157.240.1.1'])],
    status: 'blocked',
    technique: 'dns.timeout',
    strength: 'weak',
  },
  {
    name: 'local timeout but the local resolver is broken for neutral names too',
    queries: [query(H, 'local', 'generic_timeout_error'), query(H, 'control', ['157.240.1.1'])],
    controls: brokenLocal,
    status: 'failed',
  },
  {
    name: 'interrupted before the local resolver answered',
    queries: [query(H, 'local', 'interrupted'), query(H, 'control', ['157.240.1.1'])],
    status: 'inconclusive',
  },
  {
    name: 'empty answer locally',
    queries: [query(H, 'local', 'dns_no_answer'), query(H, 'control', ['157.240.1.1'])],
    status: 'blocked',
    technique: 'dns.no_answer',
    strength: 'weak',
  },
  {
    name: 'bogon answer (private address)',
    queries: [query(H, 'local', ['10.10.34.35']), query(H, 'control', ['157.240.1.1'])],
    status: 'blocked',
    technique: 'dns.bogus_answer',
    strength: 'strong',
  },
  {
    name: 'loopback answer',
    queries: [query(H, 'local', ['127.0.0.1'])],
    status: 'blocked',
    technique: 'dns.bogus_answer',
  },
  {
    name: 'known sinkhole',
    queries: [query(H, 'local', ['203.0.113.66']), query(H, 'control', ['157.240.1.1'])],
    status: 'blocked',
    technique: 'dns.bogus_answer',
  },
  {
    name: 'a lab range declared public is not bogus',
    queries: [query(H, 'local', ['198.18.1.1']), query(H, 'control', ['198.18.1.1'])],
    policy: labNet,
    status: 'ok',
  },
  {
    name: 'two different replies to one query: injection',
    queries: [
      query(H, 'local', ['198.18.66.6'], { x_replies: [reply(['198.18.66.6']), reply(['198.18.1.1'])] }),
      query(H, 'control', ['198.18.1.1']),
    ],
    policy: labNet,
    status: 'blocked',
    technique: 'dns.injection',
    strength: 'strong',
  },
  {
    name: 'a forged NXDOMAIN racing a real answer: injection',
    queries: [
      query(H, 'local', 'dns_nxdomain_error', { x_replies: [reply([], 3), reply(['198.18.1.1'])] }),
      query(H, 'control', ['198.18.1.1']),
    ],
    policy: labNet,
    status: 'blocked',
    technique: 'dns.injection',
  },
  {
    name: 'a duplicated identical reply is not injection',
    queries: [query(H, 'local', ['198.18.1.1'], { x_replies: [reply(['198.18.1.1']), reply(['198.18.1.1'])] })],
    policy: labNet,
    status: 'ok',
  },
  {
    name: 'a malformed extra datagram is recorded, not injection',
    queries: [
      query(H, 'local', ['198.18.1.1'], {
        x_replies: [reply(['198.18.1.1']), reply([], 0, { x_malformed: 'truncated header' })],
      }),
    ],
    policy: labNet,
    status: 'ok',
  },
  {
    name: 'no local lookup (resolver override), control resolves',
    queries: [query(H, 'control', ['157.240.1.1'])],
    status: 'ok',
  },
];

describe('judgeDns', () => {
  it.each(cases)('$name', (c) => {
    const j = judgeDns(H, obs({ queries: c.queries }), c.controls ?? CONTROLS_UP, c.policy ?? net);
    expect(j.verdict.status).toBe(c.status);
    expect(j.verdict.technique).toBe(c.technique);
    if (c.strength) expect(j.verdict.strength).toBe(c.strength);
    expect(j.verdict.evidence.length).toBeGreaterThan(0);
    expect(j.verdict.reason).toMatch(/\S/);
  });

  it('separates usable, control and forged addresses', () => {
    const j = judgeDns(
      H,
      obs({ queries: [query(H, 'local', ['10.10.34.35']), query(H, 'control', ['157.240.1.1'])] }),
      CONTROLS_UP,
      net,
    );
    expect(j.bogusAddrs).toEqual(['10.10.34.35']);
    expect(j.localAddrs).toEqual([]);
    expect(j.controlAddrs).toEqual(['157.240.1.1']);
  });

  it('only looks at queries for its own hostname', () => {
    const j = judgeDns(
      H,
      obs({ queries: [query('other.example', 'local', 'dns_nxdomain_error'), query(H, 'local', ['157.240.1.1'])] }),
      CONTROLS_UP,
      net,
    );
    expect(j.verdict.status).toBe('ok');
    expect(j.verdict.evidence).toEqual([{ key: 'queries', index: 1 }]);
  });
});

// --- issue 10, item 3: the encrypted control wins; a forged answer is forged whatever the next layer does ---

describe('judgeDns: DoH outranks plain-UDP answers, TLS evidence tells a CDN from a forgery', () => {
  const F = '198.18.16.5'; // the forged address (a block page)
  const G = '198.18.17.47'; // the genuine one
  const udpControl = (ips: string[] | 'generic_timeout_error', extra: Partial<DnsQuery> = {}) =>
    query(H, 'control', ips, { engine: 'udp', resolver_address: '198.18.16.2:53', ...extra });
  const doh = (ips: string[] | 'generic_timeout_error' | 'dns_nxdomain_error') => query(H, 'control', ips);
  const id = 77;
  /** TLS with the service's SNI: at `ip`, failing with `f` (null: valid). */
  const hsAt = (ip: string, f: Failure) => tls('web', ip, H, f, 'target', id);
  const connectAt = (ip: string, f: Failure) => tcp('web', ip, 443, f, {}, id);

  const cases: (Omit<Case, 'policy'> & {
    tls?: TlsHandshake[];
    tcp?: TcpConnect[];
    control?: string[];
    reason?: RegExp;
  })[] = [
    {
      name: 'forged first, genuine 300 ms later, the neutral UDP resolver forged the same way; DoH genuine: injection',
      queries: [
        query(H, 'local', [F], { x_replies: [reply([F]), reply([G], 0, { t: 0.33 })] }),
        udpControl([F], { x_replies: [reply([F]), reply([G], 0, { t: 0.33 })] }),
        doh([G]),
      ],
      status: 'blocked',
      technique: 'dns.injection',
      strength: 'strong',
      control: [G],
    },
    {
      name: 'the neutral UDP resolver "confirms" a forged answer that DoH contradicts: DoH wins, nothing confirmed',
      queries: [query(H, 'local', [F]), udpControl([F]), doh([G])],
      status: 'ok',
      control: [G],
      reason: /differs from the neutral answers/,
    },
    {
      name: 'a single forged answer (the genuine one dropped), neutral UDP forged too; nothing answers at F while G validates: injection',
      queries: [query(H, 'local', [F]), udpControl([F]), doh([G])],
      tcp: [connectAt(F, 'generic_timeout_error'), connectAt(G, null)],
      tls: [hsAt(G, null)],
      status: 'blocked',
      technique: 'dns.injection',
      strength: 'strong',
      reason: /on-path box forges DNS answers/,
    },
    {
      name: "a single forged answer, neutral UDP genuine; F's certificate is not for the name while G validates: bogus answer",
      queries: [query(H, 'local', [F]), udpControl([G]), doh([G])],
      tcp: [connectAt(F, null), connectAt(G, null)],
      tls: [hsAt(F, 'ssl_invalid_hostname'), hsAt(G, null)],
      status: 'blocked',
      technique: 'dns.bogus_answer',
      strength: 'strong',
    },
    {
      name: 'a CDN: the local answer differs from DoH but validates for the name there: ok',
      queries: [query(H, 'local', [F]), udpControl([F]), doh([G])],
      tcp: [connectAt(F, null), connectAt(G, null)],
      tls: [hsAt(F, null), hsAt(G, null)],
      status: 'ok',
    },
    {
      name: 'different answers, both addresses fail: cannot tell, the next layers judge',
      queries: [query(H, 'local', [F]), doh([G])],
      tcp: [connectAt(F, 'generic_timeout_error'), connectAt(G, 'generic_timeout_error')],
      status: 'ok',
    },
    {
      name: 'the attempt at the local address was interrupted: no evidence',
      queries: [query(H, 'local', [F]), doh([G])],
      tcp: [connectAt(F, 'interrupted')],
      tls: [hsAt(G, null)],
      status: 'ok',
    },
    {
      name: 'DoH silent: the plain-UDP control counts, as before',
      queries: [query(H, 'local', [F]), udpControl([F]), doh('generic_timeout_error')],
      status: 'ok',
      control: [F],
    },
    {
      name: 'DoH says NXDOMAIN, the neutral UDP resolver gives an address: the encrypted control wins, the name does not exist',
      queries: [query(H, 'local', 'dns_nxdomain_error'), udpControl([F]), doh('dns_nxdomain_error')],
      status: 'failed',
      control: [],
    },
  ];
  it.each(cases)('$name', (c) => {
    const j = judgeDns(
      H,
      obs({ queries: c.queries, tcp_connect: c.tcp ?? [], tls_handshakes: c.tls ?? [] }),
      c.controls ?? CONTROLS_UP,
      labNet,
    );
    expect(j.verdict.status, j.verdict.reason).toBe(c.status);
    expect(j.verdict.technique).toBe(c.technique);
    if (c.strength) expect(j.verdict.strength).toBe(c.strength);
    if (c.control) expect(j.controlAddrs).toEqual(c.control);
    if (c.reason) expect(j.verdict.reason).toMatch(c.reason);
  });

  // A relay's name has no TLS target: the proof comes from another name of the run given the same address.
  const R = 'relay.example';
  const G2 = '198.18.17.48';
  const relayQueries = [
    query(R, 'local', [F]),
    query(R, 'control', [F], { engine: 'udp', resolver_address: '198.18.16.2:53' }),
    query(R, 'control', [G2]),
  ];
  it('a name without a TLS target, given an address the run proved forged for another name: injection too', () => {
    const o = obs({
      queries: [query(H, 'local', [F]), udpControl([F]), doh([G]), ...relayQueries],
      tcp_connect: [connectAt(F, null), connectAt(G, null)],
      tls_handshakes: [hsAt(F, 'ssl_invalid_hostname'), hsAt(G, null)],
    });
    const j = judgeDns(R, o, CONTROLS_UP, labNet);
    expect([j.verdict.status, j.verdict.technique, j.verdict.strength]).toEqual(['blocked', 'dns.injection', 'strong']);
    expect(j.verdict.reason).toMatch(new RegExp(`same address \\(${F}\\) is a forgery for ${H}`));
  });
  it('the same, when the other name validates at that address (a CDN): not forged', () => {
    const o = obs({
      queries: [query(H, 'local', [F]), udpControl([F]), doh([G]), ...relayQueries],
      tcp_connect: [connectAt(F, null), connectAt(G, null)],
      tls_handshakes: [hsAt(F, null), hsAt(G, null)],
    });
    expect(judgeDns(R, o, CONTROLS_UP, labNet).verdict.status).toBe('ok');
  });

  it('keeps the genuine address of an injected pair usable and marks the forged one', () => {
    const j = judgeDns(
      H,
      obs({
        queries: [
          query(H, 'local', [F], { x_replies: [reply([F]), reply([G])] }),
          udpControl([F], { x_replies: [reply([F]), reply([G])] }),
          doh([G]),
        ],
      }),
      CONTROLS_UP,
      labNet,
    );
    expect(j.bogusAddrs).toEqual([F]);
    expect(j.localAddrs).toEqual([G]);
  });
});
