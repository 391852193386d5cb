// `voipprobe schedule`: the crontab line for unattended runs, a preview of the next runs, and
// idempotent --install / --remove in the user's crontab. Wiring only; the logic is in src/schedule/.

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { parseCron } from '../schedule/cron.js';
import { buildCronLine, Crontab, currentCliPath, findExecutable } from '../schedule/crontab.js';
import { everyToCron } from '../schedule/every.js';
import { parseJitter } from '../schedule/jitter.js';
import { assertRuns, formatRun, nextRuns, type ZoneMode } from '../schedule/next.js';
import { InputError } from '../util/input-error.js';
import { intFlag } from './common.js';

interface ScheduleFlags {
  every?: string;
  cron?: string;
  jitter?: string;
  config?: string;
  submit?: boolean;
  workdir?: string;
  lockFile?: string;
  logFile?: string;
  preview: string;
  utc?: boolean;
  install?: boolean;
  remove?: boolean;
}

export function registerSchedule(program: Command): void {
  program
    .command('schedule')
    .description(
      'print (or --install / --remove) a crontab line that runs voipprobe unattended, with a lock and random jitter',
    )
    .argument('[run-args...]', 'extra arguments for `voipprobe run`, after --')
    .option(
      '--every <interval>',
      'interval that cron can repeat evenly: 1m..30m dividing 60, 1h..12h dividing 24, 1d, 1w',
    )
    .option('--cron <expression>', '5-field cron expression (minute hour day-of-month month day-of-week)')
    .option('--jitter <seconds>', 'random delay before each run starts (0 to 3600; default: config "jitter" or 120)')
    .option('--config <file>', 'voipprobe.config.json for the runs (default: ./voipprobe.config.json if it exists)')
    .option('--submit', 'runs submit their measurements to the configured collector')
    .option('--workdir <dir>', 'directory the runs start in (results/ is written there)', process.cwd())
    .option('--lock-file <file>', 'flock lock file (default: <workdir>/results/.voipprobe-run.lock)')
    .option('--log-file <file>', 'where run output goes (default: <workdir>/results/cron.log)')
    .option('--preview <n>', 'how many next runs to show', '5')
    .option('--utc', 'show the preview in UTC instead of local time (cron itself uses local time)')
    .option('--install', "add the line to the user's crontab (replacing an earlier one)")
    .option('--remove', "take the line out of the user's crontab")
    .action((runArgs: string[], flags: ScheduleFlags) => {
      if (flags.install && flags.remove) throw new InputError('give --install or --remove, not both');
      const crontab = new Crontab();
      if (flags.remove) {
        const changed = crontab.remove();
        process.stdout.write(
          changed
            ? 'voipprobe schedule: removed from the crontab\n'
            : 'voipprobe schedule: nothing to remove (no voipprobe line in the crontab)\n',
        );
        return;
      }
      if (flags.every && flags.cron) throw new InputError('give --every or --cron, not both');
      if (!flags.every && !flags.cron)
        throw new InputError('give --every 15m (or another interval) or --cron "<5-field expression>"');
      const expression = flags.cron ?? everyToCron(flags.every!);
      const schedule = parseCron(expression);
      const zone: ZoneMode = flags.utc ? 'utc' : 'local';
      assertRuns(schedule, new Date(), zone);

      const workDir = resolve(flags.workdir ?? process.cwd());
      const { file: configFile, config } = loadConfig(flags.config, workDir);
      const jitterMs =
        flags.jitter !== undefined ? parseJitter(flags.jitter) : Math.round((config.jitter ?? 120) * 1000);
      const args = ['--jitter', String(jitterMs / 1000)];
      if (configFile) args.push('--config', configFile);
      if (flags.submit) args.push('--submit');
      args.push(...runArgs);

      const lockFile = resolve(workDir, flags.lockFile ?? 'results/.voipprobe-run.lock');
      const logFile = resolve(workDir, flags.logFile ?? 'results/cron.log');
      const flockPath = findExecutable('flock');
      if (!flockPath)
        throw new InputError('flock(1) not found on PATH (Debian: util-linux); it keeps runs from overlapping');
      const line = buildCronLine({
        cron: schedule.expression,
        nodePath: process.execPath,
        cliPath: currentCliPath(),
        workDir,
        lockFile,
        logFile,
        flockPath,
        runArgs: args,
      });

      const previewN = intFlag('preview', flags.preview, 0, 100);
      const runs = nextRuns(schedule, new Date(), previewN, zone);
      const out = [line];
      if (runs.length > 0)
        out.push(
          `# next runs${zone === 'utc' ? '' : ' (local time)'}, each delayed by up to ${jitterMs / 1000} s of jitter:`,
          ...runs.map((d) => `#   ${formatRun(d, zone)}`),
        );
      process.stdout.write(`${out.join('\n')}\n`);

      if (flags.install) {
        for (const f of [lockFile, logFile]) mkdirSync(dirname(f), { recursive: true });
        const changed = crontab.install(line);
        process.stdout.write(
          changed
            ? 'voipprobe schedule: installed in the crontab\n'
            : 'voipprobe schedule: already installed, crontab unchanged\n',
        );
      }
    });
}
