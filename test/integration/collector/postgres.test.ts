// Against a real PostgreSQL server started for this file (initdb + pg_ctl on a free loopback port);
// skipped with the reason when the server binaries are not installed.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeMeasurement } from '../../../bench/support/measurement-fixture.js';
import { findPgBin, PG_MISSING, type PgCluster, startPgCluster } from '../../../bench/support/pg-cluster.js';
import { collectorLines } from '../../../src/collector/source.js';
import { PostgresStore, TABLE } from '../../../src/collector/store-postgres.js';
import { spoolAndSubmit } from '../../../src/submit/flush.js';
import { runCli } from '../../support/cli.js';
import { startTestCollector, TOKEN } from '../submit/harness.js';

const havePg = findPgBin() !== undefined;
if (!havePg) console.warn(`PostgreSQL tests SKIPPED: ${PG_MISSING}`);

describe.skipIf(!havePg)('PostgreSQL store (real server)', () => {
  let cluster: PgCluster;
  let store: PostgresStore;
  beforeAll(async () => {
    cluster = await startPgCluster();
    store = await PostgresStore.open(cluster.url);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    cluster?.stop();
  });

  it('a missing role stops the collector with a sentence and a hint, exit 1, no stack trace', async () => {
    const url = cluster.url.replace('postgres://postgres@', 'postgres://nosuchrole@');
    const r = await runCli(['collector', '--listen', '127.0.0.1:0', '--store', url, '--insecure-no-auth'], {
      timeoutMs: 30_000,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^voipprobe: could not run: postgres:\/\/nosuchrole@127\.0\.0\.1:\d+\/postgres: cannot prepare the database: role "nosuchrole" does not exist \(create the role, e\.g\. `createuser voipprobe`, or fix the user and password in the URL\)\n$/,
    );
  });

  it('migrates once (a second open is a no-op) with the indexes the reporter needs', async () => {
    const again = await PostgresStore.open(cluster.url);
    await again.close();
    const c = new pg.Client(cluster.url);
    await c.connect();
    try {
      const v = await c.query('SELECT version FROM voipprobe_schema');
      expect(v.rows).toEqual([{ version: 1 }]);
      const idx = await c.query(`SELECT indexdef FROM pg_indexes WHERE tablename = $1 ORDER BY indexname`, [TABLE]);
      const defs = idx.rows.map((r: { indexdef: string }) => r.indexdef.replace(/^.* USING btree /, ''));
      expect(defs).toEqual(
        expect.arrayContaining([
          '(probe_asn, measurement_start_time)',
          '(service, measurement_start_time)',
          '(id)',
          '(measurement_uid)',
        ]),
      );
    } finally {
      await c.end();
    }
  });

  it('inserts idempotently: a replay gets the same uid and writes nothing; concurrent replays too', async () => {
    const m = fakeMeasurement(1, { run: 'pg' });
    const a = await store.insert({ measurement: m, receivedAt: new Date() });
    expect(a.duplicate).toBe(false);
    expect(await store.insert({ measurement: m, receivedAt: new Date() })).toEqual({
      measurement_uid: a.measurement_uid,
      duplicate: true,
    });
    const m2 = fakeMeasurement(2, { run: 'pg' });
    const rs = await Promise.all(
      Array.from({ length: 10 }, () => store.insert({ measurement: m2, receivedAt: new Date() })),
    );
    expect(new Set(rs.map((r) => r.measurement_uid)).size).toBe(1);
    expect(rs.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await store.counts()).toEqual({ rows: 2, distinct: 2 });
  });

  it('keeps documents jsonb cannot hold (\\u0000) exactly, without failing their batch', async () => {
    const odd = { ...fakeMeasurement(3, { run: 'pg' }), probe_network_name: 'nul\u0000byte' };
    const ok = fakeMeasurement(4, { run: 'pg' });
    const rs = await Promise.all([
      store.insert({ measurement: odd, receivedAt: new Date() }),
      store.insert({ measurement: ok, receivedAt: new Date() }),
    ]);
    expect(rs.map((r) => r.duplicate)).toEqual([false, false]);
    const got = new Map<string, string>();
    for await (const l of store.query({})) got.set(l.measurement.id, l.measurement.probe_network_name);
    expect(got.get(odd.id)).toBe('nul\u0000byte');
  });

  it('a collector on PostgreSQL: submissions land once, and report --from-collector reads them back filtered', async () => {
    const pgStore = await PostgresStore.open(cluster.url);
    const c = await startTestCollector({ store: pgStore });
    try {
      const ms = Array.from({ length: 30 }, (_, i) =>
        fakeMeasurement(i, { run: 'pgc', start: new Date(Date.UTC(2026, 10, 20 + (i % 5), 12)) }),
      );
      const spoolDir = join(mkdtempSync(join(tmpdir(), 'voipprobe-pg-spool-')), 'spool');
      const s = await spoolAndSubmit(ms, { spoolDir, collector: { url: c.url, token: TOKEN }, concurrency: 8 });
      expect(s).toMatchObject({ sent: 30, remaining: 0 });
      await spoolAndSubmit(ms.slice(0, 10), { spoolDir, collector: { url: c.url, token: TOKEN } });
      const wanted = new Set(ms.map((m) => m.id));
      const viaUrl: string[] = [];
      for await (const l of collectorLines(cluster.url, {
        service: 'whatsapp',
        since: '2026-11-21',
        until: '2026-11-24',
      }))
        if (wanted.has(l.measurement.id)) viaUrl.push(l.measurement.id);
      const expected = ms
        .filter(
          (m) =>
            m.test_keys.service === 'whatsapp' &&
            m.measurement_start_time >= '2026-11-21' &&
            m.measurement_start_time < '2026-11-24',
        )
        .map((m) => m.id);
      expect(viaUrl.sort()).toEqual(expected.sort());
      expect(expected.length).toBeGreaterThan(0);
      // Through the collector's HTTP API as well.
      const viaHttp: string[] = [];
      for await (const l of collectorLines(c.url, { token: TOKEN }))
        if (wanted.has(l.measurement.id)) viaHttp.push(l.measurement.id);
      expect(viaHttp).toHaveLength(30);
      expect(new Set(viaHttp).size).toBe(30);
    } finally {
      await c.stop();
    }
  });

  it('pages through more rows than one page (keyset pagination)', async () => {
    const ms = Array.from({ length: 2100 }, (_, i) =>
      fakeMeasurement(i, { run: 'page', start: new Date(Date.UTC(2026, 0, 1, 0, 0, Math.floor(i / 3))) }),
    );
    await Promise.all(ms.map((m) => store.insert({ measurement: m, receivedAt: new Date() })));
    const seen = new Set<string>();
    let n = 0;
    for await (const l of store.query({ since: '2026-01-01', until: '2026-01-02' })) {
      seen.add(l.measurement.id);
      n++;
    }
    expect(n).toBe(2100);
    expect(seen.size).toBe(2100);
  });
});
