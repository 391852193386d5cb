// Loading claims files: every error names the file, the line and the claim; duplicate ids across files
// name both files; a user's file merges with the bundled one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadClaims, parseClaimsText } from '../../../src/claims/load.js';
import { InputError } from '../../../src/util/input-error.js';
import { deepJson } from '../../support/json.js';

const dir = mkdtempSync(join(tmpdir(), 'vp-claims-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function validFile(claims: unknown[] = [validClaim()]) {
  return {
    sources: {
      doc: {
        file: 'https://example.org/ban',
        outlet: 'Example News',
        title: 'Ban',
        language: 'en',
        published: { date: '2026-05-02', precision: 'day' },
      },
    },
    operators: { op1: { name: 'Example Mobile', asn: 'AS64500', country: 'ZZ' } },
    claims,
  };
}

function validClaim(over: Record<string, unknown> = {}) {
  return {
    id: 'zz-01',
    source: 'doc',
    speaker: { kind: 'official', name: 'Regulator' },
    quote: 'WhatsApp calls are blocked on Example Mobile',
    country: 'ZZ',
    services: ['whatsapp'],
    operators: ['op1'],
    access: 'mobile',
    period: { from: '2026-05', to: null, precision: 'month' },
    effect: 'blocked',
    paths: ['call'],
    ...over,
  };
}

function write(name: string, value: unknown): string {
  const f = join(dir, name);
  writeFileSync(f, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return f;
}

function errorOf(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('claims loader: dates and names', () => {
  it.each(['2017/06/15', '15/06/2017', '2017-6-15', '2017-06-15T00:00:00Z', '2016-02-30'])(
    'a date written as %s is a clear error, never a crash',
    (date) => {
      for (const where of ['period', 'published'] as const) {
        const file =
          where === 'period'
            ? validFile([validClaim({ period: { from: date, to: null, precision: 'day' } })])
            : validFile();
        if (where === 'published') (file.sources.doc.published as { date: string }).date = date;
        const e = errorOf(() => parseClaimsText(JSON.stringify(file, null, 2), 'dates.json'));
        expect(e.message).toMatch(
          where === 'period'
            ? /dates\.json:\d+:\d+: claims\[0\]\.period\.from \(claim "zz-01"\): (must be YYYY, YYYY-MM or YYYY-MM-DD|not a calendar date)/
            : /published\.date: (must be YYYY|not a calendar date)/,
        );
        expect(e.message).not.toMatch(/RangeError|Invalid time value/);
      }
    },
  );

  it('refuses a service nobody measures, with the closest known name as a hint', () => {
    const e = errorOf(() =>
      parseClaimsText(JSON.stringify(validFile([validClaim({ services: ['whatsap'] })]), null, 2), 'typo.json'),
    );
    expect(e.message).toMatch(
      /typo\.json:\d+:\d+: claims\[0\]\.services\[0\] \(claim "zz-01"\): unknown service "whatsap" \(did you mean "whatsapp"\?\); known: .*whatsapp/,
    );
    expect(e.message).toMatch(/, or "any"$/);
  });

  it('accepts the names documents use and the services only OONI measures', () => {
    for (const s of ['hangouts', 'teams', 'signal', 'telegram', 'messenger', 'any']) {
      expect(
        parseClaimsText(JSON.stringify(validFile([validClaim({ services: [s] })])), 'ok.json')[0]!.services,
      ).toEqual([s]);
    }
  });

  it('a facts file states each fact in its own words; a claims file quotes', () => {
    const fact = validFile([validClaim({ quote: undefined, statement: 'The regulator lifted the block.' })]);
    const [f] = parseClaimsText(JSON.stringify({ kind: 'facts', ...fact }), 'facts.json');
    expect(f).toMatchObject({ origin: 'external', quote: 'The regulator lifted the block.' });
    expect(errorOf(() => parseClaimsText(JSON.stringify({ kind: 'facts', ...validFile() }), 'f.json')).message).toMatch(
      /a fact needs a "statement"/,
    );
    expect(errorOf(() => parseClaimsText(JSON.stringify(fact), 'c.json')).message).toMatch(/a claim needs a "quote"/);
  });
});

describe('claims loader', () => {
  it('resolves sources and operators', () => {
    const [c] = parseClaimsText(JSON.stringify(validFile()), 'mine.json');
    expect(c).toMatchObject({
      id: 'zz-01',
      file: 'mine.json',
      source: { key: 'doc', outlet: 'Example News' },
      operators: [{ key: 'op1', asn: 'AS64500', country: 'ZZ' }],
      period: { from: '2026-05', to: null },
    });
  });

  it('merges a user file with the bundled claims', () => {
    const f = write('user.json', validFile());
    const set = loadClaims({ files: [f] });
    expect(set.files[2]).toBe(f); // after seeds/claims.json and seeds/facts.json
    expect(set.claims.some((c) => c.id === '000-01')).toBe(true);
    expect(set.claims.at(-1)!.id).toBe('zz-01');
    expect(loadClaims({ files: [f], bundled: false }).claims.map((c) => c.id)).toEqual(['zz-01']);
  });

  it('rejects an id defined in two files, naming both', () => {
    const a = write('a.json', validFile());
    const b = write('b.json', validFile());
    const e = errorOf(() => loadClaims({ files: [a, b], bundled: false }));
    expect(e.message).toBe(`${b}: claim "zz-01" is also defined in ${a}`);
  });

  it('rejects a user claim reusing a bundled id', () => {
    const f = write('clash.json', validFile([validClaim({ id: '002-18' })]));
    expect(errorOf(() => loadClaims({ files: [f] })).message).toMatch(
      /claim "002-18" is also defined in .*seeds\/claims\.json/,
    );
  });

  const bad: [string, unknown, RegExp][] = [
    [
      'a quote over 25 words',
      validClaim({ quote: Array.from({ length: 26 }, (_, i) => `w${i}`).join(' ') }),
      /:\d+:\d+: claims\[0\]\.quote \(claim "zz-01"\): at most 25 words/,
    ],
    ['an unknown effect', validClaim({ effect: 'vanished' }), /claims\[0\]\.effect \(claim "zz-01"\): Invalid option/],
    [
      'an unknown source',
      validClaim({ source: 'nope' }),
      /claims\[0\]\.source \(claim "zz-01"\): unknown source "nope"/,
    ],
    [
      'an unknown operator',
      validClaim({ operators: ['op9'] }),
      /claims\[0\]\.operators\[0\] \(claim "zz-01"\): unknown operator "op9"/,
    ],
    ['an operator of another country', validClaim({ country: 'MA' }), /operator "op1" is in ZZ, the claim is about MA/],
    [
      'a period ending before it starts',
      validClaim({ period: { from: '2026-05', to: '2026-04', precision: 'month' } }),
      /claims\[0\]\.period\.to \(claim "zz-01"\): period ends \(2026-04\) before it starts \(2026-05\)/,
    ],
    [
      'a malformed date',
      validClaim({ period: { from: '2026-13', to: null, precision: 'month' } }),
      /period\.from \(claim "zz-01"\): must be YYYY, YYYY-MM or YYYY-MM-DD/,
    ],
    [
      'a non-calendar date',
      validClaim({ period: { from: '2026-02-30', to: null, precision: 'day' } }),
      /not a calendar date/,
    ],
    [
      '"any" mixed with services',
      validClaim({ services: ['any', 'skype'] }),
      /claims\[0\]\.services \(claim "zz-01"\): "any" stands alone/,
    ],
    ['an unknown field', validClaim({ colour: 'red' }), /claims\[0\] \(claim "zz-01"\): Unrecognized key: "colour"/],
    [
      'an unknown technique',
      validClaim({ technique: { description: 'x', measured_as: ['magic'] } }),
      /technique\.measured_as\[0\]/,
    ],
  ];
  for (const [name, c, re] of bad) {
    it(`rejects ${name} with file, line and claim id`, () => {
      const f = write('bad.json', validFile([c]));
      const e = errorOf(() => loadClaims({ files: [f], bundled: false }));
      expect(e.message).toMatch(re);
      expect(e.message.startsWith(f)).toBe(true);
      expect(e.file).toBe(f);
    });
  }

  it('points at the line of the offending field', () => {
    const f = write('line.json', validFile([validClaim(), validClaim({ id: 'zz-02', effect: 'vanished' })]));
    const e = errorOf(() => loadClaims({ files: [f], bundled: false }));
    const text = JSON.stringify(
      validFile([validClaim(), validClaim({ id: 'zz-02', effect: 'vanished' })]),
      null,
      2,
    ).split('\n');
    const line = text.findIndex((l) => l.includes('"vanished"')) + 1;
    expect(e.message).toContain(`${f}:${line}:`);
    expect(e.line).toBe(line);
  });

  it('rejects duplicate ids inside one file', () => {
    const f = write('dup.json', validFile([validClaim(), validClaim()]));
    expect(errorOf(() => loadClaims({ files: [f], bundled: false })).message).toMatch(
      /claims\[1\]\.id \(claim "zz-01"\): duplicate claim id \(also claims\[0\]\)/,
    );
  });

  it('reports invalid JSON with its line and column', () => {
    const f = write('broken.json', '{\n  "sources": {},\n  "claims": [\n    {"id": }\n  ]\n}\n');
    expect(errorOf(() => loadClaims({ files: [f], bundled: false })).message).toMatch(
      new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:\\d+: invalid JSON`),
    );
  });

  it('reports a trailing comma at the comma, and deep nesting as a clear error', () => {
    const f = write('trailing.json', '{\n  "sources": {},\n  "claims": [\n    {"id": "a"},\n  ]\n}\n');
    expect(errorOf(() => loadClaims({ files: [f], bundled: false })).message).toBe(
      `${f}:4:16: invalid JSON: a comma before "]" (trailing commas are not JSON)`,
    );
    const deep = write('deep.json', `{"sources": {}, "claims": [], "x": ${deepJson(20_000)}}`);
    const e = errorOf(() => loadClaims({ files: [deep], bundled: false }));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/deep\.json:1:\d+: invalid JSON: nested deeper than 64 levels$/);
  });

  it('reports a missing file', () => {
    expect(errorOf(() => loadClaims({ files: [join(dir, 'nope.json')], bundled: false })).message).toMatch(
      /nope\.json: cannot read claims file: ENOENT/,
    );
  });
});
