// A lock file holding the owner's pid, so that two processes never work on the same spool or store at
// once. A lock left by a process that died (kill -9, power loss) is taken over: its pid is not alive.

import { linkSync, readFileSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { OperationalError } from '../util/operational-error.js';
import { TMP_PREFIX, writeFileAtomic } from './atomic.js';

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface PidLock {
  file: string;
  release(): void;
}

/** Takes the lock, or returns the pid of the live process that holds it. */
export function tryLock(file: string): PidLock | { heldBy: number } {
  const tmp = join(dirname(file), `${TMP_PREFIX}${basename(file)}-${process.pid}`);
  writeFileAtomic(tmp, `${process.pid}\n`);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        // link(2) fails if the lock exists: creation and content are one atomic step.
        linkSync(tmp, file);
        let released = false;
        return {
          file,
          release() {
            if (released) return;
            released = true;
            try {
              if (Number(readFileSync(file, 'utf8').trim()) === process.pid) unlinkSync(file);
            } catch {
              /* already gone */
            }
          },
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        let holder = NaN;
        try {
          holder = Number(readFileSync(file, 'utf8').trim());
        } catch {
          continue; // vanished between link and read: try again
        }
        if (alive(holder)) return { heldBy: holder };
        try {
          unlinkSync(file); // stale: its owner is dead
        } catch {
          /* someone else took it over first */
        }
      }
    }
    throw new OperationalError(`${file}: could not take the lock (it keeps changing hands); try again`);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* ignore */
    }
  }
}
