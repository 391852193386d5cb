// Results are appended one whole line at a time: each measurement is serialised first and written
// with a single write(2) on a file opened for appending, then fsync'ed. A line that cannot be written
// whole (a full disk, a quota, a file size limit) is cut off again, so the file only ever holds whole
// lines; the writer says how many lines it could not write and why, instead of throwing.
//
// Lines already written can be replaced (the privacy filter learns a new public address late in a
// run): the file is rewritten atomically (temp file, fsync, rename), so an interruption leaves either
// the old lines or the new ones. When even that cannot be written, the file is cut back to the first
// changed line and the new lines appended one by one: never a torn line, never the old text kept.

import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { compactUtc } from '../model/measurement.js';

/** What could not be written, in one sentence's worth of data. */
export interface WriteFailure {
  /** errno code of the first failure (ENOSPC, EDQUOT, EFBIG, EACCES...). */
  code: string;
  message: string;
}

const WHY: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'the file is larger than this process may write',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EIO: 'input/output error',
};

/** "no space left on the device (ENOSPC)" */
export function describeWriteFailure(f: WriteFailure): string {
  return WHY[f.code] ? `${WHY[f.code]} (${f.code})` : f.message;
}

interface Line {
  key: string;
  text: string;
}

export class ResultsWriter {
  private fd: number | null = null;
  private closed = false;
  /** The lines in the file, in order: kept to rewrite them. */
  private readonly lines: Line[] = [];
  /** Lines given to the writer that are not in the file. */
  unwritten = 0;
  /** The first reason a line could not be written. */
  failure: WriteFailure | null = null;
  /** Lines could not be replaced: the file holds their older text. */
  stale = false;
  private created = false;

  /** The file is created with the first line: a run that measured nothing leaves no empty file behind. */
  constructor(readonly file: string) {}

  /** Whole lines in the file. */
  get count(): number {
    return this.lines.length;
  }

  /** Appends one line (without its newline); false when it could not be written (nothing of it is left). */
  append(key: string, text: string): boolean {
    if (this.closed) throw new Error(`results file ${this.file} is closed`);
    if (this.writeLine(text)) {
      this.lines.push({ key, text });
      return true;
    }
    this.unwritten++;
    return false;
  }

  /**
   * Replaces the text of lines already written (by key); lines not in the file are ignored. Atomic when
   * the disk allows it. False when some line could not be written again (it is then gone from the file).
   */
  replace(changes: ReadonlyMap<string, string>): boolean {
    if (this.closed) throw new Error(`results file ${this.file} is closed`);
    const first = this.lines.findIndex((l) => changes.has(l.key));
    if (first < 0) return true;
    const next = this.lines.map((l) => ({ key: l.key, text: changes.get(l.key) ?? l.text }));
    let atomicError: unknown;
    try {
      this.closeFd();
      writeFileAtomic(this.file, next.map((l) => `${l.text}\n`).join(''));
      this.lines.splice(0, this.lines.length, ...next);
      return true;
    } catch (e) {
      atomicError = e;
    }
    // No room for a second copy: cut the file back to the first changed line, then append the rest anew.
    try {
      this.open();
      const keepBytes = this.lines.slice(0, first).reduce((n, l) => n + Buffer.byteLength(l.text) + 1, 0);
      ftruncateSync(this.fd!, keepBytes);
      fsyncSync(this.fd!);
    } catch (e) {
      // Neither rewritten nor cut back: the old lines (whole) are what the file holds.
      this.noteFailure(atomicError ?? e);
      this.stale = true;
      return false;
    }
    const rest = next.slice(first);
    this.lines.splice(first);
    let ok = true;
    for (const l of rest) {
      if (this.writeLine(l.text)) this.lines.push(l);
      else {
        this.unwritten++;
        ok = false;
      }
    }
    return ok;
  }

  /** Closes the file; one this writer created that could not take a single line is removed (no empty results file). */
  close(): void {
    this.closed = true;
    this.closeFd();
    if (this.created && this.lines.length === 0) rmSync(this.file, { force: true });
  }

  private open(): number {
    if (this.fd === null) {
      mkdirSync(dirname(this.file), { recursive: true });
      // Only a file this writer created may be removed again (never a file, or a device, that was there).
      try {
        this.fd = openSync(this.file, 'ax', 0o600);
        this.created ||= fstatSync(this.fd).isFile();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        this.fd = openSync(this.file, 'a', 0o600);
      }
    }
    return this.fd;
  }

  private closeFd(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }

  /** One whole line or nothing: a short or failed write is cut off again. */
  private writeLine(text: string): boolean {
    const buf = Buffer.from(`${text}\n`, 'utf8');
    let before = -1;
    try {
      const fd = this.open();
      before = fstatSync(fd).size;
      let off = 0;
      // A regular file takes the whole buffer in one call; the loop only guards against a short write.
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
      return true;
    } catch (e) {
      this.noteFailure(e);
      if (before >= 0 && this.fd !== null) {
        try {
          ftruncateSync(this.fd, before);
        } catch {
          // Nothing more can be done; a reader reports a torn last line as torn.
        }
      }
      return false;
    }
  }

  private noteFailure(e: unknown): void {
    const err = e as NodeJS.ErrnoException;
    this.failure ??= { code: err.code ?? 'EIO', message: err.message ?? String(e) };
  }
}

/** results/20261126T003529Z-ab12cd.jsonl: one file per run, sortable by time. */
export function runResultsFile(dir: string, start: Date, suffix: string): string {
  return join(dir, `${compactUtc(start)}-${suffix}.jsonl`);
}
