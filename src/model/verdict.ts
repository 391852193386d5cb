// Verdicts: pure conclusions drawn from observations (src/analysis). They sit next to the raw
// observations in every measurement, each citing the observations it rests on. The types are the zod
// schema's (src/model/schema/verdict.ts), discriminated on their status: a blocked verdict always
// says its technique and strength, any other never does.

import type { z } from 'zod';
import type * as l from './schema/lists.js';
import type * as s from './schema/verdict.js';

export {
  CALL_EVIDENCE_LEVELS,
  LAYERS,
  PATH_STATUSES,
  SERVICE_PATHS,
  STRENGTHS,
  TARGET_STATUSES,
  TECHNIQUES,
} from './schema/lists.js';

export type Technique = (typeof l.TECHNIQUES)[number];
/** The user-facing paths a service verdict is split into: chat, web, call. */
export type ServicePath = (typeof l.SERVICE_PATHS)[number];
/** `path`: how far packets towards a call relay travel (TTL-limited probes). */
export type Layer = (typeof l.LAYERS)[number];
/** Per target and layer: ok, blocked (with a technique), failed (not censorship), skipped, inconclusive. */
export type TargetStatus = (typeof l.TARGET_STATUSES)[number];
/** Per path and per service. */
export type PathStatus = (typeof l.PATH_STATUSES)[number];
/** Points into the measurement's test_keys arrays, e.g. {key: 'tcp_connect', index: 3}. */
export type EvidenceRef = z.infer<typeof s.evidenceRefSchema>;
/** `strong`: a censorship signature; `weak`: consistent with censorship but also with trouble at the far end. */
export type EvidenceStrength = z.infer<typeof s.strengthSchema>;
export type LayerVerdict = z.infer<typeof s.layerVerdictSchema>;
export type CallEvidenceLevel = (typeof l.CALL_EVIDENCE_LEVELS)[number];
export type PathLocation = z.infer<typeof s.pathLocationSchema>;
export type CallEvidence = z.infer<typeof s.callEvidenceSchema>;
export type TargetVerdict = z.infer<typeof s.targetVerdictSchema>;
export type OutsideView = z.infer<typeof s.outsideViewSchema>;
export type HelperUse = z.infer<typeof s.helperUseSchema>;
export type PathVerdict = z.infer<typeof s.pathVerdictSchema>;
export type LayerSummary = z.infer<typeof s.layerSummarySchema>;
/** A sub-labelled part of a service (e.g. "skype-legacy" and "teams"), judged like a service. */
export type GroupVerdict = z.infer<typeof s.groupVerdictSchema>;
export type ServiceVerdict = z.infer<typeof s.serviceVerdictSchema>;
export type ControlVerdict = z.infer<typeof s.controlVerdictSchema>;

/**
 * What a layer or target verdict of status S carries besides it, for code that builds one from a
 * status chosen at run time: a block its technique and strength, any other status neither.
 */
export type StatusFields<S extends TargetStatus> = S extends 'blocked'
  ? { technique: Technique; strength: EvidenceStrength }
  : { technique?: undefined; strength?: undefined };

/** The status part of a layer or target verdict (what `combine`-like code hands on). */
export type TargetOutcome = { [S in TargetStatus]: { status: S } & StatusFields<S> }[TargetStatus];
