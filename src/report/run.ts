// The reporter end to end, as the CLI (and the benchmark) run it: claims in, results files streamed
// through the aggregation, a Report out, rendered in one of four formats.

import { realpathSync } from 'node:fs';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { loadCatalogue } from '../catalogue/load.js';
import { hostOf } from '../catalogue/schema.js';
import { bundledClaimsFile, bundledFactsFile, loadClaims } from '../claims/load.js';
import { resultFiles } from '../results/lines.js';
import type { Unit } from './aggregate.js';
import { BadLineTally, finishReport, type ReportOptions } from './build.js';
import { pathDetails } from './details.js';
import { Ingest } from './ingest.js';
import { canReadInParallel, defaultJobs, ingestInParallel } from './parallel.js';
import { expectedLines, readLineAt, takeReportLines } from './read-fast.js';
import { renderHtml } from './render/html.js';
import { renderMarkdown } from './render/markdown.js';
import { renderTable } from './render/table.js';
import type { BadLineOut, Report } from './schema.js';

export const FORMATS = ['table', 'md', 'json', 'html'] as const;
export type ReportFormat = (typeof FORMATS)[number];

export interface ProduceOptions
  extends Omit<ReportOptions, 'badLines' | 'paths' | 'files' | 'claimFiles' | 'onUnusable' | 'hosts'> {
  /** Results files and folders. A path that does not exist is bad input (InputError). */
  paths: readonly string[];
  /** The user's claims files, merged with the bundled ones. */
  claimFiles?: readonly string[];
  /** Include seeds/claims.json and seeds/facts.json (default true). */
  bundledClaims?: boolean;
  /** Include seeds/facts.json (default true, with the bundled claims). */
  bundledFacts?: boolean;
  /** Every bad or unusable line, as it is met. */
  onBad?: (b: BadLineOut) => void;
  /** Reader threads (default: one per core up to 4 for large inputs; 1 reads in this thread). */
  jobs?: number;
}

/** Hostnames the catalogue measures, by service (OONI web_connectivity inputs on them are evidence). */
export function catalogueHosts(): [string, string][] {
  const out: [string, string][] = [];
  for (const s of loadCatalogue().services)
    for (const t of s.targets) {
      const h = hostOf(t);
      if (h) out.push([h.toLowerCase(), s.service]);
    }
  return out;
}

/**
 * How the report names a file: relative to the input path it was found under (never the local
 * directories above it, which name the person), the bundled claims as "seeds/…".
 */
export function displayNamer(inputs: readonly string[]): (file: string) => string {
  const bundled = new Map([
    [bundledClaimsFile(), 'seeds/claims.json'],
    [bundledFactsFile(), 'seeds/facts.json'],
  ]);
  const roots = inputs.map((p) => resolve(p));
  return (file: string) => {
    const b = bundled.get(file);
    if (b) return b;
    const abs = resolve(file);
    for (const r of roots) {
      if (abs === r) return basename(abs);
      if (abs.startsWith(r + sep)) return `${basename(r)}/${relative(r, abs)}`;
    }
    return isAbsolute(file) ? basename(file) : file;
  };
}

/** The same file named twice (a folder and a file in it, a symlink): read once. */
function uniqueFiles(files: readonly string[]): string[] {
  const seen = new Set<string>();
  return files.filter((f) => {
    let k: string;
    try {
      k = realpathSync(f);
    } catch {
      k = resolve(f);
    }
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Details of each path's latest measurement, read again from its line (a few lines per service and network). */
export function fillDetails(units: readonly Unit[]): void {
  const cache = new Map<string, unknown>();
  for (const u of units) {
    const l = u.latest;
    if (!l || l.details || l.ref.offset === undefined || l.ref.length === undefined) continue;
    const k = `${l.ref.file}\u0001${l.ref.offset}`;
    let m = cache.get(k);
    if (m === undefined) {
      try {
        m = readLineAt(l.ref.file, l.ref.offset, l.ref.length);
      } catch {
        m = null; // the file changed since: no details, nothing else lost
      }
      cache.set(k, m);
    }
    l.details = m ? pathDetails(m, u.path) : {};
  }
}

export async function produceReport(opts: ProduceOptions): Promise<Report> {
  const claimSet = loadClaims({ files: opts.claimFiles, bundled: opts.bundledClaims, bundledFacts: opts.bundledFacts });
  const files = uniqueFiles(resultFiles([...opts.paths]));
  const display = displayNamer(opts.paths);
  const tally = new BadLineTally();
  const hosts = catalogueHosts();
  const shown = (b: BadLineOut): BadLineOut => ({ ...b, file: display(b.file) });
  const common = {
    ...opts,
    hosts,
    paths: opts.paths.map((p) => basename(resolve(p)) + (p.endsWith('/') ? '/' : '')),
    files: files.map(display),
    claimFiles: claimSet.files,
    displayClaimsFile: display,
    badLines: tally,
  };
  const jobs = Math.min(opts.jobs ?? defaultJobs(files), files.length);
  if (jobs > 1 && canReadInParallel()) {
    const res = await ingestInParallel(files, { ...opts, hosts }, jobs, (b) => opts.onBad?.(b), tally.maxExamples);
    if (res) {
      tally.absorb(res.counts, res.examples.map(shown));
      const units = res.agg.units();
      fillDetails(units);
      relabel(units, display);
      return finishReport(res, claimSet.claims, common);
    }
    // The same measurement in files read by different threads: read again in one thread, which counts it once.
  }
  const onBad = (b: BadLineOut) => {
    tally.add(shown(b));
    opts.onBad?.(b);
  };
  const ingest = new Ingest({ ...opts, hosts }, onBad, expectedLines(files));
  await takeReportLines(files, onBad, (l) => ingest.take(l));
  const units = ingest.agg.units();
  fillDetails(units);
  relabel(units, display);
  return finishReport(ingest, claimSet.claims, common);
}

/** Citations name files as the report shows them. */
function relabel(units: readonly Unit[], display: (f: string) => string): void {
  const names = new Map<string, string>();
  const name = (f: string) => {
    let n = names.get(f);
    if (n === undefined) names.set(f, (n = display(f)));
    return n;
  };
  const seen = new Set<object>();
  for (const u of units) {
    const refs = [u.latest?.ref, ...[...u.days.values()].flatMap((d) => Object.values(d.lastBy))];
    for (const r of refs) {
      if (!r || seen.has(r)) continue;
      seen.add(r);
      r.file = name(r.file);
    }
  }
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
