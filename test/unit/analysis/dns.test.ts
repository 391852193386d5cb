import { describe, expect, it } from 'vitest';
import { judgeDns } from '../../../src/analysis/dns.js';
import type { DnsQuery } from '../../../src/model/observations.js';
import type { ControlVerdict } from '../../../src/model/verdict.js';
import { CONTROLS_UP, obs, query, reply } from '../../support/obs.js';

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
  { name: 'local and control agree', queries: [query(H, 'local', ['157.240.1.1']), query(H, 'control', ['157.240.1.1'])], status: 'ok' },
  { name: 'local differs from control (CDN): not blocking by itself', queries: [query(H, 'local', ['157.240.1.2']), query(H, 'control', ['157.240.1.1'])], status: 'ok' },
  { name: 'NXDOMAIN locally, control resolves', queries: [query(H, 'local', 'dns_nxdomain_error'), query(H, 'control', ['157.240.1.1'])], status: 'blocked', technique: 'dns.nxdomain', strength: 'strong' },
  { name: 'NXDOMAIN everywhere: the name does not exist', queries: [query(H, 'local', 'dns_nxdomain_error'), query(H, 'control', 'dns_nxdomain_error')], status: 'failed' },
  { name: 'local fails, no control answer: inconclusive', queries: [query(H, 'local', 'dns_nxdomain_error'), query(H, 'control', 'generic_timeout_error')], status: 'inconclusive' },
  { name: 'REFUSED locally, control resolves', queries: [query(H, 'local', 'dns_refused_error'), query(H, 'control', ['157.240.1.1'])], status: 'blocked', technique: 'dns.refused', strength: 'strong' },
  { name: 'local timeout, control resolves, resolver healthy', queries: [query(H, 'local', 'generic_timeout_error'), query(H, 'control', ['157.240.1.1'])], status: 'blocked', technique: 'dns.timeout', strength: 'weak' },
  { name: 'local timeout but the local resolver is broken for neutral names too', queries: [query(H, 'local', 'generic_timeout_error'), query(H, 'control', ['157.240.1.1'])], controls: brokenLocal, status: 'failed' },
  { name: 'interrupted before the local resolver answered', queries: [query(H, 'local', 'interrupted'), query(H, 'control', ['157.240.1.1'])], status: 'inconclusive' },
  { name: 'empty answer locally', queries: [query(H, 'local', 'dns_no_answer'), query(H, 'control', ['157.240.1.1'])], status: 'blocked', technique: 'dns.no_answer', strength: 'weak' },
  { name: 'bogon answer (private address)', queries: [query(H, 'local', ['10.10.34.35']), query(H, 'control', ['157.240.1.1'])], status: 'blocked', technique: 'dns.bogus_answer', strength: 'strong' },
  { name: 'loopback answer', queries: [query(H, 'local', ['127.0.0.1'])], status: 'blocked', technique: 'dns.bogus_answer' },
  { name: 'known sinkhole', queries: [query(H, 'local', ['203.0.113.66']), query(H, 'control', ['157.240.1.1'])], status: 'blocked', technique: 'dns.bogus_answer' },
  { name: 'a lab range declared public is not bogus', queries: [query(H, 'local', ['198.18.1.1']), query(H, 'control', ['198.18.1.1'])], policy: labNet, status: 'ok' },
  {
    name: 'two different replies to one query: injection',
    queries: [query(H, 'local', ['198.18.66.6'], { x_replies: [reply(['198.18.66.6']), reply(['198.18.1.1'])] }), query(H, 'control', ['198.18.1.1'])],
    policy: labNet,
    status: 'blocked',
    technique: 'dns.injection',
    strength: 'strong',
  },
  {
    name: 'a forged NXDOMAIN racing a real answer: injection',
    queries: [query(H, 'local', 'dns_nxdomain_error', { x_replies: [reply([], 3), reply(['198.18.1.1'])] }), query(H, 'control', ['198.18.1.1'])],
    policy: labNet,
    status: 'blocked',
    technique: 'dns.injection',
  },
  { name: 'a duplicated identical reply is not injection', queries: [query(H, 'local', ['198.18.1.1'], { x_replies: [reply(['198.18.1.1']), reply(['198.18.1.1'])] })], policy: labNet, status: 'ok' },
  {
    name: 'a malformed extra datagram is recorded, not injection',
    queries: [query(H, 'local', ['198.18.1.1'], { x_replies: [reply(['198.18.1.1']), reply([], 0, { x_malformed: 'truncated header' })] })],
    policy: labNet,
    status: 'ok',
  },
  { name: 'no local lookup (resolver override), control resolves', queries: [query(H, 'control', ['157.240.1.1'])], status: 'ok' },
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
    const j = judgeDns(H, obs({ queries: [query(H, 'local', ['10.10.34.35']), query(H, 'control', ['157.240.1.1'])] }), CONTROLS_UP, net);
    expect(j.bogusAddrs).toEqual(['10.10.34.35']);
    expect(j.localAddrs).toEqual([]);
    expect(j.controlAddrs).toEqual(['157.240.1.1']);
  });

  it('only looks at queries for its own hostname', () => {
    const j = judgeDns(H, obs({ queries: [query('other.example', 'local', 'dns_nxdomain_error'), query(H, 'local', ['157.240.1.1'])] }), CONTROLS_UP, net);
    expect(j.verdict.status).toBe('ok');
    expect(j.verdict.evidence).toEqual([{ key: 'queries', index: 1 }]);
  });
});
