import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeMeasurement } from '../../../bench/support/measurement-fixture.js';
import { freePort } from '../../../bench/support/pg-cluster.js';
import { registerSubmit } from '../../../src/cli/submit.js';
import type { Measurement } from '../../../src/model/measurement.js';
import { flushSpool, type SubmitOptions, spoolAndSubmit } from '../../../src/submit/flush.js';
import { Spool } from '../../../src/submit/spool.js';
import { deepMeasurementLine } from '../../support/json.js';
import { type Fault, startFaultProxy, startTestCollector, type TestCollector, TOKEN } from './harness.js';

const batch = (run: string, n: number): Measurement[] =>
  Array.from({ length: n }, (_, i) => fakeMeasurement(i, { run }));
const spoolDir = () => join(mkdtempSync(join(tmpdir(), 'voipprobe-submit-')), 'spool');
const storedIds = async (c: TestCollector) => {
  const ids: string[] = [];
  for await (const l of c.store.query({})) ids.push(l.measurement.id);
  return ids;
};

let collector: TestCollector;
beforeEach(async () => {
  collector = await startTestCollector();
});
afterEach(async () => {
  await collector.stop();
});

const opts = (url: string, dir: string, extra: Partial<SubmitOptions> = {}): SubmitOptions => ({
  spoolDir: dir,
  collector: { url, token: TOKEN, timeoutMs: 2_000 },
  retries: 0,
  ...extra,
});

describe('submission to a real collector', () => {
  it.each(['report', 'submit_measurement'] as const)(
    '%s protocol: everything is confirmed, the spool empties, a resubmission makes no duplicate',
    async (protocol) => {
      const dir = spoolDir();
      const ms = batch(protocol, 25);
      const s = await spoolAndSubmit(ms, {
        ...opts(collector.url, dir),
        collector: { url: collector.url, token: TOKEN, protocol },
      });
      expect(s).toMatchObject({ spooled: 25, sent: 25, failed: 0, rejected: 0, remaining: 0 });
      // The same measurements again (e.g. `voipprobe submit results/` twice): the collector dedupes on id.
      const again = await spoolAndSubmit(ms, {
        ...opts(collector.url, dir),
        collector: { url: collector.url, token: TOKEN, protocol },
      });
      expect(again).toMatchObject({ sent: 25, remaining: 0 });
      const ids = await storedIds(collector);
      expect(ids).toHaveLength(25);
      expect(new Set(ids)).toEqual(new Set(ms.map((m) => m.id)));
      expect(await collector.store.counts()).toEqual({ rows: 25, distinct: 25 });
    },
  );

  it('collector down: results stay spooled with backoff; a later run honours it; they go once it is back', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const dir = spoolDir();
    const t0 = new Date('2026-11-26T10:00:00Z');
    const first = await spoolAndSubmit(
      batch('down', 10),
      opts(url, dir, { now: () => t0, random: () => 0.5, concurrency: 1 }),
    );
    expect(first).toMatchObject({ spooled: 10, sent: 0, failed: 3, remaining: 10 });
    expect(first.stopped).toMatch(/collector unreachable: .*ECONNREFUSED/);
    const spool = new Spool(dir);
    const entries = spool.list().map((i) => spool.read(i)!);
    const tried = entries.filter((e) => e.attempts === 1);
    expect(tried).toHaveLength(3);
    for (const e of tried) expect(e.next_attempt_at).toBe(new Date(t0.getTime() + 45_000).toISOString());
    // Ten seconds later the failed ones wait for their backoff; the collector is up meanwhile.
    const back = await startTestCollector({ port });
    try {
      const later = await flushSpool(opts(url, dir, { now: () => new Date(t0.getTime() + 10_000) }));
      expect(later).toMatchObject({ sent: 7, waiting: 3, remaining: 3 });
      const after = await flushSpool(opts(url, dir, { now: () => new Date(t0.getTime() + 60_000) }));
      expect(after).toMatchObject({ sent: 3, remaining: 0 });
      expect(await back.store.counts()).toEqual({ rows: 10, distinct: 10 });
    } finally {
      await back.stop();
    }
  });

  const faultCases: [string, (n: number) => Fault][] = [
    [
      '5xx',
      (n) => (n % 2 === 0 ? { kind: 'answer', status: 503, body: { error: 'overloaded' } } : { kind: 'forward' }),
    ],
    [
      'slow (stored, answer late)',
      (n) => (n % 3 === 0 ? { kind: 'stall-after-forward', ms: 1_500 } : { kind: 'forward' }),
    ],
    [
      'connection closed after the collector stored it',
      (n) => (n % 3 === 1 ? { kind: 'close-after-forward' } : { kind: 'forward' }),
    ],
    ['connection closed mid-request', (n) => (n % 3 === 2 ? { kind: 'close-mid-request' } : { kind: 'forward' })],
  ];
  it.each(faultCases)('%s: nothing lost, nothing duplicated', async (_name, plan) => {
    const proxy = await startFaultProxy(collector.url, plan);
    try {
      const dir = spoolDir();
      const ms = batch('fault', 12);
      const s = await spoolAndSubmit(
        ms,
        opts(proxy.url, dir, { collector: { url: proxy.url, token: TOKEN, timeoutMs: 600 }, giveUpAfter: 100 }),
      );
      expect(s.sent + s.failed).toBe(12);
      expect(s.failed).toBeGreaterThan(0);
      expect(s.remaining).toBe(s.failed);
      // Later runs retry until everything is confirmed.
      for (let i = 0; i < 10 && new Spool(dir).list().length > 0; i++) {
        await flushSpool(
          opts(proxy.url, dir, {
            collector: { url: proxy.url, token: TOKEN, timeoutMs: 600 },
            ignoreBackoff: true,
            giveUpAfter: 100,
          }),
        );
      }
      expect(new Spool(dir).list()).toEqual([]);
      const ids = await storedIds(collector);
      expect(ids.length).toBe(12);
      expect(new Set(ids).size).toBe(12);
    } finally {
      await proxy.close();
    }
  });

  it('immediate retries within one flush ride out a short 5xx burst', async () => {
    const proxy = await startFaultProxy(collector.url, (n) =>
      n < 2 ? { kind: 'answer', status: 502 } : { kind: 'forward' },
    );
    try {
      const s = await spoolAndSubmit(batch('burst', 1), opts(proxy.url, spoolDir(), { retries: 2, retryDelayMs: 10 }));
      expect(s).toMatchObject({ sent: 1, failed: 0, remaining: 0 });
    } finally {
      await proxy.close();
    }
  });

  it('4xx: kept aside in rejected/ with the collector reason; the others go; not retried', async () => {
    const dir = spoolDir();
    const good = batch('mixed', 3);
    const badTemplate = { ...fakeMeasurement(99, { run: 'mixed' }), probe_cc: 'Morocco' };
    const badContent = { ...fakeMeasurement(98, { run: 'mixed' }), measurement_start_time: '2026-13-45 09:00:00' };
    const s = await spoolAndSubmit([...good, badTemplate, badContent], opts(collector.url, dir));
    expect(s).toMatchObject({ sent: 3, rejected: 2, remaining: 0 });
    const rejected = new Spool(dir).listRejected().sort((a, b) => a.reason.localeCompare(b.reason));
    expect(rejected.map((r) => [r.id, r.status, r.reason])).toEqual([
      [badContent.id, 400, 'HTTP 400: content.measurement_start_time: not a real date and time'],
      [badTemplate.id, 400, 'opening a report: HTTP 400: probe_cc: must be two upper-case letters'],
    ]);
    const again = await flushSpool(opts(collector.url, dir));
    expect(again).toMatchObject({ sent: 0, rejected: 0, remaining: 0 });
    expect(await collector.store.counts()).toEqual({ rows: 3, distinct: 3 });
  });

  it('wrong token: stops at once, keeps every item untouched (no backoff), says why', async () => {
    const dir = spoolDir();
    const s = await spoolAndSubmit(batch('tok', 5), {
      ...opts(collector.url, dir),
      collector: { url: collector.url, token: 'wrong-token-wrong-token' },
    });
    expect(s.sent).toBe(0);
    expect(s.remaining).toBe(5);
    expect(s.stopped).toMatch(/refused our credentials \(HTTP 401: invalid bearer token\)/);
    const spool = new Spool(dir);
    expect(spool.list().map((i) => spool.read(i)!.attempts)).toEqual([0, 0, 0, 0, 0]);
    expect(spool.listRejected()).toEqual([]);
  });

  it('an OONI-style 200 {} (measurement discarded) is not taken as stored', async () => {
    const proxy = await startFaultProxy(collector.url, () => ({ kind: 'answer', status: 200, body: {} }));
    try {
      const dir = spoolDir();
      const s = await spoolAndSubmit(batch('ooni', 1), opts(proxy.url, dir));
      expect(s).toMatchObject({ sent: 0, rejected: 1 });
      expect(new Spool(dir).listRejected()[0]!.reason).toMatch(/did not store it/);
    } finally {
      await proxy.close();
    }
  });
});

describe('voipprobe submit FILES (CLI wiring)', () => {
  let out: string;
  let err: string;
  beforeEach(() => {
    out = '';
    err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out += String(s);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      err += String(s);
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('spools the files (corrupt lines reported with file:line and skipped), then sends them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voipprobe-cli-submit-'));
    const file = join(dir, 'run.jsonl');
    const ms = batch('cli', 3);
    writeFileSync(file, `${JSON.stringify(ms[0])}\n{"broken\n${JSON.stringify(ms[1])}\n${JSON.stringify(ms[2])}\n`);
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const program = new Command().exitOverride();
    registerSubmit(program);
    await program.parseAsync([
      'node',
      'voipprobe',
      'submit',
      file,
      '--collector',
      collector.url,
      '--token-file',
      tokenFile,
      '--spool',
      join(dir, 'spool'),
    ]);
    expect(err).toContain(`${file}:2: corrupt line skipped`);
    expect(out).toContain('spooled 3 measurement(s), 1 bad line(s) skipped');
    expect(out).toContain('sent 3');
    expect(process.exitCode).toBeUndefined();
    expect(await collector.store.counts()).toEqual({ rows: 3, distinct: 3 });
  });

  it('a line nested 20,000 levels deep is reported and skipped; the valid lines of the file are sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voipprobe-cli-submit-'));
    const file = join(dir, 'run.jsonl');
    const ms = batch('deep', 3);
    const poison = deepMeasurementLine(fakeMeasurement(9, { run: 'deep' }), 20_000);
    writeFileSync(file, `${JSON.stringify(ms[0])}\n${poison}\n${JSON.stringify(ms[1])}\n${JSON.stringify(ms[2])}\n`);
    const program = new Command().exitOverride();
    registerSubmit(program);
    await program.parseAsync([
      'node',
      'voipprobe',
      'submit',
      file,
      '--collector',
      collector.url,
      '--token',
      TOKEN,
      '--spool',
      join(dir, 'spool'),
    ]);
    expect(err).toMatch(new RegExp(`${file}:2: invalid line skipped: column \\d+: nested deeper than 64 levels`));
    expect(out).toContain('spooled 3 measurement(s), 1 bad line(s) skipped');
    expect(out).toContain('sent 3');
    expect(await collector.store.counts()).toEqual({ rows: 3, distinct: 3 });
  });

  it('refuses simulated measurements (voipprobe demo) unless --allow-simulated, sends the real ones, exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voipprobe-cli-submit-'));
    const file = join(dir, 'run.jsonl');
    const [real, sim] = batch('sim', 2);
    sim!.annotations = { ...sim!.annotations, x_simulation: 'voipprobe demo: loopback lab, scenario 9' };
    writeFileSync(file, `${JSON.stringify(real)}\n${JSON.stringify(sim)}\n`);
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const args = [
      'node',
      'voipprobe',
      'submit',
      file,
      '--collector',
      collector.url,
      '--token-file',
      tokenFile,
      '--spool',
      join(dir, 'spool'),
    ];
    const program = new Command().exitOverride();
    registerSubmit(program);
    await program.parseAsync(args);
    expect(err).toContain(
      `${file}:2: not sent: a simulated measurement (annotations.x_simulation, written by voipprobe demo)`,
    );
    expect(out).toContain('spooled 1 measurement(s), 1 simulated measurement(s) refused');
    expect(process.exitCode).toBe(2);
    expect(await storedIds(collector)).toEqual([real!.id]);
    // Told otherwise: the simulation goes too (to a collector that accepts simulations).
    const lab = await startTestCollector({ acceptSimulated: true });
    try {
      process.exitCode = undefined;
      const again = new Command().exitOverride();
      registerSubmit(again);
      await again.parseAsync([
        ...args.slice(0, 4),
        '--collector',
        lab.url,
        '--token-file',
        tokenFile,
        '--spool',
        join(dir, 'spool2'),
        '--allow-simulated',
      ]);
      expect(process.exitCode).toBeUndefined();
      expect((await storedIds(lab)).sort()).toEqual([real!.id, sim!.id].sort());
    } finally {
      await lab.stop();
    }
  });

  it('no collector configured is a clear input error', async () => {
    const program = new Command().exitOverride();
    registerSubmit(program);
    await expect(program.parseAsync(['node', 'voipprobe', 'submit', '--spool', spoolDir()])).rejects.toThrow(
      /no collector to submit to/,
    );
  });
});
