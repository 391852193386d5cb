// The crontab line for an unattended probe, and idempotent install/remove of it between marker
// comments in the user's crontab. Everything in the line is an absolute path: cron starts jobs with
// a bare environment (PATH=/usr/bin:/bin, cwd = $HOME), so nothing may depend on the login shell.

import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { findExecutable } from '../util/executable.js';

export const BEGIN_MARKER = '# BEGIN voipprobe schedule (managed by `voipprobe schedule --install/--remove`; do not edit inside)';
export const END_MARKER = '# END voipprobe schedule';

export interface CronLineOptions {
  /** A validated 5-field expression. */
  cron: string;
  /** Absolute path of node (process.execPath). */
  nodePath: string;
  /** Absolute path of the CLI script (realpath of process.argv[1]). */
  cliPath: string;
  /** Directory the run starts in (results/ and relative config paths live there). */
  workDir: string;
  /** flock(1) lock file: a run still going when the next one is due makes the next one exit at once. */
  lockFile: string;
  /** stdout and stderr of every run are appended here. */
  logFile: string;
  /** Absolute path of flock. */
  flockPath: string;
  /** Arguments after `run` (e.g. --jitter 120 --config /etc/voipprobe.json --submit). */
  runArgs: string[];
}

/** POSIX single-quoting, only where needed. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Cron turns an unescaped % into a newline (the rest becomes the job's stdin) and turns a
 * backslash-escaped % or backslash into the bare character before the shell sees the command.
 */
export function escapeForCron(command: string): string {
  return command.replace(/[\\%]/g, (c) => `\\${c}`);
}

export function buildCronLine(o: CronLineOptions): string {
  const q = shellQuote;
  const cmd = [
    `cd ${q(o.workDir)} &&`,
    q(o.flockPath),
    '-n',
    q(o.lockFile),
    q(o.nodePath),
    q(o.cliPath),
    'run',
    ...o.runArgs.map(q),
    `>> ${q(o.logFile)} 2>&1`,
  ].join(' ');
  return `${o.cron} ${escapeForCron(cmd)}`;
}

// findExecutable: cron's PATH is short, so the line gets the absolute path.
export { findExecutable };

/** The CLI script as started, with npm's bin symlink resolved (the symlink may move on reinstall). */
export function currentCliPath(argv1: string | undefined = process.argv[1]): string {
  if (!argv1) throw new Error('cannot tell the path of the voipprobe CLI script');
  try {
    return realpathSync(argv1);
  } catch {
    return resolve(argv1);
  }
}

/** Text of the managed block for one line. */
export function managedBlock(line: string): string {
  return `${BEGIN_MARKER}\n${line}\n${END_MARKER}\n`;
}

/**
 * Removes every managed block from a crontab text, keeping every other line as it was. A BEGIN with
 * no END is an error: guessing where the block ends could delete the user's own lines.
 */
export function stripManagedBlock(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let inside = -1;
  lines.forEach((l, i) => {
    if (l.trim() === BEGIN_MARKER) {
      if (inside >= 0) throw new Error(`crontab line ${i + 1}: a second "${BEGIN_MARKER}" before "${END_MARKER}"; fix the crontab by hand (crontab -e)`);
      inside = i;
    } else if (l.trim() === END_MARKER) {
      if (inside < 0) throw new Error(`crontab line ${i + 1}: "${END_MARKER}" without its BEGIN marker; fix the crontab by hand (crontab -e)`);
      inside = -1;
    } else if (inside < 0) out.push(l);
  });
  if (inside >= 0) throw new Error(`crontab line ${inside + 1}: "${BEGIN_MARKER}" without "${END_MARKER}"; fix the crontab by hand (crontab -e)`);
  return out.join('\n');
}

/** The crontab with our block replaced by (or set to) `line`; other lines untouched. */
export function withManagedLine(text: string, line: string): string {
  let rest = stripManagedBlock(text);
  if (rest !== '' && !rest.endsWith('\n')) rest += '\n';
  return rest + managedBlock(line);
}

/** The crontab with our block taken out; other lines untouched. */
export function withoutManagedLine(text: string): string {
  return stripManagedBlock(text);
}

/** `crontab -l` / `crontab -` through a command that tests can replace (VOIPPROBE_CRONTAB). */
export class Crontab {
  constructor(readonly command: string = process.env.VOIPPROBE_CRONTAB ?? 'crontab') {}

  private exec(args: string[], input?: string) {
    const r = spawnSync(this.command, args, { input, encoding: 'utf8' });
    if (r.error) {
      const code = (r.error as NodeJS.ErrnoException).code;
      throw new Error(
        code === 'ENOENT' ? `"${this.command}" not found: install cron (Debian: apt-get install cron)` : `${this.command} ${args.join(' ')}: ${r.error.message}`,
      );
    }
    return r;
  }

  read(): string {
    const r = this.exec(['-l']);
    if (r.status === 0) return r.stdout;
    // "no crontab for <user>" is how crontab -l says "empty".
    if (/no crontab for/i.test(r.stderr)) return '';
    throw new Error(`${this.command} -l failed (exit ${r.status}): ${r.stderr.trim()}`);
  }

  write(text: string): void {
    const r = this.exec(['-'], text);
    if (r.status !== 0) throw new Error(`${this.command} - failed (exit ${r.status}): ${r.stderr.trim()}`);
  }

  /** Installs or replaces our line; returns whether the crontab changed. */
  install(line: string): boolean {
    const before = this.read();
    const after = withManagedLine(before, line);
    if (after === before) return false;
    this.write(after);
    return true;
  }

  /** Removes our line; returns whether it was there. */
  remove(): boolean {
    const before = this.read();
    const after = withoutManagedLine(before);
    if (after === before) return false;
    this.write(after === '' || after.endsWith('\n') ? after : `${after}\n`);
    return true;
  }
}
