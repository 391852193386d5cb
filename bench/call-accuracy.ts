// Test-call accuracy against the namespace lab's ground truth (root): a lab is built, the censor
// induces loss, jitter and periodic cuts between the client and the helper in its outside vantage,
// `voipprobe call-test` measures them, and the measurement is held against what the lab did:
//   loss     nftables drops 5 % of the UDP to the helper's call port at random (with a counter: the
//            packets it really dropped are the ground truth); goal: within 1 percentage point;
//   jitter   a delaying reflector in the router holds every packet for 0-20 ms, uniformly, and logs
//            each delay it applied; the ground truth is RFC 3550's estimator over those delays, in the
//            order the packets left it; goal: within 20 %;
//   cuts     UDP to the helper is dropped for 1 s every 4 s (the cut controller logs each cut's start);
//            goal: every cut inside the call found (start within 0.25 s), and the period.
// Prints a table (and --json the figures). Exit 1 when a goal is missed.
//
//   node dist/bench/call-accuracy.js [--reps N] [--seconds S] [--json]

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rfc3550Jitter } from '../src/analysis/call-quality.js';
import { CENSOR_TABLE } from '../src/lab/netns/censor.js';
import type { AppliedDelays } from '../src/lab/netns/delay-reflector.js';
import { inNs, run } from '../src/lab/netns/exec.js';
import { missingRequirements, NetnsLab, type ProbeRun } from '../src/lab/netns/lab.js';
import { scenarioArgs } from '../src/lab/netns/scenario-run.js';
import type { Scenario } from '../src/lab/world/scenarios.js';
import type { CallTestObservation } from '../src/model/call-test.js';

const GOALS = { lossPp: 1, jitterRel: 0.2, cutStartS: 0.25 } as const;

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '20' },
    json: { type: 'boolean' },
  },
});
const REPS = Number(values.reps);
const SECONDS = Number(values.seconds);

function scenario(id: string, actions: Scenario['actions']): Scenario {
  return {
    id,
    title: id,
    notes: '',
    actions,
    expect: {},
    controls: { network: 'up' },
    helper: 'honest',
    callTest: { seconds: SECONDS },
    services: ['whatsapp'],
    loopback: { supported: false, reason: 'bench' },
  };
}

async function callTest(lab: NetnsLab, s: Scenario): Promise<{ probe: ProbeRun; obs: CallTestObservation }> {
  const probe = await lab.runProbe({
    timeoutS: 2,
    out: mkdtempSync(join(tmpdir(), 'vplab-acc-')),
    ...scenarioArgs(lab, s),
  });
  const obs = probe.measurements.find((m) => m.test_keys.service === 'whatsapp')?.test_keys.x_call_test;
  if (!obs || obs.failure)
    throw new Error(
      `the test call did not run: ${obs?.failure ?? 'no line'} ${obs?.x_reason ?? ''}\n${probe.stderr.slice(-500)}`,
    );
  return { probe, obs };
}

/** Packets the censor's call_loss rule dropped (its counter). */
async function droppedByCensor(lab: NetnsLab): Promise<number> {
  const out = (await run(inNs(lab.names.ns.router, 'nft', 'list', 'table', 'ip', CENSOR_TABLE))).stdout;
  const m = /numgen random mod 100 < \d+ counter packets (\d+)/.exec(out);
  if (!m) throw new Error(`no loss counter in the censor's table:\n${out}`);
  return Number(m[1]);
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<number> {
  const missing = missingRequirements();
  if (missing.length) {
    process.stdout.write(`call-accuracy: needs ${missing.join(', ')}; not run\n`);
    return 0;
  }
  const lab = await NetnsLab.up({ log: () => {} });
  const rows: string[][] = [['measure', 'induced (ground truth)', 'measured', 'error', 'goal', 'ok']];
  const figures: Record<string, unknown>[] = [];
  let failed = 0;
  const row = (what: string, truth: string, measured: string, error: string, goal: string, ok: boolean) => {
    rows.push([what, truth, measured, error, goal, ok ? 'yes' : 'NO']);
    if (!ok) failed++;
  };
  try {
    // Loss.
    for (let i = 0; i < REPS; i++) {
      const s = scenario('acc-loss', [{ kind: 'call_loss', service: 'whatsapp', percent: 5 }]);
      await lab.apply(s);
      const { obs } = await callTest(lab, s);
      const dropped = await droppedByCensor(lab);
      await lab.clear();
      const svc = obs.flows.filter((f) => f.port_role === 'service');
      const sent = svc.reduce((n, f) => n + f.sent, 0);
      const lost = svc.reduce((n, f) => n + f.sent - f.up_received, 0);
      const measured = (100 * lost) / sent;
      const truth = (100 * dropped) / sent;
      const err = Math.abs(measured - truth);
      figures.push({
        kind: 'loss',
        rep: i,
        sent,
        dropped,
        lost,
        measured_pct: r2(measured),
        truth_pct: r2(truth),
        nominal_pct: 5,
      });
      row(
        `loss, call port, run ${i + 1}`,
        `${r2(truth)} % (${dropped} of ${sent} dropped; nominal 5 %)`,
        `${r2(measured)} %`,
        `${r2(err)} pp`,
        `<= ${GOALS.lossPp} pp`,
        err <= GOALS.lossPp,
      );
      // The neutral port was not touched.
      const neutral = obs.flows.filter((f) => f.port_role === 'neutral');
      const nLoss =
        (100 * neutral.reduce((n, f) => n + f.sent - f.up_received, 0)) / neutral.reduce((n, f) => n + f.sent, 0);
      row(
        `loss, neutral port, run ${i + 1}`,
        '0 %',
        `${r2(nLoss)} %`,
        `${r2(nLoss)} pp`,
        `<= ${GOALS.lossPp} pp`,
        nLoss <= GOALS.lossPp,
      );
    }

    // Jitter: a clean baseline, then the delaying reflector.
    {
      const clean = await callTest(lab, scenario('acc-clean', []));
      const base = clean.obs.flows.map((f) => f);
      const baseline = {
        up: mean(clean.probe.verdicts[0]!.call_test!.flows.map((f) => f.up.jitter_ms)),
        down: mean(clean.probe.verdicts[0]!.call_test!.flows.map((f) => f.down.jitter_ms)),
      };
      figures.push({ kind: 'jitter-baseline', ...baseline, flows: base.length });
      row(
        'jitter, no delay induced (baseline)',
        '0 ms',
        `${r2(baseline.up)} / ${r2(baseline.down)} ms (up / down)`,
        '-',
        'reference',
        true,
      );
    }
    for (let i = 0; i < REPS; i++) {
      const s = scenario('acc-jitter', [{ kind: 'call_jitter', maxDelayMs: 20 }]);
      await lab.apply(s);
      const { probe } = await callTest(lab, s);
      await lab.clear(); // stops the reflector, which writes the delays it applied
      const applied = readFileSync(join(lab.state.dir, 'logs', 'applied-delays.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as AppliedDelays);
      const truth = (dir: 'up' | 'down') =>
        mean(
          applied
            .filter((a) => a.dir === dir && a.delays_us.length > 50)
            .map((a) => rfc3550Jitter(a.delays_us.map((u) => u / 1000)).mean),
        );
      const v = probe.verdicts[0]!.call_test!;
      for (const dir of ['up', 'down'] as const) {
        const t = truth(dir);
        const m = mean(v.flows.map((f) => f[dir].jitter_ms));
        const rel = Math.abs(m - t) / t;
        figures.push({ kind: 'jitter', rep: i, dir, truth_ms: r2(t), measured_ms: r2(m), rel_error: r2(rel) });
        row(
          `jitter ${dir}, 0-20 ms delays, run ${i + 1}`,
          `${r2(t)} ms`,
          `${r2(m)} ms`,
          `${r2(rel * 100)} %`,
          `<= ${GOALS.jitterRel * 100} %`,
          rel <= GOALS.jitterRel,
        );
      }
    }

    // Periodic cuts.
    for (let i = 0; i < REPS; i++) {
      const s = scenario('acc-cut', [{ kind: 'call_cut', everyS: 4, cutS: 1 }]);
      await lab.apply(s);
      const { probe, obs } = await callTest(lab, s);
      const log = readFileSync(join(lab.state.dir, 'logs', 'cut-controller.log'), 'utf8');
      await lab.clear();
      const cuts = log
        .split('\n')
        .filter((l) => l.startsWith('{"cut"'))
        .map((l) => JSON.parse(l) as { at_ms: number; duration_s: number });
      const startMs = Date.parse(obs.call_started_at!);
      const endMs = startMs + SECONDS * 1000;
      const induced = cuts
        .filter((c) => c.at_ms >= startMs && c.at_ms + c.duration_s * 1000 <= endMs)
        .map((c) => (c.at_ms - startMs) / 1000);
      const v = probe.verdicts[0]!.call_test!;
      const detected = obs.flows[0]!.round_trip_lost_runs.filter(([, n]) => n * obs.profile.interval_ms >= 500).map(
        ([first]) => (first * obs.profile.interval_ms) / 1000,
      );
      const found = induced.filter((t) => detected.some((d) => Math.abs(d - t) <= GOALS.cutStartS));
      const worst = Math.max(0, ...induced.map((t) => Math.min(...detected.map((d) => Math.abs(d - t)))));
      figures.push({
        kind: 'cuts',
        rep: i,
        induced_s: induced.map(r2),
        detected_s: detected.map(r2),
        period_s: v.cut_period_s,
      });
      row(
        `cut-offs (1 s every 4 s), run ${i + 1}`,
        `${induced.length} cuts at ${induced.map((t) => r2(t)).join(', ')} s`,
        `${found.length} found; period ${v.cut_period_s ?? 'none'} s`,
        `start within ${r2(worst)} s`,
        `all, ±${GOALS.cutStartS} s; period 4 s ±10 %`,
        found.length === induced.length &&
          induced.length > 0 &&
          v.cut_period_s !== null &&
          Math.abs(v.cut_period_s - 4) <= 0.4,
      );
    }
  } finally {
    lab.destroy();
  }
  if (values.json) process.stdout.write(`${JSON.stringify({ goals: GOALS, seconds: SECONDS, figures })}\n`);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(
    `${[line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n')}\n`,
  );
  process.stdout.write(failed ? `\n${failed} goal(s) missed\n` : '\nevery goal met\n');
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`call-accuracy: ${(e as Error).stack}\n`);
    process.exit(1);
  },
);
