// A test call: paced, call-shaped UDP between the probe and a helper (its far end), recorded as
// observations (what was sent, what arrived where, per interval) and judged into quality metrics and a
// verdict (src/analysis/call-quality.ts, call-test-verdict.ts). OONI has no format for it.

import type { Failure } from './failure.js';

/** A flow's place in the comparison: on the service's call port or on a neutral one; with the service's signature or bit-inverted. */
export interface CallFlowSpec {
  id: number;
  port: number;
  port_role: 'service' | 'neutral';
  scrambled: boolean;
}

/** Per interval of the call (`bin_ms`), what each side saw: the raw material of the statistical tests. */
export interface CallFlowSeries {
  bin_ms: number;
  /** Packets the probe sent in each interval. */
  sent: number[];
  /** Of those, how many reached the helper (first copies), by send interval. */
  up_received: number[];
  /** Of those, how many came back to the probe, by send interval. */
  round_trip: number[];
}

/** One flow as recorded: its spec, the raw counts, per-packet summaries needed to recompute the metrics. */
export interface CallFlowRecord extends CallFlowSpec {
  sent: number;
  bytes_sent: number;
  /** False when the helper's report could not be read: `up_received` then counts only the packets that were answered. */
  up_from_helper: boolean;
  /** From the helper's report. */
  up_received: number;
  up_duplicates: number;
  up_reordered: number;
  /**
   * Downstream: every packet that reached the helper was answered, so the replies sent are
   * `up_received` (first copies) and the replies that arrived are `round_trip_received`; the helper's
   * own count of replies (duplicates answered too) is `down_sent`.
   */
  down_sent: number;
  down_duplicates: number;
  down_reordered: number;
  /** Probe packets that got a reply: the probe's own evidence, independent of the helper's report. */
  round_trip_received: number;
  /** ICMP errors on the flow's socket (port unreachable). */
  icmp_errors: number;
  /** Transit times relative to the flow's fastest packet, ms, in arrival order (one-way; each side's clock offset cancels). */
  up_transit_ms: number[];
  down_transit_ms: number[];
  /** Round-trip times, ms, in arrival order. */
  rtt_ms: number[];
  /** Per-packet loss in send order as runs: [first seq, count] of lost packets, upstream, downstream (reached the helper, reply lost) and round trip. */
  up_lost_runs: [number, number][];
  down_lost_runs: [number, number][];
  round_trip_lost_runs: [number, number][];
  series: CallFlowSeries;
}

export interface CallProfile {
  name: 'voice' | 'video';
  interval_ms: number;
  /** UDP payload sizes, bytes (they vary within this range as a variable-rate codec's do). */
  min_bytes: number;
  max_bytes: number;
}

export interface CallSignatureRecord {
  /** STUN message type of the media packets and of the helper's replies. */
  message_type: number;
  reply_message_type: number;
  /** What marks the packets carry, as a DPI would match them (e.g. "STUN magic cookie, TURN Send indication"). */
  marks: string;
  source: string;
}

export interface CallTestObservation {
  helper: string;
  service: string;
  signature: CallSignatureRecord;
  profile: CallProfile;
  duration_s: number;
  /** Seconds since the measurement started. */
  t0: number;
  t: number;
  /** When the packets started flowing (UTC, ms), to line the call up with other records (a lab's ground truth). */
  call_started_at?: string;
  /** Null when the call ran; otherwise why it could not (helper refused the session, no call ports...). */
  failure: Failure | 'x_helper_refused' | 'x_invalid_response' | null;
  x_reason?: string;
  flows: CallFlowRecord[];
}

// ---- judged -----------------------------------------------------------------------------------------

export interface CutOff {
  /** Seconds since the call started. */
  start_s: number;
  duration_s: number;
}

export interface DirectionMetrics {
  sent: number;
  received: number;
  loss_pct: number;
  /** Largest loss in any 200 ms window (Microsoft's target: under 10 %). */
  burst_loss_max_200ms_pct: number;
  /** Mean length of a run of lost packets. */
  mean_burst_packets: number;
  duplicates: number;
  reorder_pct: number;
  /** RFC 3550 interarrival jitter: the running estimate's mean over the call, and its final value. */
  jitter_ms: number;
  jitter_final_ms: number;
  goodput_kbps: number;
  cutoffs: CutOff[];
}

export interface FlowQuality {
  id: number;
  port: number;
  port_role: 'service' | 'neutral';
  scrambled: boolean;
  up: DirectionMetrics;
  down: DirectionMetrics;
  /** Round trip as the probe saw it alone. */
  round_trip_loss_pct: number;
  rtt_ms: { p50: number; p90: number; max: number } | null;
  /** ITU-T G.107 E-model, simplified (see call-quality.ts): R factor and MOS, for the worse direction. */
  r_factor: number;
  mos: number;
}

/** A comparison of two groups of flows (signature vs scrambled, service port vs neutral port). */
export interface Comparison {
  kind: 'signature' | 'port';
  /** The flows compared (the treated one first: the signature's, or the service port's). */
  treated: number[];
  control: number[];
  direction: 'up' | 'down' | 'round_trip';
  metric: 'loss' | 'delay' | 'goodput';
  treated_value: number;
  control_value: number;
  /** The effect, in the metric's unit (percentage points, ms, or relative goodput difference). */
  effect: number;
  test: 'two_proportion_z' | 'ks' | 'ks_area';
  p_value: number;
  significant: boolean;
}

/** The techniques a test call can name (also in verdict.ts TECHNIQUES). */
export type CallTechnique = 'call.signature' | 'call.port' | 'call.cutoff';

export interface CallTestVerdict {
  /** `ok`: call-shaped traffic passes well; `degraded`: poor quality for every flow alike; `throttled`: the service's flows get worse treatment; `blocked`: they do not pass while the comparison does. */
  status: 'ok' | 'degraded' | 'throttled' | 'blocked' | 'inconclusive';
  technique?: CallTechnique;
  strength?: 'strong' | 'weak';
  reason: string;
  /** The MOS of the flow a real call would be (the signature on the service port). */
  mos: number | null;
  /** Periodic cut-offs, if every interval between their starts is about the same. */
  cut_period_s: number | null;
  flows: FlowQuality[];
  comparisons: Comparison[];
}
