// Walking the folders a user points us at (a catalogue, results, a collector store). Only regular files
// are ever taken: a FIFO or a device named *.json would block the read for ever, and a symlink loop
// would recurse until ELOOP. Those, dangling symlinks and unreadable entries are skipped with a message;
// a folder or file reached a second time (through a symlink, or named twice) is read once.

import { readdirSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import { printable } from '../util/terminal.js';

export interface SkippedPath {
  path: string;
  reason: string;
}

export type OnSkip = (s: SkippedPath) => void;

/** The default: say so on stderr, so that nothing is dropped in silence. */
export const reportSkipped: OnSkip = ({ path, reason }) => {
  process.stderr.write(`voipprobe: ${printable(path)}: skipped: ${reason}\n`);
};

/** What a non-regular, non-directory entry is, for the message. */
export function fileKind(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Folders and files already taken in one walk (or several, for several paths), by device and inode. */
export class WalkSeen {
  private readonly first = new Map<string, string>();

  /** The path it was first reached by, or undefined (and it is now recorded) when new. */
  visit(st: Stats, path: string): string | undefined {
    const key = `${st.dev}:${st.ino}`;
    const prev = this.first.get(key);
    if (prev === undefined) this.first.set(key, path);
    return prev;
  }
}

export interface WalkOptions {
  /** Which file names to take. */
  accept: (name: string) => boolean;
  /** Enter sub-folders (results folders); a catalogue is flat. */
  recursive?: boolean;
  onSkip?: OnSkip;
  /** Shared across the walks of one command, so that a file named twice is read once. */
  seen?: WalkSeen;
}

/**
 * The regular files in `dir` (and its sub-folders when recursive) whose names `accept` takes, sorted
 * by name within each folder. Reading `dir` itself may throw (the caller names it); anything below it
 * that cannot be read is skipped with a message.
 */
export function filesIn(dir: string, opts: WalkOptions): string[] {
  const onSkip = opts.onSkip ?? reportSkipped;
  const seen = opts.seen ?? new WalkSeen();
  const out: string[] = [];
  const ancestors = new Set<string>();
  const walk = (d: string, st: Stats) => {
    const key = `${st.dev}:${st.ino}`;
    const names = readdirSync(d).sort();
    ancestors.add(key);
    for (const name of names) {
      const child = join(d, name);
      let cs: Stats;
      try {
        cs = statSync(child);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (opts.accept(name) || opts.recursive)
          onSkip({
            path: child,
            reason:
              code === 'ENOENT'
                ? 'a symlink to nothing'
                : code === 'ELOOP'
                  ? 'a symlink loop'
                  : `cannot read: ${code ?? (e as Error).message}`,
          });
        continue;
      }
      if (cs.isDirectory()) {
        if (!opts.recursive) continue;
        if (ancestors.has(`${cs.dev}:${cs.ino}`)) {
          onSkip({ path: child, reason: 'a symlink loop (a link back to a folder it is in)' });
          continue;
        }
        const prev = seen.visit(cs, child);
        if (prev !== undefined) {
          onSkip({ path: child, reason: `the same folder as ${printable(prev)}, read once` });
          continue;
        }
        try {
          walk(child, cs);
        } catch (e) {
          onSkip({ path: child, reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
        }
        continue;
      }
      if (!opts.accept(name)) continue;
      if (!cs.isFile()) {
        onSkip({ path: child, reason: fileKind(cs) });
        continue;
      }
      const prev = seen.visit(cs, child);
      if (prev !== undefined) {
        onSkip({ path: child, reason: `the same file as ${printable(prev)}, read once` });
        continue;
      }
      out.push(child);
    }
    ancestors.delete(key);
  };
  const top = statSync(dir);
  const prev = seen.visit(top, dir);
  if (prev !== undefined) onSkip({ path: dir, reason: `the same folder as ${printable(prev)}, read once` });
  else walk(dir, top);
  return out;
}
