#!/usr/bin/env node
// The README's test command (`npm test`): builds, type-checks the tests, runs the unit/integration
// suite (loopback only, no privileges), the install test (packs and installs the command), then the
// namespace lab when running as root. When the lab cannot run, it says so plainly instead of passing
// silently.

import { spawnSync } from 'node:child_process';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run('npx', ['tsc', '-p', 'tsconfig.json']);
run('npx', ['tsc', '-p', 'test/tsconfig.json']);
run('npx', ['vitest', 'run', '--project', 'unit']);
run('npx', ['vitest', 'run', '--project', 'install']);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasIp = spawnSync('ip', ['-V'], { stdio: 'ignore' }).status === 0;
const hasNft = spawnSync('nft', ['--version'], { stdio: 'ignore' }).status === 0;
if (isRoot && hasIp && hasNft) {
  run('npx', ['vitest', 'run', '--project', 'lab']);
} else {
  const why = !isRoot ? 'not running as root' : !hasIp ? 'iproute2 (ip) not installed' : 'nftables (nft) not installed';
  process.stdout.write(`\nLAB TESTS SKIPPED: the network-namespace censorship lab needs root, iproute2 and nftables (${why}).\n`);
}
