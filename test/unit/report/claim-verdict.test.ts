// Table tests: one claim, a handful of measurements, the verdict and why.
import { describe, expect, it } from 'vitest';
import type { Claim } from '../../../src/claims/schema.js';
import type { Measurement } from '../../../src/model/measurement.js';
import { Aggregator } from '../../../src/report/aggregate.js';
import { judgeClaim } from '../../../src/report/claim-verdict.js';
import { normalise } from '../../../src/report/input.js';
import { claim, IAM, INWI, MEDITEL, measurement, NETWORKS } from './helpers.js';

function units(ms: Measurement[]) {
  const agg = new Aggregator();
  ms.forEach((m, i) => {
    const n = normalise(m);
    if (n.ok) agg.add('r.jsonl', i + 1, n.obs);
  });
  return agg.units();
}

function judge(c: Claim, ms: Measurement[], all: Claim[] = [c]) {
  return judgeClaim(c, units(ms), { claims: all, conflicts: new Map() });
}

const T = '2026-11-23 10:00:00';
const m = measurement;

interface Row {
  name: string;
  claim: Claim;
  ms: Measurement[];
  verdict: 'consistent' | 'contradicted' | 'not_tested' | 'historical';
  reason?: RegExp;
}

const rows: Row[] = [
  {
    name: 'calls blocked, measured blocked',
    claim: claim(),
    ms: [m({ call: 'blocked', chat: 'accessible', time: T })],
    verdict: 'consistent',
  },
  {
    name: 'calls blocked, measured accessible',
    claim: claim(),
    ms: [m({ call: 'accessible', time: T })],
    verdict: 'contradicted',
  },
  {
    name: 'calls blocked, partially blocked counts as blocked',
    claim: claim(),
    ms: [m({ call: 'partially_blocked', time: T })],
    verdict: 'consistent',
  },
  {
    name: 'working, measured accessible',
    claim: claim({ effect: 'working' }),
    ms: [m({ call: 'accessible', time: T })],
    verdict: 'consistent',
  },
  {
    name: 'restored, measured blocked',
    claim: claim({ effect: 'restored' }),
    ms: [m({ call: 'blocked', time: T })],
    verdict: 'contradicted',
  },
  {
    name: 'throttled, measured degraded',
    claim: claim({ effect: 'throttled' }),
    ms: [m({ call: 'degraded', time: T })],
    verdict: 'consistent',
  },
  {
    name: 'throttled, measured accessible',
    claim: claim({ effect: 'throttled' }),
    ms: [m({ call: 'accessible', time: T })],
    verdict: 'contradicted',
  },
  {
    name: 'degraded, measured blocked (worse than claimed)',
    claim: claim({ effect: 'degraded' }),
    ms: [m({ call: 'blocked', time: T })],
    verdict: 'contradicted',
  },
  {
    name: 'only inconclusive: nothing concluded',
    claim: claim(),
    ms: [m({ call: 'inconclusive', time: T }), m({ call: 'inconclusive', time: T })],
    verdict: 'not_tested',
    reason: /only inconclusive measurements \(2\)/,
  },
  {
    name: 'inconclusive never supports a block',
    claim: claim(),
    ms: [...Array.from({ length: 10 }, () => m({ call: 'inconclusive', time: T })), m({ call: 'accessible', time: T })],
    verdict: 'contradicted',
  },
  {
    name: 'service not measured',
    claim: claim({ services: ['viber'] }),
    ms: [m({ call: 'blocked', time: T })],
    verdict: 'not_tested',
    reason: /no measurement of viber in MA/,
  },
  {
    name: 'operator not measured',
    claim: claim({ operators: [INWI] }),
    ms: [m({ call: 'blocked', time: T })],
    verdict: 'not_tested',
    reason: /no measurement on Inwi AS36884/,
  },
  {
    name: 'country not measured',
    claim: claim({ country: 'GM', operators: 'all' }),
    ms: [m({ call: 'blocked', time: T })],
    verdict: 'not_tested',
    reason: /no measurement from GM/,
  },
  {
    name: 'mobile claim, fixed measurement',
    claim: claim({ access: 'mobile' }),
    ms: [m({ net: NETWORKS.iamFixed, call: 'blocked', time: T })],
    verdict: 'not_tested',
    reason: /no mobile measurement/,
  },
  {
    name: 'fixed claim, wifi measurement counts as fixed',
    claim: claim({ access: 'fixed' }),
    ms: [m({ net: NETWORKS.iamWifi, call: 'blocked', time: T })],
    verdict: 'consistent',
  },
  {
    name: 'mobile claim, unknown access does not match',
    claim: claim({ access: 'mobile' }),
    ms: [m({ net: NETWORKS.iamUnknown, call: 'blocked', time: T })],
    verdict: 'not_tested',
  },
  {
    name: 'any-access claim, unknown access matches',
    claim: claim({ access: 'any' }),
    ms: [m({ net: NETWORKS.iamUnknown, call: 'blocked', time: T })],
    verdict: 'consistent',
  },
  {
    name: 'path not measured',
    claim: claim({ paths: ['web'] }),
    ms: [m({ call: 'blocked', time: T })],
    verdict: 'not_tested',
    reason: /no measurement of the web path/,
  },
  {
    name: 'path any reads the service verdict: partially blocked supports a block',
    claim: claim({ paths: ['any'] }),
    ms: [m({ call: 'blocked', chat: 'accessible', time: T })],
    verdict: 'consistent',
  },
  {
    name: 'path any, working claim: calls blocked while chat works contradicts it',
    claim: claim({ paths: ['any'], effect: 'working' }),
    ms: [m({ call: 'blocked', chat: 'accessible', time: T })],
    verdict: 'contradicted',
  },
  {
    name: 'chat claim reads only the chat path',
    claim: claim({ paths: ['chat'], effect: 'working' }),
    ms: [m({ call: 'blocked', chat: 'accessible', time: T })],
    verdict: 'consistent',
  },
  {
    name: 'circumvention cannot be measured',
    claim: claim({ effect: 'circumvented' }),
    ms: [m({ call: 'blocked', time: T })],
    verdict: 'not_tested',
    reason: /circumvention/,
  },
  {
    name: 'a claim limited to a venue is not held against whole networks',
    claim: claim({ scope: 'a conference venue' }),
    ms: [m({ call: 'blocked', time: T })],
    verdict: 'not_tested',
    reason: /limited to a conference venue/,
  },
  {
    name: 'majority decides on one network',
    claim: claim(),
    ms: [
      m({ call: 'blocked', time: T }),
      m({ call: 'blocked', time: T }),
      m({ call: 'blocked', time: T }),
      m({ call: 'accessible', time: T }),
    ],
    verdict: 'consistent',
  },
  {
    name: 'a tie goes against the claim',
    claim: claim(),
    ms: [m({ call: 'blocked', time: T }), m({ call: 'accessible', time: T })],
    verdict: 'contradicted',
  },
  {
    name: 'all operators: one network working contradicts',
    claim: claim({ operators: 'all' }),
    ms: [m({ call: 'blocked', time: T }), m({ net: NETWORKS.inwiMobile, call: 'accessible', time: T })],
    verdict: 'contradicted',
  },
  {
    name: 'operator not stated: holding on one network is enough',
    claim: claim({ operators: 'unspecified' }),
    ms: [m({ call: 'blocked', time: T }), m({ net: NETWORKS.inwiMobile, call: 'accessible', time: T })],
    verdict: 'consistent',
  },
  {
    name: 'operator not stated: contradicted when no network shows it',
    claim: claim({ operators: 'unspecified' }),
    ms: [m({ call: 'accessible', time: T }), m({ net: NETWORKS.inwiMobile, call: 'accessible', time: T })],
    verdict: 'contradicted',
  },
  {
    name: 'measurements only before the claimed period',
    claim: claim({ period: { from: '2027-01', to: null, precision: 'month' } }),
    ms: [m({ call: 'blocked', time: T })],
    verdict: 'not_tested',
    reason: /before the claimed period starts \(2027-01\)/,
  },
  {
    name: 'only measurements inside the period count',
    claim: claim({ period: { from: '2026-11-01', to: '2026-11-30', precision: 'day' } }),
    ms: [
      m({ call: 'blocked', time: '2026-11-10 00:00:00' }),
      m({ call: 'accessible', time: '2026-12-05 00:00:00' }),
      m({ call: 'accessible', time: '2026-10-05 00:00:00' }),
    ],
    verdict: 'consistent',
  },
  {
    name: 'document names map to catalogue services (hangouts is meet)',
    claim: claim({ services: ['hangouts'] }),
    ms: [m({ service: 'meet', call: 'blocked', time: T })],
    verdict: 'consistent',
  },
  {
    name: 'a past period measured today is historical',
    claim: claim({ period: { from: '2016-01', to: '2016-11-03', precision: 'day' } }),
    ms: [m({ call: 'accessible', time: T })],
    verdict: 'historical',
  },
];

describe('judgeClaim', () => {
  for (const r of rows) {
    it(r.name, () => {
      const v = judge(r.claim, r.ms);
      expect(v.verdict).toBe(r.verdict);
      if (r.reason) expect([...v.reasons, v.summary].join(' | ')).toMatch(r.reason);
      if (r.verdict === 'consistent' || r.verdict === 'contradicted' || r.verdict === 'historical')
        expect(v.evidence.length).toBeGreaterThan(0);
      else expect(v.evidence).toEqual([]);
      expect(v.claim.id).toBe(r.claim.id);
      expect(v.claim.source.outlet).toBe('Test Outlet');
    });
  }

  it('cites the measurements that contradict, with file, line, report id, id and time', () => {
    const ok = m({ call: 'accessible', time: '2026-11-23 11:00:00', id: 'the-accessible-one', reportId: 'R-ok' });
    const v = judge(claim(), [ok]);
    expect(v.verdict).toBe('contradicted');
    expect(v.evidence[0]).toEqual({
      file: 'r.jsonl',
      line: 1,
      report_id: 'R-ok',
      id: 'the-accessible-one',
      time: '2026-11-23 11:00:00',
      service: 'whatsapp',
      path: 'call',
      status: 'accessible',
    });
    expect(v.summary).toContain('measured otherwise in that period');
    expect(v.evidence_total).toBe(1);
  });

  it('cites only decisive measurements, never the inconclusive ones', () => {
    const ms = [
      m({ call: 'inconclusive', time: '2026-11-23 12:00:00', id: 'inc' }),
      m({ call: 'blocked', time: '2026-11-23 10:00:00', id: 'blk' }),
    ];
    const v = judge(claim(), ms);
    expect(v.verdict).toBe('consistent');
    expect(v.evidence.map((e) => e.id)).toEqual(['blk']);
  });

  it('bounds the citations however many measurements there are', () => {
    const ms = Array.from({ length: 200 }, (_, i) =>
      m({ call: 'blocked', time: `2026-11-${String(1 + (i % 28)).padStart(2, '0')} 10:00:00` }),
    );
    const v = judgeClaim(claim(), units(ms), { claims: [], conflicts: new Map(), maxEvidence: 5 });
    expect(v.evidence.length).toBeLessThanOrEqual(5);
    expect(v.evidence_total).toBe(200);
  });

  it('names the services of a claim that went unmeasured', () => {
    const v = judge(claim({ services: ['whatsapp', 'viber'] }), [m({ call: 'blocked', time: T })]);
    expect(v.verdict).toBe('consistent');
    expect(v.reasons).toContain('not measured: viber');
    expect(v.not_measured.services).toEqual(['viber']);
  });

  describe('claimed then, measured later', () => {
    const past = claim({
      id: 'blocked-2016',
      period: { from: '2016-01', to: '2016-11-03', precision: 'day' },
      operators: [IAM],
    });
    const lifting = claim({
      id: 'lifted',
      effect: 'restored',
      operators: 'all',
      services: ['any'],
      paths: ['any'],
      period: { from: '2016-11-04', to: '2016-11-04', precision: 'day' },
    });

    it('states the claim and the later measurement side by side, never "still", never agreement with another past claim', () => {
      const v = judge(past, [m({ call: 'accessible', time: T })], [past, lifting]);
      expect(v.verdict).toBe('historical');
      expect(v.historical?.same_as_claimed).toBe('no');
      expect(v.historical?.reading).toBe(
        'claimed whatsapp calls blocked Jan 2016 to 3 Nov 2016 in MA (Maroc Telecom); measured 23 Nov 2026 on Maroc Telecom mobile: calls work; fixed access not measured',
      );
      const blocked = judge(past, [m({ call: 'blocked', time: T })], [past, lifting]);
      expect(blocked.historical?.same_as_claimed).toBe('yes');
      for (const x of [v, blocked])
        expect(`${x.summary} ${x.historical?.reading}`).not.toMatch(/still|consistent with|agrees|lifting claimed/);
    });

    it('names the operators and access types the claim covers that nobody measured', () => {
      const three = claim({
        id: 'three',
        access: 'mobile',
        operators: [IAM, INWI, MEDITEL],
        period: { from: '2016-01', to: '2016-11-03', precision: 'month' },
      });
      const v = judge(three, [m({ call: 'accessible', time: '2026-11-30 10:00:00' })]);
      expect(v.historical?.reading).toBe(
        'claimed whatsapp calls blocked Jan 2016 to 3 Nov 2016 on mobile in MA (Maroc Telecom, Inwi, Meditel); measured 30 Nov 2026 on Maroc Telecom mobile: calls work; Inwi and Meditel not measured',
      );
      expect(v.not_measured).toEqual({ operators: ['Inwi', 'Meditel'], access: [], services: [], paths: [] });
    });

    it('"all operators" are the operators the claim set knows in that country', () => {
      const all = claim({
        id: 'all',
        operators: 'all',
        access: 'mobile',
        period: { from: '2016-01', to: '2016-11-03', precision: 'month' },
      });
      const v = judgeClaim(all, units([m({ call: 'accessible', time: T })]), {
        claims: [all],
        conflicts: new Map(),
        countryOperators: new Map([['MA', [IAM, INWI, MEDITEL]]]),
      });
      expect(v.not_measured.operators).toEqual(['Inwi', 'Meditel']);
    });

    it('keeps "partly blocked, chat works" apart from "blocked"', () => {
      const svc = claim({
        id: 'svc',
        paths: ['any'],
        period: { from: '2016-01', to: '2016-11-03', precision: 'month' },
      });
      const v = judge(svc, [m({ call: 'blocked', chat: 'accessible', time: T })]);
      expect(v.historical?.reading).toContain('whatsapp partly blocked');
      expect(v.historical?.reading).not.toMatch(/: whatsapp blocked/);
    });

    it('says "same as claimed" or "differs" of later checks, never "supports"', () => {
      const v = judge(past, [m({ call: 'accessible', time: T })]);
      expect(v.checks.filter((c) => c.window === 'after').map((c) => c.outcome)).toEqual(['differs']);
    });

    it('measurements inside the period win over later ones (in-period evidence, from this probe or OONI, judges)', () => {
      const v = judge(
        past,
        [m({ call: 'blocked', time: '2016-05-01 00:00:00' }), m({ call: 'accessible', time: T })],
        [past, lifting],
      );
      expect(v.verdict).toBe('consistent');
      expect(v.checks.find((c) => c.window === 'during')?.outcome).toBe('supports');
    });

    it('only inconclusive measurements since: not tested', () => {
      const v = judge(past, [m({ call: 'inconclusive', time: T })], [past, lifting]);
      expect(v.verdict).toBe('not_tested');
    });
  });
});
