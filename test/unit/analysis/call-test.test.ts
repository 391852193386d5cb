// Test-call analysis as tables: synthetic calls (a trace as the probe records it, the helper's report)
// through the recorder (flowRecord), the metrics, the statistical tests and the verdict.
import { describe, expect, it } from 'vitest';
import {
  burstLoss,
  cutoffs,
  cutPeriod,
  eModel,
  flowQuality,
  mosMeaning,
  rfc3550Jitter,
} from '../../../src/analysis/call-quality.js';
import { ALPHA, judgeCallTest } from '../../../src/analysis/call-test-verdict.js';
import { areaTest, ksTwoSample, quantile, twoProportionZ } from '../../../src/analysis/stats.js';
import { PROFILES } from '../../../src/measure/call-signature.js';
import { flowRecord, lostRuns } from '../../../src/measure/call-test.js';
import type { CallFlowSpec, CallTestObservation } from '../../../src/model/call-test.js';
import type { CallFlowTrace } from '../../../src/net/call-flow.js';
import type { CallFlowReport } from '../../../src/protocol/call.js';

const INTERVAL = 20;

/** A deterministic pseudo-random sequence in [0, 1) (a test must not depend on Math.random). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

interface FlowSim {
  upLost?: (seq: number) => boolean;
  downLost?: (seq: number) => boolean;
  upDelayMs?: (seq: number) => number;
  downDelayMs?: (seq: number) => number;
  /** The helper's report is missing (could not be read). */
  noReport?: boolean;
}

/** One flow of a call of `n` packets: the probe's trace and the helper's report, as the engine and the helper produce them. */
function simulate(spec: CallFlowSpec, n: number, sim: FlowSim) {
  const clockOffsetUs = 5_000_000; // the helper's clock runs elsewhere
  const trace: CallFlowTrace = {
    id: spec.id,
    port: spec.port,
    sent: [],
    replies: [],
    strays: 0,
    icmpErrors: 0,
    failure: null,
  };
  const arrivals: [number, number, number][] = [];
  const events: { arriveUs: number; seq: number; sendUs: number }[] = [];
  for (let seq = 0; seq < n; seq++) {
    const tUs = seq * INTERVAL * 1000 + spec.id * 5000;
    trace.sent.push({ seq, tUs, size: 160 });
    if (sim.upLost?.(seq)) continue;
    events.push({ arriveUs: tUs + 10_000 + (sim.upDelayMs?.(seq) ?? 0) * 1000, seq, sendUs: tUs });
  }
  events.sort((a, b) => a.arriveUs - b.arriveUs);
  events.forEach((e, k) => {
    arrivals.push([e.seq, e.arriveUs + clockOffsetUs, 160]);
    if (sim.downLost?.(e.seq)) return;
    const recv = e.arriveUs + 10_000 + (sim.downDelayMs?.(e.seq) ?? 0) * 1000;
    trace.replies.push({
      seq: k,
      echoSeq: e.seq,
      echoHoldUs: 0,
      tSendUs: e.arriveUs + clockOffsetUs,
      tRecvUs: recv,
      size: 160,
    });
  });
  trace.replies.sort((a, b) => a.tRecvUs - b.tRecvUs);
  const report: CallFlowReport = {
    id: spec.id,
    port: spec.port,
    received: events.length,
    duplicates: 0,
    bytes_in: events.length * 160,
    replies: events.length,
    bytes_out: events.length * 160,
    refused: 0,
    arrivals,
  };
  return flowRecord(spec, trace, sim.noReport ? undefined : report);
}

const SPECS: CallFlowSpec[] = [
  { id: 0, port: 3478, port_role: 'service', scrambled: false },
  { id: 1, port: 3478, port_role: 'service', scrambled: true },
  { id: 2, port: 50000, port_role: 'neutral', scrambled: false },
  { id: 3, port: 50000, port_role: 'neutral', scrambled: true },
];

function call(sims: [FlowSim, FlowSim, FlowSim, FlowSim], n = 1000): CallTestObservation {
  return {
    helper: 'https://helper.example/',
    service: 'whatsapp',
    signature: { message_type: 0x16, reply_message_type: 0x17, marks: 'STUN', source: 'test' },
    profile: PROFILES.voice,
    duration_s: (n * INTERVAL) / 1000,
    t0: 1,
    t: 21,
    failure: null,
    flows: SPECS.map((s, i) => simulate(s, n, sims[i]!)),
  };
}

const clean: FlowSim = {};
const lossy = (pct: number, seed: number): FlowSim => {
  const r = rng(seed);
  const lost = new Set<number>();
  for (let s = 0; s < 5000; s++) if (r() < pct / 100) lost.add(s);
  return { upLost: (s) => lost.has(s) };
};
const dead: FlowSim = { upLost: () => true };
/** Every `periodS`, `cutS` of silence (the first starting at `firstS`). */
const cuts = (firstS: number, periodS: number, cutS: number): FlowSim => ({
  upLost: (s) => {
    const t = (s * INTERVAL) / 1000 - firstS;
    return t >= 0 && t % periodS < cutS;
  },
});

describe('statistics', () => {
  it('quantiles interpolate', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([], 0.5)).toBeUndefined();
  });
  it('two-proportion z: 5 % vs 0 % over 1000 packets is far beyond chance; 1.0 % vs 1.2 % is not', () => {
    expect(twoProportionZ(50, 1000, 0, 1000).p).toBeLessThan(1e-10);
    expect(twoProportionZ(10, 1000, 12, 1000).p).toBeGreaterThan(0.5);
    expect(twoProportionZ(1, 1000, 0, 1000).p).toBe(1); // too few events: no claim
  });
  it('Kolmogorov-Smirnov: the same distribution passes, a 10 ms shift does not', () => {
    const r = rng(7);
    const a = Array.from({ length: 500 }, () => r() * 20);
    const b = Array.from({ length: 500 }, () => r() * 20);
    expect(ksTwoSample(a, b).p).toBeGreaterThan(0.01);
    expect(
      ksTwoSample(
        a,
        b.map((x) => x + 10),
      ).p,
    ).toBeLessThan(1e-10);
  });
  it('the area test is the relative shortfall of the treated flow', () => {
    expect(areaTest([0.5, 0.5], [1, 1])).toBe(0.5);
    expect(areaTest([1], [1])).toBe(0);
  });
});

describe('call quality', () => {
  it('RFC 3550 jitter: none for constant transit, about the mean |D| for alternating transit', () => {
    expect(rfc3550Jitter([5, 5, 5, 5]).mean).toBe(0);
    const alt = Array.from({ length: 2000 }, (_, i) => (i % 2) * 10);
    expect(rfc3550Jitter(alt).final).toBeCloseTo(10, 1);
  });
  it('the E-model: a clean line is MOS 4.4, R = 60 is MOS 3.1, and loss costs 2.5 R points per percent', () => {
    expect(eModel(0, 0, 0).mos).toBeCloseTo(4.4, 1);
    expect(eModel(20, 2, 5).r).toBeCloseTo(94.768 - (20 + 4 + 10) / 40 - 12.5, 1);
    const l = (94.768 - 60) / 2.5; // the loss that brings R to 60 at zero latency... near it
    expect(eModel(0, 0, l - 0.1).mos).toBeCloseTo(3.1, 1);
    expect(mosMeaning(3.1)).toMatch(/many callers dissatisfied/);
  });
  it('cut-offs and their period', () => {
    const runs = lostRuns(1000, (s) => cuts(2, 6, 2).upLost!(s));
    const c = cutoffs(runs, INTERVAL);
    expect(c.map((x) => x.start_s)).toEqual([2, 8, 14]);
    expect(c.every((x) => x.duration_s === 2)).toBe(true);
    expect(cutPeriod(c)).toBe(6);
    expect(cutPeriod(c.slice(0, 2))).toBeNull(); // two cuts are one gap: no period claimed
    expect(
      cutPeriod([
        { start_s: 1, duration_s: 1 },
        { start_s: 5, duration_s: 1 },
        { start_s: 15, duration_s: 1 },
      ]),
    ).toBeNull();
  });
  it('burst loss: the worst 200 ms window and the mean run', () => {
    expect(
      burstLoss(
        [
          [10, 5],
          [100, 1],
        ],
        1000,
        10,
      ),
    ).toEqual({ maxPct: 50, meanRun: 3 });
  });
  it('per direction: loss measured where it happened, jitter from the transit times', () => {
    const r = rng(3);
    const f = simulate(SPECS[0]!, 1000, { ...lossy(5, 11), downDelayMs: () => r() * 20 });
    const q = flowQuality(f, PROFILES.voice);
    expect(q.up.loss_pct).toBeGreaterThan(3.5);
    expect(q.up.loss_pct).toBeLessThan(6.5);
    expect(q.down.loss_pct).toBe(0);
    expect(q.up.jitter_ms).toBe(0);
    // Uniform 0-20 ms delays: E|X - Y| = 20/3 ms.
    expect(q.down.jitter_ms).toBeGreaterThan((20 / 3) * 0.8);
    expect(q.down.jitter_ms).toBeLessThan((20 / 3) * 1.2);
  });
});

describe('the test-call verdict', () => {
  const cases: {
    name: string;
    sims: [FlowSim, FlowSim, FlowSim, FlowSim];
    status: string;
    technique?: string;
    reason?: RegExp;
  }[] = [
    {
      name: 'a clean network',
      sims: [clean, clean, clean, clean],
      status: 'ok',
      reason: /passes on UDP 3478.*MOS 4\.4/,
    },
    {
      name: 'DPI drops the signature, the scrambled twin passes',
      sims: [dead, clean, clean, clean],
      status: 'blocked',
      technique: 'call.signature',
      reason: /signature is blocked/,
    },
    {
      name: 'the signature dropped on every port',
      sims: [dead, clean, dead, clean],
      status: 'blocked',
      technique: 'call.signature',
      reason: /neutral UDP 50000 too/,
    },
    {
      name: 'the call port blocked, the neutral port passes',
      sims: [dead, dead, clean, clean],
      status: 'blocked',
      technique: 'call.port',
      reason: /call port is blocked/,
    },
    {
      name: '5 % loss on the call port only',
      sims: [lossy(5, 1), lossy(5, 2), clean, clean],
      status: 'throttled',
      technique: 'call.port',
    },
    {
      name: '8 % loss on the signature only',
      sims: [lossy(8, 3), clean, clean, clean],
      status: 'throttled',
      technique: 'call.signature',
    },
    {
      name: '5 % loss on every flow alike',
      sims: [lossy(5, 4), lossy(5, 5), lossy(5, 6), lossy(5, 7)],
      status: 'degraded',
      reason: /every flow alike/,
    },
    {
      name: 'a 2-second cut every 6 seconds on every flow',
      sims: [cuts(2, 6, 2), cuts(2, 6, 2), cuts(2, 6, 2), cuts(2, 6, 2)],
      status: 'degraded',
      technique: 'call.cutoff',
      reason: /cut off 3 time\(s\), every 6 s/,
    },
    {
      name: 'nothing comes back on any port',
      sims: [dead, dead, dead, dead],
      status: 'inconclusive',
      reason: /says nothing about whatsapp/,
    },
    {
      name: '30 ms of extra delay on the call port',
      sims: [{ upDelayMs: () => 30 }, { upDelayMs: () => 30 }, clean, clean],
      status: 'throttled',
      technique: 'call.port',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = judgeCallTest(call(c.sims));
      expect(v.status, v.reason).toBe(c.status);
      expect(v.technique).toBe(c.technique);
      if (c.reason) expect(v.reason).toMatch(c.reason);
      if (c.status === 'blocked' || c.status === 'throttled') expect(v.strength).toBe('strong');
      for (const x of v.comparisons.filter((x) => x.significant)) expect(x.p_value).toBeLessThan(ALPHA);
    });
  }

  it('a helper that reports upstream loss the probe never saw does not make a throttle', () => {
    // The helper claims it lost 30 % of the signature flow, but every packet was answered.
    const o = call([clean, clean, clean, clean]);
    const f = o.flows[0]!;
    o.flows[0] = { ...f, up_received: Math.round(f.sent * 0.7), up_lost_runs: [[0, Math.round(f.sent * 0.3)]] };
    expect(judgeCallTest(o).status).not.toBe('throttled');
    expect(judgeCallTest(o).status).not.toBe('blocked');
  });

  it("without the helper's report, only the round trip is judged", () => {
    const o = call([{ ...dead, noReport: true }, { noReport: true }, { noReport: true }, { noReport: true }]);
    const v = judgeCallTest(o);
    expect([v.status, v.technique]).toEqual(['blocked', 'call.signature']);
    expect(v.comparisons.some((c) => c.direction === 'up')).toBe(false);
  });

  it('a call that could not run is inconclusive with its reason', () => {
    const o: CallTestObservation = {
      ...call([clean, clean, clean, clean]),
      flows: [],
      failure: 'x_helper_refused',
      x_reason: 'the helper does not answer on UDP 3478',
    };
    const v = judgeCallTest(o);
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toMatch(/could not run: x_helper_refused \(the helper does not answer on UDP 3478\)/);
  });
});
