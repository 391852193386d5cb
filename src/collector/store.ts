// What a collector store does, whatever it is built on: insert idempotently on the measurement id,
// stream measurements back for the reporter, count what it holds.

import { createHash } from 'node:crypto';
import type { Measurement } from '../model/measurement.js';
import type { ResultLine } from '../results/read.js';

/** What the server hands a store for one accepted measurement. */
export interface IncomingMeasurement {
  measurement: Measurement;
  receivedAt: Date;
  /** The report id of the OONI-style session it came through (may differ from measurement.report_id). */
  collectorReportId?: string;
  /** ASN/country of the submitter's address, when the collector has a database (the address itself is never kept). */
  submitter?: { asn?: string; cc?: string };
}

export interface InsertResult {
  measurement_uid: string;
  /** True when the id was already stored: nothing new was written. */
  duplicate: boolean;
}

export interface QueryFilter {
  /** Inclusive lower bound on measurement_start_time ("YYYY-MM-DD HH:MM:SS", UTC). */
  since?: string;
  /** Exclusive upper bound on measurement_start_time. */
  until?: string;
  service?: string;
  probe_asn?: string;
  probe_cc?: string;
}

export interface StoreCounts {
  /** Stored documents (rows / lines). */
  rows: number;
  /** Distinct measurement ids among them; rows - distinct = duplicates. */
  distinct: number;
}

export interface MeasurementStore {
  /** Human-readable location, without secrets. */
  readonly description: string;
  insert(m: IncomingMeasurement): Promise<InsertResult>;
  query(filter: QueryFilter, onBad?: (file: string, line: number, reason: string) => void): AsyncIterable<ResultLine>;
  counts(): Promise<StoreCounts>;
  close(): Promise<void>;
}

/** OONI-like measurement_uid: receive time with microseconds, country, test, and a hash of the id. */
export function measurementUid(m: Measurement, receivedAt: Date): string {
  const iso = receivedAt.toISOString(); // 2026-11-26T00:43:12.123Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}.${iso.slice(20, 23)}000`;
  const h = createHash('sha256').update(m.id).digest('hex').slice(0, 16);
  return `${stamp}_${m.probe_cc}_${m.test_name}_${h}`;
}

/** A document the store cannot keep, whatever is retried: the submitter gets a 4xx, not a 503. */
export class RefusedDocument extends Error {}

/**
 * The stored document as one JSON line. Serialised one document at a time, so that a document that
 * cannot be serialised is refused alone and never fails the batch it would have been written with.
 */
export function serialiseDocument(m: IncomingMeasurement, uid: string): string {
  try {
    return JSON.stringify(storedDocument(m, uid));
  } catch (e) {
    throw new RefusedDocument(`measurement ${m.measurement.id} cannot be serialised: ${(e as Error).message}`);
  }
}

/**
 * Fields only the collector writes into a stored document, and the prefixes it reserves for more. A
 * reader must be able to trust them as the collector's: a submitter sending one is refused (400).
 */
export const COLLECTOR_FIELDS: readonly string[] = [
  'measurement_uid',
  'x_received_time',
  'x_collector_report_id',
  'x_submitter_asn',
  'x_submitter_cc',
];
export const COLLECTOR_PREFIXES: readonly string[] = ['x_collector_', 'x_submitter_'];

export function isCollectorField(key: string): boolean {
  return COLLECTOR_FIELDS.includes(key) || COLLECTOR_PREFIXES.some((p) => key.startsWith(p));
}

/**
 * The stored document: the measurement as sent, plus the collector's own fields (OONI adds its own too).
 * Collector fields that came with the measurement never pass through, even if a caller skipped the
 * ingest check.
 */
export function storedDocument(m: IncomingMeasurement, uid: string): Record<string, unknown> {
  const sent = Object.fromEntries(Object.entries(m.measurement).filter(([k]) => !isCollectorField(k)));
  return {
    ...sent,
    measurement_uid: uid,
    x_received_time: m.receivedAt.toISOString(),
    ...(m.collectorReportId !== undefined && { x_collector_report_id: m.collectorReportId }),
    ...(m.submitter?.asn !== undefined && { x_submitter_asn: m.submitter.asn }),
    ...(m.submitter?.cc !== undefined && { x_submitter_cc: m.submitter.cc }),
  };
}

export function matchesFilter(m: Measurement, f: QueryFilter): boolean {
  if (f.since !== undefined && m.measurement_start_time < f.since) return false;
  if (f.until !== undefined && m.measurement_start_time >= f.until) return false;
  if (f.service !== undefined && m.test_keys?.service !== f.service) return false;
  if (f.probe_asn !== undefined && m.probe_asn !== f.probe_asn) return false;
  if (f.probe_cc !== undefined && m.probe_cc !== f.probe_cc) return false;
  return true;
}
