// Bad inputs against a real collector process (part of npm run bench:collector): each request is
// printed with the response it got, and the store is checked to hold none of them afterwards.
// Checks are strict: an unexpected status fails the script.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startCollectorProcess, stopGracefully } from './support/collector-process.js';
import { fakeMeasurement } from './support/measurement-fixture.js';
import { freePort } from './support/pg-cluster.js';

const TOKEN = 'bench-token-0123456789abcdef0123';
const MAX_BODY = 256 * 1024;

/** Sends raw bytes (optionally trickled) and returns the status line and body the server answered. */
function raw(
  port: number,
  chunks: (string | Buffer)[],
  gapMs = 0,
): Promise<{ status: string; body: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.on('error', () => undefined);
    s.on('close', () => {
      const [head, ...rest] = got.split('\r\n\r\n');
      resolve({
        status: (head ?? '').split('\r\n')[0] || '(connection closed without an answer)',
        body: rest
          .join('\r\n\r\n')
          .replace(/^[0-9a-f]+\r\n|\r\n0\r\n$/g, '')
          .trim(),
        ms: Date.now() - t0,
      });
    });
    let i = 0;
    const next = () => {
      if (s.destroyed || i >= chunks.length) return;
      s.write(chunks[i++]!);
      if (gapMs) setTimeout(next, gapMs);
      else next();
    };
    s.on('connect', next);
  });
}

function httpPost(path: string, body: string | Buffer, headers: Record<string, string>): (string | Buffer)[] {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  const h = Object.entries({ Host: 'collector', 'Content-Length': String(b.length), Connection: 'close', ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return [`POST ${path} HTTP/1.1\r\n${h}\r\n`, b];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'voipprobe-badinput-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`);
  const port = await freePort();
  const c = await startCollectorProcess(port, join(dir, 'store'), tokenFile, [
    '--max-body',
    String(MAX_BODY),
    '--headers-timeout',
    '2',
    '--request-timeout',
    '5',
  ]);
  const auth = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
  const m = fakeMeasurement(1, { run: 'bad' });
  const path = '/report/20261126T000000Z_voipprobe_MA_36925_n1_bench';
  const body = (content: unknown) => JSON.stringify({ format: 'json', content });
  const huge = body({ ...m, x_padding: 'x'.repeat(MAX_BODY) });
  // Built as text: JSON.stringify itself overflows the stack on such a value.
  const deep = `${JSON.stringify({ ...m, x_deep: null }).slice(0, -5)}${'['.repeat(20_000)}${']'.repeat(20_000)}}`;

  const cases: { input: string; expect: number; send: () => ReturnType<typeof raw> }[] = [
    {
      input: 'malformed JSON (truncated body)',
      expect: 400,
      send: () => raw(port, httpPost(path, '{"format":"json","content":{"id":', auth)),
    },
    { input: 'not JSON at all', expect: 400, send: () => raw(port, httpPost(path, 'hello collector', auth)) },
    {
      input: 'wrong schema: content missing',
      expect: 400,
      send: () => raw(port, httpPost(path, '{"format":"json"}', auth)),
    },
    {
      input: 'wrong schema: probe_asn "36925"',
      expect: 400,
      send: () => raw(port, httpPost(path, body({ ...m, probe_asn: '36925' }), auth)),
    },
    {
      input: 'wrong schema: test_keys.service missing',
      expect: 400,
      send: () => raw(port, httpPost(path, body({ ...m, test_keys: {} }), auth)),
    },
    {
      input: 'wrong schema: format "yaml"',
      expect: 400,
      send: () => raw(port, httpPost(path, JSON.stringify({ format: 'yaml', content: m }), auth)),
    },
    {
      input: 'nested 20,000 levels deep (40 KB)',
      expect: 400,
      send: () => raw(port, httpPost(path, `{"format":"json","content":${deep}}`, auth)),
    },
    {
      input: 'a collector field set by the submitter (x_submitter_asn)',
      expect: 400,
      send: () => raw(port, httpPost(path, body({ ...m, x_submitter_asn: 'AS6713' }), auth)),
    },
    {
      input: `oversized body (${huge.length} bytes, limit ${MAX_BODY})`,
      expect: 413,
      send: () => raw(port, httpPost(path, huge, auth)),
    },
    {
      input: `gzip bomb (${gzipSync(huge).length} bytes compressed)`,
      expect: 413,
      send: () => raw(port, httpPost(path, gzipSync(huge), { ...auth, 'Content-Encoding': 'gzip' })),
    },
    {
      input: 'missing token',
      expect: 401,
      send: () => raw(port, httpPost(path, body(m), { 'Content-Type': 'application/json' })),
    },
    {
      input: 'wrong token',
      expect: 401,
      send: () => raw(port, httpPost(path, body(m), { ...auth, Authorization: 'Bearer guess-guess-guess-guess' })),
    },
    {
      input: 'unsupported Content-Encoding (br)',
      expect: 415,
      send: () => raw(port, httpPost(path, body(m), { ...auth, 'Content-Encoding': 'br' })),
    },
    {
      input: 'slow client: headers trickled, one line every 500 ms',
      expect: 408,
      send: () =>
        raw(port, ['POST /report/x HTTP/1.1\r\n', ...Array.from({ length: 20 }, (_, i) => `X-Slow-${i}: 1\r\n`)], 500),
    },
    {
      input: 'slow client: body trickled, 64 bytes every 500 ms',
      expect: 408,
      send: () => {
        const [head, b] = httpPost(path, body(m), auth) as [string, Buffer];
        const parts: (string | Buffer)[] = [head];
        for (let i = 0; i < b.length; i += 64) parts.push(b.subarray(i, i + 64));
        return raw(port, parts, 500);
      },
    },
    { input: 'unknown endpoint', expect: 404, send: () => raw(port, httpPost('/admin', '{}', auth)) },
  ];

  let ok = true;
  const rows = ['| input | expected | response | time |', '|---|---|---|---|'];
  for (const k of cases) {
    const r = await k.send();
    const got = Number(r.status.split(' ')[1]);
    const pass = got === k.expect;
    ok &&= pass;
    const shown = `${r.status.replace('HTTP/1.1 ', '')} ${r.body.slice(0, 140)}`.trim();
    rows.push(`| ${k.input} | ${k.expect} | ${shown.replace(/\|/g, '\\|')} | ${r.ms} ms |`);
    process.stdout.write(`${pass ? 'ok  ' : 'FAIL'} ${k.input} -> ${shown}\n`);
  }
  await stopGracefully(c);
  const stored = readdirSync(join(dir, 'store'))
    .filter((f) => f.endsWith('.jsonl'))
    .reduce(
      (n, f) =>
        n +
        readFileSync(join(dir, 'store', f), 'utf8')
          .split('\n')
          .filter(Boolean).length,
      0,
    );
  process.stdout.write(`\n${rows.join('\n')}\n\nmeasurements stored after all bad inputs: ${stored} (expected 0)\n`);
  rmSync(dir, { recursive: true, force: true });
  if (!ok || stored !== 0) {
    process.stdout.write('BAD-INPUT CHECK FAILED\n');
    process.exitCode = 1;
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
