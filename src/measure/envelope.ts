// Wraps a measured service in OONI's base format (df-000): one JSON line per service per run.

import { randomUUID } from 'node:crypto';
import { arch, platform } from 'node:os';
import { relative } from 'node:path';
import {
  DATA_FORMAT_VERSION,
  MEASUREMENT_FORMAT_VERSION,
  type Measurement,
  ooniReportId,
  ooniTime,
  type RunSettingsRecord,
  TEST_NAME,
  TEST_VERSION,
  type Vantage,
} from '../model/measurement.js';
import { SOFTWARE_NAME, SOFTWARE_VERSION } from '../version.js';
import type { ServiceRun } from './run.js';

export const UNKNOWN_VANTAGE: Vantage = {
  probe_asn: 'AS0',
  probe_cc: 'ZZ',
  probe_network_name: '',
  x_access: 'unknown',
  x_vantage: '',
};

export interface RunMeta {
  start: Date;
  reportId: string;
  controlsId: string;
  /** Flags that shaped the run, as the user gave them (scrubbed later with the rest). */
  options: string[];
  vantage: Vantage;
  /** Where the catalogue lives, to record file paths relative to it. */
  catalogueDir: string;
  annotations?: Record<string, string>;
  /** The run's effective settings, recorded in every line. */
  settings?: RunSettingsRecord;
}

/** OONI's report id shape: {UTC time}_{test name without "_"}_{CC}_{ASN}_n0_{random}. */
export function newReportId(start: Date, vantage: Pick<Vantage, 'probe_asn' | 'probe_cc'>): string {
  return ooniReportId({ time: start, testName: TEST_NAME, cc: vantage.probe_cc, asn: vantage.probe_asn, collector: 0 });
}

export function buildMeasurement(r: ServiceRun, meta: RunMeta, id: string = randomUUID()): Measurement {
  const started = new Date(meta.start.getTime() + r.startedAt * 1000);
  return {
    id,
    data_format_version: DATA_FORMAT_VERSION,
    x_format_version: MEASUREMENT_FORMAT_VERSION,
    report_id: meta.reportId,
    input: r.service.service,
    measurement_start_time: ooniTime(started),
    test_start_time: ooniTime(meta.start),
    test_runtime: Math.round((r.finishedAt - r.startedAt) * 1000) / 1000,
    test_name: TEST_NAME,
    test_version: TEST_VERSION,
    software_name: SOFTWARE_NAME,
    software_version: SOFTWARE_VERSION,
    probe_asn: meta.vantage.probe_asn,
    probe_cc: meta.vantage.probe_cc,
    probe_ip: '127.0.0.1',
    probe_network_name: meta.vantage.probe_network_name,
    annotations: {
      platform: platform(),
      architecture: arch(),
      engine_name: SOFTWARE_NAME,
      engine_version: SOFTWARE_VERSION,
      node_version: process.version,
      ...meta.annotations,
    },
    extensions: { dnst: 0, tcpconnect: 0, tlshandshake: 0, httpt: 0, netevents: 0 },
    options: meta.options,
    x_access: meta.vantage.x_access,
    x_vantage: meta.vantage.x_vantage,
    ...(meta.settings ? { x_settings: meta.settings } : {}),
    test_keys: {
      service: r.service.service,
      ...r.observations,
      x_catalogue: { file: relative(meta.catalogueDir, r.service.file) || r.service.file, sha256: r.service.sha256 },
      x_interrupted: r.interrupted,
      x_deadline_reached: r.deadlineReached,
      x_controls: r.controls,
      x_controls_measurement_id: meta.controlsId,
      x_verdict: r.verdict,
    },
  };
}
