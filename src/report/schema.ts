// The report as data: what `--format json` prints and every renderer reads. Published as JSON Schema
// (src/report/report.schema.json) so that other tools can consume reports.

import { z } from 'zod';
import { ACCESS, CLAIM_PATHS, EFFECTS, PRECISIONS, SPEAKER_KINDS } from '../claims/schema.js';

export const VERDICTS = ['consistent', 'contradicted', 'not_tested', 'historical'] as const;
export type ClaimVerdictKind = (typeof VERDICTS)[number];

export const MEASURED_PATHS = ['any', 'chat', 'web', 'call'] as const;
const status = z.enum(['accessible', 'blocked', 'partially_blocked', 'degraded', 'inconclusive']);
const nonNeg = z.number().int().min(0);
const day = z.string().regex(/^\d{4}-\d\d-\d\d$/);
const time = z.string().regex(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

export const countsSchema = z
  .object({ accessible: nonNeg, blocked: nonNeg, partially_blocked: nonNeg, degraded: nonNeg, inconclusive: nonNeg })
  .strict();

/** A measurement a verdict rests on: enough to find the line again. */
export const measurementRefSchema = z
  .object({
    file: z.string(),
    line: z.number().int().min(1),
    report_id: z.string(),
    id: z.string(),
    time,
    service: z.string(),
    path: z.enum(MEASURED_PATHS),
    status,
  })
  .strict();

export const vantageSchema = z
  .object({
    asn: z.string(),
    cc: z.string(),
    network_name: z.string(),
    access: z.enum(['mobile', 'fixed', 'wifi', 'unknown']),
    label: z.string(),
  })
  .strict();

export const claimSummarySchema = z
  .object({
    id: z.string(),
    claims_file: z.string(),
    source: z
      .object({
        key: z.string(),
        file: z.string(),
        outlet: z.string(),
        title: z.string(),
        published: z.string(),
        language: z.string(),
        url: z.string().optional(),
      })
      .strict(),
    speaker: z.object({ kind: z.enum(SPEAKER_KINDS), name: z.string().optional(), weight: z.number() }).strict(),
    quote: z.string(),
    country: z.string(),
    services: z.array(z.string()),
    operators: z.string(),
    operator_asns: z.array(z.string()),
    access: z.enum(ACCESS),
    paths: z.array(z.enum(CLAIM_PATHS)),
    period: z
      .object({ from: z.string().nullable(), to: z.string().nullable(), precision: z.enum(PRECISIONS), note: z.string().optional() })
      .strict(),
    effect: z.enum(EFFECTS),
    technique: z.string().optional(),
    scope: z.string().optional(),
  })
  .strict();

/** One (service, path, network) the claim was held against, in one time window. */
export const checkSchema = z
  .object({
    service: z.string(),
    path: z.enum(MEASURED_PATHS),
    vantage: vantageSchema,
    /** `during` the claimed period, or `after` it ended (today's evidence for a historical claim). */
    window: z.enum(['during', 'after']),
    counts: countsSchema,
    /** Decisive measurements showing the claimed state, and those showing another one. */
    support: nonNeg,
    oppose: nonNeg,
    outcome: z.enum(['supports', 'opposes', 'inconclusive']),
    first_day: day,
    last_day: day,
    /** The most recent day with a decisive measurement and its dominant status. */
    latest: z.object({ day, status }).strict().nullable(),
  })
  .strict();

export const historicalSchema = z
  .object({
    claimed_state: z.enum(['blocked', 'degraded', 'working']),
    today: z.array(
      z.object({ service: z.string(), path: z.enum(MEASURED_PATHS), vantage: vantageSchema, day, status }).strict(),
    ),
    /** Whether today's state is still the claimed one on every network (`mixed`: on some). */
    same_as_claimed: z.enum(['yes', 'no', 'mixed']),
    /** Later claims of a different state over the same scope (the lifting, or a return of the block). */
    later_claims: z.array(
      z
        .object({ id: z.string(), effect: z.enum(EFFECTS), period: z.string(), source: z.string(), agrees_with_today: z.boolean() })
        .strict(),
    ),
    reading: z.string(),
  })
  .strict();

export const claimVerdictSchema = z
  .object({
    claim: claimSummarySchema,
    verdict: z.enum(VERDICTS),
    summary: z.string(),
    /** Why not tested, and what part of the claim went unmeasured. */
    reasons: z.array(z.string()),
    checks: z.array(checkSchema),
    /** A bounded selection of the measurements the verdict rests on. */
    evidence: z.array(measurementRefSchema),
    /** How many decisive measurements the verdict rests on in all. */
    evidence_total: nonNeg,
    historical: historicalSchema.optional(),
    conflicts_with: z.array(z.string()),
  })
  .strict();

export const contradictionSchema = z
  .object({
    claims: z.tuple([z.string(), z.string()]),
    kind: z.enum(['state', 'lifting', 'severity', 'quality', 'exception']),
    effects: z.tuple([z.enum(EFFECTS), z.enum(EFFECTS)]),
    overlap: z
      .object({
        country: z.string(),
        services: z.array(z.string()),
        operators: z.string(),
        access: z.enum(ACCESS),
        paths: z.array(z.enum(CLAIM_PATHS)),
        period: z.object({ from: z.string().nullable(), to: z.string().nullable() }).strict(),
      })
      .strict(),
    certainty: z.enum(['definite', 'possible']),
    uncertain_because: z.array(z.string()),
    weights: z.tuple([z.number(), z.number()]),
    summary: z.string(),
  })
  .strict();

export const dayEvidenceSchema = z
  .object({ day, counts: countsSchema, status, techniques: z.record(z.string(), nonNeg) })
  .strict();

export const pathEvidenceSchema = z
  .object({
    path: z.enum(MEASURED_PATHS),
    counts: countsSchema,
    techniques: z.record(z.string(), nonNeg),
    first_time: time,
    last_time: time,
    /** Dominant status of the most recent day with a decisive measurement (else inconclusive). */
    latest_status: status,
    recent: z.array(measurementRefSchema),
    days: z.array(dayEvidenceSchema),
  })
  .strict();

export const serviceEvidenceSchema = z
  .object({
    service: z.string(),
    vantage: vantageSchema,
    measurements: nonNeg,
    first_time: time,
    last_time: time,
    paths: z.array(pathEvidenceSchema),
  })
  .strict();

export const badLineSchema = z
  .object({ file: z.string(), line: z.number().int().min(1), kind: z.enum(['corrupt', 'torn', 'invalid', 'unusable']), reason: z.string() })
  .strict();

export const reportSchema = z
  .object({
    format: z.literal('voipprobe-report'),
    format_version: z.literal(1),
    generated_at: z.string(),
    software: z.object({ name: z.string(), version: z.string() }).strict(),
    /** Credits for data the report used (e.g. the IP-to-ASN database). */
    attributions: z.array(z.string()),
    filters: z
      .object({ services: z.array(z.string()).nullable(), since: z.string().nullable(), until: z.string().nullable() })
      .strict(),
    input: z
      .object({
        paths: z.array(z.string()),
        files: z.array(z.string()),
        measurements: nonNeg,
        controls: nonNeg,
        filtered_out: nonNeg,
        first_time: time.nullable(),
        last_time: time.nullable(),
        bad_lines: z
          .object({
            total: nonNeg,
            corrupt: nonNeg,
            torn: nonNeg,
            invalid: nonNeg,
            unusable: nonNeg,
            examples: z.array(badLineSchema),
          })
          .strict(),
      })
      .strict(),
    claims: z
      .object({ files: z.array(z.string()), count: nonNeg, contradictions: z.array(contradictionSchema) })
      .strict(),
    verdict_counts: z
      .object({ consistent: nonNeg, contradicted: nonNeg, not_tested: nonNeg, historical: nonNeg })
      .strict(),
    verdicts: z.array(claimVerdictSchema),
    evidence: z.array(serviceEvidenceSchema),
  })
  .strict();

export type Report = z.infer<typeof reportSchema>;
export type ClaimVerdict = z.infer<typeof claimVerdictSchema>;
export type Check = z.infer<typeof checkSchema>;
export type MeasurementRefOut = z.infer<typeof measurementRefSchema>;
export type VantageOut = z.infer<typeof vantageSchema>;
export type ServiceEvidence = z.infer<typeof serviceEvidenceSchema>;
export type PathEvidence = z.infer<typeof pathEvidenceSchema>;
export type BadLineOut = z.infer<typeof badLineSchema>;
export type ClaimSummary = z.infer<typeof claimSummarySchema>;
export type Historical = z.infer<typeof historicalSchema>;
export type CountsOut = z.infer<typeof countsSchema>;

export function reportJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(reportSchema, { io: 'output' }) as Record<string, unknown>;
}
