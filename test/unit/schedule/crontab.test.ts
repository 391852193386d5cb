import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerSchedule } from '../../../src/cli/schedule.js';
import { BEGIN_MARKER, buildCronLine, Crontab, END_MARKER, escapeForCron, shellQuote, stripManagedBlock } from '../../../src/schedule/crontab.js';
import { jitterSleep, parseJitter } from '../../../src/schedule/jitter.js';

/** A stand-in for crontab(1): `-l` prints the stored table (or "no crontab"), `-` stores stdin. */
function fakeCrontab(dir: string): { command: string; file: string } {
  const file = join(dir, 'table');
  const command = join(dir, 'crontab');
  writeFileSync(
    command,
    `#!/bin/sh
case "$1" in
  -l) if [ -f '${file}' ]; then cat '${file}'; else echo "no crontab for $(id -un)" >&2; exit 1; fi ;;
  -) cat > '${file}' ;;
  *) echo "fake crontab: unexpected $*" >&2; exit 2 ;;
esac
`,
  );
  chmodSync(command, 0o755);
  return { command, file };
}

const LINE_OPTS = {
  cron: '*/15 * * * *',
  nodePath: '/usr/local/bin/node',
  cliPath: '/opt/voipprobe/dist/src/cli.js',
  workDir: '/home/probe/voip probe',
  lockFile: '/home/probe/voip probe/results/.voipprobe-run.lock',
  logFile: '/home/probe/voip probe/results/cron.log',
  flockPath: '/usr/bin/flock',
  runArgs: ['--jitter', '120', '--config', '/etc/voipprobe/100%.json', '--submit'],
};

describe('crontab line', () => {
  it('absolute paths, flock -n, jitter, output to the log, quoting and % escaped for cron', () => {
    expect(buildCronLine(LINE_OPTS)).toBe(
      "*/15 * * * * cd '/home/probe/voip probe' && /usr/bin/flock -n '/home/probe/voip probe/results/.voipprobe-run.lock' /usr/local/bin/node /opt/voipprobe/dist/src/cli.js run --jitter 120 --config /etc/voipprobe/100\\%.json --submit >> '/home/probe/voip probe/results/cron.log' 2>&1",
    );
  });

  it('the command part is what sh runs once cron has un-escaped it', () => {
    const cmd = `printf '%s|%s' ${shellQuote("it's 100% here")} ${shellQuote('a\\b')}`;
    // Undo cron's escaping the way cron does, then let sh run it.
    const unescaped = escapeForCron(cmd).replace(/\\([\\%])/g, '$1');
    expect(execFileSync('sh', ['-c', unescaped]).toString()).toBe("it's 100% here|a\\b");
  });
});

describe('install / remove with a fake crontab', () => {
  let dir: string;
  let fake: { command: string; file: string };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'voipprobe-cron-'));
    fake = fakeCrontab(dir);
  });

  it('install twice = one entry; other lines preserved; remove = gone', () => {
    writeFileSync(fake.file, 'MAILTO=me@example.org\n0 3 * * * /usr/bin/backup\n');
    const ct = new Crontab(fake.command);
    const line = buildCronLine(LINE_OPTS);
    expect(ct.install(line)).toBe(true);
    expect(ct.install(line)).toBe(false);
    const after = readFileSync(fake.file, 'utf8');
    expect(after).toBe(`MAILTO=me@example.org\n0 3 * * * /usr/bin/backup\n${BEGIN_MARKER}\n${line}\n${END_MARKER}\n`);
    expect(after.split(line).length - 1).toBe(1);

    // A changed schedule replaces the old line instead of adding one.
    const hourly = buildCronLine({ ...LINE_OPTS, cron: '0 * * * *' });
    expect(ct.install(hourly)).toBe(true);
    expect(readFileSync(fake.file, 'utf8')).not.toContain(line);
    expect(readFileSync(fake.file, 'utf8').split(BEGIN_MARKER).length - 1).toBe(1);

    expect(ct.remove()).toBe(true);
    expect(readFileSync(fake.file, 'utf8')).toBe('MAILTO=me@example.org\n0 3 * * * /usr/bin/backup\n');
    expect(ct.remove()).toBe(false);
  });

  it('works on an empty crontab ("no crontab for user")', () => {
    const ct = new Crontab(fake.command);
    expect(existsSync(fake.file)).toBe(false);
    expect(ct.read()).toBe('');
    expect(ct.install('* * * * * true')).toBe(true);
    expect(readFileSync(fake.file, 'utf8')).toBe(`${BEGIN_MARKER}\n* * * * * true\n${END_MARKER}\n`);
    expect(ct.remove()).toBe(true);
    expect(readFileSync(fake.file, 'utf8')).toBe('');
  });

  it('a crontab without a final newline keeps its last line intact', () => {
    writeFileSync(fake.file, '0 3 * * * /usr/bin/backup');
    new Crontab(fake.command).install('* * * * * true');
    expect(readFileSync(fake.file, 'utf8')).toBe(`0 3 * * * /usr/bin/backup\n${BEGIN_MARKER}\n* * * * * true\n${END_MARKER}\n`);
  });

  it('a damaged block (BEGIN without END) is refused rather than guessed at', () => {
    writeFileSync(fake.file, `${BEGIN_MARKER}\n* * * * * true\n0 3 * * * /usr/bin/backup\n`);
    expect(() => new Crontab(fake.command).install('x')).toThrow(/without "# END voipprobe schedule"; fix the crontab by hand/);
    expect(() => stripManagedBlock(`${END_MARKER}\n`)).toThrow(/without its BEGIN marker/);
  });

  it('a missing crontab command says what to install', () => {
    expect(() => new Crontab(join(dir, 'no-such-crontab')).read()).toThrow(/not found: install cron \(Debian: apt-get install cron\)/);
  });

  describe('voipprobe schedule (CLI wiring)', () => {
    let out: string;
    beforeEach(() => {
      out = '';
      vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
        out += String(s);
        return true;
      });
      vi.stubEnv('VOIPPROBE_CRONTAB', fake.command);
    });
    afterEach(() => {
      vi.restoreAllMocks();
      vi.unstubAllEnvs();
    });
    const run = async (...args: string[]) => {
      const program = new Command().exitOverride();
      registerSchedule(program);
      await program.parseAsync(['node', 'voipprobe', 'schedule', ...args]);
    };

    it('prints the line and a preview; --install is idempotent; --remove takes it out', async () => {
      await run('--every', '15m', '--jitter', '30', '--workdir', dir, '--utc', '--preview', '3');
      const [line, head, ...preview] = out.trim().split('\n');
      expect(line).toMatch(new RegExp(`^\\*/15 \\* \\* \\* \\* cd ${dir} && \\S*flock -n ${dir}/results/\\.voipprobe-run\\.lock ${process.execPath} \\S+ run --jitter 30 >> ${dir}/results/cron\\.log 2>&1$`));
      expect(head).toBe('# next runs, each delayed by up to 30 s of jitter:');
      expect(preview).toHaveLength(3);
      expect(preview[0]).toMatch(/^# {3}\d{4}-\d\d-\d\d \d\d:(00|15|30|45) \(\w{3}\) UTC$/);
      expect(existsSync(fake.file)).toBe(false);

      await run('--every', '15m', '--workdir', dir, '--install', '--submit', '--', '--service', 'whatsapp');
      await run('--every', '15m', '--workdir', dir, '--install', '--submit', '--', '--service', 'whatsapp');
      expect(out).toContain('installed in the crontab');
      expect(out).toContain('already installed, crontab unchanged');
      const table = readFileSync(fake.file, 'utf8');
      expect(table.split('\n').filter((l) => l.includes(' run --jitter 120 --submit --service whatsapp '))).toHaveLength(1);
      await run('--remove');
      expect(readFileSync(fake.file, 'utf8')).toBe('');
    });

    it('invalid expressions and intervals are clear errors', async () => {
      await expect(run('--cron', '0 0 L * *', '--workdir', dir)).rejects.toThrow(/Quartz\/croner extensions/);
      await expect(run('--every', '45m', '--workdir', dir)).rejects.toThrow(/cron cannot repeat that evenly/);
      await expect(run('--cron', '0 0 31 2 *', '--workdir', dir)).rejects.toThrow(/never runs/);
      await expect(run('--workdir', dir)).rejects.toThrow(/give --every 15m/);
      await expect(run('--every', '15m', '--jitter', '-1', '--workdir', dir)).rejects.toThrow(/--jitter: expected seconds from 0 to 3600/);
    });
  });
});

describe('jitter', () => {
  it('sleeps a random time below the maximum', async () => {
    const slept: number[] = [];
    const sleepFn = async (ms: number) => {
      slept.push(ms);
    };
    expect(await jitterSleep(120_000, { random: () => 0.5, sleepFn })).toBe(60_000);
    expect(await jitterSleep(120_000, { random: () => 0.999999, sleepFn })).toBeLessThan(120_000);
    expect(await jitterSleep(0, { random: () => 0.5, sleepFn })).toBe(0);
    expect(slept).toEqual([60_000, 119_999]);
  });

  it('really sleeps, and an abort ends the sleep early without throwing', async () => {
    const t0 = Date.now();
    await jitterSleep(100, { random: () => 0.5 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 20);
    const t1 = Date.now();
    await jitterSleep(60_000, { random: () => 0.99, signal: ac.signal });
    expect(Date.now() - t1).toBeLessThan(5_000);
  });

  it('parses --jitter seconds', () => {
    expect(parseJitter('90')).toBe(90_000);
    expect(parseJitter('0.5')).toBe(500);
    expect(() => parseJitter('abc')).toThrow(/--jitter/);
    expect(() => parseJitter('3601')).toThrow(/--jitter/);
  });
});
