// A test call: paced, call-shaped UDP between the probe and a helper (its far end), recorded as
// observations (what was sent, what arrived where, per interval) and judged into quality metrics and a
// verdict (src/analysis/call-quality.ts, call-test-verdict.ts). OONI has no format for it.

import { z } from 'zod';
import { failureSchema } from './failure.js';
import { CALL_TECHNIQUES } from './lists.js';

const int = z.number().int();
const count = int.min(0);
/** [first seq, count] of lost packets. */
const lostRuns = z.array(z.tuple([int, int]));

/** A flow's place in the comparison: on the service's call port or on a neutral one; with the service's signature or bit-inverted. */
export const callFlowSpecSchema = z.object({
  id: int,
  port: int,
  port_role: z.enum(['service', 'neutral']),
  scrambled: z.boolean(),
});

/** Per interval of the call (`bin_ms`), what each side saw: the raw material of the statistical tests. */
export const callFlowSeriesSchema = z.object({
  bin_ms: z.number(),
  /** Packets the probe sent in each interval. */
  sent: z.array(count),
  /** Of those, how many reached the helper (first copies), by send interval. */
  up_received: z.array(count),
  /** Of those, how many came back to the probe, by send interval. */
  round_trip: z.array(count),
});

/** One flow as recorded: its spec, the raw counts, per-packet summaries needed to recompute the metrics. */
export const callFlowRecordSchema = callFlowSpecSchema.extend({
  sent: count,
  bytes_sent: count,
  /** False when the helper's report could not be read: `up_received` then counts only the packets that were answered. */
  up_from_helper: z.boolean(),
  /** From the helper's report. */
  up_received: count,
  up_duplicates: count,
  up_reordered: count,
  /**
   * Downstream: every packet that reached the helper was answered, so the replies sent are
   * `up_received` (first copies) and the replies that arrived are `round_trip_received`; the helper's
   * own count of replies (duplicates answered too) is `down_sent`.
   */
  down_sent: count,
  down_duplicates: count,
  down_reordered: count,
  /** Probe packets that got a reply: the probe's own evidence, independent of the helper's report. */
  round_trip_received: count,
  /** ICMP errors on the flow's socket (port unreachable). */
  icmp_errors: count,
  /** Transit times relative to the flow's fastest packet, ms, in arrival order (one-way; each side's clock offset cancels). */
  up_transit_ms: z.array(z.number()),
  down_transit_ms: z.array(z.number()),
  /** Round-trip times, ms, in arrival order. */
  rtt_ms: z.array(z.number()),
  /** Per-packet loss in send order as runs: [first seq, count] of lost packets, upstream, downstream (reached the helper, reply lost) and round trip. */
  up_lost_runs: lostRuns,
  down_lost_runs: lostRuns,
  round_trip_lost_runs: lostRuns,
  series: callFlowSeriesSchema,
});

export const callProfileSchema = z.object({
  name: z.enum(['voice', 'video']),
  interval_ms: z.number(),
  /** UDP payload sizes, bytes (they vary within this range as a variable-rate codec's do). */
  min_bytes: count,
  max_bytes: count,
});

export const callSignatureRecordSchema = z.object({
  /** STUN message type of the media packets and of the helper's replies. */
  message_type: int,
  reply_message_type: int,
  /** What marks the packets carry, as a DPI would match them (e.g. "STUN magic cookie, TURN Send indication"). */
  marks: z.string(),
  source: z.string(),
});

export const callTestObservationSchema = z.object({
  helper: z.string(),
  service: z.string(),
  signature: callSignatureRecordSchema,
  profile: callProfileSchema,
  duration_s: z.number(),
  /** Seconds since the measurement started. */
  t0: z.number(),
  t: z.number(),
  /** When the packets started flowing (UTC, ms), to line the call up with other records (a lab's ground truth). */
  call_started_at: z.string().optional(),
  /** Null when the call ran; otherwise why it could not (helper refused the session, no call ports...). */
  failure: z.union([failureSchema, z.enum(['x_helper_refused', 'x_invalid_response'])]),
  x_reason: z.string().optional(),
  flows: z.array(callFlowRecordSchema),
});

// ---- judged -----------------------------------------------------------------------------------------

export const cutOffSchema = z.object({
  /** Seconds since the call started. */
  start_s: z.number(),
  duration_s: z.number(),
});

export const directionMetricsSchema = z.object({
  sent: count,
  received: count,
  loss_pct: z.number(),
  /** Largest loss in any 200 ms window (Microsoft's target: under 10 %). */
  burst_loss_max_200ms_pct: z.number(),
  /** Mean length of a run of lost packets. */
  mean_burst_packets: z.number(),
  duplicates: count,
  reorder_pct: z.number(),
  /** RFC 3550 interarrival jitter: the running estimate's mean over the call, and its final value. */
  jitter_ms: z.number(),
  jitter_final_ms: z.number(),
  goodput_kbps: z.number(),
  cutoffs: z.array(cutOffSchema),
});

export const flowQualitySchema = callFlowSpecSchema.extend({
  up: directionMetricsSchema,
  down: directionMetricsSchema,
  /** Round trip as the probe saw it alone. */
  round_trip_loss_pct: z.number(),
  rtt_ms: z.object({ p50: z.number(), p90: z.number(), max: z.number() }).nullable(),
  /** ITU-T G.107 E-model, simplified (see call-quality.ts): R factor and MOS, for the worse direction. */
  r_factor: z.number(),
  mos: z.number(),
});

/** A comparison of two groups of flows (signature vs scrambled, service port vs neutral port). */
export const comparisonSchema = z.object({
  kind: z.enum(['signature', 'port']),
  /** The flows compared (the treated one first: the signature's, or the service port's). */
  treated: z.array(int),
  control: z.array(int),
  direction: z.enum(['up', 'down', 'round_trip']),
  metric: z.enum(['loss', 'delay', 'goodput']),
  treated_value: z.number(),
  control_value: z.number(),
  /** The effect, in the metric's unit (percentage points, ms, or relative goodput difference). */
  effect: z.number(),
  test: z.enum(['two_proportion_z', 'ks', 'ks_area']),
  p_value: z.number(),
  significant: z.boolean(),
});

export { CALL_TECHNIQUES };

export const callTestVerdictSchema = z.object({
  /** `ok`: call-shaped traffic passes well; `degraded`: poor quality for every flow alike; `throttled`: the service's flows get worse treatment; `blocked`: they do not pass while the comparison does. */
  status: z.enum(['ok', 'degraded', 'throttled', 'blocked', 'inconclusive']),
  technique: z.enum(CALL_TECHNIQUES).optional(),
  strength: z.enum(['strong', 'weak']).optional(),
  reason: z.string(),
  /** The MOS of the flow a real call would be (the signature on the service port). */
  mos: z.number().nullable(),
  /** Periodic cut-offs, if every interval between their starts is about the same. */
  cut_period_s: z.number().nullable(),
  flows: z.array(flowQualitySchema),
  comparisons: z.array(comparisonSchema),
});
