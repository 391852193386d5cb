// Finding a program the way a shell would, without running a shell.

import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** First executable `name` in the directories of `path` (a PATH-style list). */
export function findExecutable(name: string, path: string = process.env.PATH ?? '/usr/bin:/bin'): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}
