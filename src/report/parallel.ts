// Reading results files on several threads. Each reader thread aggregates its share of the files; the
// aggregates are merged here. Same result as reading them one after the other: counts add, and the
// bad-line examples are the first ones in file and line order, as a single reader would keep them.

import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError } from '../util/input-error.js';
import { Aggregator } from './aggregate.js';
import type { IngestFilter } from './ingest.js';
import { MeasurementIds } from './measurement-ids.js';
import { expectedLines } from './read-fast.js';
import type { WorkerInput, WorkerMessage } from './read-worker.js';
import type { BadLineOut } from './schema.js';

/** The compiled worker; absent when running from TypeScript sources (tests), then reading stays single-threaded. */
const WORKER = fileURLToPath(new URL('./read-worker.js', import.meta.url));

export function canReadInParallel(): boolean {
  return existsSync(WORKER);
}

const YOUNG_MB = 8;

/** Threads worth starting: one per core up to 4, none for small inputs (a thread costs ~30 ms and ~10 MB). */
export function defaultJobs(files: readonly string[]): number {
  if (!canReadInParallel() || files.length < 2) return 1;
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  if (bytes < 64 << 20) return 1;
  return Math.max(1, Math.min(4, availableParallelism(), files.length));
}

export interface ParallelResult {
  agg: Aggregator;
  controls: number;
  filteredOut: number;
  duplicates: number;
  simulated: number;
  ooni: number;
  counts: Record<BadLineOut['kind'], number>;
  examples: BadLineOut[];
}

/** Splits files into `jobs` shares of similar size, each in the original (sorted) order. */
export function shareFiles(files: readonly string[], jobs: number): string[][] {
  const shares = Array.from({ length: jobs }, () => ({ bytes: 0, idx: [] as number[] }));
  const bySize = files.map((f, i) => ({ i, size: statSync(f).size })).sort((a, b) => b.size - a.size || a.i - b.i);
  for (const f of bySize) {
    const s = shares.reduce((min, x) => (x.bytes < min.bytes ? x : min));
    s.bytes += f.size;
    s.idx.push(f.i);
  }
  return shares.filter((s) => s.idx.length).map((s) => s.idx.sort((a, b) => a - b).map((i) => files[i]!));
}

/**
 * Null when one measurement id was read by two threads (a copy of a file, or the same measurement in
 * two files, shared out to different threads): the caller then reads in one thread, which counts each
 * measurement once. Bad lines have been reported through `onBad` either way.
 */
export async function ingestInParallel(
  files: readonly string[],
  filter: IngestFilter,
  jobs: number,
  onBad: (b: BadLineOut) => void,
  maxExamples = 50,
): Promise<ParallelResult | null> {
  const order = new Map(files.map((f, i) => [f, i]));
  const shares = shareFiles(files, jobs);
  const expectedIds = Math.max(...shares.map(expectedLines));
  const workers: Worker[] = [];
  const done = await new Promise<Extract<WorkerMessage, { t: 'done' }>[]>((resolve, reject) => {
    const results: Extract<WorkerMessage, { t: 'done' }>[] = [];
    let left = shares.length;
    let failed = false;
    const fail = (e: Error) => {
      if (failed) return;
      failed = true;
      for (const w of workers) void w.terminate();
      reject(e);
    };
    shares.forEach((share, k) => {
      const w = new Worker(WORKER, {
        // A small young generation keeps each thread's footprint down (the reporter's RSS goal is 150 MB);
        // the garbage per line is short-lived and small.
        resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB },
        workerData: {
          files: share,
          filter: {
            services: filter.services ? [...filter.services] : undefined,
            since: filter.since,
            until: filter.until,
            hosts: filter.hosts?.map((h) => [...h] as [string, string]),
          },
          maxExamples,
          expectedIds,
        } satisfies WorkerInput,
      });
      workers.push(w);
      w.on('message', (m: WorkerMessage) => {
        if (m.t === 'bad') for (const b of m.lines) onBad(b);
        else if (m.t === 'error') fail(m.input ? new InputError(m.message, m.file) : new Error(m.message));
        else {
          results[k] = m;
          if (--left === 0) resolve(results);
        }
      });
      w.on('error', fail);
      w.on('exit', (code) => {
        if (code !== 0 && !results[k]) fail(new Error(`reader thread ${k} exited with code ${code}`));
      });
    });
  });
  if (MeasurementIds.sharedAcross(done.map((d) => MeasurementIds.from(d.ids))) > 0) return null;
  const agg = new Aggregator();
  const counts: Record<BadLineOut['kind'], number> = { corrupt: 0, torn: 0, invalid: 0, unusable: 0 };
  let examples: BadLineOut[] = [];
  let controls = 0;
  let filteredOut = 0;
  let duplicates = 0;
  let simulated = 0;
  let ooni = 0;
  for (const d of done) {
    agg.merge(d.state);
    controls += d.controls;
    filteredOut += d.filteredOut;
    duplicates += d.duplicates;
    simulated += d.simulated;
    ooni += d.ooni;
    for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] += d.counts[k];
    examples.push(...d.examples);
  }
  examples = examples.sort((a, b) => order.get(a.file)! - order.get(b.file)! || a.line - b.line).slice(0, maxExamples);
  return { agg, controls, filteredOut, duplicates, simulated, ooni, counts, examples };
}
