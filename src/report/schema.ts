// The report as data: what `--format json` prints and every renderer reads. Published as JSON Schema
// (src/report/report.schema.json) so that other tools can consume reports.

import { z } from 'zod';
import { CONFLICT_KINDS } from '../claims/contradictions.js';
import { ACCESS, CLAIM_PATHS, EFFECTS, PRECISIONS, SPEAKER_KINDS } from '../claims/schema.js';
import { ACCESS_LABELS } from '../model/measurement.js';
import { PATH_STATUSES, STRENGTHS } from '../model/verdict.js';

export const VERDICTS = ['consistent', 'contradicted', 'not_tested', 'historical'] as const;
export const SOURCES = ['voipprobe', 'ooni'] as const;
export type ClaimVerdictKind = (typeof VERDICTS)[number];

export const MEASURED_PATHS = ['any', 'chat', 'web', 'call'] as const;
const status = z.enum(PATH_STATUSES);
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
    /** OONI Explorer's page, for an OONI measurement (text; the report fetches nothing). */
    link: z.string().optional(),
  })
  .strict();

export const vantageSchema = z
  .object({
    asn: z.string(),
    cc: z.string(),
    network_name: z.string(),
    access: z.enum(ACCESS_LABELS),
    label: z.string(),
    /** Lines written by `voipprobe demo`: a simulation, not a network. */
    simulated: z.boolean(),
    /** The instrument: this probe, or OONI Probe. */
    source: z.enum(SOURCES),
  })
  .strict();

const qualitySchema = z
  .object({
    mos: z.number().optional(),
    loss_pct: z.number().optional(),
    jitter_ms: z.number().optional(),
    rtt_ms: z.number().optional(),
  })
  .strict();

/** What the latest measurement of a path says beyond its status (read defensively; see details.ts). */
export const detailsSchema = z
  .object({
    reason: z.string().optional(),
    strength: z.string().optional(),
    level: z.string().optional(),
    location: z.string().optional(),
    quality: qualitySchema.optional(),
  })
  .strict();

const sourceRefSchema = z
  .object({
    key: z.string(),
    file: z.string(),
    outlet: z.string(),
    title: z.string(),
    published: z.string(),
    language: z.string(),
    url: z.string().optional(),
  })
  .strict();

export const claimSummarySchema = z
  .object({
    id: z.string(),
    claims_file: z.string(),
    /** `document`: a claim a document makes (quoted); `external`: a fact from the record (stated in our words). */
    origin: z.enum(['document', 'external']),
    source: sourceRefSchema,
    also_sources: z.array(sourceRefSchema).optional(),
    speaker: z.object({ kind: z.enum(SPEAKER_KINDS), name: z.string().optional(), weight: z.number() }).strict(),
    /** The verbatim quote, or for an external fact the statement. */
    quote: z.string(),
    country: z.string(),
    services: z.array(z.string()),
    operators: z.string(),
    operator_asns: z.array(z.string()),
    access: z.enum(ACCESS),
    paths: z.array(z.enum(CLAIM_PATHS)),
    period: z
      .object({
        from: z.string().nullable(),
        to: z.string().nullable(),
        precision: z.enum(PRECISIONS),
        note: z.string().optional(),
      })
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
    /**
     * During the claimed period: `supports` or `opposes` the claim. After it: only `same_as_claimed` or
     * `differs`, since a later measurement neither confirms nor refutes what was true then.
     */
    outcome: z.enum(['supports', 'opposes', 'same_as_claimed', 'differs', 'inconclusive']),
    first_day: day,
    last_day: day,
    /** The most recent day with a decisive measurement and its dominant status. */
    latest: z.object({ day, status }).strict().nullable(),
  })
  .strict();

/** What part of a claim's scope no measurement covered. */
export const notMeasuredSchema = z
  .object({
    operators: z.array(z.string()),
    access: z.array(z.string()),
    services: z.array(z.string()),
    paths: z.array(z.string()),
  })
  .strict();

export const historicalSchema = z
  .object({
    claimed_state: z.enum(['blocked', 'degraded', 'working']),
    /** The latest decisive measurement per service, path and network, after the claimed period. */
    now: z.array(
      z.object({ service: z.string(), path: z.enum(MEASURED_PATHS), vantage: vantageSchema, day, status }).strict(),
    ),
    /** Whether the state measured later is the claimed one on every network (`mixed`: on some); says nothing of then. */
    same_as_claimed: z.enum(['yes', 'no', 'mixed']),
    /** "claimed blocked Jan-Aug 2016 on mobile (three operators); measured 30 Nov 2026 on Maroc Telecom mobile: calls work; Inwi and Meditel not measured". */
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
    not_measured: notMeasuredSchema,
    /** Which instruments the evidence came from. */
    evidence_sources: z.array(z.enum(SOURCES)),
    conflicts_with: z.array(z.string()),
  })
  .strict();

const pairSchema = z
  .object({
    claims: z.tuple([z.string(), z.string()]),
    kind: z.enum(CONFLICT_KINDS),
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

const sideSchema = z
  .object({
    claims: z.array(z.string()),
    effects: z.array(z.enum(EFFECTS)),
    weight: z.number(),
    /** The side's leading claim, quoted, with its source: what the reader compares. */
    lead: z
      .object({
        id: z.string(),
        quote: z.string(),
        language: z.string(),
        speaker: z.string(),
        source: z.string(),
        period: z.string(),
      })
      .strict(),
  })
  .strict();

/** Claims saying one thing against claims saying otherwise: restatements of one fact are one entry. */
export const contradictionSchema = z
  .object({
    id: z.string(),
    kind: z.enum(CONFLICT_KINDS),
    certainty: z.enum(['definite', 'possible']),
    sides: z.tuple([sideSchema, sideSchema]),
    pairs: z.array(pairSchema),
    importance: z.number(),
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
    /** The status of the latest decisive measurement (else inconclusive). */
    latest_status: status,
    /** Blocked or partly blocked measurements whose evidence the line rates strong, or weak. */
    strength: z.object({ strong: nonNeg, weak: nonNeg }).strict(),
    /** The latest measurement of the path: when, its status, and what it says beyond that. */
    latest: z
      .object({
        time,
        status,
        strength: z.enum(STRENGTHS).optional(),
        techniques: z.array(z.string()),
        details: detailsSchema,
        ref: measurementRefSchema,
      })
      .strict()
      .nullable(),
    recent: z.array(measurementRefSchema),
    days: z.array(dayEvidenceSchema),
  })
  .strict();

export const serviceEvidenceSchema = z
  .object({
    service: z.string(),
    vantage: vantageSchema,
    measurements: nonNeg,
    runs: nonNeg,
    first_time: time,
    last_time: time,
    paths: z.array(pathEvidenceSchema),
  })
  .strict();

/** One path of one service on one network, in words a reader takes in at once. */
export const findingSchema = z
  .object({
    service: z.string(),
    path: z.enum(MEASURED_PATHS),
    vantage: vantageSchema,
    /** works / blocked / partly_blocked (some targets blocked, others work) / degraded / could_not_tell. */
    state: z.enum(['works', 'blocked', 'partly_blocked', 'degraded', 'could_not_tell']),
    /** How many runs showed that state, of how many decisive ones, over the period. */
    runs_with_state: nonNeg,
    decisive_runs: nonNeg,
    inconclusive_runs: nonNeg,
    latest_time: time,
    strength: z.enum(['strong', 'weak', 'mixed']).optional(),
    techniques: z.array(z.string()),
    details: detailsSchema,
    /** For could_not_tell: why (the latest inconclusive reason). */
    why: z.string().optional(),
  })
  .strict();

export const measuredSchema = z
  .object({
    vantage: vantageSchema,
    runs: nonNeg,
    measurements: nonNeg,
    services: z.array(z.string()),
    first_time: time,
    last_time: time,
  })
  .strict();

export const summarySchema = z
  .object({
    /** Every network measured (by operator, access and vantage), with runs and dates. */
    measured: z.array(measuredSchema),
    findings: z.array(findingSchema),
    /** The report's first sentences. */
    headline: z.array(z.string()),
  })
  .strict();

export const badLineSchema = z
  .object({
    file: z.string(),
    line: z.number().int().min(1),
    kind: z.enum(['corrupt', 'torn', 'invalid', 'unusable']),
    reason: z.string(),
  })
  .strict();

export const reportSchema = z
  .object({
    format: z.literal('voipprobe-report'),
    format_version: z.literal(2),
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
        /** Lines of a measurement already counted (same id: a file given twice, a copy). */
        duplicates: nonNeg,
        /** Of the measurements: simulated ones (voipprobe demo) and OONI Probe's. */
        simulated: nonNeg,
        ooni: nonNeg,
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
    /** Every part of the report is about a simulation: say so on every page and row. */
    simulated: z.boolean(),
    summary: summarySchema,
    claims: z
      .object({
        files: z.array(z.string()),
        count: nonNeg,
        facts: nonNeg,
        contradictions: z.array(contradictionSchema),
      })
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
export type ContradictionOut = z.infer<typeof contradictionSchema>;
export type Finding = z.infer<typeof findingSchema>;
export type Measured = z.infer<typeof measuredSchema>;
export type Summary = z.infer<typeof summarySchema>;
export type DetailsOut = z.infer<typeof detailsSchema>;
export type NotMeasured = z.infer<typeof notMeasuredSchema>;

export function reportJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(reportSchema, { io: 'output' }) as Record<string, unknown>;
}
