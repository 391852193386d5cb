// The crontab line for an unattended probe, and idempotent install/remove of it between marker
// comments in the user's crontab. Everything in the line is an absolute path: cron starts jobs with
// a bare environment (PATH=/usr/bin:/bin, cwd = $HOME), so nothing may depend on the login shell.

import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { findExecutable } from '../fs/executable.js';
import { InputError } from '../util/input-error.js';
import { OperationalError } from '../util/operational-error.js';
import { CONTROL_CHAR, quoted } from '../util/terminal.js';

export const BEGIN_MARKER =
  '# BEGIN voipprobe schedule (managed by `voipprobe schedule --install/--remove`; do not edit inside)';
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
  /** Arguments after `run --scheduled` (e.g. --jitter 120 --config /etc/voipprobe.json --submit). */
  runArgs: string[];
}

/** Exit code flock(1) gives when the lock is held (-E): the line turns it into a "skipped" note in the log. */
export const LOCK_BUSY_EXIT = 75;

/** Vixie cron (Debian's) keeps at most this many bytes of a job's command (MAX_COMMAND - 1). */
export const MAX_CRON_COMMAND = 999;

/**
 * Refuses a value that would break out of its job line (exit 2, naming the value and the character):
 * a newline (or a carriage return, which editors turn into one) starts a new job; other control
 * characters are never part of a real path or argument and only hide what the line does.
 */
export function assertCronValue(what: string, value: string): void {
  const m = CONTROL_CHAR.exec(value);
  if (!m) return;
  const ch = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}${m[0] === '\n' ? ' (newline)' : m[0] === '\r' ? ' (carriage return)' : ''}`;
  throw new InputError(
    `${what} ${quoted(value)} contains the control character ${ch} at position ${m.index + 1}: in a crontab a newline starts a new job, so values with control characters are refused`,
  );
}

/** A % as cron must see it to pass it on (unescaped, it would end the command). */
const PERCENT = '\\%';
/** A single quote inside sh's single quotes: close, an escaped quote, reopen. */
const QUOTE_OUTSIDE = "'\\''";

/**
 * One word of the job's command, quoted for sh and escaped for cron. Cron reads its command before sh
 * does: an unescaped % ends the command (the rest becomes stdin) and "\%" stands for %; every other
 * backslash is left as it is (Vixie cron's do_command.c: "\x -> \x for all x != %"). So a % goes
 * outside sh's single quotes as "\%", where no backslash of the value can pair with ours, and
 * backslashes are never doubled.
 */
export function cronShellWord(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s.replace(/%/g, PERCENT);
  const word = `'${s.replace(/'/g, QUOTE_OUTSIDE).replace(/%/g, `'${PERCENT}'`)}'`;
  // Drop the empty '' a leading or trailing % leaves (cosmetic: the line is read by people too).
  return word.replace(/^''(?=\\%)/, '').replace(/(?<=\\%)''$/, '');
}

export function buildCronLine(o: CronLineOptions): string {
  const values: [string, string][] = [
    ['the schedule', o.cron],
    ['--workdir', o.workDir],
    ['--lock-file', o.lockFile],
    ['--log-file', o.logFile],
    ['the node executable path', o.nodePath],
    ['the voipprobe CLI path', o.cliPath],
    ['the flock path', o.flockPath],
    ...o.runArgs.map((a): [string, string] => ['the run argument', a]),
  ];
  for (const [what, v] of values) assertCronValue(what, v);
  const w = cronShellWord;
  // A run that finds the lock held (the previous one still going) leaves a time-stamped note instead
  // of exiting in silence; the run itself stamps its own lines (--scheduled).
  const skipped = `[ $? -ne ${LOCK_BUSY_EXIT} ] || printf ${w('%s voipprobe: run skipped: the previous run still holds %s\\n')} "$(date -u ${w('+%Y-%m-%dT%H:%M:%SZ')})" ${w(o.lockFile)}`;
  const run = [
    w(o.flockPath),
    '-n',
    '-E',
    String(LOCK_BUSY_EXIT),
    w(o.lockFile),
    w(o.nodePath),
    w(o.cliPath),
    'run',
    '--scheduled',
    ...o.runArgs.map(w),
  ].join(' ');
  const cmd = `cd ${w(o.workDir)} && { ${run}; ${skipped}; } >> ${w(o.logFile)} 2>&1`;
  assertCronValue('the crontab command', cmd); // every part was checked; this keeps it so
  if (cmd.length > MAX_CRON_COMMAND) {
    throw new InputError(
      `the crontab command would be ${cmd.length} characters long; cron keeps at most ${MAX_CRON_COMMAND}: use shorter paths, or put run options in the config file (--config)`,
    );
  }
  return `${o.cron} ${cmd}`;
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
      if (inside >= 0)
        throw new OperationalError(
          `crontab line ${i + 1}: a second "${BEGIN_MARKER}" before "${END_MARKER}"; fix the crontab by hand (crontab -e)`,
        );
      inside = i;
    } else if (l.trim() === END_MARKER) {
      if (inside < 0)
        throw new OperationalError(
          `crontab line ${i + 1}: "${END_MARKER}" without its BEGIN marker; fix the crontab by hand (crontab -e)`,
        );
      inside = -1;
    } else if (inside < 0) out.push(l);
  });
  if (inside >= 0)
    throw new OperationalError(
      `crontab line ${inside + 1}: "${BEGIN_MARKER}" without "${END_MARKER}"; fix the crontab by hand (crontab -e)`,
    );
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
      throw new OperationalError(
        code === 'ENOENT'
          ? `"${this.command}" not found: install cron (Debian: apt-get install cron)`
          : `${this.command} ${args.join(' ')}: ${r.error.message}`,
      );
    }
    return r;
  }

  read(): string {
    const r = this.exec(['-l']);
    if (r.status === 0) return r.stdout;
    // "no crontab for <user>" is how crontab -l says "empty".
    if (/no crontab for/i.test(r.stderr)) return '';
    throw new OperationalError(`${this.command} -l failed (exit ${r.status}): ${r.stderr.trim()}`);
  }

  write(text: string): void {
    const r = this.exec(['-'], text);
    if (r.status !== 0) throw new OperationalError(`${this.command} - failed (exit ${r.status}): ${r.stderr.trim()}`);
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
