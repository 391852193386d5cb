// The bundled claims: valid, quoted verbatim from their seed documents, published schema up to date,
// and the documents' disagreements found.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectContradictions } from '../../../src/claims/contradictions.js';
import { bundledClaimsFile, loadClaims } from '../../../src/claims/load.js';
import { claimsJsonSchema, MAX_QUOTE_WORDS, wordCount } from '../../../src/claims/schema.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SEEDS = join(ROOT, '..', 'shared', 'seeds');
const { claims } = loadClaims();

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
      new Set(['000_23a1d39a6eb20af8.txt', '001_8c1d6292d9c122ed.txt', '002_6454bdd1c06e81b7.txt', '003_3c695f6ff4e13ab2.txt', '004_82200fa905410e34.txt']),
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
      if (!texts.has(c.source.file)) texts.set(c.source.file, readable(readFileSync(join(SEEDS, c.source.file), 'utf8')));
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
    expect(byCountry('FR')).toEqual(['003-13']);
  });

  it('records the comments as reader comments and the regulator as official', () => {
    const kind = (id: string) => claims.find((c) => c.id === id)!.speaker.kind;
    expect(kind('002-18')).toBe('reader_comment'); // "I tried with Inwi 3G and is working"
    expect(kind('002-17')).toBe('operator'); // Maroc Telecom's denial, relayed by a commenter
    expect(kind('000-03')).toBe('official'); // the ANRT statement
    expect(kind('004-06')).toBe('reader_comment');
  });

  it('matches the published JSON Schema (seeds/claims.schema.json)', () => {
    const file = join(ROOT, 'seeds', 'claims.schema.json');
    const generated = `${JSON.stringify(claimsJsonSchema(), null, 2)}\n`;
    if (process.env.UPDATE_SCHEMAS === '1') writeFileSync(file, generated);
    expect(readFileSync(file, 'utf8'), 'regenerate with UPDATE_SCHEMAS=1 npx vitest run test/unit/claims').toBe(generated);
  });
});

describe('contradictions in the seed documents', () => {
  const all = detectContradictions(claims);
  const find = (a: string, b: string) => all.find((c) => c.claims[0] === a && c.claims[1] === b);

  it('finds the lifting of February 2016 against the block still reported later', () => {
    // Contrepoints' note of 10 February: unblocked early February; DeepDotWeb (August): ban enforced on mobile.
    expect(find('000-02', '003-06')).toMatchObject({ kind: 'lifting', effects: ['blocked', 'restored'] });
    // Yabiladi (late February): blocked on 3G/4G and ADSL, against the same note.
    expect(find('003-06', '004-03')).toMatchObject({ kind: 'lifting', overlap: { period: { from: '2016-02-01', to: '2016-02-10' } } });
  });

  it('finds Maroc Telecom denying what its customers report', () => {
    expect(find('002-16', '002-17')).toMatchObject({ kind: 'state', certainty: 'definite', weights: [1, 3] });
  });

  it('finds blocked against only choppy, and throttled against working fine', () => {
    expect(find('002-12', '002-13')).toMatchObject({ kind: 'severity', certainty: 'possible' });
    expect(find('002-11', '002-14')).toMatchObject({ kind: 'quality' });
  });

  it('records the ICANN55 venue as an exception, not a plain contradiction', () => {
    expect(find('000-02', '004-01')).toMatchObject({ kind: 'exception' });
  });

  it('keeps claims about different operators apart (blocked on Maroc Telecom, working on Inwi 3G)', () => {
    expect(find('002-16', '002-18')).toBeUndefined();
    expect(find('002-16', '002-22')).toBeUndefined();
  });

  it('never sets countries against each other, nor circumvention against anything', () => {
    const byId = new Map(claims.map((c) => [c.id, c]));
    for (const c of all) {
      const [a, b] = c.claims.map((id) => byId.get(id)!);
      expect(a!.country).toBe(b!.country);
      expect(a!.effect).not.toBe('circumvented');
      expect(b!.effect).not.toBe('circumvented');
    }
  });
});
