// Real output against the published measurement schema (src/model/measurement.schema.json): what
// `voipprobe run` writes, what `voipprobe demo` (the loopback lab) writes, and what a collector stores
// and returns after those lines were submitted to it. The loopback lab's scenarios are checked in
// test/integration/lab-loopback/scenarios.test.ts.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackCatalogue } from '../../support/catalogue.js';
import { runCli } from '../../support/cli.js';
import { schemaProblems } from '../../support/measurement-schema.js';
import { startTestCollector, type TestCollector, TOKEN } from '../submit/harness.js';

const dirs: string[] = [];
const tmp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};

/** Every line of every *.jsonl file under `dir`, parsed. */
function linesIn(dir: string): unknown[] {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.jsonl'));
  expect(files.length).toBeGreaterThan(0);
  return files.flatMap((f) =>
    readFileSync(join(dir, f), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown),
  );
}

function expectAllFit(lines: unknown[], what: string): void {
  const bad = lines.map((l, i) => [i, schemaProblems(l)] as const).filter(([, p]) => p !== '');
  expect(bad, `${what}: lines that do not fit the published schema`).toEqual([]);
}

let c: TestCollector;
const demoOut = tmp('vp-schema-demo-');
beforeAll(async () => {
  c = await startTestCollector({ acceptSimulated: true });
});
afterAll(async () => {
  await c.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the published measurement schema holds for real output', () => {
  it('voipprobe run (a dead loopback network: every failure recorded)', async () => {
    const out = tmp('vp-schema-run-');
    const targets = loopbackCatalogue('127.0.0.1', 9);
    const r = await runCli([
      'run',
      '--targets',
      targets,
      '--system-resolver',
      '127.0.0.1:9',
      '--resolver',
      '127.0.0.1:9',
      '--doh',
      'https://127.0.0.1:9/dns-query',
      '--timeout',
      '2',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = linesIn(out);
    expect(lines).toHaveLength(3);
    expectAllFit(lines, 'voipprobe run');
  }, 60_000);

  it('voipprobe demo (the loopback lab, Morocco 2016: blocked call paths, groups, STUN and TLS)', async () => {
    const r = await runCli(['demo', '--lab', 'loopback', '--scenario', '9', '--out', demoOut], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const lines = linesIn(demoOut);
    expect(lines.length).toBeGreaterThan(5);
    expectAllFit(lines, 'voipprobe demo');
  }, 90_000);

  it('a collector: what it stores and what it returns', async () => {
    const lines = linesIn(demoOut);
    for (const m of lines) {
      const res = await request(`${c.url}/api/v1/submit_measurement`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ format: 'json', content: m }),
      });
      expect(res.statusCode, await res.body.text()).toBe(200);
    }
    const stored = linesIn(c.dir);
    expect(stored).toHaveLength(lines.length);
    expect(stored.every((s) => typeof (s as { measurement_uid?: unknown }).measurement_uid === 'string')).toBe(true);
    expectAllFit(stored, 'collector store');
    const res = await request(`${c.url}/api/v1/measurements`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(200);
    const returned = (await res.body.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(returned).toHaveLength(lines.length);
    expectAllFit(returned, 'collector GET /api/v1/measurements');
  }, 60_000);
});
