// Call quality from a recorded test call: per flow and direction, loss and burst loss, duplicates,
// reordering, RFC 3550 interarrival jitter, goodput, cut-offs with their start times, round-trip
// time, and an estimated MOS. Pure: CallFlowRecord in, FlowQuality out.
//
// The MOS is the ITU-T G.107 E-model in the simplification Twilio's voice SDK uses (lib/twilio/rtc/
// mos.ts): R = 94.768 - Id - Ie,eff with an effective latency L = RTT + 2 x jitter + 10 ms,
// Id = L/40 below 160 ms and (L - 120)/10 above, Ie,eff = 2.5 per percent of packets lost, no
// advantage factor and no codec impairment beyond loss; MOS = 1 + 0.035 R + 7e-6 R (R - 60)(100 - R).
// It ignores the codec, the jitter buffer and the burstiness of loss (G.107's Bpl): an estimate for
// comparing networks, not a listening test.

import type { CallFlowRecord, CallProfile, CutOff, DirectionMetrics, FlowQuality } from '../model/call-test.js';
import { quantile } from './stats.js';

/** A silence this long (every packet lost) is a cut-off: a caller says "hello? are you there?". */
export const CUTOFF_MIN_MS = 500;
/** Cut-offs are periodic when every gap between their starts is within this fraction of the median gap. */
export const PERIOD_TOLERANCE = 0.15;
/** At least this many cut-offs before a period is claimed (two gaps that agree). */
export const PERIOD_MIN_CUTS = 3;

const r2 = (x: number) => Math.round(x * 100) / 100;

/** RFC 3550 6.4.1: J += (|D| - J)/16 over consecutive transit times, in arrival order. Mean of J over the call, and its final value. */
export function rfc3550Jitter(transitMs: readonly number[]): { mean: number; final: number } {
  if (transitMs.length < 2) return { mean: 0, final: 0 };
  let j = 0;
  let sum = 0;
  for (let i = 1; i < transitMs.length; i++) {
    j += (Math.abs(transitMs[i]! - transitMs[i - 1]!) - j) / 16;
    sum += j;
  }
  return { mean: sum / (transitMs.length - 1), final: j };
}

/** Runs of lost packets lasting at least CUTOFF_MIN_MS, as cut-offs with their start (s since the call began). */
export function cutoffs(runs: readonly [number, number][], intervalMs: number): CutOff[] {
  return runs
    .filter(([, n]) => n * intervalMs >= CUTOFF_MIN_MS)
    .map(([first, n]) => ({ start_s: r2((first * intervalMs) / 1000), duration_s: r2((n * intervalMs) / 1000) }));
}

/** The period of cut-offs that recur evenly (every gap within PERIOD_TOLERANCE of the median), else null. */
export function cutPeriod(cuts: readonly CutOff[]): number | null {
  if (cuts.length < PERIOD_MIN_CUTS) return null;
  const gaps = cuts.slice(1).map((c, i) => c.start_s - cuts[i]!.start_s);
  const med = quantile(gaps, 0.5)!;
  if (!(med > 0) || gaps.some((g) => Math.abs(g - med) > PERIOD_TOLERANCE * med)) return null;
  return r2(med);
}

/** Largest fraction of packets lost in any window of `windowPackets` consecutive packets, and the mean run length. */
export function burstLoss(
  runs: readonly [number, number][],
  sent: number,
  windowPackets: number,
): { maxPct: number; meanRun: number } {
  if (sent === 0 || runs.length === 0) return { maxPct: 0, meanRun: 0 };
  const lost = new Uint8Array(sent);
  for (const [first, n] of runs) lost.fill(1, first, Math.min(sent, first + n));
  const w = Math.max(1, Math.min(windowPackets, sent));
  let inWin = 0;
  for (let i = 0; i < w; i++) inWin += lost[i]!;
  let max = inWin;
  for (let i = w; i < sent; i++) {
    inWin += lost[i]! - lost[i - w]!;
    if (inWin > max) max = inWin;
  }
  return { maxPct: r2((100 * max) / w), meanRun: r2(runs.reduce((s, [, n]) => s + n, 0) / runs.length) };
}

/** E-model R factor (the simplification described above) and MOS. */
export function eModel(rttMs: number, jitterMs: number, lossPct: number): { r: number; mos: number } {
  const latency = rttMs + 2 * jitterMs + 10;
  const id = latency < 160 ? latency / 40 : (latency - 120) / 10;
  const r = Math.max(0, Math.min(100, 94.768 - id - 2.5 * lossPct));
  const mos = r <= 0 ? 1 : 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
  return { r: r2(r), mos: r2(Math.min(4.5, Math.max(1, mos))) };
}

function direction(o: {
  sent: number;
  received: number;
  duplicates: number;
  reordered: number;
  runs: [number, number][];
  transit: number[];
  meanBytes: number;
  durationS: number;
  intervalMs: number;
}): DirectionMetrics {
  const j = rfc3550Jitter(o.transit);
  const b = burstLoss(o.runs, o.sent, Math.ceil(200 / o.intervalMs));
  return {
    sent: o.sent,
    received: o.received,
    loss_pct: o.sent ? r2((100 * (o.sent - o.received)) / o.sent) : 0,
    burst_loss_max_200ms_pct: b.maxPct,
    mean_burst_packets: b.meanRun,
    duplicates: o.duplicates,
    reorder_pct: o.received ? r2((100 * o.reordered) / o.received) : 0,
    jitter_ms: r2(j.mean),
    jitter_final_ms: r2(j.final),
    goodput_kbps: o.durationS > 0 ? r2((o.received * o.meanBytes * 8) / 1000 / o.durationS) : 0,
    cutoffs: cutoffs(o.runs, o.intervalMs),
  };
}

export function flowQuality(f: CallFlowRecord, profile: CallProfile): FlowQuality {
  const durationS = (f.sent * profile.interval_ms) / 1000;
  const meanBytes = f.sent ? f.bytes_sent / f.sent : 0;
  const common = { meanBytes, durationS, intervalMs: profile.interval_ms };
  const up = direction({
    ...common,
    sent: f.sent,
    received: f.up_received,
    duplicates: f.up_duplicates,
    reordered: f.up_reordered,
    runs: f.up_lost_runs,
    transit: f.up_transit_ms,
  });
  const down = direction({
    ...common,
    sent: f.up_received,
    received: f.round_trip_received,
    duplicates: f.down_duplicates,
    reordered: f.down_reordered,
    runs: f.down_lost_runs,
    transit: f.down_transit_ms,
  });
  const rtt = f.rtt_ms.length
    ? { p50: r2(quantile(f.rtt_ms, 0.5)!), p90: r2(quantile(f.rtt_ms, 0.9)!), max: r2(Math.max(...f.rtt_ms)) }
    : null;
  const rttMs = rtt?.p50 ?? 0;
  // The call is as good as its worse direction.
  const e = [eModel(rttMs, up.jitter_ms, up.loss_pct), eModel(rttMs, down.jitter_ms, down.loss_pct)].sort(
    (a, b) => a.r - b.r,
  )[0]!;
  const roundTripLoss = f.sent ? r2((100 * (f.sent - f.round_trip_received)) / f.sent) : 0;
  return {
    id: f.id,
    port: f.port,
    port_role: f.port_role,
    scrambled: f.scrambled,
    up,
    down,
    round_trip_loss_pct: roundTripLoss,
    rtt_ms: rtt,
    r_factor: f.round_trip_received > 0 ? e.r : 0,
    mos: f.round_trip_received > 0 ? e.mos : 1,
  };
}

/** Delivered fraction per interval (round trip): the throughput samples of the goodput comparison. */
export function deliveredPerInterval(f: CallFlowRecord): number[] {
  return f.series.sent.flatMap((n, i) => (n > 0 ? [f.series.round_trip[i]! / n] : []));
}

/** What a MOS means to a caller (ITU-T G.107 Annex B user satisfaction, by R). */
export function mosMeaning(mos: number): string {
  if (mos >= 4.3) return 'very satisfied: as clear as a good phone line';
  if (mos >= 4.0) return 'satisfied';
  if (mos >= 3.6) return 'some callers dissatisfied: occasional glitches';
  if (mos >= 3.1) return 'many callers dissatisfied: words lost, people repeat themselves';
  if (mos >= 2.6) return 'nearly all callers dissatisfied: choppy, hard to follow';
  return 'not usable for a conversation';
}
