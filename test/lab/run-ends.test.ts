// A run must end when it says it ended. In a network namespace whose nameserver never answers
// (resolv.conf says: wait 30 s), getaddrinfo lookups are still pending when the run's steps have
// timed out; the probe must exit right after its report, not when the resolver gives up. Root only.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingRequirements } from '../../src/lab/netns/lab.js';
import { CLI } from '../support/cli.js';

const missing = missingRequirements();
const NS = `vpends-${process.pid}`;
const RESOLVER = '198.18.0.53';

function sh(argv: string[]): void {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
}

function catalogue(): string {
  const d = mkdtempSync(join(tmpdir(), 'vp-ends-cat-'));
  const t = (id: string, host: string) => ({ id, role: 'chat', check: 'tls', host, source: 'test' });
  writeFileSync(
    join(d, 'controls.json'),
    JSON.stringify({
      service: 'controls',
      name: 'Controls',
      kind: 'controls',
      network: { neutral_sni: 'neutral.lab.example' },
      targets: [{ ...t('tls', 'neutral.lab.example'), role: 'control' }],
    }),
  );
  writeFileSync(
    join(d, 'app.json'),
    JSON.stringify({
      service: 'app',
      name: 'App',
      targets: Array.from({ length: 12 }, (_, i) => t(`t${i}`, `h${i}.lab.example`)),
    }),
  );
  return d;
}

describe.skipIf(missing.length > 0)('a run with a silent system resolver', () => {
  let silent: ChildProcess | undefined;

  beforeAll(async () => {
    sh(['ip', 'netns', 'add', NS]);
    sh(['ip', '-n', NS, 'link', 'set', 'lo', 'up']);
    sh(['ip', '-n', NS, 'addr', 'add', `${RESOLVER}/32`, 'dev', 'lo']);
    mkdirSync(`/etc/netns/${NS}`, { recursive: true });
    writeFileSync(`/etc/netns/${NS}/resolv.conf`, `nameserver ${RESOLVER}\noptions timeout:30 attempts:1\n`);
    // Reads every query, answers none (no ICMP either): getaddrinfo waits its full 30 s.
    silent = spawn(
      'ip',
      [
        'netns',
        'exec',
        NS,
        process.execPath,
        '-e',
        `require('dgram').createSocket('udp4').on('message', () => {}).bind(53, '${RESOLVER}', () => console.log('ready'))`,
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((res) => silent!.stdout!.once('data', () => res()));
  });

  afterAll(() => {
    silent?.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', NS]);
    rmSync(`/etc/netns/${NS}`, { recursive: true, force: true });
  });

  it('exits right after the run it reports, with lookups still pending', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vp-ends-out-'));
    const t0 = Date.now();
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        NS,
        process.execPath,
        CLI,
        'run',
        '--targets',
        catalogue(),
        '--timeout',
        '1',
        '--resolver',
        `${RESOLVER}:53`,
        '--doh',
        `https://${RESOLVER}:9/dns-query`,
        '--out',
        out,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout!.on('data', (d) => (stdout += d));
    const code = await new Promise((res) => child.on('close', res));
    const wallS = (Date.now() - t0) / 1000;
    expect(code).toBe(0);
    // The footer is wrapped to the table's width: read it as one line.
    const reported = Number(/measurement lines, ([\d.]+) s\)/.exec(stdout.replace(/\s+/g, ' '))?.[1]);
    expect(reported).toBeGreaterThan(0);
    // Before: the process lived until the resolver gave up (30 s). Generous for a loaded machine.
    expect(wallS).toBeLessThan(reported + 10);
    // ...and no helper was left behind in the namespace: only the silent resolver runs there.
    await new Promise((res) => setTimeout(res, 200));
    const pids = spawnSync('ip', ['netns', 'pids', NS], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
    expect(pids).toEqual([String(silent!.pid)]);
  });
});
