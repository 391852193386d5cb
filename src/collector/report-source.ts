// `voipprobe report --from-collector URL-or-store`: the same report as from results files, built from
// the collector's data (its HTTP API, its JSONL store folder, or its PostgreSQL database).

import { loadClaims } from '../claims/load.js';
import { BadLineTally, buildReport } from '../report/build.js';
import type { ReportLine } from '../report/input.js';
import { catalogueHosts, displayNamer, type ProduceOptions } from '../report/run.js';
import type { BadLineOut, Report } from '../report/schema.js';
import { collectorLines } from './source.js';
import { redactUrl } from './store-postgres.js';

export interface FromCollectorOptions extends Omit<ProduceOptions, 'paths'> {
  /** Bearer token for an http(s) collector. */
  token?: string;
}

/** A source as it may be shown in a report: a database URL loses its password. */
export function describeSource(source: string): string {
  return /^postgres(ql)?:\/\//i.test(source) ? redactUrl(source) : source;
}

export async function produceReportFromCollector(source: string, opts: FromCollectorOptions): Promise<Report> {
  const claimSet = loadClaims({ files: opts.claimFiles, bundled: opts.bundledClaims, bundledFacts: opts.bundledFacts });
  const tally = new BadLineTally();
  const onBad = (b: BadLineOut) => {
    tally.add(b);
    opts.onBad?.(b);
  };
  // `since` narrows what the collector sends; the reporter applies every filter itself as well
  // (its `until` is inclusive, the collector's exclusive, so `until` is left to the reporter).
  const lines = withRaw(collectorLines(source, { token: opts.token, since: opts.since, onBad }));
  const { token: _token, ...rest } = opts;
  void _token;
  return buildReport(lines, claimSet.claims, {
    ...rest,
    paths: [describeSource(source)],
    files: [describeSource(source)],
    claimFiles: claimSet.files,
    displayClaimsFile: displayNamer([]),
    hosts: catalogueHosts(),
    badLines: tally,
    onUnusable: opts.onBad,
  });
}

/** The collector's lines are whole measurements: the reporter reads each path's details from them. */
async function* withRaw(lines: AsyncIterable<ReportLine>): AsyncGenerator<ReportLine> {
  for await (const l of lines) yield { ...l, raw: l.measurement };
}
