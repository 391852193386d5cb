import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerSchedule } from '../../../src/cli/schedule.js';
import {
  BEGIN_MARKER,
  buildCronLine,
  Crontab,
  cronShellWord,
  END_MARKER,
  findExecutable,
  stripManagedBlock,
} from '../../../src/schedule/crontab.js';
import { jitterSleep, parseJitter } from '../../../src/schedule/jitter.js';
import { InputError } from '../../../src/util/input-error.js';
import { fakeCrontab } from '../../support/fake-crontab.js';

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

/**
 * What cron does to a job's command before sh sees it, as Vixie cron (Debian's cron 3.0pl1, cronie)
 * does it in do_command.c: "\%" becomes "%", any other backslash stays, and an unescaped "%" ends the
 * command (what follows is the job's stdin).
 */
function cronCommand(command: string): { command: string; stdin: string | undefined } {
  let out = '';
  let escaped = false;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (escaped) {
      if (ch === '%') out = `${out.slice(0, -1)}%`;
      else out += ch;
      escaped = false;
      continue;
    }
    if (ch === '\\') escaped = true;
    if (ch === '%') return { command: out, stdin: command.slice(i + 1) };
    out += ch;
  }
  return { command: out, stdin: undefined };
}

/** The words sh makes of a crontab command, as cron would run it. */
function wordsAsRun(words: string[]): string[] {
  const line = `printf ${cronShellWord('%s\\0')} ${words.map(cronShellWord).join(' ')}`;
  const { command, stdin } = cronCommand(line);
  expect(stdin).toBeUndefined();
  const out = execFileSync('sh', ['-c', command], { cwd: tmp }).toString();
  return out.split('\0').slice(0, -1);
}

const tmp = mkdtempSync(join(tmpdir(), 'voipprobe-cronwords-'));
const HOSTILE = [
  "it's",
  '100%',
  '%',
  '%%',
  '%s',
  'a\\%b',
  'a\\\\%b',
  'ends with \\',
  '\\',
  'a\\b',
  '$(touch pwned-dollar)',
  '`touch pwned-backtick`',
  '"double" quotes',
  "'",
  "''",
  '; touch pwned-semicolon #',
  '&& touch pwned-and',
  '| tee pwned-pipe',
  '> pwned-redirect',
  '* ? [a-z]',
  '#not a comment',
  '~root',
  '-n',
  'é ü ñ 東京',
  '',
  ' spaces  inside ',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable, as a user might type it
  '$HOME ${PATH}',
];

describe('crontab line', () => {
  it('absolute paths, flock -n with a busy exit code, --scheduled, the skip note, output to the log, quoting and % escaped for cron', () => {
    expect(buildCronLine(LINE_OPTS)).toBe(
      "*/15 * * * * cd '/home/probe/voip probe' && { /usr/bin/flock -n -E 75 '/home/probe/voip probe/results/.voipprobe-run.lock' /usr/local/bin/node /opt/voipprobe/dist/src/cli.js run --scheduled --jitter 120 --config /etc/voipprobe/100\\%.json --submit; [ $? -ne 75 ] || printf \\%'s voipprobe: run skipped: the previous run still holds '\\%'s\\n' \"$(date -u +\\%Y-\\%m-\\%dT\\%H:\\%M:\\%SZ)\" '/home/probe/voip probe/results/.voipprobe-run.lock'; } >> '/home/probe/voip probe/results/cron.log' 2>&1",
    );
  });

  it('every word reaches sh exactly as given, after cron has read the line: quotes, $(), backticks, %, backslashes', () => {
    expect(wordsAsRun(HOSTILE)).toEqual(HOSTILE);
    expect(readdirSync(tmp).filter((n) => n.startsWith('pwned'))).toEqual([]);
  });

  it('the old escaping was wrong for cron: a backslash must not be doubled, a % after a backslash must not end the command', () => {
    for (const v of ['a\\b', 'a\\%b', 'x\\']) {
      const { command, stdin } = cronCommand(cronShellWord(v));
      expect(stdin).toBeUndefined();
      expect(execFileSync('sh', ['-c', `printf '%s' ${command}`]).toString()).toBe(v); // (the format is not cron's)
    }
  });

  it.each([
    ['--workdir', { workDir: '/home/probe\n* * * * * id >owned #' }],
    ['--lock-file', { lockFile: '/tmp/l\n* * * * * id' }],
    ['--log-file', { logFile: '/tmp/log\r* * * * * id' }],
    ['the run argument', { runArgs: ['--vantage', 'x\n* * * * * id >owned #'] }],
    ['the run argument', { runArgs: ['--network-name', 'tab\there'] }],
    ['the run argument', { runArgs: ['--vantage', 'nel\u0085x'] }],
    ['the run argument', { runArgs: ['--vantage', 'ls\u2028x'] }],
  ])('a control character in %s is refused, naming the value', (what, over) => {
    let err: unknown;
    try {
      buildCronLine({ ...LINE_OPTS, ...over });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(
      new RegExp(`^${what.replace(/[-]/g, '\\$&')} ".*" contains the control character U\\+[0-9A-F]{4}`),
    );
  });

  it('a command longer than cron keeps is refused', () => {
    expect(() =>
      buildCronLine({ ...LINE_OPTS, runArgs: ['--service', ...Array.from({ length: 100 }, (_, i) => `service-${i}`)] }),
    ).toThrow(/would be \d+ characters long; cron keeps at most 999/);
  });
});

describe('the crontab line run by sh, as cron runs it (real flock, stand-in node)', () => {
  it('passes the arguments intact; a run that finds the lock held leaves a time-stamped note in the log', async () => {
    const d = mkdtempSync(join(tmpdir(), 'voipprobe-cronrun-'));
    const work = join(d, "voip 100% probe's");
    mkdirSync(join(work, 'results'), { recursive: true });
    const node = join(d, 'node');
    writeFileSync(node, '#!/bin/sh\nprintf \'ran:\'; for a in "$@"; do printf \' [%s]\' "$a"; done; echo\n');
    chmodSync(node, 0o755);
    const flock = findExecutable('flock')!;
    const lock = join(work, 'results', '.voipprobe-run.lock');
    const log = join(work, 'results', 'cron.log');
    const line = buildCronLine({
      ...LINE_OPTS,
      workDir: work,
      lockFile: lock,
      logFile: log,
      nodePath: node,
      flockPath: flock,
      cliPath: '/opt/x/cli.js',
      runArgs: ['--vantage', '$(id)`id`%'],
    });
    const command = cronCommand(line.replace(/^(\S+\s+){5}/, '')).command;
    execFileSync('sh', ['-c', command], { cwd: d });
    expect(readFileSync(log, 'utf8')).toBe('ran: [/opt/x/cli.js] [run] [--scheduled] [--vantage] [$(id)`id`%]\n');
    // Hold the lock as a still-running run would.
    const holder = spawn(flock, [lock, 'sleep', '30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      execFileSync('sh', ['-c', command], { cwd: d });
    } finally {
      holder.kill();
    }
    const lines = readFileSync(log, 'utf8').split('\n');
    expect(lines[1]).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ voipprobe: run skipped: the previous run still holds ${lock.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
      ),
    );
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
    expect(readFileSync(fake.file, 'utf8')).toBe(
      `0 3 * * * /usr/bin/backup\n${BEGIN_MARKER}\n* * * * * true\n${END_MARKER}\n`,
    );
  });

  it('a damaged block (BEGIN without END) is refused rather than guessed at', () => {
    writeFileSync(fake.file, `${BEGIN_MARKER}\n* * * * * true\n0 3 * * * /usr/bin/backup\n`);
    expect(() => new Crontab(fake.command).install('x')).toThrow(
      /without "# END voipprobe schedule"; fix the crontab by hand/,
    );
    expect(() => stripManagedBlock(`${END_MARKER}\n`)).toThrow(/without its BEGIN marker/);
  });

  it('a missing crontab command says what to install', () => {
    expect(() => new Crontab(join(dir, 'no-such-crontab')).read()).toThrow(
      /not found: install cron \(Debian: apt-get install cron\)/,
    );
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
      expect(line).toMatch(
        new RegExp(
          `^\\*/15 \\* \\* \\* \\* cd ${dir} && \\{ \\S*flock -n -E 75 ${dir}/results/\\.voipprobe-run\\.lock ${process.execPath} \\S+ run --scheduled --jitter 30; \\[ \\$\\? -ne 75 \\] \\|\\| printf .* \\"\\$\\(date -u .*\\)\\" ${dir}/results/\\.voipprobe-run\\.lock; \\} >> ${dir}/results/cron\\.log 2>&1$`,
        ),
      );
      expect(head).toBe('# next runs, each delayed by up to 30 s of jitter:');
      expect(preview).toHaveLength(3);
      expect(preview[0]).toMatch(/^# {3}\d{4}-\d\d-\d\d \d\d:(00|15|30|45) \(\w{3}\) UTC$/);
      expect(existsSync(fake.file)).toBe(false);

      await run('--every', '15m', '--workdir', dir, '--install', '--submit', '--', '--service', 'whatsapp');
      await run('--every', '15m', '--workdir', dir, '--install', '--submit', '--', '--service', 'whatsapp');
      expect(out).toContain('installed in the crontab');
      expect(out).toContain('already installed, crontab unchanged');
      const table = readFileSync(fake.file, 'utf8');
      expect(
        table.split('\n').filter((l) => l.includes(' run --scheduled --jitter 120 --submit --service whatsapp;')),
      ).toHaveLength(1);
      await run('--remove');
      expect(readFileSync(fake.file, 'utf8')).toBe('');
    });

    it('a newline in --workdir, --log-file, --lock-file or an argument after -- never reaches the crontab', async () => {
      const evil = 'x\n* * * * * id >owned #';
      await expect(run('--every', '15m', '--workdir', dir, '--install', '--', '--vantage', evil)).rejects.toThrow(
        /^the run argument "x\\n\* \* \* \* \* id >owned #" contains the control character U\+000A \(newline\) at position 2/,
      );
      await expect(run('--every', '15m', '--workdir', join(dir, evil), '--install')).rejects.toThrow(
        /^--workdir ".*\\n.*" contains the control character U\+000A/,
      );
      await expect(run('--every', '15m', '--workdir', dir, '--log-file', `log${evil}`, '--install')).rejects.toThrow(
        /^--log-file /,
      );
      await expect(run('--every', '15m', '--workdir', dir, '--lock-file', `lock${evil}`, '--install')).rejects.toThrow(
        /^--lock-file /,
      );
      expect(existsSync(fake.file)).toBe(false);
      // Exit 2 as a user sees it: test/integration/cli/schedule.test.ts.
    });

    it('invalid expressions and intervals are clear errors', async () => {
      await expect(run('--cron', '0 0 L * *', '--workdir', dir)).rejects.toThrow(/Quartz\/croner extensions/);
      await expect(run('--every', '45m', '--workdir', dir)).rejects.toThrow(/cron cannot repeat that evenly/);
      await expect(run('--cron', '0 0 31 2 *', '--workdir', dir)).rejects.toThrow(/never runs/);
      await expect(run('--workdir', dir)).rejects.toThrow(/give --every 15m/);
      await expect(run('--every', '15m', '--jitter', '-1', '--workdir', dir)).rejects.toThrow(
        /--jitter: expected seconds from 0 to 3600/,
      );
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
