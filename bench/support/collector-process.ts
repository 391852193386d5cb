// The collector as a child process (the built CLI), so that a benchmark can kill -9 it and start it
// again on the same port and store.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

/** dist/src/cli.js, next to this file's compiled copy (dist/bench/support/). */
export const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

export interface CollectorProcess {
  child: ChildProcess;
  url: string;
  /** stderr of the process so far (its log). */
  log(): string;
}

export async function startCollectorProcess(
  port: number,
  store: string,
  tokenFile: string,
  extra: string[] = [],
): Promise<CollectorProcess> {
  const child = spawn(
    process.execPath,
    [CLI, 'collector', '--listen', `127.0.0.1:${port}`, '--store', store, '--token-file', tokenFile, ...extra],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, VOIPPROBE_LOG: 'warn' },
    },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdout!.resume();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`collector exited with ${child.exitCode}: ${err}`);
    try {
      const res = await request(`${url}/health`, { headersTimeout: 1_000 });
      await res.body.text();
      if (res.statusCode === 200) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`collector did not come up: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url, log: () => err };
}

export function killHard(p: CollectorProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill('SIGKILL');
  });
}

export function stopGracefully(p: CollectorProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill('SIGTERM');
  });
}
