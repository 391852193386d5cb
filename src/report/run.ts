// The reporter end to end, as the CLI (and the benchmark) run it: claims in, results files streamed
// through the aggregation, a Report out, rendered in one of four formats.

import { loadClaims } from '../claims/load.js';
import { resultFiles } from '../results/read.js';
import { BadLineTally, finishReport, Ingest, type ReportOptions } from './build.js';
import { canReadInParallel, defaultJobs, ingestInParallel } from './parallel.js';
import { reportLines } from './read-fast.js';
import { renderHtml } from './render/html.js';
import { renderMarkdown } from './render/markdown.js';
import { renderTable } from './render/table.js';
import type { BadLineOut, Report } from './schema.js';

export const FORMATS = ['table', 'md', 'json', 'html'] as const;
export type ReportFormat = (typeof FORMATS)[number];

export interface ProduceOptions extends Omit<ReportOptions, 'badLines' | 'paths' | 'files' | 'claimFiles' | 'onUnusable'> {
  /** Results files and folders. A path that does not exist is bad input (InputError). */
  paths: readonly string[];
  /** The user's claims files, merged with the bundled ones. */
  claimFiles?: readonly string[];
  /** Include seeds/claims.json (default true). */
  bundledClaims?: boolean;
  /** Every bad or unusable line, as it is met. */
  onBad?: (b: BadLineOut) => void;
  /** Reader threads (default: one per core up to 4 for large inputs; 1 reads in this thread). */
  jobs?: number;
}

export async function produceReport(opts: ProduceOptions): Promise<Report> {
  const claimSet = loadClaims({ files: opts.claimFiles, bundled: opts.bundledClaims });
  const files = resultFiles([...opts.paths]);
  const tally = new BadLineTally();
  const common = { ...opts, paths: opts.paths, files, claimFiles: claimSet.files, badLines: tally };
  const jobs = Math.min(opts.jobs ?? defaultJobs(files), files.length);
  if (jobs > 1 && canReadInParallel()) {
    const res = await ingestInParallel(files, opts, jobs, (b) => opts.onBad?.(b), tally.maxExamples);
    tally.absorb(res.counts, res.examples);
    return finishReport(res, claimSet.claims, common);
  }
  const onBad = (b: BadLineOut) => {
    tally.add(b);
    opts.onBad?.(b);
  };
  const ingest = new Ingest(opts, onBad);
  for (const l of reportLines(files, onBad)) ingest.take(l);
  return finishReport(ingest, claimSet.claims, common);
}

export function renderReport(r: Report, format: ReportFormat): string {
  switch (format) {
    case 'table':
      return renderTable(r);
    case 'md':
      return renderMarkdown(r);
    case 'json':
      return `${JSON.stringify(r, null, 2)}\n`;
    case 'html':
      return renderHtml(r);
  }
}
