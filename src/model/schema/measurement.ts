// One measurement = one JSON line per service per run, in OONI's base format (df-000) with our raw
// observations under test_keys and our verdict beside them. This is the one definition of the line:
// the types (src/model/*.ts), the published src/model/measurement.schema.json and every reader
// (results, collector, reporter) derive from it.

import { z } from 'zod';
import * as callTest from './call-test.js';
import { envelopeCoreSchema, serviceSchema } from './envelope.js';
import * as failure from './failure.js';
import { DATA_FORMAT_VERSION, MEASUREMENT_FORMAT_MAJOR, MEASUREMENT_FORMAT_VERSION, OONI_TIME_RE } from './lists.js';
import * as observations from './observations.js';
import { observationsSchema } from './observations.js';
import * as vantage from './vantage.js';
import { vantageSchema } from './vantage.js';
import * as verdict from './verdict.js';
import { controlVerdictSchema, serviceVerdictSchema } from './verdict.js';

export { DATA_FORMAT_VERSION, MEASUREMENT_FORMAT_MAJOR, MEASUREMENT_FORMAT_VERSION, OONI_TIME_RE };

export const trimCutSchema = z.object({
  /** Where, e.g. "test_keys.x_stun[0].malformed" or "test_keys.requests[2].response.body". */
  path: z.string(),
  unit: z.enum(['items', 'bytes']),
  kept: z.number().int().min(0),
  dropped: z.number().int().min(0),
});

/** test_keys.x_trimmed: present only on a line that had to be cut to fit. */
export const trimNoteSchema = z.object({
  max_line_bytes: z.number().int(),
  /** Size of the line before it was cut. */
  original_bytes: z.number().int(),
  cuts: z.array(trimCutSchema),
  /** Cuts not listed in `cuts`. */
  more_cuts: z.number().int().min(0),
});

export const testKeysSchema = observationsSchema.extend({
  /** The catalogue service measured ("whatsapp", "skype", ..., or "controls"). */
  service: serviceSchema,
  /** Catalogue file and its hash, so that a verdict can be re-derived from the line alone. */
  x_catalogue: z.object({ file: z.string(), sha256: z.string() }),
  /** The run was interrupted (Ctrl-C, SIGTERM, deadline) before this service finished. */
  x_interrupted: z.boolean(),
  /** The deadline cut this measurement short. */
  x_deadline_reached: z.boolean(),
  /** Summary of the run's control measurement this verdict leaned on (also written as its own line). */
  x_controls: controlVerdictSchema,
  /** Id of the controls measurement of the same run. */
  x_controls_measurement_id: z.string(),
  /** Our verdict; for the controls line, `null` (its summary is x_controls). */
  x_verdict: serviceVerdictSchema.nullable(),
  /** Present only when the line had to be cut to fit (src/model/line-bound.ts): what was cut. */
  x_trimmed: trimNoteSchema.optional(),
});

const positive = z.number().positive();
/** The effective settings a run used (flags, config and defaults resolved), so that a verdict can be read against them. */
export const runSettingsSchema = z.object({
  /** Per-step timeout, seconds. */
  timeout_s: positive,
  /** The whole run's deadline, seconds. */
  deadline_s: positive,
  concurrency: z.number().int().min(1),
  /** Addresses measured at once per address family. */
  per_family: z.number().int().min(1),
  ipv6: z.boolean(),
  /** Path localisation (TTL-limited probes) was allowed. */
  localise: z.boolean(),
  /** The public address was kept in the line (--include-ip). */
  include_ip: z.boolean(),
  /** Resolvers asked: the network's own, neutral UDP controls, DoH controls. */
  resolvers: z.object({
    local: z.array(z.string()).optional(),
    control_udp: z.array(z.string()).optional(),
    doh: z.array(z.string()).optional(),
  }),
  /** The helpers asked (URLs only, never a token). */
  helpers: z.array(z.string()).optional(),
  call_test: z.object({ seconds: positive, profile: z.string() }).optional(),
});

const ooniTime = z.string().regex(OONI_TIME_RE);

export const measurementSchema = vantageSchema.extend({
  ...envelopeCoreSchema.shape,
  data_format_version: z.string(),
  /** Our own format version (MEASUREMENT_FORMAT_VERSION). */
  x_format_version: z.string().regex(new RegExp(`^${MEASUREMENT_FORMAT_MAJOR}\\.\\d+$`)),
  input: z.string(),
  test_start_time: ooniTime,
  /** Seconds. */
  test_runtime: z.number().min(0),
  test_version: z.string(),
  software_name: z.string(),
  software_version: z.string(),
  probe_ip: z.string(),
  resolver_asn: z.string().optional(),
  resolver_ip: z.string().optional(),
  resolver_network_name: z.string().optional(),
  annotations: z.record(z.string(), z.string()),
  extensions: z.record(z.string(), z.number()),
  options: z.array(z.string()),
  /** The effective settings of the run (absent in lines written before they were recorded). */
  x_settings: runSettingsSchema.optional(),
  test_keys: testKeysSchema,
  // Written by a collector into what it stores and returns, never by a probe (a submitter sending one is refused).
  /** The collector's id of the stored measurement. */
  measurement_uid: z.string().optional(),
  /** When the collector received it (ISO 8601). */
  x_received_time: z.string().optional(),
  x_collector_report_id: z.string().optional(),
  /** The submitter's network as the collector saw it. */
  x_submitter_asn: z.string().optional(),
  x_submitter_cc: z.string().optional(),
});

/**
 * The published JSON Schema of a measurement line (src/model/measurement.schema.json). The parts
 * used more than once are written once under `$defs`, named after their schema here ("dnsAnswer"
 * for dnsAnswerSchema).
 */
export function measurementJsonSchema(): Record<string, unknown> {
  const names = z.registry<{ id: string }>();
  for (const mod of [
    failure,
    vantage,
    observations,
    callTest,
    verdict,
    { trimCutSchema, trimNoteSchema, testKeysSchema, runSettingsSchema },
  ]) {
    for (const [name, value] of Object.entries(mod))
      if (name.endsWith('Schema') && value instanceof z.ZodType)
        names.add(value, { id: name.slice(0, -'Schema'.length) });
  }
  return {
    ...(z.toJSONSchema(measurementSchema, { io: 'output', reused: 'ref', metadata: names }) as Record<string, unknown>),
    title: `voipprobe measurement line, format ${MEASUREMENT_FORMAT_VERSION}`,
    description: `One JSON line per service per run (OONI df-000 ${DATA_FORMAT_VERSION} envelope, voipprobe test_keys). See docs/measurement-format.md.`,
  };
}
