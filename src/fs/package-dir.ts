// Finds a folder shipped at the package's top level (probes/, seeds/) from any module, both when run
// from src/ (vitest) and from dist/src/ (the built CLI).

import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OperationalError } from '../util/operational-error.js';

/** The top-level folder `name` that holds `mustHold` (or anything, when not given). */
export function packageDir(name: string, mustHold?: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, name);
    try {
      const entries = readdirSync(candidate);
      if (!mustHold || entries.includes(mustHold)) return candidate;
    } catch {
      /* not here: one level up */
    }
    const up = resolve(dir, '..');
    if (up === dir) throw new OperationalError(`cannot find ${name}/${mustHold ?? ''} next to the installed package`);
    dir = up;
  }
}
