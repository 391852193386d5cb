// From a stream of measurements and a set of claims to a Report. Fed by any async iterable of lines
// (the results reader, or a collector's database later), it keeps only compact aggregates.

import { conflictIndex, detectContradictions } from '../claims/contradictions.js';
import { claimMentionsService } from '../claims/filter.js';
import type { Claim } from '../claims/schema.js';
import { measuredService } from '../claims/scope.js';
import type { BadLine } from '../results/read.js';
import { SOFTWARE_VERSION } from '../version.js';
import { Aggregator } from './aggregate.js';
import { evidenceSummary } from './evidence.js';
import { normalise, type ReportLine } from './input.js';
import type { BadLineOut, Report } from './schema.js';
import { judgeClaim } from './verdict.js';

export type BadKind = BadLineOut['kind'];

/** Counts bad lines by kind and keeps the first few as examples (the CLI prints every one on stderr). */
export class BadLineTally {
  readonly counts: Record<BadKind, number> = { corrupt: 0, torn: 0, invalid: 0, unusable: 0 };
  readonly examples: BadLineOut[] = [];
  constructor(readonly maxExamples = 50) {}

  add(b: BadLineOut): void {
    this.counts[b.kind]++;
    if (this.examples.length < this.maxExamples) this.examples.push({ file: b.file, line: b.line, kind: b.kind, reason: b.reason });
  }

  /** Counts and examples gathered elsewhere (reader threads), examples already in file and line order. */
  absorb(counts: Record<BadKind, number>, examples: readonly BadLineOut[]): void {
    for (const k of Object.keys(this.counts) as BadKind[]) this.counts[k] += counts[k];
    for (const e of examples) if (this.examples.length < this.maxExamples) this.examples.push(e);
  }

  /** Adapter for the results reader's `onBad`. */
  readonly onBad = (b: BadLine): void => this.add(b);

  get total(): number {
    return this.counts.corrupt + this.counts.torn + this.counts.invalid + this.counts.unusable;
  }
}

export interface ReportOptions {
  /** Only these services (catalogue or document names): measurements and claims. */
  services?: readonly string[];
  /** Inclusive bounds on measurement_start_time, "YYYY-MM-DD HH:MM:SS" UTC. */
  since?: string;
  until?: string;
  /** Credits for data used (e.g. the IP-to-ASN database), rendered in every format. */
  attributions?: readonly string[];
  /** The input paths, as given, and the results files they expanded to (for the record). */
  paths?: readonly string[];
  files?: readonly string[];
  claimFiles?: readonly string[];
  /** Where the reader's bad lines were counted; measurements without a usable verdict are added here. */
  badLines?: BadLineTally;
  /** Called for each line without a usable verdict (the CLI prints it). */
  onUnusable?: (b: BadLineOut) => void;
  /** Fixed clock for reproducible output. */
  now?: Date;
  maxEvidence?: number;
}

/** Which measurements count: services and a time window. */
export interface IngestFilter {
  services?: readonly string[];
  since?: string;
  until?: string;
}

/**
 * Takes measurement lines one at a time into an Aggregator: the controls line set aside, lines without
 * a usable verdict reported, filtered lines counted. Runs in the main thread or in a reader worker.
 */
export class Ingest {
  readonly agg = new Aggregator();
  controls = 0;
  filteredOut = 0;
  private readonly wanted: Set<string> | null;

  constructor(
    private readonly filter: IngestFilter,
    private readonly onUnusable: (b: BadLineOut) => void,
  ) {
    this.wanted = filter.services?.length ? new Set(filter.services.map(measuredService)) : null;
  }

  take({ file, line, measurement }: ReportLine): void {
    const n = normalise(measurement);
    if (!n.ok) {
      if (n.controls) this.controls++;
      else this.onUnusable({ file, line, kind: 'unusable', reason: n.reason });
      return;
    }
    const o = n.obs;
    const f = this.filter;
    if ((this.wanted && !this.wanted.has(o.service)) || (f.since && o.time < f.since) || (f.until && o.time > f.until)) {
      this.filteredOut++;
      return;
    }
    this.agg.add(file, line, o);
  }
}

export async function buildReport(lines: AsyncIterable<ReportLine>, claims: readonly Claim[], opts: ReportOptions = {}): Promise<Report> {
  const tally = opts.badLines ?? new BadLineTally();
  const ingest = new Ingest(opts, (bad) => {
    tally.add(bad);
    opts.onUnusable?.(bad);
  });
  for await (const l of lines) ingest.take(l);
  return finishReport(ingest, claims, { ...opts, badLines: tally });
}

/** The report from ingested measurements: claims judged, contradictions listed, evidence summarised. */
export function finishReport(
  ingest: Pick<Ingest, 'agg' | 'controls' | 'filteredOut'>,
  claims: readonly Claim[],
  opts: ReportOptions & { badLines: BadLineTally },
): Report {
  const { agg, controls, filteredOut } = ingest;
  const tally = opts.badLines;
  const wanted = opts.services?.length ? new Set(opts.services.map(measuredService)) : null;
  const contradictionsAll = detectContradictions(claims);
  const shown = wanted ? claims.filter((c) => claimMentionsService(c, [...wanted])) : [...claims];
  const shownIds = new Set(shown.map((c) => c.id));
  const contradictions = contradictionsAll.filter((c) => shownIds.has(c.claims[0]) && shownIds.has(c.claims[1]));
  const conflicts = conflictIndex(contradictionsAll);
  const units = agg.units();
  const verdicts = shown.map((c) => judgeClaim(c, units, { claims, conflicts, maxEvidence: opts.maxEvidence }));
  const verdict_counts = { consistent: 0, contradicted: 0, not_tested: 0, historical: 0 };
  for (const v of verdicts) verdict_counts[v.verdict]++;

  return {
    format: 'voipprobe-report',
    format_version: 1,
    generated_at: (opts.now ?? new Date()).toISOString(),
    software: { name: 'voipprobe', version: SOFTWARE_VERSION },
    // Credits given by the caller and those the measurements carry (their licences require it).
    attributions: [...new Set([...(opts.attributions ?? []), ...agg.attributions])],
    filters: { services: wanted ? [...wanted] : null, since: opts.since ?? null, until: opts.until ?? null },
    input: {
      paths: [...(opts.paths ?? [])],
      files: [...(opts.files ?? [...agg.files].sort())],
      measurements: agg.measurements,
      controls,
      filtered_out: filteredOut,
      first_time: agg.firstTime,
      last_time: agg.lastTime,
      bad_lines: { total: tally.total, ...tally.counts, examples: [...tally.examples] },
    },
    claims: { files: [...(opts.claimFiles ?? [...new Set(claims.map((c) => c.file))])], count: shown.length, contradictions },
    verdict_counts,
    verdicts,
    evidence: evidenceSummary(units),
  };
}
