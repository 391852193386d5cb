import { describe, expect, it } from 'vitest';
import { ClientLimits } from '../../../src/helper/limits.js';
import { targetPolicy } from '../../../src/helper/policy.js';

describe('per-client limits', () => {
  const make = (now: { t: number }) =>
    new ClientLimits({ ratePerS: 2, burst: 3, maxInFlight: 2, maxInFlightTotal: 3, maxClients: 2, now: () => now.t });

  it('a burst, then the sustained rate', () => {
    const now = { t: 0 };
    const l = make(now);
    for (let i = 0; i < 3; i++) {
      const a = l.admit('a');
      expect(a.ok).toBe(true);
      if (a.ok) a.release();
    }
    const refused = l.admit('a');
    expect(refused).toMatchObject({ ok: false, status: 429, reason: expect.stringMatching(/rate limit/) });
    now.t = 0.5; // one token back at 2/s
    const again = l.admit('a');
    expect(again.ok).toBe(true);
  });

  it('caps requests in flight per client and in total', () => {
    const l = make({ t: 0 });
    const a1 = l.admit('a');
    const a2 = l.admit('a');
    expect(l.admit('a')).toMatchObject({
      ok: false,
      status: 429,
      reason: expect.stringMatching(/in flight per client/),
    });
    const b1 = l.admit('b');
    expect(l.admit('c')).toMatchObject({ ok: false, status: 503 });
    for (const x of [a1, a2, b1]) if (x.ok) x.release();
    expect(l.inFlight).toBe(0);
  });

  it('remembers a bounded number of clients', () => {
    const l = make({ t: 0 });
    for (const c of ['a', 'b', 'c', 'd', 'e']) {
      const x = l.admit(c);
      if (x.ok) x.release();
    }
    expect(l.clients).toBeLessThanOrEqual(2);
  });
});

describe('target policy', () => {
  const p = targetPolicy({ allowPrivate: false, ownAddresses: ['203.0.113.50'] });
  it("refuses private, loopback, link-local and reserved space, and the helper's own addresses", () => {
    for (const ip of [
      '10.0.0.1',
      '127.0.0.1',
      '169.254.1.1',
      '192.168.1.1',
      '100.64.0.1',
      '::1',
      'fe80::1',
      'fc00::1',
      '198.18.0.1',
      '::ffff:10.0.0.1',
      '203.0.113.50',
    ])
      expect(p.refuse(ip), ip).not.toBeNull();
  });
  it('measures public addresses', () => {
    for (const ip of ['172.32.0.1', '157.240.1.1', '2a03:2880:f2ff:c0:face:b00c:0:167'])
      expect(p.refuse(ip), ip).toBeNull();
  });
  it('on a test network private space is allowed, the helper itself still is not', () => {
    const lab = targetPolicy({ allowPrivate: true, ownAddresses: ['198.18.0.14'] });
    expect(lab.refuse('198.18.16.7')).toBeNull();
    expect(lab.refuse('198.18.0.14')).toMatch(/own addresses/);
  });
});
