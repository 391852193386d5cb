import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// What a command loads before it does anything is start-up time (and, in the reporter's reader threads,
// memory in every thread). These follow the static imports of the source, type-only ones left out, as
// Node would load them, and check that what only some runs need is loaded by those runs alone.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Value imports (and re-exports) of one source file: relative ones as .ts paths, packages by name. */
function staticImports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /^(import|export)\s+(type\s)?([^'";]*?)\s*from\s+'([^']+)'|^import\s+'([^']+)'/gm;
  for (const m of src.matchAll(re)) {
    if (m[2]) continue; // import type / export type: erased
    const spec = m[4] ?? m[5]!;
    if (spec.startsWith('node:')) continue;
    if (spec.startsWith('.')) out.push(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
    else out.push(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
  }
  return out;
}

/** Everything a module loads at start-up: project files relative to the root, and package names. */
function loadedBy(entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (file: string) => {
    const key = relative(ROOT, file);
    if (seen.has(key)) return;
    seen.add(key);
    for (const dep of staticImports(file)) {
      if (dep.startsWith('/')) {
        if (!existsSync(dep)) throw new Error(`${key} imports ${dep}, which does not exist`);
        walk(dep);
      } else seen.add(dep);
    }
  };
  walk(join(ROOT, entry));
  return seen;
}

describe('start-up imports', () => {
  it('finds the imports it follows (the check itself works)', () => {
    const run = loadedBy('src/cli/run.ts');
    expect(run).toContain('src/session/session.ts');
    expect(run).toContain('src/measure/chains.ts');
    expect(run).toContain('commander');
    // A type-only import is not followed.
    expect(loadedBy('src/report/aggregate.ts')).not.toContain('src/claims/scope.ts');
  });

  it('`voipprobe run` loads the helper, test-call, WebSocket and logging code only for runs that use them', () => {
    const run = loadedBy('src/cli/run.ts');
    for (const only of [
      'ws', // the first WebSocket upgrade loads it (src/net/ws.ts)
      'pino', // the first message at an enabled level loads it (src/cli/common.ts)
      'src/measure/helper.ts', // --helper
      'src/measure/call-test.ts', // --call-test
      'src/measure/call-signature.ts',
      'src/util/undici.ts', // the first DoH query, HTTP request or question to a helper (src/net/doh.ts, http.ts, helper-client.ts)
      'mmdb-lib', // the first address looked up in the offline databases (src/vantage/geo-db.ts)
      'src/protocol/helper.ts', // the helper protocol's schemas; the verdict rules read only src/protocol/helper-words.ts
    ])
      expect(run, only).not.toContain(only);
  });

  it("the reporter's reader threads load no schema (zod) and none of the report's assembly", () => {
    const worker = loadedBy('src/report/read-worker.ts');
    expect(worker).toContain('src/report/read-fast.ts');
    for (const not of ['zod', 'src/results/read.ts', 'src/report/build.ts', 'src/report/claim-verdict.ts'])
      expect(worker, not).not.toContain(not);
  });
});
