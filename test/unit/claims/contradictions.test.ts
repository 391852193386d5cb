// Table tests for contradiction detection and claim filters (pure functions).
import { describe, expect, it } from 'vitest';
import { conflictBetween, detectContradictions } from '../../../src/claims/contradictions.js';
import { filterClaims } from '../../../src/claims/filter.js';
import type { Claim } from '../../../src/claims/schema.js';
import { claim, IAM, INWI, MEDITEL } from '../report/helpers.js';

const base = claim({ id: 'a', effect: 'blocked', period: { from: '2016-01', to: '2016-11', precision: 'month' }, operators: 'all', services: ['any'], paths: ['any'] });
const other = (o: Partial<Omit<Claim, 'operators'>> & { operators?: Claim['operators'] }) => claim({ id: 'b', ...o });

interface Row {
  name: string;
  b: Claim;
  a?: Claim;
  kind: 'state' | 'lifting' | 'severity' | 'quality' | 'exception' | null;
  certainty?: 'definite' | 'possible';
}

const feb = { from: '2016-02-01', to: '2016-02-10', precision: 'day' as const };
const rows: Row[] = [
  { name: 'lifted in February vs blocked until November', b: other({ effect: 'restored', period: feb, operators: 'all', services: ['any'], paths: ['any'] }), kind: 'lifting', certainty: 'definite' },
  { name: 'blocked vs working', b: other({ effect: 'working', period: feb, services: ['skype'], operators: [IAM], paths: ['call'] }), kind: 'state' },
  { name: 'blocked vs throttled', b: other({ effect: 'throttled', period: feb, paths: ['call'] }), kind: 'severity' },
  { name: 'degraded vs working', a: other({ id: 'a', effect: 'degraded', period: feb }), b: other({ effect: 'working', period: feb }), kind: 'quality' },
  { name: 'same effect: no conflict', b: other({ effect: 'blocked', period: feb }), kind: null },
  { name: 'working vs restored: compatible', a: other({ id: 'a', effect: 'working', period: feb }), b: other({ effect: 'restored', period: feb }), kind: null },
  { name: 'circumvented conflicts with nothing', b: other({ effect: 'circumvented', period: feb }), kind: null },
  { name: 'periods apart', b: other({ effect: 'working', period: { from: '2017-01', to: '2017-02', precision: 'month' } }), kind: null },
  { name: 'other country', b: other({ effect: 'working', period: feb, country: 'EG', operators: 'all' }), kind: null },
  {
    name: 'different operators',
    a: other({ id: 'a', effect: 'blocked', period: feb, operators: [IAM] }),
    b: other({ effect: 'working', period: feb, operators: [INWI, MEDITEL] }),
    kind: null,
  },
  { name: 'mobile vs fixed', a: other({ id: 'a', access: 'mobile', period: feb }), b: other({ effect: 'working', access: 'fixed', period: feb }), kind: null },
  { name: 'call vs chat', a: other({ id: 'a', paths: ['call'], period: feb }), b: other({ effect: 'working', paths: ['chat'], period: feb }), kind: null },
  { name: 'different services', a: other({ id: 'a', services: ['skype'], period: feb }), b: other({ effect: 'working', services: ['viber'], period: feb }), kind: null },
  { name: 'hangouts and meet are one service', a: other({ id: 'a', services: ['hangouts'], period: feb }), b: other({ effect: 'working', services: ['meet'], period: feb }), kind: 'state' },
  { name: 'an unstated operator makes it possible only', b: other({ effect: 'working', period: feb, operators: 'unspecified' }), kind: 'state', certainty: 'possible' },
  { name: 'an unknown start makes it possible only', b: other({ effect: 'working', period: { from: null, to: '2016-03', precision: 'approximate' } }), kind: 'state', certainty: 'possible' },
  { name: 'open-ended claims meet later ones', a: other({ id: 'a', period: { from: '2016-01', to: null, precision: 'month' } }), b: other({ effect: 'working', period: { from: '2020-01', to: '2020-01', precision: 'month' } }), kind: 'state' },
  { name: 'a venue exception', b: other({ effect: 'working', period: feb, scope: 'ICANN55 venue' }), kind: 'exception' },
];

describe('conflictBetween', () => {
  for (const r of rows) {
    it(r.name, () => {
      const c = conflictBetween(r.a ?? base, r.b);
      if (r.kind === null) expect(c).toBeNull();
      else {
        expect(c?.kind).toBe(r.kind);
        expect(c?.claims).toEqual([(r.a ?? base).id, 'b']);
        if (r.certainty) expect(c?.certainty).toBe(r.certainty);
        if (c?.certainty === 'possible') expect(c.uncertain_because.length).toBeGreaterThan(0);
      }
    });
  }

  it('records where the claims meet', () => {
    const a = other({ id: 'a', services: ['skype', 'viber'], operators: [IAM, INWI], access: 'any', paths: ['call', 'chat'], period: { from: '2016-01', to: '2016-03', precision: 'month' } });
    const b = other({ effect: 'working', services: ['viber', 'tango'], operators: [INWI], access: 'mobile', paths: ['any'], period: { from: '2016-03-15', to: '2016-06', precision: 'day' } });
    expect(conflictBetween(a, b)?.overlap).toEqual({
      country: 'MA',
      services: ['viber'],
      operators: 'Inwi AS36884',
      access: 'mobile',
      paths: ['call', 'chat'],
      period: { from: '2016-03-15', to: '2016-03-31' },
    });
  });

  it('detectContradictions lists every conflicting pair once', () => {
    const claims = [base, other({ id: 'b', effect: 'restored', period: feb }), other({ id: 'c', effect: 'working', period: feb }), other({ id: 'd', effect: 'blocked', period: feb })];
    expect(detectContradictions(claims).map((c) => c.claims.join('/'))).toEqual(['a/b', 'a/c', 'b/d', 'c/d']);
  });
});

describe('filterClaims', () => {
  const cs = [
    claim({ id: 'iam', operators: [IAM], services: ['skype'] }),
    claim({ id: 'all', operators: 'all', services: ['any'] }),
    claim({ id: 'meditel', operators: [MEDITEL], services: ['hangouts'] }),
    claim({ id: 'unstated', operators: 'unspecified', services: ['viber'] }),
  ];
  it.each([
    [{ operator: 'AS6713' }, ['iam', 'all']],
    [{ operator: '6713' }, ['iam', 'all']],
    [{ operator: 'maroc telecom' }, ['iam', 'all']],
    [{ operator: 'Orange Maroc' }, ['meditel', 'all']],
    [{ services: ['skype'] }, ['iam', 'all']],
    [{ services: ['meet'] }, ['all', 'meditel']],
    [{ services: ['viber'], operator: 'inwi' }, ['all']],
  ])('%j', (f, ids) => {
    expect(filterClaims(cs, f).map((c) => c.id).sort()).toEqual([...ids].sort());
  });

  it('--contradicted keeps only claims in a contradiction', () => {
    const a = claim({ id: 'x', effect: 'blocked' });
    const b = claim({ id: 'y', effect: 'working' });
    const c = claim({ id: 'z', effect: 'blocked', services: ['tango'] });
    const all = detectContradictions([a, b, c]);
    expect(filterClaims([a, b, c], { contradicted: true }, all).map((x) => x.id)).toEqual(['x', 'y']);
  });
});
