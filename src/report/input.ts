// What the reporter reads from each measurement: the envelope fields that place it (network, access,
// vantage, time) and the verdict's per-path statuses. A full `ResultLine` from src/results/read.ts
// fits this type, and so does the slimmer line the fast reader builds without parsing raw observations.

import {
  ACCESS_LABELS,
  type AccessLabel,
  ASN_RE,
  CC_RE,
  type Measurement,
  OONI_TIME_RE,
} from '../model/measurement.js';
import {
  PATH_STATUSES,
  type PathStatus,
  type PathVerdict,
  SERVICE_PATHS,
  type ServicePath,
  type ServiceVerdict,
} from '../model/verdict.js';
import { explorerUrl, type OoniReading } from './ooni.js';

export type MeasurementCore = Pick<
  Measurement,
  | 'id'
  | 'report_id'
  | 'measurement_start_time'
  | 'probe_asn'
  | 'probe_cc'
  | 'probe_network_name'
  | 'x_access'
  | 'x_vantage'
> & {
  /**
   * Read: `x_geoip_attribution` (the data credit of the offline IP databases, when they were used) and
   * `x_simulation` (set by `voipprobe demo`: nothing real was measured).
   */
  annotations?: Partial<Record<string, string>>;
  test_keys: {
    service: string;
    x_verdict:
      | (Pick<ServiceVerdict, 'status'> & {
          paths: Partial<Record<ServicePath, Pick<PathVerdict, 'status' | 'techniques' | 'strength'>>>;
        })
      | null;
  };
};

export interface ReportLine {
  file: string;
  line: number;
  measurement: MeasurementCore;
  /** Where the line sits in its file (bytes), so that the few lines a summary quotes can be read again. */
  offset?: number;
  length?: number;
  /** The whole measurement when it was parsed anyway (slow path, collector): its details are read from it. */
  raw?: unknown;
  /** An OONI Probe measurement (`raw` holds it), read by src/report/ooni.ts. */
  ooni?: boolean;
}

const STATUS_SET: ReadonlySet<string> = new Set(PATH_STATUSES);
const ACCESS_SET: ReadonlySet<string> = new Set(ACCESS_LABELS);

export function isPathStatus(s: unknown): s is PathStatus {
  return typeof s === 'string' && STATUS_SET.has(s);
}

export interface PathObservation {
  path: ServicePath;
  status: PathStatus;
  techniques: string[];
  /** How strong the evidence of a block is, when the line says (blocked and partially blocked paths). */
  strength?: 'strong' | 'weak';
}

/** One measurement reduced to what the reporter counts; every field checked, since files are untrusted. */
export interface Observation {
  service: string;
  time: string;
  day: string;
  asn: string;
  cc: string;
  networkName: string;
  access: AccessLabel;
  vantage: string;
  reportId: string;
  id: string;
  status: PathStatus;
  paths: PathObservation[];
  /** Data credit the measurement carries (IP-to-ASN/country databases), "" when none. */
  attribution: string;
  /** Written by `voipprobe demo` (annotations.x_simulation): nothing real was measured. */
  simulated: boolean;
  /** Which instrument measured: this probe, or OONI Probe (then `test` is OONI's test name). */
  source: 'voipprobe' | 'ooni';
  test: string;
  /** For OONI measurements: OONI Explorer's page for it (cited as text, never fetched). */
  link?: string;
}

export type Normalised =
  | { ok: true; obs: Observation }
  | { ok: false; controls: true }
  | { ok: false; controls: false; reason: string };

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/**
 * Checks what the reader's schema does not: that there is a usable verdict. A line without one is
 * reported (`reason`), never counted; the controls line is set aside (it is not a service).
 */
export function normalise(m: MeasurementCore): Normalised {
  const tk = m.test_keys as { service?: unknown; x_verdict?: unknown } | undefined;
  const service = str(tk?.service);
  if (service === 'controls') return { ok: false, controls: true };
  if (!service) return { ok: false, controls: false, reason: 'test_keys.service: missing' };
  const time = str(m.measurement_start_time);
  if (!OONI_TIME_RE.test(time))
    return { ok: false, controls: false, reason: 'measurement_start_time: not "YYYY-MM-DD HH:MM:SS"' };
  const v = tk?.x_verdict as { status?: unknown; paths?: unknown } | null | undefined;
  if (v === null || v === undefined)
    return { ok: false, controls: false, reason: 'test_keys.x_verdict: missing (no verdict for this service)' };
  if (typeof v !== 'object' || Array.isArray(v))
    return { ok: false, controls: false, reason: 'test_keys.x_verdict: not an object' };
  if (!isPathStatus(v.status))
    return {
      ok: false,
      controls: false,
      reason: `test_keys.x_verdict.status: unknown status ${JSON.stringify(v.status)?.slice(0, 40)}`,
    };
  const paths: Observation['paths'] = [];
  const pv = v.paths;
  if (pv !== undefined && (typeof pv !== 'object' || pv === null || Array.isArray(pv)))
    return { ok: false, controls: false, reason: 'test_keys.x_verdict.paths: not an object' };
  for (const p of SERVICE_PATHS) {
    const one = (pv as Record<string, unknown> | undefined)?.[p] as
      | { status?: unknown; techniques?: unknown }
      | undefined;
    if (one === undefined || one === null) continue;
    if (!isPathStatus(one.status))
      return {
        ok: false,
        controls: false,
        reason: `test_keys.x_verdict.paths.${p}.status: unknown status ${JSON.stringify(one.status)?.slice(0, 40)}`,
      };
    const techniques = Array.isArray(one.techniques)
      ? one.techniques.filter((t): t is string => typeof t === 'string')
      : [];
    const strength = (one as { strength?: unknown }).strength;
    paths.push({
      path: p,
      status: one.status,
      techniques,
      ...(strength === 'strong' || strength === 'weak' ? { strength } : {}),
    });
  }
  const access = str(m.x_access);
  return {
    ok: true,
    obs: {
      service,
      time,
      day: time.slice(0, 10),
      asn: str(m.probe_asn),
      cc: str(m.probe_cc),
      networkName: str(m.probe_network_name),
      access: (ACCESS_SET.has(access) ? access : 'unknown') as AccessLabel,
      vantage: str(m.x_vantage),
      reportId: str(m.report_id),
      id: str(m.id),
      status: v.status,
      paths,
      attribution: str(m.annotations?.x_geoip_attribution),
      simulated: str(m.annotations?.x_simulation) !== '',
      source: 'voipprobe',
      test: '',
    },
  };
}

const OONI_ACCESS: Readonly<Record<string, AccessLabel>> = { mobile: 'mobile', wifi: 'wifi' };

/**
 * An OONI measurement (already read by src/report/ooni.ts) as an observation. Its id for de-duplication
 * is OONI's measurement_uid when the line has one, else report id, input and start time, which name one
 * measurement in OONI's data. The vantage is "OONI Probe": its rows stay apart from this probe's.
 */
export function fromOoni(m: Record<string, unknown>, r: OoniReading): Normalised {
  const time = str(m.measurement_start_time);
  if (!OONI_TIME_RE.test(time))
    return { ok: false, controls: false, reason: 'measurement_start_time: not "YYYY-MM-DD HH:MM:SS"' };
  const asn = str(m.probe_asn);
  if (!ASN_RE.test(asn)) return { ok: false, controls: false, reason: 'probe_asn: not "AS1234"' };
  const cc = str(m.probe_cc);
  if (!CC_RE.test(cc)) return { ok: false, controls: false, reason: 'probe_cc: not a two-letter country code' };
  const annotations = (m.annotations && typeof m.annotations === 'object' ? m.annotations : {}) as Record<
    string,
    unknown
  >;
  const uid = str(m.measurement_uid);
  const reportId = str(m.report_id);
  const id = uid || `${reportId}|${str(m.input)}|${time}|${str(m.test_name)}`;
  return {
    ok: true,
    obs: {
      service: r.service,
      time,
      day: time.slice(0, 10),
      asn,
      cc,
      networkName: str(m.probe_network_name),
      access: OONI_ACCESS[str(annotations.network_type)] ?? 'unknown',
      vantage: 'OONI Probe',
      reportId,
      id,
      status: r.status,
      paths: r.paths.map((p) => ({
        path: p.path,
        status: p.status,
        techniques: p.techniques,
        ...(p.strength ? { strength: p.strength } : {}),
      })),
      attribution: '',
      simulated: false,
      source: 'ooni',
      test: str(m.test_name),
      ...(explorerUrl(m) ? { link: explorerUrl(m) } : {}),
    },
  };
}
