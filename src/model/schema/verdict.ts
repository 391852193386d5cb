// Verdicts: pure conclusions drawn from observations (src/analysis). They sit next to the raw
// observations in every measurement, each citing the observations it rests on.
//
// A verdict that says `blocked` (or `partially_blocked`) always says how (technique) and how strongly
// (strength); a verdict of any other status never does: the types are discriminated on the status.

import { z } from 'zod';
import { OBSERVATION_KEYS } from '../observations.js';
import { callTestVerdictSchema } from './call-test.js';
import { failureSchema } from './failure.js';
import {
  BLOCKED_PATH_STATUSES,
  CALL_EVIDENCE_LEVELS,
  LAYERS,
  PATH_STATUSES,
  SERVICE_PATHS,
  STRENGTHS,
  TARGET_STATUSES,
  TECHNIQUES,
} from './lists.js';

export {
  BLOCKED_PATH_STATUSES,
  CALL_EVIDENCE_LEVELS,
  LAYERS,
  PATH_STATUSES,
  SERVICE_PATHS,
  STRENGTHS,
  TARGET_STATUSES,
  TECHNIQUES,
};
export const techniqueSchema = z.enum(TECHNIQUES);

export const layerSchema = z.enum(LAYERS);

export const pathStatusSchema = z.enum(PATH_STATUSES);

/**
 * `strong`: a censorship signature (injection, forged answer, reset, SNI-specific failure, UDP dropped
 * while controls answer); `weak`: consistent with censorship but also with trouble at the far end
 * (timeouts, a refused upgrade status). A path with working targets and only weak failures is
 * `degraded`, not `partially_blocked`.
 */
export const strengthSchema = z.enum(STRENGTHS);

/** Points into the measurement's test_keys arrays, e.g. {key: 'tcp_connect', index: 3}. */
export const evidenceRefSchema = z.object({ key: z.enum(OBSERVATION_KEYS), index: z.number().int().min(0) });

/** Present on blocked verdicts; `absent` on the others (a JSON Schema `not: {}`). */
const absent = z.never().optional();

/**
 * A verdict object discriminated on its status: the blocked statuses carry `blocked` fields, the
 * others must not carry them.
 */
function byStatus<
  S extends z.ZodRawShape,
  const BS extends readonly [string, ...string[]],
  const OS extends readonly [string, ...string[]],
  B extends z.ZodRawShape,
>(shape: S, blockedStatuses: BS, otherStatuses: OS, blocked: B) {
  const none = Object.fromEntries(Object.keys(blocked).map((k) => [k, absent])) as { [K in keyof B]: typeof absent };
  return {
    blocked: z.object({ ...shape, status: z.enum(blockedStatuses), ...blocked }),
    other: z.object({ ...shape, status: z.enum(otherStatuses), ...none }),
  };
}

const layerBase = {
  layer: layerSchema,
  failure: failureSchema.optional(),
  /** One sentence a person can read, e.g. "ClientHello with SNI web.whatsapp.com reset; neutral SNI to the same address completed". */
  reason: z.string(),
  evidence: z.array(evidenceRefSchema),
};
export const layerVerdictSchema = z.discriminatedUnion('status', [
  z.object({ ...layerBase, status: z.literal('blocked'), technique: techniqueSchema, strength: strengthSchema }),
  z.object({
    ...layerBase,
    status: z.enum(['ok', 'failed', 'skipped', 'inconclusive']),
    technique: absent,
    strength: absent,
  }),
]);

/** A place on the path towards a relay: the last router that answered before packets stopped, or the farthest one reached. */
export const pathLocationSchema = z.object({
  /** TTL of that router (1 = the first router from here). */
  hop: z.number().int(),
  address: z.string(),
  asn: z.number().int().optional(),
  as_name: z.string().optional(),
  /** `vantage`: the measuring network (or a private address before it); `relay`: the relay's own network; `beyond`: in between. */
  network: z.enum(['vantage', 'beyond', 'relay', 'unknown']),
});

/** The call-path evidence of one relay chain (address, port). */
export const callEvidenceSchema = z.object({
  level: z.enum(CALL_EVIDENCE_LEVELS),
  /** Catalogue ids of the exchanges the relay answered. */
  answered: z.array(z.string()).optional(),
  /** Where packets stop (blocked, or unreachable); for path_open, the farthest router of the way that answered. */
  where: pathLocationSchema.optional(),
});

/**
 * The outside view of a target's deciding step (the first that did not work here, or the last one):
 * `works` when a helper completed the same step, `fails` when every helper that could tell failed it
 * too, `unknown` when no usable helper answered about it.
 */
export const outsideViewSchema = z.object({
  outcome: z.enum(['works', 'fails', 'unknown']),
  /** Helpers whose answers decided it. */
  helpers: z.array(z.string()),
  /** The helpers' failure for `fails`. */
  failure: z.string().optional(),
});

export const servicePathSchema = z.enum(SERVICE_PATHS);

const targetBase = {
  target: z.string(),
  role: z.string(),
  path: servicePathSchema.nullable(),
  group: z.string().optional(),
  host: z.string().optional(),
  address: z.string().optional(),
  port: z.number().int().optional(),
  /** From an "unverified" source: shown, never counted towards a path verdict. */
  informational: z.boolean(),
  layers: z.array(layerVerdictSchema),
  /** Call relays: how the verdict is known and where packets stop. */
  call: callEvidenceSchema.optional(),
  reason: z.string(),
  /** What the helpers saw of the deciding step from outside this network, when they were asked. */
  outside: outsideViewSchema.optional(),
};
/** One target (one catalogue entry, possibly on one address/port) judged layer by layer. */
export const targetVerdictSchema = z.discriminatedUnion('status', [
  z.object({ ...targetBase, status: z.literal('blocked'), technique: techniqueSchema, strength: strengthSchema }),
  z.object({
    ...targetBase,
    status: z.enum(['ok', 'failed', 'skipped', 'inconclusive']),
    technique: absent,
    strength: absent,
  }),
]);

/** Whether a helper's answers were used for a service, and if not why (said in every line that asked one). */
export const helperUseSchema = z.object({
  helper: z.string(),
  /** Questions asked and valid answers received. */
  asked: z.number().int().min(0),
  answered: z.number().int().min(0),
  /** Whether its answers could decide anything (valid answers, and at least one step that worked from there). */
  used: z.boolean(),
  reason: z.string(),
});

const OTHER_PATH_STATUSES = [
  'accessible',
  'degraded',
  'inconclusive',
] as const satisfies readonly (typeof PATH_STATUSES)[number][];
const count = z.number().int().min(0);

const pathVerdicts = byStatus(
  {
    path: servicePathSchema,
    techniques: z.array(techniqueSchema),
    counts: z.object({ ok: count, blocked: count, failed: count, inconclusive: count, skipped: count, total: count }),
    /** The call path: its evidence level (the weakest that holds for the status) and, when blocked, where. */
    call: callEvidenceSchema.optional(),
    reason: z.string(),
    /** Every target of the path fails from outside too (a helper said so): an outage, not censorship. */
    outage: z.literal(true).optional(),
  },
  BLOCKED_PATH_STATUSES,
  OTHER_PATH_STATUSES,
  {
    /**
     * `strong` when at least one blocked target shows a censorship signature; `weak` when every one
     * rests on timeouts or refusals of an upgrade, which a silent outage at the far end would also produce.
     */
    strength: strengthSchema,
    /**
     * Distinct endpoints (addresses; names when DNS failed) among the blocked targets. Weak evidence
     * from a single endpoint is one silent server, which may be a dead one: it does not make the
     * service (partially) blocked (docs/verdicts.md, the weak-evidence rule).
     */
    blocked_endpoints: count.optional(),
  },
);
export const pathVerdictSchema = z.discriminatedUnion('status', [pathVerdicts.blocked, pathVerdicts.other]);

/** The table's columns: one summary per layer across the service's targets. */
export const layerSummarySchema = z.object({
  layer: layerSchema,
  ok: count,
  blocked: count,
  failed: count,
  inconclusive: count,
  skipped: count,
  techniques: z.array(techniqueSchema),
});

/** What the control measurements say about the network as a whole (pure summary of control observations). */
export const controlVerdictSchema = z.object({
  /** `down`: nothing neutral answered, every verdict is inconclusive. */
  network: z.enum(['up', 'partial', 'down']),
  /** ok: a neutral resolver (DoH or UDP) answered; local_ok: the network's own resolver answered for neutral names. */
  dns: z.object({ ok: z.boolean(), doh_ok: z.boolean(), udp_ok: z.boolean(), local_ok: z.boolean() }),
  /** median_handshake_s: median duration of the neutral handshakes, the yardstick for throttling. */
  tls: z.object({ ok: z.boolean(), median_handshake_s: z.number().optional() }),
  /** Some UDP exchange with a neutral server (DNS or STUN) got an answer. */
  udp: z.object({ ok: z.boolean() }),
  stun: z.object({
    answered_ports: z.array(z.number().int()),
    silent_ports: z.array(z.number().int()),
    /**
     * `open`: neutral STUN answers; `port_blocked`: silent on some ports, answered on others (blocked_ports);
     * `signature_blocked`: STUN silent on every port while other UDP works; `udp_down`; `unknown`: no STUN control.
     */
    classification: z.enum(['open', 'port_blocked', 'signature_blocked', 'udp_down', 'unknown']),
    blocked_ports: z.array(z.number().int()),
  }),
  reason: z.string(),
});

/** What a service, or a sub-labelled part of it (a group), is judged on its paths. */
const judgedShape = {
  service: z.string(),
  paths: z.partialRecord(servicePathSchema, pathVerdictSchema),
  layers: z.partialRecord(layerSchema, layerSummarySchema),
  /** Paths the catalogue names but could not judge (every target on them unverified or disabled), and why. */
  untested: z.partialRecord(servicePathSchema, z.string()).optional(),
  reason: z.string(),
};
/** `strong` when a path counted as blocked rests on a censorship signature. */
const serviceBlocked = { strength: strengthSchema };

const groupVerdicts = byStatus(judgedShape, BLOCKED_PATH_STATUSES, OTHER_PATH_STATUSES, serviceBlocked);
/** A sub-labelled part of a service (e.g. "skype-legacy" and "teams"), judged like a service. */
export const groupVerdictSchema = z.discriminatedUnion('status', [groupVerdicts.blocked, groupVerdicts.other]);

const serviceVerdicts = byStatus(
  {
    ...judgedShape,
    /** Sub-labelled parts of a service (e.g. "skype-legacy" and "teams"), each judged like a service. */
    groups: z.record(z.string(), groupVerdictSchema).optional(),
    targets: z.array(targetVerdictSchema),
    /** Whether the controls allowed anything to be called blocked at all. */
    controls: controlVerdictSchema,
    /** The helpers asked about this service's targets and whether their answers were used. */
    helpers: z.array(helperUseSchema).optional(),
    /** The test call's quality and verdict (with --call-test); the call path already reflects it. */
    call_test: callTestVerdictSchema.optional(),
  },
  BLOCKED_PATH_STATUSES,
  OTHER_PATH_STATUSES,
  serviceBlocked,
);
export const serviceVerdictSchema = z.discriminatedUnion('status', [serviceVerdicts.blocked, serviceVerdicts.other]);
