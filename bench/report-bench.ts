// Reporter benchmark: generates realistic results files (default 1,000,000 lines) in a temp dir, runs
// the reporter on them in a child process (as `voipprobe report --format json --out FILE` does), and
// prints lines/s and the child's peak RSS. Goals: >= 50,000 lines/s, peak RSS <= 150 MB.
//
//   npm run bench:report                    # 1,000,000 lines
//   node dist/bench/report-bench.js --lines 200000 --keep
//   node dist/bench/report-bench.js --dir /tmp/existing-set   # reuse a generated set
//   node dist/bench/report-bench.js --jobs 1                  # one reader thread

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { produceReport, renderReport } from '../src/report/run.js';
import { generateResults } from './report-data.js';

const GOAL_LINES_PER_S = 50_000;
const GOAL_RSS_MB = 150;

interface ChildResult {
  lines: number;
  measurements: number;
  controls: number;
  bad: number;
  seconds: number;
  cpu_seconds: number;
  max_rss_mb: number;
  verdicts: Record<string, number>;
  output_bytes: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** In the child: the reporter exactly as the CLI runs it, timed, with its peak RSS (then the HTML, untimed). */
async function child(dir: string, jobs: number | undefined, html: string | undefined): Promise<void> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let bad = 0;
  const report = await produceReport({ paths: [dir], onBad: () => bad++, jobs });
  const out = renderReport(report, 'json');
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const res: ChildResult = {
    lines: report.input.measurements + report.input.controls + report.input.filtered_out + report.input.bad_lines.total,
    measurements: report.input.measurements,
    controls: report.input.controls,
    bad,
    seconds,
    cpu_seconds: (cpu.user + cpu.system) / 1e6,
    // maxRSS is in kilobytes on Linux.
    max_rss_mb: process.resourceUsage().maxRSS / 1024,
    verdicts: report.verdict_counts,
    output_bytes: out.length,
  };
  if (html) writeFileSync(html, renderReport(report, 'html'));
  process.stdout.write(`${JSON.stringify(res)}\n`);
}

/** Pages the HTML report prints to on A4 in headless Chromium (Debian's /usr/bin/chromium), or null without it. */
async function printedPages(html: string): Promise<number | null> {
  const chromiumPath = '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) return null;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage();
    await page.route('**/*', (route) =>
      route.request().url().startsWith('file://') ? route.continue() : route.abort(),
    );
    await page.goto(`file://${html}`);
    const pdf = `${html}.pdf`;
    await page.pdf({ path: pdf, format: 'A4', printBackground: true });
    return (
      readFileSync(pdf)
        .toString('latin1')
        .match(/\/Type\s*\/Page[^s]/g) ?? []
    ).length;
  } finally {
    await browser.close();
  }
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) n += statSync(join(dir, f)).size;
  return n;
}

async function main(): Promise<void> {
  const jobs = arg('jobs') === undefined ? undefined : Number(arg('jobs'));
  if (process.argv.includes('--child'))
    return child(process.argv[process.argv.indexOf('--child') + 1]!, jobs, arg('html'));
  const lines = Number(arg('lines') ?? 1_000_000);
  const given = arg('dir');
  const dir = given ?? mkdtempSync(join(tmpdir(), 'voipprobe-bench-'));
  let generatedLines: number | null = null;
  if (!given || !existsSync(join(dir, '.done'))) {
    const t = performance.now();
    process.stdout.write(`generating ${lines.toLocaleString('en')} lines in ${dir} ...\n`);
    const g = generateResults(dir, lines);
    generatedLines = g.lines;
    writeFileSync(join(dir, '.done'), `${g.lines}\n`);
    process.stdout.write(
      `  ${g.files} files, ${(g.bytes / 1e9).toFixed(2)} GB, ${Math.round(g.bytes / g.lines)} bytes/line on average, ${g.corrupt} corrupt and ${g.torn} torn lines, in ${((performance.now() - t) / 1000).toFixed(1)} s\n`,
    );
  }
  const bytes = dirBytes(dir);
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  const self = fileURLToPath(import.meta.url);
  // Warm the page cache so the figure is the reporter's, not the disk's.
  spawnSync(
    'cat',
    files.map((f) => join(dir, f)),
    { stdio: 'ignore' },
  );
  const html = join(mkdtempSync(join(tmpdir(), 'voipprobe-bench-html-')), 'report.html');
  const r = spawnSync(
    process.execPath,
    [self, '--child', dir, '--html', html, ...(jobs ? ['--jobs', String(jobs)] : [])],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    process.exitCode = 1;
    return;
  }
  const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
  const perS = res.lines / res.seconds;
  process.stdout.write(
    `${[
      `reporter (${jobs ?? 'default'} reader thread(s)): ${res.lines.toLocaleString('en')} lines (${res.measurements.toLocaleString('en')} measurements, ${res.controls.toLocaleString('en')} controls, ${res.bad} bad) in ${res.seconds.toFixed(1)} s wall, ${res.cpu_seconds.toFixed(1)} s CPU`,
      `  ${Math.round(perS).toLocaleString('en')} lines/s (${(bytes / 1e6 / res.seconds).toFixed(0)} MB/s; ${Math.round(res.lines / res.cpu_seconds).toLocaleString('en')} lines per CPU second), goal >= ${GOAL_LINES_PER_S.toLocaleString('en')}: ${perS >= GOAL_LINES_PER_S ? 'met' : 'MISSED'}`,
      `  peak RSS ${res.max_rss_mb.toFixed(0)} MB, goal <= ${GOAL_RSS_MB}: ${res.max_rss_mb <= GOAL_RSS_MB ? 'met' : 'MISSED'}`,
      `  average line ${Math.round(bytes / (generatedLines ?? res.lines))} bytes; verdicts ${JSON.stringify(res.verdicts)}; JSON report ${(res.output_bytes / 1e6).toFixed(1)} MB`,
    ].join('\n')}\n`,
  );
  const pages = await printedPages(html);
  process.stdout.write(
    pages === null
      ? '  HTML report: Chromium not found, pages not counted\n'
      : `  HTML report: ${pages} printed A4 pages (${html})\n`,
  );
  if (!given && !process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  else process.stdout.write(`kept ${dir}\n`);
}

await main();
