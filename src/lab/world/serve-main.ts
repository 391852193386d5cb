#!/usr/bin/env node
// Runs the servers of a lab world in their own process, e.g. inside the namespace lab's "net"
// namespace:
//
//   node dist/src/lab/world/serve-main.js --world world.json [--ca-out lab-ca.pem] [--catalogue-out DIR]
//   node dist/src/lab/world/serve-main.js --plan netns|loopback [--octet N] [--world-out world.json] ...
//
// Creates a lab CA (its certificate goes to --ca-out, for the probe's --ca-file), starts every
// server, and prints ONE JSON line on stdout once all listen:
//   {"ready":true,"pid":...,"ca_file":...,"targets_dir":...,"world_file":...,"servers":N,"startup_ms":...}
// Afterwards it reads JSON lines on stdin, one command each, and answers one JSON line per command:
//   {"apply":[<CensorAction>...]}  the servers play these actions (e.g. an outage); {"ok":true}
//   {"reset":true}                  back to a clean network; {"ok":true}
// A failure is {"ok":false,"error":"..."}. SIGTERM/SIGINT (or stdin closing, with --exit-on-eof) close
// every server, remove the temporary files it made (not the --*-out ones) and exit 0. Errors before "ready" exit 1 with the reason on stderr.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { loadCatalogue } from '../../catalogue/load.js';
import { createLabCa } from './pki.js';
import type { CensorAction } from './scenarios.js';
import { LabServers } from './serve.js';
import { type LabWorld, planWorld, writeLabCatalogue } from './world.js';

function out(obj: unknown): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const { values } = parseArgs({
    options: {
      world: { type: 'string' },
      plan: { type: 'string' },
      octet: { type: 'string' },
      'world-out': { type: 'string' },
      'ca-out': { type: 'string' },
      'catalogue-out': { type: 'string' },
      'exit-on-eof': { type: 'boolean' },
    },
    strict: true,
  });
  let world: LabWorld;
  if (values.world) world = JSON.parse(readFileSync(values.world, 'utf8')) as LabWorld;
  else if (values.plan === 'netns') world = planWorld(loadCatalogue(), { kind: 'netns' });
  else if (values.plan === 'loopback')
    world = planWorld(loadCatalogue(), { kind: 'loopback', ...(values.octet ? { octet: Number(values.octet) } : {}) });
  else throw new Error('give --world FILE or --plan netns|loopback');
  if (!Array.isArray(world.endpoints) || !world.infra)
    throw new Error(`${values.world}: not a lab world (planWorld output)`);

  const needScratch = !values['ca-out'] || !values['catalogue-out'] || (!values.world && !values['world-out']);
  const scratch = needScratch ? mkdtempSync(join(tmpdir(), 'voipprobe-serve-')) : undefined;
  const caFile = values['ca-out'] ?? join(scratch!, 'lab-ca.pem');
  const ca = await createLabCa(`voipprobe ${world.kind} lab CA`);
  writeFileSync(caFile, ca.certPem);
  const targetsDir = writeLabCatalogue(world, values['catalogue-out'] ?? join(scratch!, 'targets'));
  let worldFile = values.world;
  if (!worldFile) {
    worldFile = values['world-out'] ?? join(scratch!, 'world.json');
    writeFileSync(worldFile, `${JSON.stringify(world, null, 2)}\n`);
  }

  const servers = new LabServers(world, { ca });
  await servers.start();
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await servers.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());

  // Commands are handled one at a time, in order.
  let queue = Promise.resolve();
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    queue = queue.then(async () => {
      try {
        const cmd = JSON.parse(line) as { apply?: CensorAction[]; reset?: boolean };
        if (cmd.reset) await servers.reset();
        if (cmd.apply) await servers.apply(cmd.apply);
        if (!cmd.reset && !cmd.apply) throw new Error('unknown command: expected {"apply":[...]} or {"reset":true}');
        out({ ok: true });
      } catch (err) {
        out({ ok: false, error: (err as Error).message });
      }
    });
  });
  rl.on('close', () => {
    if (values['exit-on-eof']) void queue.then(shutdown);
  });

  out({
    ready: true,
    pid: process.pid,
    kind: world.kind,
    prefix: world.prefix,
    ca_file: caFile,
    targets_dir: targetsDir,
    world_file: worldFile,
    servers: servers.endpoints.length + 4,
    startup_ms: Math.round(performance.now() - t0),
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`serve-main: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
