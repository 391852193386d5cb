// `voipprobe demo` (the real binary) and the lab's server process (serve-main), end to end.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { type LabWorld, probeArgs } from '../../../src/lab/world/world.js';
import type { Measurement } from '../../../src/model/measurement.js';
import { runCli } from '../../support/cli.js';

const dirs: string[] = [];
const tmp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const readLines = (dir: string): Measurement[] => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  expect(files).toHaveLength(1);
  return readFileSync(join(dir, files[0]!), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Measurement);
};

/** The table row of a service (80 columns: its cells may be shortened, said in full on the lines under it). */
const row = (stdout: string, service: string) => stdout.split('\n').find((l) => l.startsWith(`${service} `));
/** The prose under the table with its wrapped lines joined again. */
const unwrapped = (s: string) => s.replace(/\n {2}(?=\S)/g, ' ');

describe('voipprobe demo', () => {
  it('shows Morocco 2016 from the loopback lab, says plainly what it cannot show there, keeps its results apart and leaves no temporary folder', async () => {
    const cwd = tmp('vp-demo-cwd-');
    // A TMPDIR of this test's own: other processes' folders in /tmp do not count.
    const tmpdir = tmp('vp-demo-tmpdir-');
    const r = await runCli(['demo', '--lab', 'loopback'], { cwd, timeoutMs: 60_000, env: { TMPDIR: tmpdir } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^=+\nSIMULATION — loopback lab configured as Morocco 2016 /);
    expect(r.stdout.replace(/\s+/g, ' ')).toMatch(/nothing here measured a real network\./);
    expect(r.stdout.replace(/\s+/g, ' ')).toMatch(
      /WHAT THIS DEMO CANNOT SHOW: --lab loopback was asked for\. Without routers between the probe and the call relays it cannot locate where UDP towards a relay stops/,
    );
    // 80 columns (not a terminal): no line longer, and the legend under the table.
    // (The jq command to copy stands whole on its own line, whatever the width.)
    for (const l of r.stdout.split('\n')) if (!l.startsWith('  jq ')) expect(l.length, l).toBeLessThanOrEqual(80);
    expect(r.stdout).toMatch(/^legend: /m);
    // The relays of WhatsApp and Teams ignore strangers, as the real ones do: without localisation, inconclusive.
    for (const s of ['whatsapp', 'skype']) expect(row(r.stdout, s), s).toMatch(/\sinconclusive\s+inconclusive$/);
    // Viber's calls are not tested (no sourced relay), and the table says so; web-only services say they were tested at their website only.
    expect(row(r.stdout, 'viber')).toMatch(/\snot tested\s+accessible \(web( only)?\)$/);
    expect(unwrapped(r.stdout)).toContain(
      'viber: accessible — web works; chat and call not tested (unverified targets only)',
    );
    for (const s of ['mumble', 'tango', 'teamspeak', 'ventrilo'])
      expect(row(r.stdout, s), s).toMatch(/\snot tested\s+accessible \(web( only)?\)$/);
    expect(unwrapped(r.stdout)).toContain(
      'facetime: accessible — chat works; web and call not tested (no target in the catalogue)',
    );
    expect(r.stdout).not.toMatch(/^(facetime|mumble|tango|teamspeak|ventrilo|viber): .*every path works/m);
    // Relays that answer strangers are shown answered; nothing is called blocked that the shipped catalogue could not detect.
    expect(r.stdout.replace(/\s+/g, ' ')).toMatch(
      /signal .* accessible\+ accessible call path: accessible \(answered\)/,
    );
    expect(r.stdout).not.toMatch(/\bblocked\b.*\b(partially_)?blocked$/m);
    expect(unwrapped(r.stdout)).toMatch(/^controls: up — .*neutral STUN answered on port 3478, 19302/m);
    // Never in ./results, and the temporary folder (results, the lab's CA and catalogue) is gone.
    expect(existsSync(join(cwd, 'results'))).toBe(false);
    expect(r.stdout).toContain('SIMULATION: these results came from the loopback lab, not from a network.');
    expect(r.stderr).toContain(
      'the results file above was in a temporary folder, removed now; voipprobe demo --out DIR keeps it',
    );
    expect(readdirSync(tmpdir)).toEqual([]);
  }, 60_000);

  it('leaves no temporary folder when it fails, or is stopped with Ctrl-C at any moment', async () => {
    const tmpdir = tmp('vp-demo-tmpdir-');
    const failed = await runCli(['demo', '--lab', 'loopback', '--scenario', 'c1'], { env: { TMPDIR: tmpdir } });
    expect(failed.code).toBe(2);
    expect(readdirSync(tmpdir)).toEqual([]);
    // Ctrl-C early (the lab starting), mid-run, and twice (the run leaves at once, by process.exit).
    for (const [delayMs, times] of [
      [150, 1],
      [1200, 1],
      [1200, 2],
      [2500, 2],
    ] as const) {
      const r = await runCli(['demo', '--lab', 'loopback'], {
        env: { TMPDIR: tmpdir },
        onSpawn: (kill) => {
          for (let i = 0; i < times; i++) setTimeout(() => kill('SIGINT'), delayMs + 100 * i);
        },
      });
      // Before node has set up (a loaded machine may be slow), the signal ends it plainly: nothing was made yet.
      expect(
        r.code === 0 || r.code === 130 || r.signal === 'SIGINT',
        `${delayMs} ms, ${times}x: ${r.code} ${r.signal} ${r.stderr}`,
      ).toBe(true);
      expect(readdirSync(tmpdir), `${delayMs} ms, ${times}x`).toEqual([]);
    }
  }, 120_000);

  it('with --out keeps its results there and names the file', async () => {
    const out = tmp('vp-demo-keep-');
    const tmpdir = tmp('vp-demo-tmpdir-');
    const r = await runCli(['demo', '--lab', 'loopback', '--out', out], { env: { TMPDIR: tmpdir }, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const file = /SIMULATION: these results came from the loopback lab, not from a network \((.+\.jsonl)\)/.exec(
      r.stdout.replace(/\n\s*/g, ' '),
    )?.[1];
    expect(file).toBeDefined();
    const lines = readLines(out);
    expect(join(out, readdirSync(out)[0]!)).toBe(file);
    expect(lines).toHaveLength(12);
    for (const m of lines) expect(m.annotations.x_simulation).toMatch(/^voipprobe demo: loopback lab, scenario 9/);
    expect(readdirSync(tmpdir)).toEqual([]);
  }, 60_000);

  it('runs another scenario into --out, and lists them', async () => {
    const out = tmp('vp-demo-out-');
    const r = await runCli(['demo', '--lab', 'loopback', '--scenario', '7', '--out', out], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(
      'SIMULATION — loopback lab scenario 7: TLS SNI filtering of Skype/Teams',
    );
    expect(row(r.stdout, 'skype')).toMatch(/\s(partially_blocked|partly blocked|partial) \(strong\)$/);
    expect(row(r.stdout, '  skype-legacy')).toMatch(/\sblocked \(strong\)$/);
    const skype = readLines(out).find((m) => m.test_keys.service === 'skype')!;
    expect(skype.test_keys.x_verdict?.paths.chat?.techniques).toEqual(['tls.reset']);

    const list = await runCli(['demo', '--list']);
    expect(list.code).toBe(0);
    for (const id of ['1', '9', '10a', '10b', '11a', '11b', '12', 'c1', 'c2', 'c3'])
      expect(list.stdout).toMatch(new RegExp(`^${id}\\s`, 'm'));
    expect(list.stdout).toMatch(/^c1\s.*namespaces only$/m);

    const needsRouters = await runCli(['demo', '--lab', 'loopback', '--scenario', 'c1']);
    expect(needsRouters.code).toBe(2);
    expect(needsRouters.stderr).toMatch(
      /cannot be simulated on loopback: locating where packets towards a relay stop needs routers/,
    );

    const bad = await runCli(['demo', '--scenario', '99']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown scenario "99"/);
  }, 60_000);
});

describe('serve-main (the lab servers in their own process)', () => {
  it('prints one ready line, takes commands on stdin, serves the real probe and exits 0 on SIGTERM', async () => {
    const dir = tmp('vp-serve-');
    const child = spawn(
      process.execPath,
      [
        join(import.meta.dirname, '..', '..', '..', 'dist', 'src', 'lab', 'world', 'serve-main.js'),
        '--plan',
        'loopback',
        '--octet',
        '201',
        '--ca-out',
        join(dir, 'ca.pem'),
        '--catalogue-out',
        join(dir, 'targets'),
        '--world-out',
        join(dir, 'world.json'),
      ],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const next = async () =>
        JSON.parse(((await lines.next()).value as string | undefined) ?? 'null') as Record<string, unknown> | null;
      const ready = await next();
      expect(ready, stderr).toMatchObject({
        ready: true,
        kind: 'loopback',
        prefix: '127.201.0.0/16',
        ca_file: join(dir, 'ca.pem'),
        targets_dir: join(dir, 'targets'),
      });
      const world = JSON.parse(readFileSync(join(dir, 'world.json'), 'utf8')) as LabWorld;

      child.stdin.write(`${JSON.stringify({ apply: [{ kind: 'outage', service: 'whatsapp' }] })}\n`);
      expect(await next()).toEqual({ ok: true });
      const out = tmp('vp-serve-out-');
      const r = await runCli([
        'run',
        ...probeArgs(world, { targetsDir: join(dir, 'targets'), caFile: join(dir, 'ca.pem') }),
        '--service',
        'whatsapp',
        'viber',
        '--timeout',
        '2',
        '--out',
        out,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const byService = Object.fromEntries(readLines(out).map((m) => [m.test_keys.service, m]));
      expect(byService.controls!.test_keys.x_controls.network).toBe('up');
      expect(byService.whatsapp!.test_keys.x_verdict?.status).toBe('inconclusive');
      expect(byService.viber!.test_keys.x_verdict?.status).toBe('accessible');

      child.stdin.write('{"reset":true}\n');
      expect(await next()).toEqual({ ok: true });
      child.stdin.write('{"bogus":1}\n');
      expect(await next()).toMatchObject({ ok: false });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);
});
