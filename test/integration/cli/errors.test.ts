// How failures reach the user: one sentence, the documented exit code, and no stack trace unless
// --log-level debug (or VOIPPROBE_LOG=debug) asked for one.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';

/** A line of a V8 stack trace. */
const STACK = /^\s+at .+[:)]\d*\)?$/m;

const work = mkdtempSync(join(tmpdir(), 'vp-errors-'));
const tokens = join(work, 'tokens');
writeFileSync(tokens, 'a-collector-token-0123456789\n');

describe('no stack trace where a sentence belongs', () => {
  let busy: Server;
  let busyPort: number;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(() => busy.close());

  it('run --log-level verbose: a usage error, exit 2, before anything is measured', async () => {
    const r = await runCli(['run', '--log-level', 'verbose'], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'voipprobe: --log-level (or VOIPPROBE_LOG): expected one of trace, debug, info, warn, error, fatal, silent, got "verbose"\n',
    );
  });

  it('schedule --install without cron: the hint, exit 1, no stack', async () => {
    const r = await runCli(['schedule', '--every', '15m', '--install', '--workdir', work], {
      env: { VOIPPROBE_CRONTAB: join(work, 'no-crontab-here') },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `voipprobe: could not run: "${join(work, 'no-crontab-here')}" not found: install cron (Debian: apt-get install cron)`,
    );
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).not.toMatch(/bug/);
  });

  it('...and the stack is there for whoever asks for it', async () => {
    const r = await runCli(['schedule', '--every', '15m', '--install', '--workdir', work], {
      env: { VOIPPROBE_CRONTAB: join(work, 'no-crontab-here'), VOIPPROBE_LOG: 'debug' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(STACK);
  });

  it('a collector port already in use: exit 1, what to do, no stack', async () => {
    const r = await runCli(
      ['collector', '--listen', `127.0.0.1:${busyPort}`, '--store', join(work, 'store-busy'), '--token-file', tokens],
      { timeoutMs: 20_000 },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `voipprobe: could not run: cannot listen on 127.0.0.1:${busyPort}: the address is already in use`,
    );
    expect(r.stderr).not.toMatch(STACK);
  });

  it('a store another collector holds: exit 1, which process, no stack', async () => {
    const store = join(work, 'store-locked');
    mkdirSync(store);
    writeFileSync(join(store, '.collector.lock'), `${process.pid}\n`); // a live process holds it
    const r = await runCli(['collector', '--listen', '127.0.0.1:0', '--store', store, '--token-file', tokens], {
      timeoutMs: 20_000,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `voipprobe: could not run: ${store}: another collector (pid ${process.pid}) uses this store; stop it first, or give this one another --store\n`,
    );
  });

  it('a bug (neither input nor the environment) is said to be one, still without a stack; a system error is not a bug', async () => {
    const { reportError } = await import('../../../src/cli/common.js');
    let err = '';
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => {
      err += s;
      return true;
    }) as typeof process.stderr.write;
    try {
      reportError(new TypeError("Cannot read properties of undefined (reading 'x')"));
      reportError(
        Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' }),
      );
    } finally {
      process.stderr.write = write;
    }
    expect(err).toBe(
      "voipprobe: could not run: Cannot read properties of undefined (reading 'x')\n" +
        'voipprobe: this looks like a bug in voipprobe; run again with --log-level debug (or VOIPPROBE_LOG=debug) for the details, and please report it\n' +
        'voipprobe: could not run: ENOSPC: no space left on device, write\n',
    );
  });
});
