// Results are appended one whole line at a time: each measurement is serialised first and written
// with a single write(2) on a file opened for appending, so a crash can lose the line being
// written but never leaves half of one behind another.

import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compactUtc, type Measurement } from '../model/measurement.js';

export class ResultsWriter {
  private fd: number | null = null;
  private closed = false;
  count = 0;

  /** The file is created with the first line: a run that measured nothing leaves no empty file behind. */
  constructor(readonly file: string) {}

  append(m: Measurement): void {
    if (this.closed) throw new Error(`results file ${this.file} is closed`);
    if (this.fd === null) {
      mkdirSync(dirname(this.file), { recursive: true });
      this.fd = openSync(this.file, 'a', 0o600);
    }
    const buf = Buffer.from(`${JSON.stringify(m)}\n`, 'utf8');
    let off = 0;
    // A regular file takes the whole buffer in one call; the loop only guards against a short write.
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    fsyncSync(this.fd);
    this.count++;
  }

  close(): void {
    this.closed = true;
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}

/** results/20261126T003529Z-ab12cd.jsonl: one file per run, sortable by time. */
export function runResultsFile(dir: string, start: Date, suffix: string): string {
  return join(dir, `${compactUtc(start)}-${suffix}.jsonl`);
}
