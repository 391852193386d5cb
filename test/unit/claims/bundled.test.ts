// The bundled claims: valid, quoted verbatim from their seed documents, published schema up to date,
// and the documents' disagreements found.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conflictingPairs, detectContradictions } from '../../../src/claims/contradictions.js';
import { bundledClaimsFile, bundledFactsFile, loadClaims } from '../../../src/claims/load.js';
import { claimsJsonSchema, MAX_QUOTE_WORDS, wordCount } from '../../../src/claims/schema.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SEEDS = join(ROOT, '..', 'shared', 'seeds');
const all = loadClaims().claims;
const claims = all.filter((c) => c.origin === 'document');
const facts = all.filter((c) => c.origin === 'external');

/** The text a reader sees: HTML tags dropped, entities decoded, whitespace (incl. no-break spaces) collapsed. */
function readable(s: string): string {
  return s
    .replace(/<[^>]*>/g, '')
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

describe('seeds/claims.json', () => {
  it('is the bundled file and validates', () => {
    expect(bundledClaimsFile()).toBe(join(ROOT, 'seeds', 'claims.json'));
    expect(claims.length).toBeGreaterThanOrEqual(40);
  });

  it('cites every seed document', () => {
    expect(new Set(claims.map((c) => c.source.file))).toEqual(
      new Set([
        '000_23a1d39a6eb20af8.txt',
        '001_8c1d6292d9c122ed.txt',
        '002_6454bdd1c06e81b7.txt',
        '003_3c695f6ff4e13ab2.txt',
        '004_82200fa905410e34.txt',
      ]),
    );
  });

  it(`keeps every quote to at most ${MAX_QUOTE_WORDS} words`, () => {
    const long = claims.filter((c) => wordCount(c.quote) > MAX_QUOTE_WORDS).map((c) => c.id);
    expect(long).toEqual([]);
  });

  it('quotes each claim verbatim from its seed document', (ctx) => {
    if (!existsSync(SEEDS)) {
      ctx.skip(`seed documents not found at ${SEEDS}; the verbatim-quote check needs them`);
      return;
    }
    const texts = new Map<string, string>();
    const missing: string[] = [];
    for (const c of claims) {
      if (!texts.has(c.source.file))
        texts.set(c.source.file, readable(readFileSync(join(SEEDS, c.source.file), 'utf8')));
      if (!texts.get(c.source.file)!.includes(readable(c.quote))) missing.push(`${c.id}: ${c.quote}`);
    }
    expect(missing).toEqual([]);
  });

  it('keeps claims about other countries with their country', () => {
    const byCountry = (cc: string) => claims.filter((c) => c.country === cc).map((c) => c.id);
    expect(byCountry('GM')).toEqual(['000-06']);
    expect(byCountry('EG')).toEqual(['003-01']);
    expect(byCountry('IN')).toEqual(['003-02']);
    expect(byCountry('BR').sort()).toEqual(['003-03', '003-07', '003-12']);
    expect(byCountry('FR')).toEqual([]);
  });

  it('leaves out what the texts do not claim: licensing statements, a general remark, a conditional', () => {
    const ids = new Set(claims.map((c) => c.id));
    // 000-03, 001-02: the regulator's licensing position as relayed, not a report of blocking;
    // 003-09: satellite contracts in general; 003-13: "if Skype is allowed in France".
    for (const id of ['000-03', '001-02', '003-09', '003-13']) expect(ids.has(id), id).toBe(false);
    // Each article's own report of the block is kept, under its author.
    expect(claims.find((c) => c.id === '000-02')!.speaker.kind).toBe('author');
    expect(claims.find((c) => c.id === '001-01')!.speaker.kind).toBe('author');
  });

  it('MoroccoBoard names Viber among the services blocked (002-06)', () => {
    expect(claims.find((c) => c.id === '002-06')!.services).toEqual(['skype', 'teamspeak', 'viber']);
  });

  it('records the comments as reader comments and the regulator as official', () => {
    const kind = (id: string) => claims.find((c) => c.id === id)!.speaker.kind;
    expect(kind('002-18')).toBe('reader_comment'); // "I tried with Inwi 3G and is working"
    expect(kind('002-17')).toBe('operator'); // Maroc Telecom's denial, relayed by a commenter
    expect(kind('003-05')).toBe('official'); // the ANRT confirming the interruption
    expect(kind('004-06')).toBe('reader_comment');
  });

  it('matches the published JSON Schema (seeds/claims.schema.json)', () => {
    const file = join(ROOT, 'seeds', 'claims.schema.json');
    const generated = `${JSON.stringify(claimsJsonSchema(), null, 2)}\n`;
    if (process.env.UPDATE_SCHEMAS === '1') writeFileSync(file, generated);
    expect(readFileSync(file, 'utf8'), 'regenerate with UPDATE_SCHEMAS=1 npx vitest run test/unit/claims').toBe(
      generated,
    );
  });
});

describe('seeds/facts.json: the record, kept apart', () => {
  it('is loaded beside the claims, as external facts with sources', () => {
    expect(loadClaims().files).toEqual([bundledClaimsFile(), bundledFactsFile()]);
    expect(facts.map((f) => f.id)).toEqual(['fact-2016-01', 'fact-2016-11']);
    const lifting = facts.find((f) => f.id === 'fact-2016-11')!;
    expect(lifting).toMatchObject({ effect: 'restored', period: { from: '2016-11-03', to: '2016-11-06' } });
    expect([lifting.source, ...(lifting.also_sources ?? [])].map((s) => s.outlet)).toEqual([
      'africanews',
      'Le360 (as relayed by SAMENA Daily News)',
    ]);
    expect(loadClaims({ bundledFacts: false }).claims.some((c) => c.origin === 'external')).toBe(false);
  });
});

describe('contradictions in the seed documents', () => {
  const entries = detectContradictions(all);
  const pairs = conflictingPairs(all);
  const pair = (a: string, b: string) => pairs.find((c) => c.claims[0] === a && c.claims[1] === b);
  const entryWith = (a: string, b: string) =>
    entries.find(
      (e) =>
        (e.sides[0].claims.includes(a) && e.sides[1].claims.includes(b)) ||
        (e.sides[1].claims.includes(a) && e.sides[0].claims.includes(b)),
    );

  it('puts the lifting of February 2016 against the block still reported later first, and definite', () => {
    // Contrepoints' note of 10 February: unblocked early February; Yabiladi (about 1 March 2016): blocked on 3G/4G and ADSL.
    const first = entries[0]!;
    expect(first).toMatchObject({ id: 'C1', kind: 'lifting', certainty: 'definite' });
    expect(first.sides[0].claims).toEqual(['003-06']);
    expect(first.sides[1].claims).toEqual(expect.arrayContaining(['000-02', '004-02', '004-03']));
    expect(pair('003-06', '004-03')).toMatchObject({
      kind: 'lifting',
      certainty: 'definite',
      overlap: { period: { from: '2016-02-01', to: '2016-02-10' } },
    });
    // DeepDotWeb (August 2016) speaks of calls on mobile only: the same dispute, a difference of scope.
    expect(pair('000-02', '003-06')).toMatchObject({ kind: 'scope', certainty: 'possible' });
  });

  it("gathers Maroc Telecom's denial against its customers into one entry, definite through the same comment", () => {
    const denial = entries.find(
      (e) => e.sides.some((s) => s.claims.length === 1 && s.claims[0] === '002-17') && e.kind === 'state',
    )!;
    expect(denial.certainty).toBe('definite');
    const reports = denial.sides.find((s) => !s.claims.includes('002-17'))!.claims;
    expect(reports).toEqual(expect.arrayContaining(['002-01', '002-05', '002-16']));
    expect(pair('002-16', '002-17')).toMatchObject({ kind: 'state', certainty: 'definite', weights: [1, 3] });
    // Other comments on the same post are undated within February 2012: possible only.
    expect(pair('002-01', '002-17')?.certainty).toBe('possible');
  });

  it('blocked against throttled is a difference of degree, never definite', () => {
    const degree = pairs.filter((p) => p.kind === 'severity' || p.kind === 'quality');
    expect(degree.length).toBeGreaterThan(0);
    expect(degree.every((p) => p.certainty === 'possible')).toBe(true);
    expect(pair('002-12', '002-13')).toMatchObject({ kind: 'severity' });
    expect(pair('002-11', '002-14')).toMatchObject({ kind: 'quality' });
  });

  it('records the ICANN55 venue as an exception, not a plain contradiction', () => {
    expect(pair('000-02', '004-01')).toMatchObject({ kind: 'exception', certainty: 'possible' });
  });

  it('keeps claims about different operators apart (blocked on Maroc Telecom, working on Inwi 3G)', () => {
    expect(pair('002-16', '002-18')).toBeUndefined();
    expect(pair('002-16', '002-22')).toBeUndefined();
    expect(entryWith('002-16', '002-18')).toBeUndefined();
  });

  it('does not draw an unknown start back in time: SkypeOut blocked "bien avant" 2016 does not meet 2012', () => {
    expect(pairs.filter((p) => p.claims.includes('004-04') && p.overlap.period.from! < '2016')).toEqual([]);
  });

  it('is few and readable: under 15 entries, 2 of them definite (119 pairs and 21 "definite" before)', () => {
    expect(entries.length).toBeLessThan(15);
    expect(entries.filter((e) => e.certainty === 'definite').map((e) => e.id)).toEqual(['C1', 'C2']);
  });

  it('never sets countries against each other, nor circumvention against anything', () => {
    const byId = new Map(all.map((c) => [c.id, c]));
    for (const c of pairs) {
      const [a, b] = c.claims.map((id) => byId.get(id)!);
      expect(a!.country).toBe(b!.country);
      expect(a!.effect).not.toBe('circumvented');
      expect(b!.effect).not.toBe('circumvented');
    }
  });
});
