// The embedded store: append-only JSON lines, one file per UTC day of receipt
// (measurements-2026-11-26.jsonl), needing nothing installed. Durability: a batch of lines is written
// with one write and one fdatasync before any submitter hears "stored". Idempotency: an in-memory
// id index, rebuilt from the files at start-up. Crash safety: a torn last line (a write cut by a
// crash, never acknowledged) is moved to torn/ and cut off, so new lines never glue onto it.
// One process per directory: a pid lock file keeps a second collector out.

import {
  closeSync,
  constants,
  createReadStream,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  write,
} from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../fs/atomic.js';
import { type PidLock, tryLock } from '../fs/pid-lock.js';
import { filesIn } from '../fs/walk.js';
import type { Measurement } from '../model/measurement.js';
import { type ResultLine, readResultsFile } from '../results/read.js';
import { OperationalError } from '../util/operational-error.js';
import { GroupCommitter } from './group-commit.js';
import {
  type IncomingMeasurement,
  type InsertResult,
  type MeasurementStore,
  matchesFilter,
  measurementUid,
  type QueryFilter,
  type StoreCounts,
  serialiseDocument,
} from './store.js';

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);

const FILE_RE = /^measurements-(\d{4}-\d\d-\d\d)\.jsonl$/;

export interface JsonlStoreOptions {
  /** Called for every problem found while rebuilding the index (torn or corrupt lines). */
  onRecover?: (message: string) => void;
}

export class JsonlStore implements MeasurementStore {
  readonly description: string;
  private readonly index = new Map<string, string>();
  private readonly inflight = new Map<string, Promise<InsertResult>>();
  private readonly committer: GroupCommitter<{ id: string; uid: string; line: string }, InsertResult>;
  private fd: number | null = null;
  private fdDay = '';
  private rows = 0;

  private constructor(
    readonly dir: string,
    private readonly lock: PidLock,
  ) {
    this.description = `jsonl:${dir}`;
    this.committer = new GroupCommitter((batch) => this.commit(batch), 2000);
  }

  static async open(dir: string, opts: JsonlStoreOptions = {}): Promise<JsonlStore> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const lock = tryLock(join(dir, '.collector.lock'));
    if ('heldBy' in lock)
      throw new OperationalError(
        `${dir}: another collector (pid ${lock.heldBy}) uses this store; stop it first, or give this one another --store`,
      );
    const store = new JsonlStore(dir, lock);
    try {
      await store.rebuild(opts.onRecover ?? (() => undefined));
    } catch (e) {
      lock.release();
      throw e;
    }
    return store;
  }

  /** Each non-regular entry is reported once (at start-up, or when it appears). */
  private readonly skipped = new Set<string>();
  private report: (message: string) => void = () => undefined;

  /** The day files, sorted; a FIFO or device named like one is skipped (reading it would block). */
  private files(): string[] {
    return filesIn(this.dir, {
      accept: (n) => FILE_RE.test(n),
      onSkip: ({ path, reason }) => {
        if (this.skipped.has(path)) return;
        this.skipped.add(path);
        this.report(`${path}: skipped: ${reason}`);
      },
    });
  }

  /** Cuts a torn tail off `file` after saving it under torn/; returns the bytes cut. */
  private repairTornTail(file: string, report: (m: string) => void): number {
    const fd = openSync(file, 'r+');
    try {
      const size = fstatSync(fd).size;
      if (size === 0) return 0;
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] === 10) return 0;
      // Find the last newline by scanning back in chunks.
      let end = size;
      let cut = 0;
      const chunk = Buffer.alloc(64 * 1024);
      while (end > 0) {
        const start = Math.max(0, end - chunk.length);
        const n = readSync(fd, chunk, 0, end - start, start);
        const i = chunk.subarray(0, n).lastIndexOf(10);
        if (i >= 0) {
          cut = start + i + 1;
          break;
        }
        end = start;
      }
      const frag = Buffer.alloc(size - cut);
      readSync(fd, frag, 0, frag.length, cut);
      const name = `${file.split('/').pop()}.${cut}.fragment`;
      writeFileAtomic(join(this.dir, 'torn', name), frag);
      ftruncateSync(fd, cut);
      fdatasyncSync(fd);
      report(`${file}: torn last line (${frag.length} bytes, never acknowledged) moved to torn/${name}`);
      return frag.length;
    } finally {
      closeSync(fd);
    }
  }

  private async rebuild(report: (m: string) => void): Promise<void> {
    this.report = report;
    for (const file of this.files()) {
      this.repairTornTail(file, report);
      const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
      let n = 0;
      for await (const text of rl) {
        n++;
        if (text.trim() === '') continue;
        try {
          const doc = JSON.parse(text) as { id?: unknown; measurement_uid?: unknown };
          if (typeof doc.id !== 'string' || typeof doc.measurement_uid !== 'string')
            throw new Error('no id or measurement_uid');
          this.rows++;
          if (!this.index.has(doc.id)) this.index.set(doc.id, doc.measurement_uid);
        } catch (e) {
          report(`${file}:${n}: corrupt line skipped: ${(e as Error).message}`);
        }
      }
    }
  }

  insert(m: IncomingMeasurement): Promise<InsertResult> {
    const id = m.measurement.id;
    const known = this.index.get(id);
    if (known !== undefined) return Promise.resolve({ measurement_uid: known, duplicate: true });
    // The same id arriving twice at once: the second waits for the first and is a duplicate.
    const pending = this.inflight.get(id);
    if (pending) return pending.then((r) => ({ measurement_uid: r.measurement_uid, duplicate: true }));
    let p: Promise<InsertResult>;
    try {
      // Serialised here, alone: a document that cannot be written fails by itself, not its batch.
      const uid = measurementUid(m.measurement, m.receivedAt);
      p = this.committer.submit({ id, uid, line: serialiseDocument(m, uid) });
    } catch (e) {
      return Promise.reject(e);
    }
    p = p.finally(() => this.inflight.delete(id));
    this.inflight.set(id, p);
    return p;
  }

  private fdFor(day: string): number {
    if (this.fd !== null && this.fdDay === day) return this.fd;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    // O_NONBLOCK: opening a FIFO someone left under today's name must fail, not wait for a reader.
    const file = join(this.dir, `measurements-${day}.jsonl`);
    const fd = openSync(
      file,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK,
      0o600,
    );
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      throw new Error(`${file} is not a regular file`);
    }
    this.fd = fd;
    this.fdDay = day;
    return this.fd;
  }

  /**
   * Writes and fdatasyncs a batch. Both run on libuv's thread pool: the event loop keeps parsing
   * requests meanwhile, and they form the next batch (a synchronous fsync would make every batch one).
   */
  private async commit(batch: { id: string; uid: string; line: string }[]): Promise<InsertResult[]> {
    const results = batch.map((b) => ({ measurement_uid: b.uid, duplicate: false }));
    const lines = batch.map((b) => b.line);
    const uids = batch.map((b) => [b.id, b.uid] as const);
    const day = new Date().toISOString().slice(0, 10);
    const fd = this.fdFor(day);
    const before = fstatSync(fd).size;
    const buf = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    try {
      let off = 0;
      while (off < buf.length) off += (await writeAsync(fd, buf, off, buf.length - off, null)).bytesWritten;
      await fdatasyncAsync(fd);
    } catch (e) {
      // Take back a partial batch so the next one does not start mid-line; its senders will retry.
      try {
        ftruncateSync(fd, before);
      } catch {
        /* the start-up repair will cut it */
      }
      throw e;
    }
    for (const [id, uid] of uids) this.index.set(id, uid);
    this.rows += uids.length;
    return results;
  }

  async *query(
    filter: QueryFilter,
    onBad?: (file: string, line: number, reason: string) => void,
  ): AsyncGenerator<ResultLine> {
    // A measurement is received after it started: files of days before `since` cannot hold a match.
    const sinceDay = filter.since?.slice(0, 10);
    for (const file of this.files()) {
      const day = FILE_RE.exec(file.split('/').pop()!)![1]!;
      if (sinceDay && day < sinceDay) continue;
      for await (const line of readResultsFile(file, (b) => onBad?.(b.file, b.line, b.reason))) {
        if (matchesFilter(line.measurement as Measurement, filter)) yield line;
      }
    }
  }

  async counts(): Promise<StoreCounts> {
    await this.committer.idle();
    return { rows: this.rows, distinct: this.index.size };
  }

  async close(): Promise<void> {
    await this.committer.idle();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.lock.release();
  }
}
