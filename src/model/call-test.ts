// A test call: paced, call-shaped UDP between the probe and a helper (its far end), recorded as
// observations and judged into quality metrics and a verdict (src/analysis/call-quality.ts,
// call-test-verdict.ts). The types are the zod schema's (src/model/schema/call-test.ts).

import type { z } from 'zod';
import type * as s from './schema/call-test.js';

export type CallFlowSpec = z.infer<typeof s.callFlowSpecSchema>;
export type CallFlowSeries = z.infer<typeof s.callFlowSeriesSchema>;
export type CallFlowRecord = z.infer<typeof s.callFlowRecordSchema>;
export type CallProfile = z.infer<typeof s.callProfileSchema>;
export type CallSignatureRecord = z.infer<typeof s.callSignatureRecordSchema>;
export type CallTestObservation = z.infer<typeof s.callTestObservationSchema>;
export type CutOff = z.infer<typeof s.cutOffSchema>;
export type DirectionMetrics = z.infer<typeof s.directionMetricsSchema>;
export type FlowQuality = z.infer<typeof s.flowQualitySchema>;
export type Comparison = z.infer<typeof s.comparisonSchema>;
/** The techniques a test call can name (also verdict TECHNIQUES). */
export type CallTechnique = typeof import('./schema/lists.js').CALL_TECHNIQUES[number];
export type CallTestVerdict = z.infer<typeof s.callTestVerdictSchema>;
