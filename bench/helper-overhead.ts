// What `--helper` costs a clean run, in the namespace lab (root): the real probe in the client
// namespace, with and without the helper of the outside vantage, alternately (so that a changing
// machine load affects both alike); wall time from spawn to exit, medians. Goal: at most 0.3 s more.
// A helper that never answers is measured too (it costs one step timeout: its health check).
//
//   node dist/bench/helper-overhead.js [--reps N] [--json]

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { quantile } from '../src/analysis/stats.js';
import { missingRequirements, NetnsLab } from '../src/lab/netns/lab.js';

const GOAL_S = 0.3;
const HOOK = fileURLToPath(new URL('./usage-hook.js', import.meta.url));
const { values } = parseArgs({ options: { reps: { type: 'string', default: '7' }, json: { type: 'boolean' } } });
const REPS = Number(values.reps);

async function main(): Promise<number> {
  const missing = missingRequirements();
  if (missing.length) {
    process.stdout.write(`helper-overhead: needs ${missing.join(', ')}; not run\n`);
    return 0;
  }
  const lab = await NetnsLab.up({ log: () => {} });
  const times: Record<'without' | 'honest' | 'silent', number[]> = { without: [], honest: [], silent: [] };
  // The probe's own CPU time and peak memory (its getrusage, through the usage hook).
  const cpu: Record<'without' | 'honest' | 'silent', number[]> = { without: [], honest: [], silent: [] };
  const rss: Record<'without' | 'honest' | 'silent', number[]> = { without: [], honest: [], silent: [] };
  const scratch = mkdtempSync(join(tmpdir(), 'vplab-ovh-usage-'));
  const bad: string[] = [];
  try {
    // One warm-up run (disk caches, the helper's first connections).
    await lab.runProbe({
      timeoutS: 2,
      out: mkdtempSync(join(tmpdir(), 'vplab-ovh-')),
      extra: lab.helperArgs('honest'),
    });
    for (let i = 0; i < REPS; i++) {
      for (const kind of ['without', 'honest', ...(i < 3 ? (['silent'] as const) : [])] as const) {
        const usageFile = join(scratch, `${kind}-${i}.json`);
        const r = await lab.runProbe({
          timeoutS: 2,
          out: mkdtempSync(join(tmpdir(), 'vplab-ovh-')),
          extra: kind === 'without' ? [] : lab.helperArgs(kind),
          nodeArgs: ['--import', HOOK],
          env: { VOIPPROBE_BENCH_USAGE: usageFile },
        });
        times[kind].push(r.ms / 1000);
        const u = JSON.parse(readFileSync(usageFile, 'utf8')) as {
          user_us: number;
          system_us: number;
          max_rss_kb: number;
        };
        cpu[kind].push((u.user_us + u.system_us) / 1e6);
        rss[kind].push(u.max_rss_kb / 1024);
        const notOk = r.verdicts.filter((v) => v.status !== 'accessible');
        if (r.code !== 0 || notOk.length)
          bad.push(`${kind} run ${i}: exit ${r.code}, ${notOk.map((v) => `${v.service} ${v.status}`).join(', ')}`);
        if (kind === 'honest' && r.verdicts.some((v) => !v.helpers?.[0]?.used))
          bad.push(`run ${i}: the helper was not used`);
      }
    }
  } finally {
    lab.destroy();
  }
  const med = (xs: number[]) => quantile(xs, 0.5)!;
  const added = med(times.honest) - med(times.without);
  const out = {
    reps: REPS,
    median_without_s: med(times.without),
    median_with_helper_s: med(times.honest),
    added_s: added,
    median_silent_helper_s: med(times.silent),
    probe_cpu_s: { without: med(cpu.without), honest: med(cpu.honest) },
    probe_peak_rss_mb: { without: Math.max(...rss.without), honest: Math.max(...rss.honest) },
    goal_s: GOAL_S,
    runs: times,
    problems: bad,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
  const f = (x: number) => `${x.toFixed(2)} s`;
  process.stdout.write(
    [
      '| clean lab run (step timeout 2 s) | median wall | probe CPU (median) | probe peak RSS (max) | runs (wall) |',
      '|---|---|---|---|---|',
      ...(['without', 'honest', 'silent'] as const).map(
        (k) =>
          `| ${{ without: 'without a helper', honest: 'with --helper (outside vantage)', silent: 'with a helper that never answers' }[k]} | ${f(med(times[k]))} | ${f(med(cpu[k]))} | ${Math.round(Math.max(...rss[k]))} MB | ${times[k].map((x) => x.toFixed(2)).join(', ')} |`,
      ),
      '',
      `--helper adds ${f(added)} to a clean run (goal <= ${GOAL_S} s): ${added <= GOAL_S ? 'met' : 'MISSED'}`,
      ...(bad.length ? ['problems:', ...bad] : []),
      '',
    ].join('\n'),
  );
  return added <= GOAL_S && bad.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`helper-overhead: ${(e as Error).stack}\n`);
    process.exit(1);
  },
);
