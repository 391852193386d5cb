import { describe, expect, it } from 'vitest';
import { chooseAddresses, encryptedAddresses } from '../../../src/measure/resolve.js';
import { encryptedAgrees, flagBogusAnswers } from '../../../src/model/dns-answers.js';
import { query, reply } from '../../support/obs.js';

const policy = { public_ranges: [] as string[], sinkholes: ['203.0.113.66'] };

describe('chooseAddresses', () => {
  it.each([
    {
      name: 'local answers first (what the app would use)',
      qs: [query('h', 'local', ['157.240.1.2']), query('h', 'control', ['157.240.1.1'])],
      want: ['157.240.1.2'],
      source: 'local',
    },
    {
      name: 'local forged (bogon): the neutral answers instead',
      qs: [query('h', 'local', ['10.10.34.35']), query('h', 'control', ['157.240.1.1'])],
      want: ['157.240.1.1'],
      source: 'control',
    },
    {
      name: 'local sinkhole: the neutral answers instead',
      qs: [query('h', 'local', ['203.0.113.66']), query('h', 'control', ['157.240.1.1'])],
      want: ['157.240.1.1'],
      source: 'control',
    },
    {
      name: 'local NXDOMAIN: the neutral answers',
      qs: [query('h', 'local', 'dns_nxdomain_error'), query('h', 'control', ['157.240.1.1'])],
      want: ['157.240.1.1'],
      source: 'control',
    },
    {
      name: 'nothing anywhere',
      qs: [query('h', 'local', 'dns_nxdomain_error'), query('h', 'control', 'generic_timeout_error')],
      want: [],
      source: 'none',
    },
    {
      name: 'IPv6 skipped when the network has none',
      qs: [query('h', 'local', ['157.240.1.1', '2a03:2880::1'])],
      want: ['157.240.1.1'],
      source: 'local',
    },
    {
      name: 'at most two per family',
      qs: [query('h', 'local', ['1.0.0.1', '1.0.0.2', '1.0.0.3'])],
      want: ['1.0.0.1', '1.0.0.2'],
      source: 'local',
    },
  ])('$name', ({ qs, want, source }) => {
    const c = chooseAddresses(qs, policy, { ipv6: false, perFamily: 2 });
    expect(c.addresses).toEqual(want);
    expect(c.source).toBe(source);
  });

  it('local answer forged: the encrypted control, not a plain-UDP answer forged on the path too', () => {
    const udp = query('h', 'control', ['10.10.34.35', '157.240.9.9'], { engine: 'udp' });
    const c = chooseAddresses(
      [query('h', 'local', ['10.10.34.35']), udp, query('h', 'control', ['157.240.1.1'])],
      policy,
      { ipv6: false, perFamily: 2 },
    );
    expect(c).toEqual({ addresses: ['157.240.1.1'], source: 'control' });
  });

  it('IPv6 measured where the network has it', () => {
    const c = chooseAddresses([query('h', 'local', ['157.240.1.1', '2a03:2880::1'])], policy, {
      ipv6: true,
      perFamily: 2,
    });
    expect(c.addresses).toEqual(['157.240.1.1', '2a03:2880:0:0:0:0:0:1']);
  });
});

describe('flagBogusAnswers', () => {
  it('flags bogons and sinkholes in every reply, leaves public answers alone', () => {
    const q = query('h', 'local', ['10.0.0.1', '157.240.1.1'], {
      x_replies: [reply(['203.0.113.66']), reply(['157.240.1.1'])],
    });
    flagBogusAnswers(q, policy);
    expect(q.answers.map((a) => a.x_bogus)).toEqual(['bogon', undefined]);
    expect(q.x_replies![0]!.answers[0]!.x_bogus).toBe('sinkhole');
    expect(q.x_replies![1]!.answers[0]!.x_bogus).toBeUndefined();
  });
  it('a lab range declared public is not flagged', () => {
    const q = flagBogusAnswers(query('h', 'local', ['198.18.1.1']), {
      public_ranges: ['198.18.0.0/15'],
      sinkholes: [],
    });
    expect(q.answers[0]!.x_bogus).toBeUndefined();
  });
});

describe('encryptedAddresses: where chains also go when the local answer disagrees with DoH', () => {
  const qs = [
    query('h', 'local', ['157.240.1.2']),
    query('h', 'control', ['157.240.1.1', '157.240.1.3', '157.240.1.4']),
  ];
  it('the DoH addresses when none of them is a local one', () => {
    expect(encryptedAddresses(qs, policy, { ipv6: false, perFamily: 2 }, ['157.240.1.2'])).toEqual([
      '157.240.1.1',
      '157.240.1.3',
    ]);
  });
  it('nothing when they share an address (even beyond the first two)', () => {
    expect(encryptedAddresses(qs, policy, { ipv6: false, perFamily: 2 }, ['157.240.1.4'])).toEqual([]);
  });
  it('never a plain-UDP control answer', () => {
    expect(
      encryptedAddresses([query('h', 'control', ['157.240.1.1'], { engine: 'udp' })], policy, {
        ipv6: false,
        perFamily: 2,
      }),
    ).toEqual([]);
  });
});

describe('encryptedAgrees: does DoH vouch for a UDP answer (so the listening window can close)?', () => {
  const udp = (ips: string[] | 'dns_nxdomain_error' | 'dns_no_answer') => query('h', 'local', ips);
  it.each([
    {
      name: 'same address',
      u: udp(['157.240.1.1']),
      d: [query('h', 'control', ['157.240.1.1', '157.240.1.5'])],
      want: true,
    },
    {
      name: 'no common address (a CDN, or a forgery)',
      u: udp(['157.240.1.2']),
      d: [query('h', 'control', ['157.240.1.1'])],
      want: false,
    },
    {
      name: 'neither has an address of the type (AAAA on an IPv4 name)',
      u: udp('dns_no_answer'),
      d: [query('h', 'control', 'dns_no_answer')],
      want: true,
    },
    {
      name: 'forged NXDOMAIN, DoH resolves',
      u: udp('dns_nxdomain_error'),
      d: [query('h', 'control', ['157.240.1.1'])],
      want: false,
    },
    {
      name: 'DoH did not answer',
      u: udp(['157.240.1.1']),
      d: [query('h', 'control', 'generic_timeout_error')],
      want: false,
    },
    { name: 'no DoH at all', u: udp(['157.240.1.1']), d: [], want: false },
  ])('$name → $want', ({ u, d, want }) => {
    expect(encryptedAgrees(u, d)).toBe(want);
  });
});
