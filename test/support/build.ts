// vitest globalSetup: compile dist/ (incremental, so quick when nothing changed) before any test
// spawns `node dist/src/cli.js`. tsc emits even when a file has a type error; type errors fail
// `npm test` in its own strict tsc step, so here they are only reported.
import { spawnSync } from 'node:child_process';

export default function setup(): void {
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], {
    encoding: 'utf8',
  });
  if (r.status !== 0)
    process.stderr.write(`[build] tsc reported problems (dist/ was still emitted):\n${r.stdout}${r.stderr}`);
}
