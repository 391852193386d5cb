// vitest globalSetup: compile dist/ (incremental, so a no-op when nothing changed) before any test
// spawns `node dist/src/cli.js`.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}
