// The spool: measurements waiting for the collector, one file per measurement named by its id, each
// written atomically and fsynced. A file leaves the spool only when the collector confirmed it (deleted)
// or refused it for good (moved to rejected/ with the collector's reason). Retry state (attempts, next
// attempt time) lives in the same file, so a later run honours the backoff of an earlier one.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { TMP_PREFIX, unlinkDurable, writeFileAtomic } from '../fs/atomic.js';
import type { Measurement } from '../model/measurement.js';
import { describeProblem, parseJson } from '../util/json-locate.js';

export const SPOOL_FORMAT = 1;

export interface SpoolEntry {
  format: typeof SPOOL_FORMAT;
  id: string;
  /** ISO time the measurement entered the spool. */
  spooled_at: string;
  attempts: number;
  /** ISO time before which no retry is made (backoff); null = now. */
  next_attempt_at: string | null;
  last_error: string | null;
  measurement: Measurement;
}

export interface RejectedEntry extends Omit<SpoolEntry, 'measurement'> {
  rejected_at: string;
  /** HTTP status of the refusal (0 when the spool file itself was unreadable). */
  status: number;
  /** The collector's own words. */
  reason: string;
  /** The measurement, or the raw text of a spool file that could not be parsed. */
  measurement: Measurement | string;
}

export interface SpoolItem {
  name: string;
  path: string;
}

/** File name for an id: the id itself when it is a safe name, else a hash of it. */
export function spoolName(id: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(id)) return `${id}.json`;
  return `h-${createHash('sha256').update(id).digest('hex').slice(0, 40)}.json`;
}

/** Temp files older than this are leftovers of a crash (younger ones may belong to a live writer). */
const STALE_TMP_MS = 10 * 60_000;

export class Spool {
  readonly rejectedDir: string;

  constructor(readonly dir: string) {
    this.rejectedDir = join(dir, 'rejected');
  }

  private ensure(): void {
    mkdirSync(this.rejectedDir, { recursive: true, mode: 0o700 });
  }

  /** Adds a measurement; one already waiting under the same id is kept as it is (with its retry state). */
  put(m: Measurement, now: Date = new Date()): 'added' | 'present' {
    if (typeof m.id !== 'string' || m.id === '') throw new Error('a measurement without an id cannot be spooled');
    this.ensure();
    const path = join(this.dir, spoolName(m.id));
    if (existsSync(path)) return 'present';
    const entry: SpoolEntry = {
      format: SPOOL_FORMAT,
      id: m.id,
      spooled_at: now.toISOString(),
      attempts: 0,
      next_attempt_at: null,
      last_error: null,
      measurement: m,
    };
    writeFileAtomic(path, `${JSON.stringify(entry)}\n`);
    return 'added';
  }

  /** Names of the waiting items, oldest file first; also clears temp files left by a crash. */
  list(now: Date = new Date()): SpoolItem[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const items: (SpoolItem & { mtime: number })[] = [];
    for (const name of names) {
      const path = join(this.dir, name);
      if (name.startsWith(TMP_PREFIX)) {
        try {
          if (now.getTime() - statSync(path).mtimeMs > STALE_TMP_MS) unlinkSync(path);
        } catch {
          /* raced with its writer */
        }
        continue;
      }
      if (!name.endsWith('.json')) continue;
      try {
        const st = statSync(path);
        // Only regular files: reading a FIFO left here would block the flush for ever.
        if (st.isFile()) items.push({ name, path, mtime: st.mtimeMs });
      } catch {
        /* removed meanwhile */
      }
    }
    return items
      .sort((a, b) => a.mtime - b.mtime || a.name.localeCompare(b.name))
      .map(({ name, path }) => ({ name, path }));
  }

  /**
   * Reads one item. A file that cannot be parsed is moved to rejected/ (raw text kept) and undefined is
   * returned: it is reported, never deleted and never retried forever.
   */
  read(item: SpoolItem, now: Date = new Date()): SpoolEntry | undefined {
    let text: string;
    try {
      text = readFileSync(item.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // submitted by another process
      throw e;
    }
    try {
      // Bounded nesting: a measurement that reached the spool before the readers refused deep lines
      // would otherwise overflow the stack when it is serialised for the collector.
      const parsed = parseJson(text);
      if (!parsed.ok) throw new Error(describeProblem(text, parsed));
      const entry = parsed.value as SpoolEntry;
      if (
        entry.format !== SPOOL_FORMAT ||
        typeof entry.id !== 'string' ||
        !entry.measurement ||
        typeof entry.measurement !== 'object'
      ) {
        throw new Error('not a spool entry');
      }
      return entry;
    } catch (e) {
      this.moveAside(item, {
        format: SPOOL_FORMAT,
        id: item.name.replace(/\.json$/, ''),
        spooled_at: now.toISOString(),
        attempts: 0,
        next_attempt_at: null,
        last_error: null,
        rejected_at: now.toISOString(),
        status: 0,
        reason: `unreadable spool file: ${(e as Error).message}`,
        measurement: text,
      });
      return undefined;
    }
  }

  /** Records a failed attempt and when the next one may happen. Skipped if the item left meanwhile. */
  recordFailure(item: SpoolItem, entry: SpoolEntry, error: string, nextAttempt: Date): void {
    if (!existsSync(item.path)) return;
    const updated: SpoolEntry = {
      ...entry,
      attempts: entry.attempts + 1,
      next_attempt_at: nextAttempt.toISOString(),
      last_error: error,
    };
    writeFileAtomic(item.path, `${JSON.stringify(updated)}\n`);
  }

  /** The collector confirmed it: delete. */
  remove(item: SpoolItem): void {
    unlinkDurable(item.path);
  }

  /** The collector refused it for good: keep it aside with the reason. */
  reject(item: SpoolItem, entry: SpoolEntry, status: number, reason: string, now: Date = new Date()): void {
    this.moveAside(item, { ...entry, attempts: entry.attempts + 1, rejected_at: now.toISOString(), status, reason });
  }

  private moveAside(item: SpoolItem, rejected: RejectedEntry): void {
    this.ensure();
    // Written durably before the original goes: a crash in between leaves both, never neither.
    writeFileAtomic(join(this.rejectedDir, item.name), `${JSON.stringify(rejected)}\n`);
    unlinkDurable(item.path);
  }

  listRejected(): RejectedEntry[] {
    let names: string[];
    try {
      names = readdirSync(this.rejectedDir).filter((n) => n.endsWith('.json') && !n.startsWith(TMP_PREFIX));
    } catch {
      return [];
    }
    return names.map((n) => JSON.parse(readFileSync(join(this.rejectedDir, n), 'utf8')) as RejectedEntry);
  }
}
