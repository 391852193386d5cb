// getaddrinfo through the helper process gives what getaddrinfo in this process gives, and leaves no
// lookup on this process's thread pool (where a pending one would hold the process open at exit).
// Only names /etc/hosts answers: no DNS traffic.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  closeSystemResolver,
  helperGetaddrinfo,
  inProcessGetaddrinfo,
  lookupSystem,
  useSystemResolver,
} from '../../../src/net/dns-system.js';

afterAll(() => closeSystemResolver());

const base = { clock: () => 0, timeoutMs: 5000, transactionId: 1 };

describe('getaddrinfo in the helper process', () => {
  it('answers like this process does', async () => {
    const [viaHelper, here] = await Promise.all([helperGetaddrinfo('localhost'), inProcessGetaddrinfo('localhost')]);
    expect(viaHelper).toEqual(here);
    const q = await lookupSystem({ ...base, hostname: 'localhost' });
    expect(q.failure).toBeNull();
    expect(q.answers.length).toBeGreaterThan(0);
  });

  it('keeps the error code of a failed lookup', async () => {
    // An empty label is refused by getaddrinfo itself, before any packet is sent.
    const [viaHelper, here] = await Promise.all([helperGetaddrinfo('a..b'), inProcessGetaddrinfo('a..b')]);
    expect('error' in viaHelper && viaHelper.error.code).toBe('error' in here && here.error.code);
  });

  it('is restarted after a close, and many lookups at once are matched to their callers', async () => {
    closeSystemResolver();
    const names = Array.from({ length: 50 }, (_, i) => (i % 2 ? 'localhost' : 'a..b'));
    const out = await Promise.all(names.map((n) => helperGetaddrinfo(n)));
    for (const [i, r] of out.entries()) expect('addresses' in r).toBe(i % 2 === 1);
  });

  it('a run ending does not cancel the lookups of another run of the same process', async () => {
    const first = useSystemResolver();
    const second = useSystemResolver();
    const pending = helperGetaddrinfo('localhost');
    first();
    first(); // idempotent: the second run still holds the helper
    expect('addresses' in (await pending)).toBe(true);
    second();
  });

  it('a script that only waits for a lookup gets its answer, and then exits (the helper holds nothing open)', async () => {
    const script = `import(${JSON.stringify(join(import.meta.dirname, '..', '..', '..', 'dist', 'src', 'net', 'dns-system.js'))}).then(async (m) => { await m.helperGetaddrinfo('localhost'); process.stdout.write('done'); })`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise((res) => child.on('close', res));
    expect(code).toBe(0);
    expect(out).toBe('done');
  });
});
