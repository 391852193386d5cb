// `voipprobe report [paths...]`: hold the claims against the measurements in results files.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { checkNames, knownServiceNames } from '../claims/names.js';
import { produceReportFromCollector } from '../collector/report-source.js';
import { readTokenFile } from '../config/config.js';
import { FORMATS, produceReport, type ReportFormat, renderReport } from '../report/run.js';
import type { BadLineOut } from '../report/schema.js';
import { InputError } from '../util/input-error.js';
import { escapeForTerminal } from '../util/terminal.js';
import { collect, intFlag } from './common.js';

/** "2026-11-23", "2026-11-23 10:00", "2026-11-23T10:00:00Z" → "YYYY-MM-DD HH:MM:SS" UTC (a bare date: its first or last second). */
export function parseTimeFlag(name: string, value: string, endOfDay: boolean): string {
  const v = value.trim();
  if (/^\d{4}-\d\d-\d\d$/.test(v)) {
    const d = new Date(`${v}T00:00:00Z`);
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v)
      throw new InputError(`--${name}: not a calendar date: "${value}"`);
    return `${v} ${endOfDay ? '23:59:59' : '00:00:00'}`;
  }
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d(?::\d\d)?)(Z|[+-]\d\d:?\d\d)?$/.exec(v);
  const d = m ? new Date(`${m[1]}T${m[2]!.length === 5 ? `${m[2]}:00` : m[2]}${m[3] ?? 'Z'}`) : null;
  if (!d || Number.isNaN(d.getTime()))
    throw new InputError(
      `--${name}: expected a date (YYYY-MM-DD) or a time (YYYY-MM-DD HH:MM[:SS], UTC unless an offset is given), got "${value}"`,
    );
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

interface ReportFlags {
  claims?: string[];
  seedClaims: boolean;
  seedFacts: boolean;
  mixSimulated?: boolean;
  format: string;
  out?: string;
  service?: string[];
  since?: string;
  until?: string;
  fromCollector?: string;
  tokenFile?: string;
  jobs?: string;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('hold the claims (seeds/claims.json and --claims files) against the measurements in results files')
    .argument('[paths...]', 'results files (.jsonl) and folders, read recursively', ['results/'])
    .option('--claims <file>', 'a claims file of your own, in the format of seeds/claims.json (repeatable)', collect)
    .option('--no-seed-claims', 'leave out the bundled claims (the Moroccan seed documents) and facts')
    .option('--no-seed-facts', 'leave out the bundled external facts (seeds/facts.json: the lifting of November 2016)')
    .option(
      '--mix-simulated',
      'report on real and simulated (voipprobe demo) lines together, every simulated row marked (refused otherwise)',
    )
    .option('--format <format>', `output: ${FORMATS.join(', ')}`, 'table')
    .option('--out <file>', 'write the report to this file instead of stdout')
    .option('--service <name>', 'only this service (repeatable); claims about it or about "any" service', collect)
    .option('--since <time>', 'only measurements from this date or time (UTC)')
    .option('--until <time>', 'only measurements up to this date or time (UTC)')
    .option(
      '--jobs <n>',
      'reader threads (default: one per core, up to 4, for inputs over 64 MB; 1: read in one thread)',
    )
    .option(
      '--from-collector <url-or-store>',
      'read the measurements from a collector instead of files: its URL, its store folder, or its postgres:// database',
    )
    .option('--token-file <file>', 'bearer token for --from-collector URL (or set VOIPPROBE_COLLECTOR_TOKEN)')
    .action(async (paths: string[], opts: ReportFlags) => {
      if (!(FORMATS as readonly string[]).includes(opts.format))
        throw new InputError(`--format: expected one of ${FORMATS.join(', ')}, got "${opts.format}"`);
      const since = opts.since ? parseTimeFlag('since', opts.since, false) : undefined;
      const until = opts.until ? parseTimeFlag('until', opts.until, true) : undefined;
      if (since && until && since > until) throw new InputError(`--since (${since}) is after --until (${until})`);
      const jobs = opts.jobs === undefined ? undefined : intFlag('jobs', opts.jobs, 1, 64);
      checkNames('--service', 'service', opts.service, knownServiceNames());
      const onBad = (b: BadLineOut) => {
        process.stderr.write(`${escapeForTerminal(b.file)}:${b.line}: ${b.kind}: ${escapeForTerminal(b.reason)}\n`);
      };
      const common = {
        claimFiles: opts.claims,
        bundledClaims: opts.seedClaims,
        bundledFacts: opts.seedFacts,
        mixSimulated: opts.mixSimulated,
        services: opts.service,
        since,
        until,
        onBad,
      };
      const report = opts.fromCollector
        ? await produceReportFromCollector(opts.fromCollector, {
            ...common,
            token: opts.tokenFile ? readTokenFile(opts.tokenFile) : process.env.VOIPPROBE_COLLECTOR_TOKEN,
          })
        : await produceReport({ paths, ...common, jobs });
      const bad = report.input.bad_lines;
      if (bad.total)
        process.stderr.write(
          `voipprobe: ${bad.total} bad line(s) skipped (${bad.corrupt} corrupt, ${bad.torn} torn, ${bad.invalid} invalid, ${bad.unusable} without a usable verdict)\n`,
        );
      const text = renderReport(report, opts.format as ReportFormat);
      if (opts.out) {
        try {
          mkdirSync(dirname(opts.out), { recursive: true });
          writeFileSync(opts.out, text);
        } catch (e) {
          throw new InputError(
            `--out ${opts.out}: cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
            opts.out,
          );
        }
        process.stderr.write(`voipprobe: report written to ${opts.out}\n`);
      } else process.stdout.write(opts.format === 'table' ? escapeForTerminal(text, { multiline: true }) : text);
    });
}
