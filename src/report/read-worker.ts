// A reader thread: reads its share of the results files, aggregates them, and sends back the compact
// aggregate and the bad lines (see parallel.ts). Scanning bytes is the reporter's hot path; threads
// let it use every core.

import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../util/input-error.js';
import { Ingest, type IngestFilter } from './ingest.js';
import type { MeasurementIdsTable } from './measurement-ids.js';
import { takeReportLines } from './read-fast.js';
import type { BadLineOut } from './schema.js';

export interface WorkerInput {
  files: string[];
  filter: IngestFilter;
  maxExamples: number;
  /** Sizes the id set: the same in every thread, so that their sets can be compared. */
  expectedIds: number;
}

export type WorkerMessage =
  | { t: 'bad'; lines: BadLineOut[] }
  | {
      t: 'done';
      state: ReturnType<Ingest['agg']['exportState']>;
      controls: number;
      filteredOut: number;
      duplicates: number;
      simulated: number;
      ooni: number;
      /** The measurement ids read (the id set's memory), to find one read by two threads. */
      ids: MeasurementIdsTable;
      counts: Record<BadLineOut['kind'], number>;
      examples: BadLineOut[];
    }
  | { t: 'error'; message: string; input: boolean; file?: string };

async function run(input: WorkerInput): Promise<void> {
  const port = parentPort!;
  const counts: Record<BadLineOut['kind'], number> = { corrupt: 0, torn: 0, invalid: 0, unusable: 0 };
  const examples: BadLineOut[] = [];
  let batch: BadLineOut[] = [];
  const bad = (b: BadLineOut) => {
    const copy = { file: b.file, line: b.line, kind: b.kind, reason: b.reason };
    counts[b.kind]++;
    if (examples.length < input.maxExamples) examples.push(copy);
    batch.push(copy);
    if (batch.length >= 512) {
      port.postMessage({ t: 'bad', lines: batch } satisfies WorkerMessage);
      batch = [];
    }
  };
  const ingest = new Ingest(input.filter, bad, input.expectedIds);
  await takeReportLines(input.files, bad, (l) => ingest.take(l));
  if (batch.length) port.postMessage({ t: 'bad', lines: batch } satisfies WorkerMessage);
  const ids = ingest.ids.drain();
  const msg: WorkerMessage = {
    t: 'done',
    state: ingest.agg.exportState(),
    controls: ingest.controls,
    filteredOut: ingest.filteredOut,
    duplicates: ingest.duplicates,
    simulated: ingest.simulated,
    ooni: ingest.ooni,
    ids,
    counts,
    examples,
  };
  // The ids' memory moves to the main thread instead of being copied.
  port.postMessage(msg, [ids.lo.buffer, ids.hi.buffer, ids.stash.buffer] as ArrayBuffer[]);
}

run(workerData as WorkerInput).catch((e: unknown) => {
  parentPort!.postMessage({
    t: 'error',
    message: e instanceof Error ? e.message : String(e),
    input: e instanceof InputError,
    ...(e instanceof InputError && e.file ? { file: e.file } : {}),
  } satisfies WorkerMessage);
});
