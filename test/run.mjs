#!/usr/bin/env node
// The README's test command (`npm test`), in the order that fails fastest: the formatter and linter,
// the pure unit tests (no build: vitest compiles what each test imports), the build and type check of
// the whole project and its tests, the integration suite (loopback only, no privileges; it spawns the
// built CLI), the install test (packs and installs the command), then the namespace lab when running
// as root. When the lab cannot run, it says so plainly instead of passing silently.

import { spawnSync } from 'node:child_process';

function run(what, cmd, args) {
  process.stdout.write(`\n== ${what}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stdout.write(`\nnpm test: ${what} failed\n`);
    process.exit(r.status ?? 1);
  }
}

run('format and lint', 'npx', ['biome', 'check', '.']);
run('unit tests', 'npx', ['vitest', 'run', '--project', 'unit']);
run('build', 'npx', ['tsc', '-p', 'tsconfig.json']);
run('type check of the tests', 'npx', ['tsc', '-p', 'test/tsconfig.json']);
run('integration tests', 'npx', ['vitest', 'run', '--project', 'integration']);
run('install test', 'npx', ['vitest', 'run', '--project', 'install']);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasIp = spawnSync('ip', ['-V'], { stdio: 'ignore' }).status === 0;
const hasNft = spawnSync('nft', ['--version'], { stdio: 'ignore' }).status === 0;
if (isRoot && hasIp && hasNft) {
  run('namespace lab', 'npx', ['vitest', 'run', '--project', 'lab']);
} else {
  const why = !isRoot ? 'not running as root' : !hasIp ? 'iproute2 (ip) not installed' : 'nftables (nft) not installed';
  process.stdout.write(
    `\nLAB TESTS SKIPPED: the network-namespace censorship lab needs root, iproute2 and nftables (${why}).\n`,
  );
}
