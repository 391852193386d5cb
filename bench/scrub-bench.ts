// `npm run bench:scrub`: what the privacy filter costs a run. A run's lines (the given results files,
// or 12 realistic fixture lines) go through the scrubber with two public addresses to find, the way
// `voipprobe run` does it: first in a fresh scrubber on cold code (what one run pays), then warm.
// Reports ms per line and MB/s; the run-bench figures show the whole run with it.
//
//   node dist/bench/scrub-bench.js [results.jsonl ...] [--reps N]

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Measurement } from '../src/model/measurement.js';
import { Scrubber } from '../src/vantage/scrub.js';
import { fakeMeasurement } from './support/measurement-fixture.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { reps: { type: 'string', default: '20' } },
});
const lines: Measurement[] = positionals.length
  ? positionals.flatMap((f) =>
      readFileSync(f, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Measurement),
    )
  : Array.from({ length: 12 }, (_, i) => fakeMeasurement(i));
const bytes = lines.reduce((n, m) => n + Buffer.byteLength(JSON.stringify(m)), 0);
const ADDRESSES = ['203.0.113.7', '2001:db8:8a:1200::4f'];

const pass = () => {
  const s = new Scrubber(ADDRESSES);
  const t0 = performance.now();
  for (const m of lines) s.scrub(m);
  return performance.now() - t0;
};

const cold = pass();
const warm: number[] = [];
for (let i = 0; i < Number(values.reps); i++) warm.push(pass());
warm.sort((a, b) => a - b);
const median = warm[Math.floor(warm.length / 2)]!;
const fmt = (ms: number) =>
  `${ms.toFixed(1)} ms (${(ms / lines.length).toFixed(2)} ms/line, ${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s)`;
process.stdout.write(
  `scrubber: ${lines.length} lines, ${(bytes / 1024).toFixed(0)} KiB\n  cold (one run): ${fmt(cold)}\n  warm (median of ${warm.length}): ${fmt(median)}\n`,
);
