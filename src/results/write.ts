// Results are appended one whole line at a time: each measurement is serialised first and written
// with a single write(2) on a file opened for appending, so a crash can lose the line being
// written but never leaves half of one behind another.

import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Measurement } from '../model/measurement.js';

export class ResultsWriter {
  private fd: number | null;
  count = 0;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.fd = openSync(file, 'a', 0o600);
  }

  append(m: Measurement): void {
    if (this.fd === null) throw new Error(`results file ${this.file} is closed`);
    const buf = Buffer.from(`${JSON.stringify(m)}\n`, 'utf8');
    let off = 0;
    // A regular file takes the whole buffer in one call; the loop only guards against a short write.
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    fsyncSync(this.fd);
    this.count++;
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}

/** results/20261126T003529Z-ab12cd.jsonl: one file per run, sortable by time. */
export function runResultsFile(dir: string, start: Date, suffix: string): string {
  const stamp = start.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return join(dir, `${stamp}-${suffix}.jsonl`);
}
