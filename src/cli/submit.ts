// `voipprobe submit [FILES...]`: spool the measurements of the given results files (corrupt lines are
// reported with file:line and skipped), then send everything the spool holds. Wiring only.

import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { submitOptionsFrom } from '../config/submit-settings.js';
import { SIMULATED_REFUSAL, simulationMark } from '../model/simulation.js';
import { readResults } from '../results/read.js';
import { type FlushSummary, flushSpool } from '../submit/flush.js';
import { Spool } from '../submit/spool.js';
import { escapeForTerminal } from '../util/terminal.js';
import { EXIT, intFlag, LOG_LEVELS, makeLogger } from './common.js';

interface SubmitCliFlags {
  collector?: string;
  token?: string;
  tokenFile?: string;
  config?: string;
  spool?: string;
  protocol?: string;
  now?: boolean;
  concurrency: string;
  logLevel: string;
  allowSimulated?: boolean;
}

export function describeSummary(s: FlushSummary, spoolDir: string): string {
  const parts = [
    `sent ${s.sent}`,
    `failed ${s.failed} (kept, will retry)`,
    `waiting ${s.waiting}`,
    `rejected ${s.rejected}`,
    `left in spool ${s.remaining}`,
  ];
  let text = `voipprobe submit: ${parts.join(', ')}`;
  if (s.rejected > 0) text += `\n  rejected measurements are kept in ${spoolDir}/rejected/ with the collector's reason`;
  if (s.stopped) text += `\n  stopped early: ${s.stopped}`;
  if (s.busy) text += `\n  another voipprobe process (pid ${s.busy}) is submitting this spool`;
  else if (s.waiting > 0 && !s.stopped)
    text += `\n  ${s.waiting} waiting for their backoff time (voipprobe submit --now retries them at once)`;
  // The reason a flush stopped may quote the collector's answer: printed escaped.
  return `${escapeForTerminal(text, { multiline: true })}\n`;
}

export function registerSubmit(program: Command): void {
  program
    .command('submit')
    .description(
      'send measurements to a collector: spools the given results files, then flushes the spool (retrying earlier failures)',
    )
    .argument('[files...]', 'results files or folders (*.jsonl) to add to the spool first')
    .option('--collector <url>', 'collector base URL (default: collector.url from the config)')
    .option('--token <token>', 'bearer token (prefer --token-file: a command line is visible to other users)')
    .option('--token-file <file>', 'file holding the bearer token')
    .option('--config <file>', 'voipprobe.config.json (default: ./voipprobe.config.json if it exists)')
    .option('--spool <dir>', 'spool directory (default: spool_dir from the config, results/spool)')
    .option(
      '--protocol <name>',
      'report (OONI open/post/close) or submit_measurement (OONI /api/v1/submit_measurement)',
    )
    .option('--now', 'retry every spooled measurement now, ignoring its backoff time')
    .option('--concurrency <n>', 'requests in flight at once', '4')
    .option('--log-level <level>', `stderr log level: ${LOG_LEVELS.join(', ')}`, process.env.VOIPPROBE_LOG ?? 'info')
    .option('--allow-simulated', 'also send simulated measurements (voipprobe demo); refused otherwise')
    .action(async (files: string[], flags: SubmitCliFlags) => {
      const log = makeLogger(flags.logLevel);
      const { config } = loadConfig(flags.config);
      const opts = submitOptionsFrom(config, flags);
      const spool = new Spool(opts.spoolDir);
      let added = 0;
      let present = 0;
      let bad = 0;
      let simulated = 0;
      if (files.length > 0) {
        for await (const { file, line, measurement } of readResults(files, (b) => {
          bad++;
          process.stderr.write(
            `voipprobe: ${escapeForTerminal(b.file)}:${b.line}: ${b.kind} line skipped: ${escapeForTerminal(b.reason)}\n`,
          );
        })) {
          if (simulationMark(measurement) !== undefined && !flags.allowSimulated) {
            if (simulated++ < 5)
              process.stderr.write(
                `voipprobe: ${file}:${line}: not sent: ${SIMULATED_REFUSAL} (--allow-simulated sends it)\n`,
              );
            continue;
          }
          if (spool.put(measurement) === 'added') added++;
          else present++;
        }
        process.stdout.write(
          `voipprobe submit: spooled ${added} measurement(s)${present ? `, ${present} already waiting` : ''}${bad ? `, ${bad} bad line(s) skipped` : ''}${simulated ? `, ${simulated} simulated measurement(s) refused` : ''}\n`,
        );
      }
      const summary = await flushSpool({
        ...opts,
        ignoreBackoff: flags.now,
        concurrency: intFlag('concurrency', flags.concurrency, 1, 64),
        logger: log,
      });
      process.stdout.write(describeSummary(summary, opts.spoolDir));
      if (summary.failed > 0 || summary.rejected > 0 || summary.stopped || summary.busy)
        process.exitCode = EXIT.cannotRun;
      else if (simulated > 0) process.exitCode = EXIT.badInput;
    });
}
