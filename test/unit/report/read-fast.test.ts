// The reporter's fast reader against the reference reader (src/results/read.ts): same lines, same line
// numbers, same bad-line reports, and the same data for the reporter, on hostile files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { normalise } from '../../../src/report/input.js';
import { scanMeasurement } from '../../../src/report/json-scan.js';
import { readReportLines } from '../../../src/report/read-fast.js';
import { type BadLine, readResults } from '../../../src/results/read.js';
import { deepMeasurementLine } from '../../support/json.js';
import { measurement } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vp-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: string | Buffer): string {
  const f = join(dir, `f${++n}.jsonl`);
  writeFileSync(f, content);
  return f;
}

async function viaFast(paths: string[], chunkSize?: number) {
  const bad: BadLine[] = [];
  const good: { line: number; obs: unknown }[] = [];
  for await (const l of readReportLines(paths, (b) => bad.push(b), { chunkSize }))
    good.push({ line: l.line, obs: normalise(l.measurement) });
  return { good, bad };
}

async function viaReference(paths: string[]) {
  const bad: BadLine[] = [];
  const good: { line: number; obs: unknown }[] = [];
  for await (const l of readResults(paths, (b) => bad.push(b)))
    good.push({ line: l.line, obs: normalise(l.measurement) });
  return { good, bad };
}

async function sameAsReference(paths: string[]) {
  const ref = await viaReference(paths);
  for (const chunk of [undefined, 7, 64, 1000]) expect(await viaFast(paths, chunk)).toEqual(ref);
  return ref;
}

const good = (o: Parameters<typeof measurement>[0] = { call: 'blocked', chat: 'accessible' }) =>
  JSON.stringify(measurement(o));

describe('readReportLines', () => {
  it('reads good lines and reports corrupt, invalid and torn ones with file and line', async () => {
    const f = file(
      [
        good(),
        '{"id": "x", garbage',
        '',
        '   ',
        JSON.stringify({ ...measurement({ call: 'blocked' }), probe_asn: 'Maroc' }),
        '[1,2,3]',
        good({ call: 'accessible' }),
        '{"id":"torn","report_id":"r","measurement_start',
      ].join('\n'),
    );
    const r = await sameAsReference([f]);
    expect(r.good.map((g) => g.line)).toEqual([1, 7]);
    expect(r.bad.map((b) => [b.line, b.kind])).toEqual([
      [2, 'corrupt'],
      [5, 'invalid'],
      [6, 'invalid'],
      [8, 'torn'],
    ]);
    expect(r.bad[1]!.reason).toMatch(/^probe_asn: /);
    expect(r.bad.every((b) => b.file === f)).toBe(true);
  });

  it('reads the data credit a measurement carries, as the reference reader does', async () => {
    const credited = {
      ...measurement({ call: 'blocked' }),
      annotations: { platform: 'linux', x_geoip_attribution: 'IP Geolocation by DB-IP' },
    };
    const r = await sameAsReference([file(`${JSON.stringify(credited)}\n${good()}\n`)]);
    expect(r.good.map((g) => (g.obs as { obs: { attribution: string } }).obs.attribution)).toEqual([
      'IP Geolocation by DB-IP',
      '',
    ]);
  });

  it('a cut-short line in the middle is corrupt, at the end without newline torn, at the end with newline corrupt', async () => {
    const cut = good().slice(0, 300);
    expect((await viaFast([file(`${cut}\n${good()}\n`)])).bad.map((b) => b.kind)).toEqual(['corrupt']);
    expect((await viaFast([file(`${good()}\n${cut}`)])).bad.map((b) => b.kind)).toEqual(['torn']);
    expect((await viaFast([file(`${good()}\n${cut}\n`)])).bad.map((b) => b.kind)).toEqual(['corrupt']);
    await sameAsReference([file(`${good()}\n${cut}`)]);
  });

  it('splits lines as readline does: CRLF, lone CR, BOM, blank lines, no final newline', async () => {
    const bom = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(`${good()}\r\n\r\n${good()}\r${good()}\r\r\n${good()}`),
    ]);
    const r = await sameAsReference([file(bom)]);
    expect(r.good.map((g) => g.line)).toEqual([1, 3, 4, 6]);
    expect(r.bad).toEqual([]);
  });

  it('handles escaped keys, duplicate keys and unusual whitespace exactly like JSON.parse', async () => {
    const m = measurement({ call: 'blocked' });
    const lines = [
      JSON.stringify(m).replace('"probe_asn"', '"probe\\u005fasn"'),
      JSON.stringify(m).replace('"service":"whatsapp"', '"service":"whatsapp","service":"viber"'),
      JSON.stringify(m).replace('"test_keys":{', '"test_keys":{"x_verdict":{"status":"accessible"},'),
      ` \t${JSON.stringify(m, null, 1).replace(/\n/g, ' ')} \t`,
      JSON.stringify({ ...m, probe_network_name: 'Maroc \\"Télécom\\" \u2028 ✓' }),
      JSON.stringify({ ...m, x_access: 42, x_vantage: null }),
      JSON.stringify(m).replace('"status":"blocked"', '"status":"bl\\u006fcked"'),
      JSON.stringify({ ...m, test_keys: { ...m.test_keys, x_verdict: { status: 'blocked', paths: [] } } }),
      JSON.stringify({
        ...m,
        test_keys: { ...m.test_keys, x_verdict: { status: 'blocked', paths: { call: null, chat: 7 } } },
      }),
      JSON.stringify({ ...m, test_keys: { ...m.test_keys, x_verdict: 'blocked' } }),
    ];
    const r = await sameAsReference([file(`${lines.join('\n')}\n`)]);
    expect(r.good).toHaveLength(lines.length);
    expect((r.good[1]!.obs as { obs: { service: string } }).obs.service).toBe('viber');
  });

  it('refuses nesting deeper than the loaders allow, the same way as the reference reader', async () => {
    const m = measurement({ call: 'blocked' });
    const r = await sameAsReference([
      file(
        `${good()}\n${deepMeasurementLine(m, 100)}\n${deepMeasurementLine(m, 20_000)}\n${deepMeasurementLine(m, 60)}\n`,
      ),
    ]);
    expect(r.good.map((g) => g.line)).toEqual([1, 4]);
    expect(r.bad.map((b) => [b.line, b.kind])).toEqual([
      [2, 'invalid'],
      [3, 'invalid'],
    ]);
    expect(r.bad[0]!.reason).toMatch(/^column \d+: nested deeper than 64 levels$/);
  });

  it('reads a line much longer than the buffer', async () => {
    const m = measurement({ call: 'blocked' });
    (m.test_keys.queries[0] as { raw_response?: string }).raw_response = 'A'.repeat(300_000);
    await sameAsReference([file(`${good()}\n${JSON.stringify(m)}\n${good()}`)]);
  });

  it('reads folders recursively and files in sorted order', async () => {
    const d = mkdtempSync(join(dir, 'tree-'));
    writeFileSync(join(d, 'b.jsonl'), `${good()}\n`);
    writeFileSync(join(d, 'a.jsonl'), `${good()}\n{bad\n`);
    writeFileSync(join(d, 'notes.txt'), 'not results\n');
    const bad: BadLine[] = [];
    const files: string[] = [];
    for await (const l of readReportLines([d], (b) => bad.push(b))) files.push(l.file);
    expect(files).toEqual([join(d, 'a.jsonl'), join(d, 'b.jsonl')]);
    expect(bad).toEqual([expect.objectContaining({ file: join(d, 'a.jsonl'), line: 2, kind: 'corrupt' })]);
    rmSync(d, { recursive: true, force: true });
  });

  it('agrees with the reference reader on thousands of mutated lines', async () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = [
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"',
      '\\',
      'n',
      't',
      '0',
      '-',
      '.',
      'e',
      ' ',
      '\t',
      'é',
      '\u0001',
      'x',
    ];
    const base = [
      good(),
      good({ call: 'accessible', chat: 'degraded', web: 'inconclusive' }),
      good({ service: 'controls' }),
    ];
    const lines: string[] = [];
    for (let k = 0; k < 3000; k++) {
      let s = base[k % base.length]!;
      const muts = k % 4;
      for (let j = 0; j < muts; j++) {
        const p = Math.floor(rnd() * s.length);
        const ch = alphabet[Math.floor(rnd() * alphabet.length)]!;
        const op = rnd();
        s =
          op < 0.4
            ? s.slice(0, p) + ch + s.slice(p)
            : op < 0.7
              ? s.slice(0, p) + s.slice(p + 1)
              : s.slice(0, p) + ch + s.slice(p + 1);
      }
      lines.push(s.replace(/[\n\r]/g, ' '));
    }
    const r = await sameAsReference([file(lines.join('\n'))]);
    expect(r.bad.length).toBeGreaterThan(500);
    expect(r.good.length).toBeGreaterThan(750);
  });
});

describe('scanMeasurement', () => {
  it('accepts only what JSON.parse accepts (as an object)', () => {
    const samples = [
      '{}',
      '{"a":1}',
      '{"a":[1,{"b":null}],"c":"\\u00e9"}',
      '{"a":-0.5e-3}',
      '{"a":01}',
      '{"a":1.}',
      '{"a":-}',
      '{"a":.5}',
      '{"a":1e}',
      '{"a":"\\x"}',
      '{"a":"\t"}',
      '{"a":tru}',
      '{"a":true,}',
      '{,}',
      '{"a":[1,]}',
      '{"a":1}x',
      '[1]',
      '"x"',
      ' {"a" : [ ] } ',
      '{"a":"é"}',
    ];
    for (const s of samples) {
      const b = Buffer.from(`${s}\n`);
      let ok: boolean;
      try {
        const v = JSON.parse(s);
        ok = typeof v === 'object' && v !== null && !Array.isArray(v);
      } catch {
        ok = false;
      }
      expect([s, scanMeasurement(b, 0, b.length - 1)]).toEqual([s, ok]);
    }
  });

  it('needs a control byte after the text (the sentinel that bounds string scanning)', () => {
    const b = Buffer.from('{"a":"b"}x');
    expect(scanMeasurement(b, 0, 9)).toBe(false);
    expect(scanMeasurement(Buffer.from('{"a":"b"}\n'), 0, 9)).toBe(true);
  });
});

describe('reportLines and the measurement schema', () => {
  // A fresh module each time: the schema, once loaded, stays loaded for the thread.
  const freshReader = async () => {
    vi.resetModules();
    return import('../../../src/report/read-fast.js');
  };

  it('reads scanned lines and bad JSON without asking for the schema', async () => {
    const { reportLines } = await freshReader();
    const bad: BadLine[] = [];
    const got = [
      ...reportLines([file(`${good()}\n{"id": garbage\n${good({ call: 'accessible' })}\n`)], (b) => bad.push(b)),
    ];
    expect(got.map((l) => ('schemaNeeded' in l ? 'schema' : l.line))).toEqual([1, 3]);
    expect(bad.map((b) => [b.line, b.kind])).toEqual([[2, 'corrupt']]);
  });

  it('asks once for the schema, at the first JSON line the scanner cannot vouch for, then judges it', async () => {
    const { reportLines } = await freshReader();
    const bad: BadLine[] = [];
    // An escaped key where the scanner looks fields up sends a line to JSON.parse and the schema.
    const escaped = good().replace('"probe_asn"', '"probe\\u005fasn"');
    const invalid = JSON.stringify({ ...measurement({ call: 'blocked' }), probe_asn: 'Maroc' });
    const seen: (number | string)[] = [];
    for (const l of reportLines([file([good(), escaped, invalid, escaped].join('\n'))], (b) => bad.push(b))) {
      if ('schemaNeeded' in l) {
        seen.push('schema');
        await l.schemaNeeded;
      } else seen.push(l.line);
    }
    expect(seen).toEqual([1, 'schema', 2, 4]);
    expect(bad.map((b) => [b.line, b.kind])).toEqual([[3, 'invalid']]);
  });
});
