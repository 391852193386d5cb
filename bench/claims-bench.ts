// Claims benchmark: `voipprobe claims` over a generated claims file of 20,000, 50,000 and 200,000
// claims (40 countries, ten services, ten years of monthly claims, blocked and working), timed as a
// user runs it (the built CLI in a child process, loading, validating and finding contradictions).
//
//   npm run bench:claims                          # 20k, 50k, 200k
//   node dist/bench/claims-bench.js --sizes 20000 --cli /other/checkout/dist/src/cli.js

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVICES = [
  'whatsapp',
  'skype',
  'viber',
  'meet',
  'facetime',
  'tango',
  'teamspeak',
  'signal',
  'telegram',
  'messenger',
];
const KINDS = ['official', 'operator', 'author', 'quoted_source', 'reader_comment'];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function claimsFile(n: number): unknown {
  const countries = Array.from(
    { length: 40 },
    (_, i) => `${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26) + 10)}`,
  );
  const operators: Record<string, unknown> = {};
  for (const [i, cc] of countries.entries())
    operators[`op-${cc.toLowerCase()}`] = { name: `Operator ${cc}`, asn: `AS${64500 + i}`, country: cc };
  const sources: Record<string, unknown> = {};
  for (let y = 2010; y < 2020; y++)
    sources[`s${y}`] = {
      file: `https://example.org/${y}`,
      outlet: `Outlet ${y}`,
      title: `Report ${y}`,
      language: 'en',
      published: { date: `${y}-12-31`, precision: 'day' },
    };
  const claims = Array.from({ length: n }, (_, i) => {
    const cc = countries[i % countries.length]!;
    const y = 2010 + (Math.floor(i / 40) % 10);
    const m = String((Math.floor(i / 400) % 12) + 1).padStart(2, '0');
    return {
      id: `c-${i}`,
      source: `s${y}`,
      speaker: { kind: KINDS[i % KINDS.length] },
      quote: `claim number ${i} about calls`,
      country: cc,
      services: [SERVICES[(i * 7) % SERVICES.length]],
      operators: i % 2 ? [`op-${cc.toLowerCase()}`] : 'all',
      access: i % 3 ? 'mobile' : 'any',
      period: { from: `${y}-${m}`, to: `${y}-${m}`, precision: 'month' },
      effect: ((i * 7919) % 13) % 4 === 0 ? 'working' : 'blocked',
      paths: [i % 2 ? 'call' : 'any'],
    };
  });
  return { sources, operators, claims };
}

function main(): void {
  const sizes = (arg('sizes') ?? '20000,50000,200000').split(',').map(Number);
  const cli = arg('cli') ?? fileURLToPath(new URL('../src/cli.js', import.meta.url));
  const timeout = Number(arg('timeout') ?? 300) * 1000;
  const dir = mkdtempSync(join(tmpdir(), 'voipprobe-claims-bench-'));
  try {
    for (const n of sizes) {
      const file = join(dir, `claims-${n}.json`);
      writeFileSync(file, JSON.stringify(claimsFile(n)));
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [cli, 'claims', '--no-seed-claims', '--claims', file, '--format', 'json'], {
        encoding: 'utf8',
        maxBuffer: 1 << 30,
        timeout,
      });
      const s = (performance.now() - t0) / 1000;
      const verdict = r.error
        ? `gave up after ${timeout / 1000} s`
        : r.status === 0
          ? `${s.toFixed(2)} s`
          : `exit ${r.status}: ${r.stderr.slice(0, 200)}`;
      const found = r.status === 0 ? (JSON.parse(r.stdout) as { contradictions: unknown[] }).contradictions.length : 0;
      process.stdout.write(
        `voipprobe claims, ${n.toLocaleString('en')} claims: ${verdict}${r.status === 0 ? ` (${found} contradictions)` : ''}\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
