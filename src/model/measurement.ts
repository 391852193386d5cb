// One measurement = one JSON line per service per run, in OONI's base format (df-000) with our
// raw observations under test_keys and our verdict beside them.

import { randomBytes } from 'node:crypto';
import type { Observations } from './observations.js';
import type { ControlVerdict, ServiceVerdict } from './verdict.js';

export const TEST_NAME = 'voipprobe';
export const TEST_VERSION = '0.1.0';
export const DATA_FORMAT_VERSION = '0.2.0';

export type AccessLabel = 'mobile' | 'fixed' | 'wifi' | 'unknown';

export interface VoipTestKeys extends Observations {
  /** The catalogue service measured ("whatsapp", "skype", ..., or "controls"). */
  service: string;
  /** Catalogue file and the targets it held, so that a verdict can be re-derived from the line alone. */
  x_catalogue: { file: string; sha256: string };
  /** The run was interrupted (Ctrl-C, SIGTERM, deadline) before this service finished. */
  x_interrupted: boolean;
  /** The deadline cut this measurement short. */
  x_deadline_reached: boolean;
  /** Summary of the run's control measurement this verdict leaned on (also written as its own line). */
  x_controls: ControlVerdict;
  /** Id of the controls measurement of the same run. */
  x_controls_measurement_id: string;
  /** Our verdict; for the controls line, `null` (its summary is x_controls). */
  x_verdict: ServiceVerdict | null;
  /** Present only when the line had to be cut to fit (src/model/line-bound.ts): what was cut. */
  x_trimmed?: TrimNote;
}

export interface TrimCut {
  /** Where, e.g. "test_keys.x_stun[0].malformed" or "test_keys.requests[2].response.body". */
  path: string;
  unit: 'items' | 'bytes';
  kept: number;
  dropped: number;
}

/** test_keys.x_trimmed: present only on a line that had to be cut to fit. */
export interface TrimNote {
  max_line_bytes: number;
  /** Size of the line before it was cut. */
  original_bytes: number;
  cuts: TrimCut[];
  /** Cuts not listed in `cuts`. */
  more_cuts: number;
}

export interface Measurement {
  /** Stable client-side id (UUID v4): a resubmission never makes a duplicate. */
  id: string;
  data_format_version: string;
  /** Same for every line of one run, in OONI's shape: {UTC time}_{test}_{CC}_{ASN}_n0_{random}. */
  report_id: string;
  input: string;
  measurement_start_time: string;
  test_start_time: string;
  test_runtime: number;
  test_name: string;
  test_version: string;
  software_name: string;
  software_version: string;
  probe_asn: string;
  probe_cc: string;
  probe_ip: string;
  probe_network_name: string;
  resolver_asn?: string;
  resolver_ip?: string;
  resolver_network_name?: string;
  annotations: Record<string, string>;
  extensions: Record<string, number>;
  options: string[];
  /** Our own vantage labels (issue: scheduled measurements from many vantage points). */
  x_access: AccessLabel;
  x_vantage: string;
  /** The settings the run measured with (absent on lines written before they were recorded). */
  x_settings?: RunSettingsRecord;
  test_keys: VoipTestKeys;
}

/**
 * A run's effective settings as each of its lines records them, so that a verdict can be read against
 * what made it (a `tcp.timeout` against `timeout_s`). Helpers by URL only, never their tokens.
 */
export interface RunSettingsRecord {
  timeout_s: number;
  deadline_s: number;
  concurrency: number;
  /** Addresses measured per family and target. */
  per_family: number;
  ipv6: boolean;
  /** Path localisation (TTL-limited probes towards silent call relays) was allowed. */
  localise: boolean;
  include_ip: boolean;
  /** Resolvers given in place of the system's and the catalogue's (absent: those were used). */
  resolvers: { local?: string[]; control_udp?: string[]; doh?: string[] };
  helpers?: string[];
  call_test?: { seconds: number; profile: 'voice' | 'video' };
}

/** "YYYY-MM-DD HH:MM:SS" in UTC, as OONI writes times. */
export function ooniTime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** "20261126T003529Z": the UTC time as OONI report ids and our results file names write it. */
export function compactUtc(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * OONI's report id shape: {UTC time}_{test name without "_"}_{CC}_{ASN number}_n{collector}_{random}.
 * A probe writes collector 0 (no collector assigned it); our collector assigns 1.
 */
export function ooniReportId(o: { time: Date; testName: string; cc: string; asn: string; collector: number }): string {
  const asn = o.asn.replace(/^AS/, '') || '0';
  return `${compactUtc(o.time)}_${o.testName.replace(/_/g, '')}_${o.cc}_${asn}_n${o.collector}_${randomBytes(12).toString('base64url')}`;
}
