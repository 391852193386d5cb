// One run session: the measurement with its vantage identity, its privacy and its results file.
// Measures with typed settings, identifies the network from the controls' STUN answers, scrubs and
// bounds every line, writes each line as soon as its service is judged, and rewrites earlier lines when
// a later one reveals a public address. Printing, flags and signals belong to the caller (the CLI): it
// hands in an AbortSignal and reads the outcome.

import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { judge } from '../analysis/index.js';
import { buildMeasurement, newReportId, type RunMeta, UNKNOWN_VANTAGE } from '../measure/envelope.js';
import { type RunResult, runMeasurement, type ServiceRun } from '../measure/run.js';
import type { Progress } from '../measure/steps.js';
import type { Vantage } from '../model/measurement.js';
import { networkHasIpv6 } from '../net/index.js';
import { ResultsWriter, runResultsFile, type WriteFailure } from '../results/write.js';
import { isBogon } from '../util/ip.js';
import { asnLookup } from '../vantage/asn-db.js';
import { mappedAddresses, type RunLine, RunPrivacy } from '../vantage/privacy.js';
import { effectiveSettings, type RunSettings, settingsRecord } from './settings.js';

/** Who measured: labels, then (once the public address is known) the offline databases. */
export type Identify = (
  publicIps: readonly string[],
) => Promise<{ vantage: Vantage; attribution: string; warning?: string }>;

export interface SessionOptions {
  /** The command line as recorded in each line's `options` (private values already withheld). */
  options: string[];
  /** What the envelope says until `identify` knows better; default: unknown. */
  vantage?: Vantage;
  identify?: Identify;
  annotations?: Record<string, string>;
  /** Stops measuring (Ctrl-C, SIGTERM); what was measured is kept and written. */
  signal?: AbortSignal;
  /** Receives the live step counters (for a progress line). */
  onProgress?: (p: Progress) => void;
  log: Logger;
}

export interface SessionOutcome {
  result: RunResult;
  file: string;
  /** Every line as written (bounded, scrubbed of every address known at the end). */
  lines: RunLine[];
  /** Lines the results file holds. */
  written: number;
  /** Set when the results file could not take every line. */
  writeProblem?: { failure: WriteFailure; unwritten: number; stale: boolean };
}

export class RunSession {
  readonly start = new Date();
  /** The results file, named before anything is measured (a second Ctrl-C says where the lines are). */
  readonly file: string;
  private readonly writer: ResultsWriter;

  constructor(
    private readonly settings: RunSettings,
    private readonly o: SessionOptions,
  ) {
    this.file = runResultsFile(settings.out, this.start, randomBytes(3).toString('hex'));
    this.writer = new ResultsWriter(this.file);
  }

  /** Lines written so far. */
  get written(): number {
    return this.writer.count;
  }

  async run(): Promise<SessionOutcome> {
    const { o, writer, start } = this;
    const s = effectiveSettings(this.settings, networkHasIpv6);
    const vantage = o.vantage ?? UNKNOWN_VANTAGE;
    const meta: RunMeta = {
      start,
      reportId: newReportId(start, vantage),
      controlsId: randomUUID(),
      options: o.options,
      vantage,
      catalogueDir: s.catalogue.dir,
      settings: settingsRecord(s),
      ...(o.annotations ? { annotations: o.annotations } : {}),
    };
    // Lines leave the process bounded and scrubbed; an address learned late rewrites the earlier lines.
    const privacy = new RunPrivacy(s.includeIp);
    const onService = async (r: ServiceRun) => {
      // The controls line comes first: its STUN answers give the public address to identify the network
      // by (labels win; else the offline databases), before the first line is built.
      if (r.isControls && o.identify) {
        const stunSeen = mappedAddresses(r.observations).filter((a) => !isBogon(a));
        const id = await o.identify([...new Set([...stunSeen, ...privacy.known])]);
        if (id.warning) o.log.warn(id.warning);
        meta.vantage = id.vantage;
        meta.reportId = newReportId(start, id.vantage);
        if (id.attribution) meta.annotations = { ...meta.annotations, x_geoip_attribution: id.attribution };
      }
      const { line, changed } = privacy.add(
        buildMeasurement(r, meta, r.isControls ? meta.controlsId : undefined),
        r.observations,
      );
      if (changed.length) writer.replace(new Map(changed.map((l) => [l.id, l.json])));
      writer.append(line.id, line.json);
      o.log.debug(
        { service: r.service.service, status: r.verdict?.status ?? r.controls.network },
        'measurement written',
      );
    };

    o.log.info({ services: s.catalogue.services.map((x) => x.service), file: this.file }, 'run started');
    let result: RunResult;
    try {
      result = await runMeasurement({
        catalogue: s.catalogue,
        judge,
        timeoutMs: s.timeoutMs,
        // The test calls come after the measurement: the deadline makes room for them.
        deadlineMs: s.deadlineMs + (s.callTest ? (s.callTest.seconds + 15) * 1000 : 0),
        concurrency: s.concurrency,
        ...(s.callTest && s.helpers?.length ? { callTest: { ...s.callTest, helper: s.helpers[0]! } } : {}),
        resolvers: s.resolvers,
        ...(s.ca ? { ca: s.ca } : {}),
        ...(s.helpers?.length ? { helpers: s.helpers } : {}),
        ipv6: s.ipv6,
        perFamily: s.perFamily,
        localise: s.localise,
        asnOf: asnLookup(s.asnDb),
        ...(o.signal ? { signal: o.signal } : {}),
        onService,
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      });
    } finally {
      writer.close();
    }
    o.log.info(
      {
        file: this.file,
        measurements: writer.count,
        runtime_s: result.runtimeS,
        network: result.controls.controls.network,
      },
      'run finished',
    );
    return {
      result,
      file: this.file,
      lines: privacy.lines,
      written: writer.count,
      ...(writer.failure
        ? { writeProblem: { failure: writer.failure, unwritten: writer.unwritten, stale: writer.stale } }
        : {}),
    };
  }
}
