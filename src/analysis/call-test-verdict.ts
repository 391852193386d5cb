// The verdict of a test call. Pure: the recorded CallTestObservation in, a CallTestVerdict out.
//
// Four interleaved flows: the service's signature and its bit-inverted twin on the service's call
// port (flows 0 and 1), the same pair on a neutral port (2 and 3). Whatever the network does over
// time it does to all four; a difference between them is treatment.
//
// - blocked: the signature's flow on the call port gets (almost) nothing through while its scrambled
//   twin passes (call.signature), or both flows on the call port get nothing through while the
//   neutral port passes (call.port). Strong: the comparison ran at the same time, on the same path.
// - throttled: a significant, large-enough difference between the signature and its twin on the call
//   port (call.signature), or between the scrambled flows of the two ports (call.port), in loss,
//   delay or delivered throughput (thresholds below). Strong.
// - degraded: no difference between the flows, but poor quality for all of them: cut-offs
//   (call.cutoff, with their period when they recur), loss of 2 % or more, or a MOS under 3.6.
// - ok: the signature passes on the call port with good quality.
// - inconclusive: the call could not run, or nothing came back on any port (UDP to the helper does not
//   get through, or the helper's UDP is down: not something to pin on the service).
// `blocked` and `throttled` rest on the round trip (what the probe saw alone: its packets and the
// replies): the helper's report of what it received says which direction, never whether.
//
// Statistical tests, and why these thresholds: each comparison is tested for loss (two-proportion
// z-test on packets, per direction and round trip), delay (two-sample Kolmogorov-Smirnov on transit
// times per direction, and on round-trip times) and delivered throughput (Kolmogorov-Smirnov on the
// per-interval delivered fraction plus Wehe's area test). With 3 comparisons x 7 tests the
// family-wise error rate is held at 1 % by Bonferroni: each test needs p < 0.01/21. A significant difference also has to matter to a
// caller: at least 2 percentage points of loss (5 points of R, a step a listener hears), 10 ms of
// median delay, or 10 % less delivered throughput (Wehe's own area threshold is 0.5 for TCP replays; a
// call suffers long before half of it is gone).

import type {
  CallFlowRecord,
  CallTechnique,
  CallTestObservation,
  CallTestVerdict,
  Comparison,
  FlowQuality,
} from '../model/call-test.js';
import type { PathVerdict, Technique } from '../model/verdict.js';
import { cutoffs, cutPeriod, deliveredPerInterval, flowQuality, mosMeaning } from './call-quality.js';
import { areaTest, ksTwoSample, quantile, twoProportionZ } from './stats.js';

export const FAMILY_ALPHA = 0.01;
export const TESTS_PER_CALL = 21;
export const ALPHA = FAMILY_ALPHA / TESTS_PER_CALL;
export const MIN_LOSS_PP = 2;
export const MIN_DELAY_MS = 10;
export const MIN_AREA = 0.1;
/** A flow with at least this round-trip loss gets nothing through (a dead flow). */
export const DEAD_LOSS_PCT = 90;
/** A flow with at most this round-trip loss passes (it can carry a call, if badly). */
export const PASSES_LOSS_PCT = 50;
export const DEGRADED_LOSS_PCT = 2;
export const DEGRADED_MOS = 3.6;

const r2 = (x: number) => Math.round(x * 100) / 100;

/** The tests of one comparison between a treated flow and a control flow. */
export function compare(kind: Comparison['kind'], t: CallFlowRecord, c: CallFlowRecord): Comparison[] {
  const base = { kind, treated: [t.id], control: [c.id] };
  const out: Comparison[] = [];
  const loss = (direction: Comparison['direction'], tLost: number, tN: number, cLost: number, cN: number) => {
    const z = twoProportionZ(tLost, tN, cLost, cN);
    const tv = tN ? (100 * tLost) / tN : 0;
    const cv = cN ? (100 * cLost) / cN : 0;
    const effect = tv - cv;
    out.push({
      ...base,
      direction,
      metric: 'loss',
      treated_value: r2(tv),
      control_value: r2(cv),
      effect: r2(effect),
      test: 'two_proportion_z',
      p_value: z.p,
      significant: z.p < ALPHA && effect >= MIN_LOSS_PP,
    });
  };
  if (t.up_from_helper && c.up_from_helper) {
    loss('up', t.sent - t.up_received, t.sent, c.sent - c.up_received, c.sent);
    loss(
      'down',
      t.up_received - t.round_trip_received,
      t.up_received,
      c.up_received - c.round_trip_received,
      c.up_received,
    );
  }
  loss('round_trip', t.sent - t.round_trip_received, t.sent, c.sent - c.round_trip_received, c.sent);
  for (const [direction, tt, ct] of [
    ['up', t.up_transit_ms, c.up_transit_ms],
    ['down', t.down_transit_ms, c.down_transit_ms],
    ['round_trip', t.rtt_ms, c.rtt_ms],
  ] as const) {
    if (tt.length < 20 || ct.length < 20) continue;
    const ks = ksTwoSample(tt, ct);
    const tm = quantile(tt, 0.5)!;
    const cm = quantile(ct, 0.5)!;
    out.push({
      ...base,
      direction,
      metric: 'delay',
      treated_value: r2(tm),
      control_value: r2(cm),
      effect: r2(tm - cm),
      test: 'ks',
      p_value: ks.p,
      significant: ks.p < ALPHA && tm - cm >= MIN_DELAY_MS,
    });
  }
  const td = deliveredPerInterval(t);
  const cd = deliveredPerInterval(c);
  if (td.length >= 4 && cd.length >= 4) {
    const ks = ksTwoSample(td, cd);
    const area = areaTest(td, cd);
    out.push({
      ...base,
      direction: 'round_trip',
      metric: 'goodput',
      treated_value: r2(quantile(td, 0.5)!),
      control_value: r2(quantile(cd, 0.5)!),
      effect: r2(area),
      test: 'ks_area',
      p_value: ks.p,
      significant: ks.p < ALPHA && area >= MIN_AREA,
    });
  }
  return out;
}

const dead = (q: FlowQuality) => q.round_trip_loss_pct >= DEAD_LOSS_PCT;
const passes = (q: FlowQuality) => q.round_trip_loss_pct <= PASSES_LOSS_PCT;

function describe(c: Comparison): string {
  const unit =
    c.metric === 'loss' ? ' % loss' : c.metric === 'delay' ? ' ms median transit' : ' delivered per interval (median)';
  const dir = c.direction === 'round_trip' ? 'round trip' : c.direction === 'up' ? 'upstream' : 'downstream';
  return `${dir} ${c.treated_value}${unit} vs ${c.control_value} (${c.test === 'two_proportion_z' ? 'two-proportion z' : 'Kolmogorov-Smirnov'} p = ${c.p_value.toExponential(1)})`;
}

export function judgeCallTest(o: CallTestObservation): CallTestVerdict {
  const flows = o.flows.map((f) => flowQuality(f, o.profile));
  const base = { flows, comparisons: [] as Comparison[], cut_period_s: null };
  const q = (id: number) => flows.find((f) => f.id === id);
  const rec = (id: number) => o.flows.find((f) => f.id === id);
  const sig = q(0);
  const scr = q(1);
  const nSig = q(2);
  const nScr = q(3);
  if (
    o.failure !== null &&
    o.failure !== 'x_helper_refused' &&
    o.failure !== 'x_invalid_response' &&
    flows.length === 0
  ) {
    return {
      ...base,
      status: 'inconclusive',
      reason: `the test call could not run: ${o.failure}${o.x_reason ? ` (${o.x_reason})` : ''}`,
      mos: null,
    };
  }
  if (!sig || !scr || !nSig || !nScr) {
    return {
      ...base,
      status: 'inconclusive',
      reason: `the test call could not run: ${o.failure ?? 'no flows'}${o.x_reason ? ` (${o.x_reason})` : ''}`,
      mos: null,
    };
  }
  if (o.failure === 'interrupted')
    return { ...base, status: 'inconclusive', reason: 'the test call was interrupted', mos: null };
  const port = `UDP ${sig.port}`;
  const neutral = `UDP ${nSig.port}`;
  if (flows.every(dead)) {
    return {
      ...base,
      status: 'inconclusive',
      reason: `no test packet came back on ${port} or ${neutral}, with or without the signature: UDP to the helper does not get through here (or the helper's UDP is down), which says nothing about ${o.service} in particular`,
      mos: null,
    };
  }

  const comparisons = [
    ...compare('signature', rec(0)!, rec(1)!),
    ...compare('signature', rec(2)!, rec(3)!),
    ...compare('port', rec(1)!, rec(3)!),
  ];
  const withCmp = { ...base, comparisons };
  const mos = sig.mos;
  const mosText = `MOS ${mos.toFixed(1)} (${mosMeaning(mos)})`;

  if (dead(sig) && passes(scr)) {
    const also =
      dead(nSig) && passes(nScr)
        ? ` and on the neutral ${neutral} too (the signature itself is dropped, whatever the port)`
        : '';
    return {
      ...withCmp,
      status: 'blocked',
      technique: 'call.signature',
      strength: 'strong',
      reason: `packets carrying ${o.service}'s call signature on ${port} got ${sig.round_trip_loss_pct} % round-trip loss while the same packets bit-inverted, interleaved with them, got ${scr.round_trip_loss_pct} %${also}: the signature is blocked`,
      mos,
    };
  }
  if (dead(sig) && dead(scr) && (passes(nSig) || passes(nScr))) {
    return {
      ...withCmp,
      status: 'blocked',
      technique: 'call.port',
      strength: 'strong',
      reason: `nothing got through on ${o.service}'s call port ${port} (${sig.round_trip_loss_pct} % and ${scr.round_trip_loss_pct} % round-trip loss, with and without the signature) while ${neutral} passed (${nScr.round_trip_loss_pct} %): the call port is blocked`,
      mos,
    };
  }

  const onPort = (kind: Comparison['kind'], treated: number) =>
    comparisons.filter((c) => c.kind === kind && c.treated[0] === treated && c.significant);
  // The probe's own observations (round trip) must show it: the helper's report alone decides nothing.
  const own = (cs: Comparison[]) => (cs.some((c) => c.direction === 'round_trip') ? cs : []);
  const sigDiff = own(onPort('signature', 0));
  const portDiff = own(onPort('port', 1));
  if (sigDiff.length || portDiff.length) {
    const technique: CallTechnique = sigDiff.length ? 'call.signature' : 'call.port';
    const which = sigDiff.length
      ? `${o.service}'s call signature on ${port} vs the same packets bit-inverted`
      : `${port} vs the neutral ${neutral} (bit-inverted flows)`;
    const evidence = (sigDiff.length ? sigDiff : portDiff).map(describe).join('; ');
    return {
      ...withCmp,
      status: 'throttled',
      technique,
      strength: 'strong',
      reason: `${which}: ${evidence}; ${mosText}`,
      mos,
    };
  }

  // No difference between the flows: judge the quality every flow shares.
  const cuts = sig.up.cutoffs.length ? sig.up.cutoffs : sig.down.cutoffs;
  const rtCuts = cutoffs(rec(0)!.round_trip_lost_runs, o.profile.interval_ms);
  const allCuts = rtCuts.length >= cuts.length ? rtCuts : cuts;
  // A cut that runs into the call's start or end was cut short by the call itself: its start says nothing of the period.
  const callEndS = (rec(0)!.sent * o.profile.interval_ms) / 1000;
  const period = cutPeriod(
    allCuts.filter((c) => c.start_s > 0 && c.start_s + c.duration_s < callEndS - o.profile.interval_ms / 1000),
  );
  if (allCuts.length) {
    const every = period !== null ? `, every ${period} s` : '';
    const list = allCuts
      .slice(0, 6)
      .map((c) => `${c.start_s} s (${c.duration_s} s)`)
      .join(', ');
    return {
      ...withCmp,
      cut_period_s: period,
      status: 'degraded',
      technique: 'call.cutoff',
      strength: 'strong',
      reason: `the call was cut off ${allCuts.length} time(s)${every} — at ${list}${allCuts.length > 6 ? ', ...' : ''} — on every flow alike (not specific to ${o.service}); ${mosText}`,
      mos,
    };
  }
  const loss = Math.max(sig.up.loss_pct, sig.down.loss_pct);
  if (loss >= DEGRADED_LOSS_PCT || mos < DEGRADED_MOS) {
    return {
      ...withCmp,
      status: 'degraded',
      reason: `every flow alike: ${sig.up.loss_pct} % loss up, ${sig.down.loss_pct} % down, jitter ${sig.up.jitter_ms}/${sig.down.jitter_ms} ms, RTT ${sig.rtt_ms?.p50 ?? '?'} ms; ${mosText}; no difference between ${o.service}'s signature, its scrambled twin and the neutral port`,
      mos,
    };
  }
  return {
    ...withCmp,
    status: 'ok',
    reason: `call-shaped UDP with ${o.service}'s signature passes on ${port}: ${sig.up.loss_pct} % loss up, ${sig.down.loss_pct} % down, jitter ${sig.up.jitter_ms}/${sig.down.jitter_ms} ms, RTT ${sig.rtt_ms?.p50 ?? '?'} ms; ${mosText}`,
    mos,
  };
}

/**
 * The call path with the test call's verdict folded in. A test call that is blocked or throttled
 * makes the path blocked or degraded (throttled) whatever the relays answered: a call is more than
 * reaching a relay. One that passes never makes the path accessible on its own: it went to the
 * helper, not to the service's relays, so blocking by the relays' addresses is not excluded.
 */
export function callPathWithTest(p: PathVerdict, ct: CallTestVerdict): PathVerdict {
  const note = `test call: ${ct.status}${ct.technique ? ` (${ct.technique})` : ''} — ${ct.reason}`;
  const techniques = (extra: Technique[]) => [...new Set([...p.techniques, ...extra])];
  // What the relays' verdict says besides a block (a new status brings its own block fields, or none).
  const { strength: _s, blocked_endpoints: _b, ...relays } = p;
  switch (ct.status) {
    case 'blocked':
      return {
        ...relays,
        status: 'blocked',
        techniques: techniques([ct.technique!]),
        strength: 'strong',
        reason: `${note}; relays: ${p.reason}`,
      };
    case 'throttled':
      if (p.status === 'blocked') return { ...p, reason: `${p.reason}; ${note}` };
      return {
        ...relays,
        status: 'degraded',
        techniques: techniques(['throttled', ct.technique!]),
        reason: `${note}; relays: ${p.reason}`,
      };
    case 'degraded':
      if (p.status === 'accessible')
        return {
          ...relays,
          status: 'degraded',
          techniques: techniques(ct.technique ? [ct.technique] : []),
          reason: `${note}; relays: ${p.reason}`,
        };
      return { ...p, reason: `${p.reason}; ${note}` };
    case 'ok':
    case 'inconclusive':
      return { ...p, reason: `${p.reason}; ${note}` };
  }
}
