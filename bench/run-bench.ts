// `npm run bench`: the full default catalogue measured by the real CLI (`node dist/src/cli.js run`,
// a child process) against the loopback lab planned from it (src/lab/world/world.ts), in two conditions:
//   clean       every server answers (the call relays every exchange, which real ones do not);
//   all-silent  every endpoint silent (TCP blackholed, TLS servers that never answer a ClientHello,
//               STUN dropped) while DNS answers, so every chain really waits for its step timeout.
// Wall time (spawn to exit), CPU (user+sys) and peak RSS of the probe process alone (its own
// getrusage, reported by bench/usage-hook.ts); a few repetitions, median and max; pass/fail against
// issue 2's targets. Exit code 1 when a target is missed. Only loopback traffic.
//
//   node dist/bench/run-bench.js [--reps N] [--timeout S] [--json]

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LoopbackLab } from '../src/lab/loopback/lab.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const CLI = join(here, '..', 'src', 'cli.js');
const HOOK = join(here, 'usage-hook.js');

export const TARGETS = {
  cleanWallS: 1.5,
  silentWallRatio: 1.15,
  peakRssMb: 100,
} as const;

interface Sample {
  wallS: number;
  cpuS: number;
  rssMb: number;
  code: number | null;
  runtimeS?: number;
}

function runProbe(args: string[], scratch: string, i: number): Promise<Sample> {
  const usageFile = join(scratch, `usage-${i}.json`);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', HOOK, CLI, 'run', ...args], {
      env: { ...process.env, VOIPPROBE_BENCH_USAGE: usageFile, VOIPPROBE_LOG: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = (performance.now() - t0) / 1000;
      try {
        const u = JSON.parse(readFileSync(usageFile, 'utf8')) as {
          user_us: number;
          system_us: number;
          max_rss_kb: number;
        };
        const runtime = /\((\d+)\s+measurement\s+lines,\s+([\d.]+)\s+s\)/.exec(stdout); // the footer may wrap
        if (code !== 0) process.stderr.write(`probe exited ${code}:\n${stderr}\n`);
        resolve({
          wallS,
          cpuS: (u.user_us + u.system_us) / 1e6,
          rssMb: u.max_rss_kb / 1024,
          code,
          ...(runtime ? { runtimeS: Number(runtime[2]) } : {}),
        });
      } catch (err) {
        reject(new Error(`no usage report from the probe (exit ${code}): ${(err as Error).message}\n${stderr}`));
      }
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const max = (xs: number[]) => Math.max(...xs);

interface ModeResult {
  mode: 'clean' | 'all-silent';
  samples: Sample[];
  wall: { median: number; max: number };
  cpu: { median: number; max: number };
  rss: { median: number; max: number };
  checks: { name: string; limit: string; value: string; pass: boolean }[];
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      reps: { type: 'string', default: '5' },
      timeout: { type: 'string', default: '5' },
      json: { type: 'boolean' },
    },
  });
  const reps = Number(values.reps);
  const timeoutS = Number(values.timeout);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps: expected a positive integer, got ${values.reps}`);
  if (!(timeoutS > 0)) throw new Error(`--timeout: expected a positive number of seconds, got ${values.timeout}`);

  const scratch = mkdtempSync(join(tmpdir(), 'voipprobe-bench-'));
  const lab = await LoopbackLab.start();
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(
    `bench: loopback lab with ${lab.world.endpoints.length} endpoints (${lab.world.services.length} services + controls) on ${lab.world.prefix}, up in ${lab.startupMs} ms; step timeout ${timeoutS} s, ${reps} runs per condition`,
  );
  const results: ModeResult[] = [];
  let n = 0;
  try {
    for (const mode of ['clean', 'all-silent'] as const) {
      await lab.reset();
      if (mode === 'all-silent') await lab.servers.silenceEndpoints();
      // "Every server answers": the call relays too, every exchange (real ones ignore strangers; the
      // namespace lab measures that case, with path localisation).
      else lab.servers.answerEverything();
      const args = [
        ...lab.args(),
        '--timeout',
        String(timeoutS),
        '--deadline',
        String(Math.max(60, timeoutS * 4)),
        '--out',
        join(scratch, 'results'),
      ];
      // One unmeasured run first: the page cache and the lab's own code paths warm up.
      await runProbe(args, scratch, n++);
      const samples: Sample[] = [];
      for (let i = 0; i < reps; i++) {
        const s = await runProbe(args, scratch, n++);
        samples.push(s);
        log(
          `  ${mode} #${i + 1}: wall ${s.wallS.toFixed(2)} s (run ${s.runtimeS?.toFixed(2) ?? '?'} s), cpu ${s.cpuS.toFixed(2)} s, peak rss ${s.rssMb.toFixed(1)} MB`,
        );
      }
      const wall = { median: median(samples.map((s) => s.wallS)), max: max(samples.map((s) => s.wallS)) };
      const cpu = { median: median(samples.map((s) => s.cpuS)), max: max(samples.map((s) => s.cpuS)) };
      const rss = { median: median(samples.map((s) => s.rssMb)), max: max(samples.map((s) => s.rssMb)) };
      const checks: ModeResult['checks'] = [];
      if (mode === 'clean')
        checks.push({
          name: 'clean wall (max)',
          limit: `<= ${TARGETS.cleanWallS} s`,
          value: `${wall.max.toFixed(2)} s`,
          pass: wall.max <= TARGETS.cleanWallS,
        });
      else {
        const limit = TARGETS.silentWallRatio * timeoutS;
        checks.push({
          name: 'all-silent wall (max)',
          limit: `<= ${TARGETS.silentWallRatio} x ${timeoutS} s = ${limit.toFixed(2)} s`,
          value: `${wall.max.toFixed(2)} s`,
          pass: wall.max <= limit,
        });
      }
      checks.push({
        name: `${mode} peak RSS (max)`,
        limit: `<= ${TARGETS.peakRssMb} MB`,
        value: `${rss.max.toFixed(1)} MB`,
        pass: rss.max <= TARGETS.peakRssMb,
      });
      checks.push({
        name: `${mode} exit codes`,
        limit: 'all 0',
        value: samples.map((s) => s.code).join(','),
        pass: samples.every((s) => s.code === 0),
      });
      results.push({ mode, samples, wall, cpu, rss, checks });
    }
  } finally {
    await lab.close();
    rmSync(scratch, { recursive: true, force: true });
  }

  const pass = results.every((r) => r.checks.every((c) => c.pass));
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ timeout_s: timeoutS, reps, targets: TARGETS, results, pass }, null, 2)}\n`,
    );
  } else {
    const rows = [
      ['condition', 'wall median', 'wall max', 'cpu median', 'cpu max', 'peak RSS median', 'peak RSS max'],
      ...results.map((r) => [
        r.mode,
        `${r.wall.median.toFixed(2)} s`,
        `${r.wall.max.toFixed(2)} s`,
        `${r.cpu.median.toFixed(2)} s`,
        `${r.cpu.max.toFixed(2)} s`,
        `${r.rss.median.toFixed(1)} MB`,
        `${r.rss.max.toFixed(1)} MB`,
      ]),
    ];
    const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) =>
      r
        .map((c, i) => c.padEnd(w[i]!))
        .join('  ')
        .trimEnd();
    const out = [
      `voipprobe run, full default catalogue (${results[0]?.samples.length ?? 0} runs per condition, step timeout ${timeoutS} s), loopback lab`,
      '',
      line(rows[0]!),
      w.map((x) => '-'.repeat(x)).join('  '),
      ...rows.slice(1).map(line),
      '',
    ];
    for (const r of results)
      for (const c of r.checks) out.push(`${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.value} (target ${c.limit})`);
    out.push('', pass ? 'all targets met' : 'TARGETS MISSED');
    process.stdout.write(`${out.join('\n')}\n`);
  }
  return pass ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(2);
  },
);
