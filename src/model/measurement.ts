// One measurement = one JSON line per service per run, in OONI's base format (df-000) with our
// raw observations under test_keys and our verdict beside them. The types are the zod schema's
// (src/model/schema/), so that they cannot drift from the published JSON Schema.

import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type {
  measurementSchema,
  runSettingsSchema,
  testKeysSchema,
  trimCutSchema,
  trimNoteSchema,
} from './schema/measurement.js';
import type { accessLabelSchema, vantageSchema } from './schema/vantage.js';

export const TEST_NAME = 'voipprobe';
export const TEST_VERSION = '0.1.0';
export {
  ACCESS_LABELS,
  ASN_RE,
  CC_RE,
  DATA_FORMAT_VERSION,
  MEASUREMENT_FORMAT_VERSION,
  OONI_TIME_RE,
} from './schema/lists.js';

export type AccessLabel = z.infer<typeof accessLabelSchema>;
/** The five envelope fields that place a measurement: network, country, access type, vantage name. */
export type Vantage = z.infer<typeof vantageSchema>;
export type VoipTestKeys = z.infer<typeof testKeysSchema>;
export type TrimCut = z.infer<typeof trimCutSchema>;
/** test_keys.x_trimmed: present only on a line that had to be cut to fit. */
export type TrimNote = z.infer<typeof trimNoteSchema>;
/**
 * A run's effective settings as each of its lines records them (envelope `x_settings`), so that a verdict
 * can be read against what made it (a `tcp.timeout` against `timeout_s`). Helpers by URL only, never their
 * tokens. (The session's own typed settings are src/session/settings.ts RunSettings.)
 */
export type RunSettingsRecord = z.infer<typeof runSettingsSchema>;
export type Measurement = z.infer<typeof measurementSchema>;

/** The vantage record of anything that carries one (an identity lookup, an envelope). */
export function vantageOf(v: Vantage): Vantage {
  return {
    probe_asn: v.probe_asn,
    probe_cc: v.probe_cc,
    probe_network_name: v.probe_network_name,
    x_access: v.x_access,
    x_vantage: v.x_vantage,
  };
}

/** "YYYY-MM-DD HH:MM:SS" in UTC, as OONI writes times. */
export function ooniTime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** "20261126T003529Z": the UTC time as OONI report ids and our results file names write it. */
export function compactUtc(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * OONI's report id shape: {UTC time}_{test name without "_"}_{CC}_{ASN number}_n{collector}_{random}.
 * A probe writes collector 0 (no collector assigned it); our collector assigns 1.
 */
export function ooniReportId(o: { time: Date; testName: string; cc: string; asn: string; collector: number }): string {
  const asn = o.asn.replace(/^AS/, '') || '0';
  return `${compactUtc(o.time)}_${o.testName.replace(/_/g, '')}_${o.cc}_${asn}_n${o.collector}_${randomBytes(12).toString('base64url')}`;
}
