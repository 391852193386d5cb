// Collector load test (npm run bench:collector). For each store (embedded JSONL, and PostgreSQL when
// its server binaries are installed):
//   1. clean run: 64 concurrent submitters send 10,000 measurements (~4.4 KB each); ingest rate.
//   2. crash run: the same on a fresh store, with the collector killed (SIGKILL) once in the middle
//      and restarted; the submitters keep retrying. Then: received = sent, 0 lost, 0 duplicated
//      (counted from the store itself: rows and distinct ids).
// Exits non-zero if any check fails. Loopback only.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PostgresStore } from '../src/collector/store-postgres.js';
import type { Measurement } from '../src/model/measurement.js';
import { CollectorClient } from '../src/submit/client.js';
import { type CollectorProcess, killHard, startCollectorProcess, stopGracefully } from './support/collector-process.js';
import { fakeMeasurement } from './support/measurement-fixture.js';
import { findPgBin, freePort, PG_MISSING, startPgCluster } from './support/pg-cluster.js';

const SUBMITTERS = 64;
const TOTAL = Number(process.env.BENCH_TOTAL ?? 10_000);
const TOKEN = 'bench-token-0123456789abcdef0123';

/** CPU seconds a process has used (Linux /proc; clock ticks of 1/100 s). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

interface RunResult {
  acknowledged: number;
  elapsedS: number;
  downtimeS: number;
  retries: number;
  failures: string[];
}

/**
 * 64 submitters, each a probe box sending its own share of the measurements in order (so lines of one
 * run share one OONI report); a transient failure is retried, after a short pause, until confirmed.
 */
async function submitAll(
  url: string,
  ms: Measurement[],
  onAck: (n: number) => void,
): Promise<Omit<RunResult, 'elapsedS' | 'downtimeS'>> {
  let acknowledged = 0;
  let retries = 0;
  const failures: string[] = [];
  const share = Math.ceil(ms.length / SUBMITTERS);
  const worker = async (w: number) => {
    const client = new CollectorClient({ url, token: TOKEN, timeoutMs: 5_000 });
    try {
      for (const m of ms.slice(w * share, (w + 1) * share)) {
        for (;;) {
          const out = await client.submit(m);
          if (out.kind === 'ok') {
            onAck(++acknowledged);
            break;
          }
          if (out.kind !== 'transient') {
            failures.push(`${m.id}: ${out.kind}: ${'reason' in out ? out.reason : out.error}`);
            break;
          }
          retries++;
          await sleep(50 + Math.random() * 150);
        }
      }
    } finally {
      await client.close().catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: SUBMITTERS }, (_, w) => worker(w)));
  return { acknowledged, retries, failures };
}

interface StoreKind {
  name: string;
  /** A fresh, empty store spec for the collector (dir or URL). */
  fresh(): Promise<string>;
  counts(spec: string): Promise<{ rows: number; ids: Set<string> }>;
  cleanup(): Promise<void>;
}

function jsonlKind(): StoreKind {
  const root = mkdtempSync(join(tmpdir(), 'voipprobe-bench-'));
  let n = 0;
  return {
    name: 'embedded JSONL',
    fresh: async () => join(root, `store-${n++}`),
    async counts(dir) {
      let rows = 0;
      const ids = new Set<string>();
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.jsonl'))) {
        for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
          if (!line) continue;
          rows++;
          ids.add((JSON.parse(line) as { id: string }).id);
        }
      }
      return { rows, ids };
    },
    cleanup: async () => rmSync(root, { recursive: true, force: true }),
  };
}

async function pgKind(): Promise<StoreKind> {
  const cluster = await startPgCluster();
  let n = 0;
  const admin = await PostgresStore.open(cluster.url, { migrate: false });
  await admin.close();
  const pg = (await import('pg')).default;
  return {
    name: 'PostgreSQL',
    async fresh() {
      const db = `bench_${n++}`;
      const c = new pg.Client(cluster.url);
      await c.connect();
      await c.query(`CREATE DATABASE ${db}`);
      await c.end();
      return cluster.url.replace(/\/postgres$/, `/${db}`);
    },
    async counts(url) {
      const c = new pg.Client(url);
      await c.connect();
      try {
        const rows = Number((await c.query('SELECT count(*) AS n FROM voipprobe_measurements')).rows[0].n);
        const ids = new Set<string>(
          (await c.query(`SELECT doc->>'id' AS id FROM voipprobe_measurements`)).rows.map((r: { id: string }) => r.id),
        );
        return { rows, ids };
      } finally {
        await c.end();
      }
    },
    cleanup: async () => cluster.stop(),
  };
}

async function runOnce(
  kind: StoreKind,
  tokenFile: string,
  ms: Measurement[],
  crash: boolean,
): Promise<RunResult & { rows: number; distinct: number; missing: number; collectorCpuS: number }> {
  const spec = await kind.fresh();
  const port = await freePort();
  let collector: CollectorProcess = await startCollectorProcess(port, spec, tokenFile);
  let downtimeS = 0;
  let restarting: Promise<void> | undefined;
  const t0 = performance.now();
  const r = await submitAll(collector.url, ms, (acked) => {
    if (crash && !restarting && acked === Math.floor(ms.length / 2)) {
      restarting = (async () => {
        const down = performance.now();
        await killHard(collector);
        process.stdout.write(`  collector killed (SIGKILL) after ${acked} acknowledged; restarting\n`);
        await sleep(300);
        collector = await startCollectorProcess(port, spec, tokenFile);
        downtimeS = (performance.now() - down) / 1000;
      })();
    }
  });
  await restarting;
  const elapsedS = (performance.now() - t0) / 1000;
  const collectorCpuS = cpuSeconds(collector.child.pid);
  await stopGracefully(collector);
  const { rows, ids } = await kind.counts(spec);
  const missing = ms.filter((m) => !ids.has(m.id)).length;
  return { ...r, elapsedS, downtimeS, rows, distinct: ids.size, missing, collectorCpuS };
}

async function main(): Promise<void> {
  const ms = Array.from({ length: TOTAL }, (_, i) => fakeMeasurement(i, { run: `load-${process.pid}` }));
  const avg = Math.round(ms.reduce((s, m) => s + JSON.stringify(m).length, 0) / ms.length);
  const tokenDir = mkdtempSync(join(tmpdir(), 'voipprobe-bench-token-'));
  const tokenFile = join(tokenDir, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  process.stdout.write(
    `collector load test: ${SUBMITTERS} concurrent submitters, ${TOTAL} measurements of ~${avg} bytes, OONI report protocol over HTTP on 127.0.0.1\n\n`,
  );

  const kinds: (() => Promise<StoreKind>)[] = [async () => jsonlKind()];
  if (findPgBin()) kinds.push(pgKind);
  else process.stdout.write(`PostgreSQL SKIPPED: ${PG_MISSING}\n`);

  let ok = true;
  const cpuNotes: string[] = [];
  const table: string[] = [
    '| store | run | sent | received (rows) | distinct ids | lost | duplicated | retries | wall time | downtime | ingest rate |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const make of kinds) {
    const kind = await make();
    try {
      for (const crash of [false, true]) {
        process.stdout.write(`${kind.name}: ${crash ? 'crash run (kill -9 mid-way, restart)' : 'clean run'}\n`);
        const r = await runOnce(kind, tokenFile, ms, crash);
        const rate = TOTAL / (r.elapsedS - r.downtimeS);
        const lost = r.missing;
        const dup = r.rows - r.distinct;
        const pass = r.failures.length === 0 && r.acknowledged === TOTAL && lost === 0 && dup === 0 && r.rows === TOTAL;
        ok &&= pass;
        if (!crash) {
          const perMs = (r.collectorCpuS / TOTAL) * 1000;
          cpuNotes.push(
            `${kind.name}: the collector process used ${r.collectorCpuS.toFixed(2)} CPU s for ${TOTAL} measurements (${perMs.toFixed(3)} ms each, about ${Math.round(1000 / perMs)}/s per core when it has the core to itself)`,
          );
        }
        table.push(
          `| ${kind.name} | ${crash ? 'kill -9 + restart' : 'clean'} | ${TOTAL} | ${r.rows} | ${r.distinct} | ${lost} | ${dup} | ${r.retries} | ${r.elapsedS.toFixed(2)} s | ${r.downtimeS.toFixed(2)} s | ${Math.round(rate)} /s |`,
        );
        process.stdout.write(
          `  ${pass ? 'PASS' : 'FAIL'}: acknowledged ${r.acknowledged}, stored ${r.rows} rows / ${r.distinct} distinct ids, lost ${lost}, duplicated ${dup}, ${Math.round(rate)} measurements/s${r.failures.length ? `, failures: ${r.failures.slice(0, 3).join('; ')}` : ''}\n`,
        );
      }
    } finally {
      await kind.cleanup();
    }
  }
  rmSync(tokenDir, { recursive: true, force: true });
  process.stdout.write(
    `\n${table.join('\n')}\n\n(ingest rate = measurements / (wall time - downtime); goal >= 2,000/s on the embedded store)\n${cpuNotes.join('\n')}\n`,
  );
  if (!ok) {
    process.stdout.write('LOAD TEST FAILED\n');
    process.exitCode = 1;
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
