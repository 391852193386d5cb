// Table tests for contradiction detection and claim filters (pure functions).
import { describe, expect, it } from 'vitest';
import { conflictBetween, conflictingPairs, detectContradictions } from '../../../src/claims/contradictions.js';
import { filterClaims } from '../../../src/claims/filter.js';
import type { Claim } from '../../../src/claims/schema.js';
import { claim, IAM, INWI, MEDITEL, sourceOn } from '../report/helpers.js';

const base = claim({
  id: 'a',
  effect: 'blocked',
  period: { from: '2016-01', to: '2016-11', precision: 'month' },
  operators: 'all',
  services: ['any'],
  paths: ['any'],
});
const other = (o: Partial<Omit<Claim, 'operators'>> & { operators?: Claim['operators'] }) => claim({ id: 'b', ...o });

interface Row {
  name: string;
  b: Claim;
  a?: Claim;
  kind: 'state' | 'lifting' | 'scope' | 'severity' | 'quality' | 'exception' | null;
  certainty?: 'definite' | 'possible';
}

const feb = { from: '2016-02-01', to: '2016-02-10', precision: 'day' as const };
const rows: Row[] = [
  {
    name: 'lifted in February vs blocked until November',
    b: other({ effect: 'restored', period: feb, operators: 'all', services: ['any'], paths: ['any'] }),
    kind: 'lifting',
    certainty: 'definite',
  },
  {
    name: 'blocked vs working, same operators, access and paths',
    b: other({ effect: 'working', period: feb, services: ['skype'], operators: 'all', paths: ['any'] }),
    kind: 'state',
    certainty: 'definite',
  },
  {
    name: 'blocked on every operator vs working on one: a difference of scope',
    b: other({ effect: 'working', period: feb, services: ['skype'], operators: [IAM], paths: ['any'] }),
    kind: 'scope',
    certainty: 'possible',
  },
  {
    name: 'mobile and fixed vs mobile: a difference of scope',
    b: other({ effect: 'working', period: feb, operators: 'all', access: 'mobile', paths: ['any'] }),
    kind: 'scope',
    certainty: 'possible',
  },
  {
    name: 'the whole service vs calls: a difference of scope',
    b: other({ effect: 'working', period: feb, operators: 'all', paths: ['call'] }),
    kind: 'scope',
    certainty: 'possible',
  },
  {
    name: 'blocked vs throttled: a difference of degree, never definite',
    b: other({ effect: 'throttled', period: feb, operators: 'all', paths: ['any'] }),
    kind: 'severity',
    certainty: 'possible',
  },
  {
    name: 'degraded vs working',
    a: other({ id: 'a', effect: 'degraded', period: feb }),
    b: other({ effect: 'working', period: feb }),
    kind: 'quality',
  },
  { name: 'same effect: no conflict', b: other({ effect: 'blocked', period: feb }), kind: null },
  {
    name: 'working vs restored: compatible',
    a: other({ id: 'a', effect: 'working', period: feb }),
    b: other({ effect: 'restored', period: feb }),
    kind: null,
  },
  { name: 'circumvented conflicts with nothing', b: other({ effect: 'circumvented', period: feb }), kind: null },
  {
    name: 'periods apart',
    b: other({ effect: 'working', period: { from: '2017-01', to: '2017-02', precision: 'month' } }),
    kind: null,
  },
  { name: 'other country', b: other({ effect: 'working', period: feb, country: 'EG', operators: 'all' }), kind: null },
  {
    name: 'different operators',
    a: other({ id: 'a', effect: 'blocked', period: feb, operators: [IAM] }),
    b: other({ effect: 'working', period: feb, operators: [INWI, MEDITEL] }),
    kind: null,
  },
  {
    name: 'mobile vs fixed',
    a: other({ id: 'a', access: 'mobile', period: feb }),
    b: other({ effect: 'working', access: 'fixed', period: feb }),
    kind: null,
  },
  {
    name: 'call vs chat',
    a: other({ id: 'a', paths: ['call'], period: feb }),
    b: other({ effect: 'working', paths: ['chat'], period: feb }),
    kind: null,
  },
  {
    name: 'different services',
    a: other({ id: 'a', services: ['skype'], period: feb }),
    b: other({ effect: 'working', services: ['viber'], period: feb }),
    kind: null,
  },
  {
    name: 'hangouts and meet are one service',
    a: other({ id: 'a', services: ['hangouts'], period: feb }),
    b: other({ effect: 'working', services: ['meet'], period: feb }),
    kind: 'state',
  },
  {
    name: 'an unstated operator makes it possible only',
    b: other({ effect: 'working', period: feb, operators: 'unspecified', paths: ['any'] }),
    kind: 'state',
    certainty: 'possible',
  },
  {
    name: 'an unknown start is not the beginning of time: "until March 2012" does not meet 2016',
    b: other({
      effect: 'working',
      operators: 'all',
      paths: ['any'],
      period: { from: null, to: '2012-03', precision: 'approximate' },
    }),
    kind: null,
  },
  {
    name: 'claims of one month, days unknown, are possible only',
    a: other({
      id: 'a',
      operators: 'all',
      paths: ['any'],
      period: { from: '2012-02', to: '2012-02', precision: 'month' },
    }),
    b: other({
      effect: 'working',
      operators: 'all',
      paths: ['any'],
      period: { from: '2012-02', to: '2012-02', precision: 'month' },
    }),
    kind: 'state',
    certainty: 'possible',
  },
  {
    name: 'claims of one passage (one comment) speak of one moment: definite',
    a: other({
      id: 'a',
      operators: 'all',
      paths: ['any'],
      passage: 'comment-1',
      period: { from: '2012-02', to: '2012-02', precision: 'month' },
    }),
    b: other({
      effect: 'working',
      operators: 'all',
      paths: ['any'],
      passage: 'comment-1',
      period: { from: '2012-02', to: '2012-02', precision: 'month' },
    }),
    kind: 'state',
    certainty: 'definite',
  },
  {
    name: 'an open end stops at publication: a 2016 claim does not meet 2020',
    a: other({ id: 'a', period: { from: '2016-01', to: null, precision: 'month' }, source: sourceOn('2016-03-01') }),
    b: other({ effect: 'working', period: { from: '2020-01', to: '2020-01', precision: 'month' } }),
    kind: null,
  },
  {
    name: 'a venue exception',
    b: other({ effect: 'working', period: feb, scope: 'ICANN55 venue' }),
    kind: 'exception',
  },
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
    const a = other({
      id: 'a',
      services: ['skype', 'viber'],
      operators: [IAM, INWI],
      access: 'any',
      paths: ['call', 'chat'],
      period: { from: '2016-01', to: '2016-03', precision: 'month' },
    });
    const b = other({
      effect: 'working',
      services: ['viber', 'tango'],
      operators: [INWI],
      access: 'mobile',
      paths: ['any'],
      period: { from: '2016-03-15', to: '2016-06', precision: 'day' },
    });
    expect(conflictBetween(a, b)?.overlap).toEqual({
      country: 'MA',
      services: ['viber'],
      operators: 'Inwi AS36884',
      access: 'mobile',
      paths: ['call', 'chat'],
      period: { from: '2016-03-15', to: '2016-03-31' },
    });
  });

  it('finds every conflicting pair once, and gathers claims saying the same into one entry', () => {
    const same = { operators: 'all' as const, services: ['any'], paths: ['any' as const], period: feb };
    const claims = [
      base,
      other({ id: 'b', effect: 'restored', ...same }),
      other({ id: 'c', effect: 'working', ...same }),
      other({ id: 'd', effect: 'blocked', ...same }),
    ];
    expect(
      conflictingPairs(claims)
        .map((c) => c.claims.join('/'))
        .sort(),
    ).toEqual(['a/b', 'a/c', 'b/d', 'c/d']);
    const entries = detectContradictions(claims);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.sides.map((s) => s.claims)).toEqual([
      ['a', 'd'],
      ['b', 'c'],
    ]);
    expect(entries[0]!.id).toBe('C1');
  });

  it('restatements of one fact are one entry: a denial against each report', () => {
    const denial = other({
      id: 'denial',
      effect: 'working',
      operators: [IAM],
      paths: ['any'],
      speaker: { kind: 'operator' },
      period: feb,
    });
    const reports = ['r1', 'r2', 'r3'].map((id, i) =>
      other({
        id,
        effect: 'blocked',
        operators: [IAM],
        paths: ['any'],
        speaker: { kind: 'reader_comment' },
        period: { from: `2016-02-0${i + 1}`, to: '2016-02-09', precision: 'day' },
      }),
    );
    const entries = detectContradictions([denial, ...reports]);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.sides[0].claims).toEqual(['denial']);
    expect(entries[0]!.sides[1].claims).toEqual(['r1', 'r2', 'r3']);
    expect(entries[0]!.pairs).toHaveLength(3);
  });

  it('sorts by importance: definite first, then kind and weight', () => {
    const lifted = other({
      id: 'lifted',
      effect: 'restored',
      operators: 'all',
      services: ['any'],
      paths: ['any'],
      period: feb,
      speaker: { kind: 'author' },
    });
    const blocked = other({
      id: 'blocked',
      effect: 'blocked',
      operators: 'all',
      services: ['any'],
      paths: ['any'],
      period: { from: '2016-01', to: '2016-03-01', precision: 'approximate' },
    });
    const throttled = other({
      id: 'slow',
      effect: 'throttled',
      operators: 'all',
      services: ['any'],
      paths: ['any'],
      period: feb,
      speaker: { kind: 'official' },
    });
    const entries = detectContradictions([throttled, lifted, blocked]);
    expect(entries.map((e) => [e.kind, e.certainty])).toEqual([
      ['lifting', 'definite'],
      ['severity', 'possible'],
      ['quality', 'possible'],
    ]);
  });

  it('one statement made several times is one side, compared once', () => {
    const copies = ['x1', 'x2', 'x3'].map((id) =>
      other({ id, effect: 'blocked', operators: 'all', services: ['any'], paths: ['any'], period: feb }),
    );
    const lifted = other({
      id: 'lifted',
      effect: 'restored',
      operators: 'all',
      services: ['any'],
      paths: ['any'],
      period: feb,
    });
    const entries = detectContradictions([...copies, lifted]);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.sides[0].claims).toEqual(['x1', 'x2', 'x3']);
    expect(entries[0]!.pairs).toHaveLength(1);
  });
});

describe('detectContradictions at scale', () => {
  /** n claims over 40 countries, 10 services and 120 months: what a large claims file looks like. */
  function many(n: number): Claim[] {
    const services = [
      'whatsapp',
      'skype',
      'viber',
      'meet',
      'facetime',
      'tango',
      'teamspeak',
      'signal',
      'telegram',
      'messenger',
    ];
    return Array.from({ length: n }, (_, i) => {
      const month = `${2010 + Math.floor((i % 120) / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
      return claim({
        id: `m-${i}`,
        country: `A${String.fromCharCode(65 + (i % 26))}`.replace(
          'A',
          String.fromCharCode(65 + (Math.floor(i / 26) % 2)),
        ),
        operators: 'all',
        services: [services[i % services.length]!],
        effect: i % 3 === 0 ? 'working' : 'blocked',
        period: { from: month, to: month, precision: 'month' },
        source: sourceOn(`${month}-28`),
      });
    });
  }

  it('compares only claims whose country, service and period meet: the work grows linearly', () => {
    for (const n of [2000, 8000]) {
      const stats = { compared: 0 };
      detectContradictions(many(n), stats);
      // Every pair would be n²/2 (2,000,000 and 32,000,000): only neighbours in time and topic are compared.
      expect(stats.compared, `${n} claims`).toBeLessThan(n * 2);
    }
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
    expect(
      filterClaims(cs, f)
        .map((c) => c.id)
        .sort(),
    ).toEqual([...ids].sort());
  });

  it('--contradicted keeps only claims in a contradiction', () => {
    const a = claim({ id: 'x', effect: 'blocked' });
    const b = claim({ id: 'y', effect: 'working' });
    const c = claim({ id: 'z', effect: 'blocked', services: ['tango'] });
    const all = detectContradictions([a, b, c]);
    expect(filterClaims([a, b, c], { contradicted: true }, all).map((x) => x.id)).toEqual(['x', 'y']);
  });
});
