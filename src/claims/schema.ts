// A claims file is data: what documents say about VoIP blocking (who blocked what, where, when, how),
// one object per claim, each citing its source and a short verbatim quote. The bundled file holds the
// claims of the Moroccan seed documents; users add their own files in the same format for the next ban.

import { z } from 'zod';
import { PATHS } from '../catalogue/schema.js';
import { TECHNIQUES } from '../model/verdict.js';
import { isCalendarDay } from './period.js';

export const EFFECTS = ['blocked', 'throttled', 'degraded', 'working', 'restored', 'circumvented'] as const;
export type Effect = (typeof EFFECTS)[number];

/** Where the claim applies: a mobile network (3G/4G), a fixed one (ADSL, fibre; Wi-Fi behind it), or either. */
export const ACCESS = ['mobile', 'fixed', 'any'] as const;
export type ClaimAccess = (typeof ACCESS)[number];

/** The measured paths, plus `any`: the service as a whole, whichever path. */
export const CLAIM_PATHS = [...PATHS, 'any'] as const;
export type ClaimPath = (typeof CLAIM_PATHS)[number];

export const PRECISIONS = ['day', 'month', 'year', 'approximate'] as const;
export type Precision = (typeof PRECISIONS)[number];

/**
 * Who says it. A reader comment weighs less than a regulator's communiqué; the weight is shown beside
 * every contradiction but never decides one.
 */
export const SPEAKER_KINDS = ['official', 'operator', 'author', 'quoted_source', 'reader_comment'] as const;
export type SpeakerKind = (typeof SPEAKER_KINDS)[number];
export const SPEAKER_WEIGHT: Record<SpeakerKind, number> = {
  official: 4,
  operator: 3,
  author: 3,
  quoted_source: 2,
  reader_comment: 1,
};

/** "2016", "2016-02" or "2016-02-10": as precise as the text allows, no more. */
export const partialDate = z
  .string()
  .regex(/^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/, 'must be YYYY, YYYY-MM or YYYY-MM-DD')
  // Judged only once the shape is right (zod runs every check): "2017/06/15" gets the message above, never a crash.
  .refine((s) => s.length !== 10 || !/^\d{4}-\d\d-\d\d$/.test(s) || isCalendarDay(s), 'not a calendar date');

const countryCode = z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 country code, upper case (e.g. "MA")');
const key = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" and "-"');

export function wordCount(s: string): number {
  return s.trim().split(/\s+/).filter(Boolean).length;
}

export const MAX_QUOTE_WORDS = 25;

export const sourceSchema = z
  .object({
    /** Seed or document file name (e.g. "002_6454bdd1c06e81b7.txt"), or a URL for a user's own document. */
    file: z.string().min(1),
    outlet: z.string().min(1),
    title: z.string().min(1),
    author: z.string().min(1).optional(),
    url: z.string().min(1).optional(),
    /** BCP 47 language of the document (quotes stay in it). */
    language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]+)*$/),
    published: z
      .object({
        date: partialDate,
        precision: z.enum(PRECISIONS),
        /** How the date was worked out when the document does not print it. */
        note: z.string().min(1).optional(),
      })
      .strict(),
    note: z.string().min(1).optional(),
  })
  .strict();

export const operatorSchema = z
  .object({
    name: z.string().min(1),
    /** The network's ASN as measurements write it ("AS6713"); null when unknown (then matched by name). */
    asn: z
      .string()
      .regex(/^AS\d+$/, 'must look like "AS6713"')
      .nullable(),
    country: countryCode,
    /** Other names the operator goes by (brands, former names), for matching and filters. */
    aliases: z.array(z.string().min(1)).optional(),
  })
  .strict();

export const periodSchema = z
  .object({
    /** null: the text gives no start. */
    from: partialDate.nullable(),
    /** null: open-ended, the claim asserts the state goes on (compared with every later measurement). */
    to: partialDate.nullable(),
    precision: z.enum(PRECISIONS),
    /** How the dates were read from the text. */
    note: z.string().min(1).optional(),
  })
  .strict();

export const speakerSchema = z
  .object({
    kind: z.enum(SPEAKER_KINDS),
    /** Commenter's handle, official's title, operator's name... when the text gives one. */
    name: z.string().min(1).optional(),
    /** Who relays the statement when it is second-hand (e.g. an operator's answer quoted by a reader). */
    reported_by: z.string().min(1).optional(),
  })
  .strict();

export const techniqueSchema = z
  .object({
    /** In words, as the document puts it (e.g. "blocking of Skype server IP addresses at operator gateways"). */
    description: z.string().min(1),
    /** What our measurements would record if this technique were in use. */
    measured_as: z.array(z.enum(TECHNIQUES)).optional(),
  })
  .strict();

const serviceName = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case service name (e.g. "whatsapp"), or "any"');

export const claimSchema = z
  .object({
    id: key,
    /** Key into the file's `sources`. */
    source: key,
    speaker: speakerSchema,
    /** Verbatim from the document, in its language, at most 25 words (required in a claims file). */
    quote: z
      .string()
      .min(1)
      .refine((q) => wordCount(q) <= MAX_QUOTE_WORDS, `at most ${MAX_QUOTE_WORDS} words`)
      .optional(),
    /** In a facts file: the fact in our own words, as its sources establish it (required there). */
    statement: z.string().min(1).optional(),
    /** Further sources (keys into `sources`) that report the same fact. */
    also_sources: z.array(key).optional(),
    /**
     * Claims sharing a passage key were made in one passage (one reader comment, one paragraph): they
     * speak of the same moment, so two of them can disagree for sure even when their dates are loose.
     */
    passage: key.optional(),
    /** Where the claim is about (a Moroccan article may speak of the Gambia). */
    country: countryCode,
    /** Catalogue service names (skype, whatsapp, viber, ...), document names (hangouts), or "any" VoIP service. */
    services: z.array(serviceName).min(1),
    /** Keys into the file's `operators`, "all" (every operator of the country) or "unspecified" (the text does not say which). */
    operators: z.union([z.literal('all'), z.literal('unspecified'), z.array(key).min(1)]),
    access: z.enum(ACCESS),
    period: periodSchema,
    effect: z.enum(EFFECTS),
    paths: z.array(z.enum(CLAIM_PATHS)).min(1),
    technique: techniqueSchema.optional(),
    /** Set when the claim is about a place or event rather than whole networks (e.g. a conference venue). */
    scope: z.string().min(1).optional(),
    /** Interpretation: why these fields were read from the quote this way. */
    note: z.string().min(1).optional(),
  })
  .strict();

/**
 * `claims` (the default): what documents say, each claim quoted. `facts`: external facts from the
 * record (a regulator's decision reported by the press), each stated in our words with its sources;
 * kept apart from the documents' claims and shown as such.
 */
export const FILE_KINDS = ['claims', 'facts'] as const;
export type ClaimOrigin = 'document' | 'external';

export const claimsFileSchema = z
  .object({
    $schema: z.string().optional(),
    kind: z.enum(FILE_KINDS).optional(),
    description: z.string().optional(),
    sources: z.record(key, sourceSchema),
    operators: z.record(key, operatorSchema).optional(),
    claims: z.array(claimSchema),
  })
  .strict();

export type ClaimsFile = z.infer<typeof claimsFileSchema>;
export type ClaimInput = z.infer<typeof claimSchema>;
export type Source = z.infer<typeof sourceSchema>;
export type Operator = z.infer<typeof operatorSchema>;
export type Period = z.infer<typeof periodSchema>;
export type Speaker = z.infer<typeof speakerSchema>;
export type ClaimTechnique = z.infer<typeof techniqueSchema>;

/** A claim with its references resolved: what every consumer (reporter, CLI) works with. */
export interface Claim {
  id: string;
  /** The claims file it came from. */
  file: string;
  source: Source & { key: string };
  /** `external`: from a facts file (the record), not from the documents' claims. */
  origin: ClaimOrigin;
  /** Further sources of the same fact. */
  also_sources?: (Source & { key: string })[];
  speaker: Speaker;
  /** The verbatim quote (documents) or, for an external fact, the statement in our words. */
  quote: string;
  passage?: string;
  country: string;
  services: string[];
  operators: 'all' | 'unspecified' | (Operator & { key: string })[];
  access: ClaimAccess;
  period: Period;
  effect: Effect;
  paths: ClaimPath[];
  technique?: ClaimTechnique;
  scope?: string;
  note?: string;
}

/** The JSON Schema published next to the bundled claims (seeds/claims.schema.json). */
export function claimsJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(claimsFileSchema, { io: 'input' }) as Record<string, unknown>;
}
