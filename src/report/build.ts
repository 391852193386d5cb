// From a stream of measurements and a set of claims to a Report. Fed by any async iterable of lines
// (the results reader, or a collector's database), it keeps only compact aggregates.

import { type Contradiction, conflictIndex, countryOperators, detectContradictions } from '../claims/contradictions.js';
import { claimMentionsService } from '../claims/filter.js';
import { periodWords } from '../claims/period.js';
import type { Claim } from '../claims/schema.js';
import { measuredService } from '../claims/scope.js';
import type { BadLine } from '../results/lines.js';
import { InputError } from '../util/input-error.js';
import { SOFTWARE_VERSION } from '../version.js';
import { judgeClaim } from './claim-verdict.js';
import { evidenceSummary } from './evidence.js';
import { Ingest } from './ingest.js';
import type { ReportLine } from './input.js';
import type { BadLineOut, ContradictionOut, Report } from './schema.js';
import { buildSummary } from './summary.js';

export type BadKind = BadLineOut['kind'];

/** Counts bad lines by kind and keeps the first few as examples (the CLI prints every one on stderr). */
export class BadLineTally {
  readonly counts: Record<BadKind, number> = { corrupt: 0, torn: 0, invalid: 0, unusable: 0 };
  readonly examples: BadLineOut[] = [];
  constructor(readonly maxExamples = 50) {}

  add(b: BadLineOut): void {
    this.counts[b.kind]++;
    if (this.examples.length < this.maxExamples)
      this.examples.push({ file: b.file, line: b.line, kind: b.kind, reason: b.reason });
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
  /** The input paths, as given, and the results files they expanded to, as the report names them. */
  paths?: readonly string[];
  files?: readonly string[];
  claimFiles?: readonly string[];
  /** How a claims file is named in the report (default: as given). */
  displayClaimsFile?: (file: string) => string;
  /** Where the reader's bad lines were counted; measurements without a usable verdict are added here. */
  badLines?: BadLineTally;
  /** Called for each line without a usable verdict (the CLI prints it). */
  onUnusable?: (b: BadLineOut) => void;
  /** Hostnames the catalogue measures, by service: OONI web_connectivity inputs on them are evidence. */
  hosts?: readonly (readonly [string, string])[];
  /** Real and simulated (voipprobe demo) lines together: refused unless this is set. */
  mixSimulated?: boolean;
  /** Fixed clock for reproducible output. */
  now?: Date;
  maxEvidence?: number;
}

export async function buildReport(
  lines: AsyncIterable<ReportLine>,
  claims: readonly Claim[],
  opts: ReportOptions = {},
): Promise<Report> {
  const tally = opts.badLines ?? new BadLineTally();
  const ingest = new Ingest(opts, (bad) => {
    tally.add(bad);
    opts.onUnusable?.(bad);
  });
  for await (const l of lines) ingest.take(l);
  return finishReport(ingest, claims, { ...opts, badLines: tally });
}

export type IngestResult = Pick<Ingest, 'agg' | 'controls' | 'filteredOut' | 'duplicates' | 'simulated' | 'ooni'>;

/**
 * A report over simulated lines must never pass for one over a network; one that mixes the two is
 * refused unless asked for, since every figure would blend a simulation into a measurement.
 */
export function checkSimulated(ingest: Pick<IngestResult, 'agg' | 'simulated'>, mix: boolean | undefined): void {
  const real = ingest.agg.measurements - ingest.simulated;
  if (ingest.simulated > 0 && real > 0 && !mix)
    throw new InputError(
      `the input mixes ${real} real measurement(s) with ${ingest.simulated} simulated one(s) (annotations.x_simulation, written by voipprobe demo); ` +
        'report on them separately, or pass --mix-simulated to have every simulated row marked in one report',
    );
}

function lead(c: Contradiction['sides'][number], byId: ReadonlyMap<string, Claim>): ContradictionOut['sides'][number] {
  // The side's heaviest speaker, then the first in file order, speaks for it.
  const claims = c.claims.map((id) => byId.get(id)!).filter(Boolean);
  const best = claims.reduce((b, x) => (weightOf(x) > weightOf(b) ? x : b), claims[0]!);
  return {
    claims: c.claims,
    effects: c.effects,
    weight: c.weight,
    lead: {
      id: best.id,
      quote: best.quote,
      language: best.source.language,
      speaker: `${best.speaker.kind.replace('_', ' ')}${best.speaker.name ? `: ${best.speaker.name}` : ''}`,
      source: `${best.source.outlet}, ${best.source.published.date}`,
      period: periodWords(best.period),
    },
  };
}

const WEIGHT: Record<string, number> = { official: 4, operator: 3, author: 3, quoted_source: 2, reader_comment: 1 };
function weightOf(c: Claim): number {
  return WEIGHT[c.speaker.kind] ?? 0;
}

/** The report from ingested measurements: claims judged, contradictions listed, evidence summarised. */
export function finishReport(
  ingest: IngestResult,
  claims: readonly Claim[],
  opts: ReportOptions & { badLines: BadLineTally; runs?: Map<string, number> },
): Report {
  const { agg, controls, filteredOut } = ingest;
  checkSimulated(ingest, opts.mixSimulated);
  const tally = opts.badLines;
  const wanted = opts.services?.length ? new Set(opts.services.map(measuredService)) : null;
  const contradictionsAll = detectContradictions(claims);
  const shown = wanted ? claims.filter((c) => claimMentionsService(c, [...wanted])) : [...claims];
  const shownIds = new Set(shown.map((c) => c.id));
  const byId = new Map(claims.map((c) => [c.id, c]));
  const contradictions: ContradictionOut[] = contradictionsAll
    .filter((c) => [...c.sides[0].claims, ...c.sides[1].claims].some((id) => shownIds.has(id)))
    .map((c) => ({ ...c, sides: [lead(c.sides[0], byId), lead(c.sides[1], byId)] }));
  const conflicts = conflictIndex(contradictionsAll);
  const units = agg.units();
  const ctx = {
    claims,
    conflicts,
    maxEvidence: opts.maxEvidence,
    countryOperators: countryOperators(claims),
    displayFile: opts.displayClaimsFile,
  };
  const verdicts = shown.map((c) => judgeClaim(c, units, ctx));
  const verdict_counts = { consistent: 0, contradicted: 0, not_tested: 0, historical: 0 };
  for (const v of verdicts) verdict_counts[v.verdict]++;
  const runs = opts.runs ?? agg.runsByVantage();
  const evidence = evidenceSummary(units, runs);
  const simulated = ingest.simulated > 0;

  return {
    format: 'voipprobe-report',
    format_version: 2,
    generated_at: (opts.now ?? new Date()).toISOString(),
    software: { name: 'voipprobe', version: SOFTWARE_VERSION },
    simulated,
    summary: buildSummary(units, evidence, runs),
    filters: { services: wanted ? [...wanted] : null, since: opts.since ?? null, until: opts.until ?? null },
    input: {
      paths: [...(opts.paths ?? [])],
      files: [...(opts.files ?? [...agg.files].sort())],
      measurements: agg.measurements,
      duplicates: ingest.duplicates,
      simulated: ingest.simulated,
      ooni: ingest.ooni,
      controls,
      filtered_out: filteredOut,
      first_time: agg.firstTime,
      last_time: agg.lastTime,
      bad_lines: { total: tally.total, ...tally.counts, examples: [...tally.examples] },
    },
    claims: {
      files: [...(opts.claimFiles ?? [...new Set(claims.map((c) => c.file))])].map(
        (f) => opts.displayClaimsFile?.(f) ?? f,
      ),
      count: shown.filter((c) => c.origin === 'document').length,
      facts: shown.filter((c) => c.origin === 'external').length,
      contradictions,
    },
    verdict_counts,
    verdicts,
    evidence,
    // Credits given by the caller and those the measurements carry (their licences require it).
    attributions: [...new Set([...(opts.attributions ?? []), ...agg.attributions])],
  };
}
