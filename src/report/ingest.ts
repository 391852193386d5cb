// Measurement lines into an Aggregator, one at a time: what the reporter's reader threads run. Kept
// apart from the report's assembly (build.ts: claims, contradictions, summary) so that a reader thread
// loads only this, the aggregate and the line readers, not the claims' modules and their schemas.

import { measuredService } from '../claims/scope.js';
import { Aggregator } from './aggregate.js';
import { type PathDetails, pathDetails } from './details.js';
import { fromOoni, type Normalised, normalise, type ReportLine } from './input.js';
import { MeasurementIds } from './measurement-ids.js';
import { readOoni } from './ooni.js';
import type { BadLineOut } from './schema.js';

/** Which measurements count: services and a time window; and how OONI's web tests map to services. */
export interface IngestFilter {
  services?: readonly string[];
  since?: string;
  until?: string;
  hosts?: readonly (readonly [string, string])[];
}

/**
 * Takes measurement lines one at a time into an Aggregator: the controls line set aside, lines without
 * a usable verdict reported, filtered lines counted, a measurement seen before (same id) counted once.
 * Runs in the main thread or in a reader worker.
 */
export class Ingest {
  readonly agg = new Aggregator();
  controls = 0;
  filteredOut = 0;
  duplicates = 0;
  simulated = 0;
  ooni = 0;
  readonly ids: MeasurementIds;
  private readonly wanted: Set<string> | null;
  private readonly hosts: ReadonlyMap<string, string>;

  /** `expectedLines` sizes the set of measurement ids once (see estimateLines). */
  constructor(
    private readonly filter: IngestFilter,
    private readonly onUnusable: (b: BadLineOut) => void,
    expectedLines = 1 << 14,
  ) {
    this.ids = new MeasurementIds(expectedLines);
    this.wanted = filter.services?.length ? new Set(filter.services.map(measuredService)) : null;
    this.hosts = new Map(filter.hosts ?? []);
  }

  take(l: ReportLine): void {
    const { file, line, measurement } = l;
    let n: Normalised;
    let details: ((p: 'any' | 'chat' | 'web' | 'call') => PathDetails) | undefined;
    if (l.ooni) {
      const reading = readOoni(l.raw, this.hosts);
      if (!reading) {
        // An OONI test or a website that says nothing about the services reported on.
        this.filteredOut++;
        return;
      }
      n = fromOoni(l.raw as Record<string, unknown>, reading);
      details = (p) => {
        if (p === 'any')
          return { reason: `OONI ${(l.raw as { test_name?: string }).test_name} test: covers ${reading.covers}` };
        const one = reading.paths.find((x) => x.path === p);
        return one ? { reason: one.reason, ...(one.strength ? { strength: one.strength } : {}) } : {};
      };
    } else {
      n = normalise(measurement);
      if (l.raw !== undefined) details = (p) => pathDetails(l.raw, p);
    }
    if (!n.ok) {
      if (n.controls) this.controls++;
      else this.onUnusable({ file, line, kind: 'unusable', reason: n.reason });
      return;
    }
    const o = n.obs;
    const f = this.filter;
    if (
      (this.wanted && !this.wanted.has(o.service)) ||
      (f.since && o.time < f.since) ||
      (f.until && o.time > f.until)
    ) {
      this.filteredOut++;
      return;
    }
    if (!this.ids.add(o.id)) {
      this.duplicates++;
      return;
    }
    if (o.simulated) this.simulated++;
    if (o.source === 'ooni') this.ooni++;
    this.agg.add(file, line, o, l, details);
  }
}
