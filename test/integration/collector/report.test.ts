// `voipprobe report --from-collector` gives the same report as the results files it came from.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeMeasurement } from '../../../bench/support/measurement-fixture.js';
import { produceReportFromCollector } from '../../../src/collector/report-source.js';
import type { Measurement } from '../../../src/model/measurement.js';
import type { ServiceVerdict } from '../../../src/model/verdict.js';
import { produceReport } from '../../../src/report/run.js';
import { spoolAndSubmit } from '../../../src/submit/flush.js';
import { startTestCollector, type TestCollector, TOKEN } from '../submit/harness.js';

/** A measurement from Orange Maroc, mobile, with a call-path verdict. */
function judged(i: number, call: 'blocked' | 'accessible'): Measurement {
  const m = fakeMeasurement(i, { run: 'report', service: 'whatsapp', start: new Date(Date.UTC(2026, 10, 20, 10, i)) });
  m.x_access = 'mobile';
  m.test_keys.x_verdict = {
    service: 'whatsapp',
    status: call === 'blocked' ? 'partially_blocked' : 'accessible',
    paths: {
      call: {
        path: 'call',
        status: call,
        techniques: call === 'blocked' ? ['udp.no_response'] : [],
        counts: { ok: 0, blocked: 1, failed: 0, inconclusive: 0, skipped: 0, total: 1 },
        reason: '',
      },
      chat: {
        path: 'chat',
        status: 'accessible',
        techniques: [],
        counts: { ok: 1, blocked: 0, failed: 0, inconclusive: 0, skipped: 0, total: 1 },
        reason: '',
      },
    },
    layers: {},
    targets: [],
    controls: m.test_keys.x_controls,
    reason: '',
  } as unknown as ServiceVerdict;
  return m;
}

let c: TestCollector;
let file: string;
const ms = [
  ...Array.from({ length: 6 }, (_, i) => judged(i, 'blocked')),
  ...Array.from({ length: 3 }, (_, i) => judged(10 + i, 'accessible')),
];

beforeAll(async () => {
  c = await startTestCollector();
  const dir = mkdtempSync(join(tmpdir(), 'voipprobe-report-'));
  file = join(dir, 'run.jsonl');
  writeFileSync(file, ms.map((m) => `${JSON.stringify(m)}\n`).join(''));
  const s = await spoolAndSubmit(ms, { spoolDir: join(dir, 'spool'), collector: { url: c.url, token: TOKEN } });
  expect(s.sent).toBe(ms.length);
});
afterAll(async () => {
  await c.stop();
});

describe('report --from-collector', () => {
  it('the collector URL and the store folder give the same verdicts and counts as the files', async () => {
    const now = new Date('2026-11-26T12:00:00Z');
    // Evidence cites where each measurement was read: a file:line there, the collector here.
    const strip = (r: Record<string, unknown>) => {
      const { generated_at: _g, input: _i, ...rest } = r;
      void _g;
      void _i;
      return JSON.parse(
        JSON.stringify(rest)
          .replace(/"file":"[^"]*"/g, '"file":"-"')
          .replace(/"line":\d+/g, '"line":0'),
      ) as unknown;
    };
    const fromFiles = (await produceReport({ paths: [file], now })) as unknown as Record<string, unknown>;
    const fromUrl = (await produceReportFromCollector(c.url, { token: TOKEN, now })) as unknown as Record<
      string,
      unknown
    >;
    const fromDir = (await produceReportFromCollector(c.dir, { now })) as unknown as Record<string, unknown>;
    expect(JSON.stringify(fromFiles)).toContain('udp.no_response');
    expect(strip(fromUrl)).toEqual(strip(fromFiles));
    expect(strip(fromDir)).toEqual(strip(fromFiles));
    expect((fromUrl.input as { paths: string[] }).paths).toEqual([c.url]);
  });

  it('a wrong token is a clear error, not an empty report', async () => {
    await expect(produceReportFromCollector(c.url, { token: 'not-the-right-token' })).rejects.toThrow(/HTTP 401/);
  });
});
