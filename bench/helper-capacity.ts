// The helper's capacity on one core, on loopback: the helper runs in its own process pinned to one
// CPU (taskset), the load comes from this process pinned to the other.
//   test calls      N concurrent voice-rate test calls (4 interleaved flows of 50 packets/s each way,
//                   120-172 bytes), 10 s each, for N = 50, 100, 150, 200: packets lost on the way to the
//                   helper (on loopback only the helper can lose them: its socket buffer overflows when
//                   it falls behind), replies missing, RTT, and the helper's CPU; goal: 100 calls with
//                   no loss caused by the helper;
//   remote control  questions (two TCP endpoints each, no GET) from 64 concurrent clients for 5 s:
//                   answers per second, latency, CPU;
//   amplification   junk, forged tags and a real session's tag replayed from another address, then a
//                   real call: bytes the helper sent to each address never exceed what it received
//                   from it, and nothing at all goes to the sender of the junk.
// Prints a table (and --json the figures); exit 1 when a goal is missed. Only loopback traffic.
//
//   node dist/bench/helper-capacity.js [--calls 50,100,150,200] [--seconds 10] [--json]

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { judgeCallTest } from '../src/analysis/call-test-verdict.js';
import { quantile } from '../src/analysis/stats.js';
import { PROFILES, TURN_MEDIA_SIGNATURE } from '../src/measure/call-signature.js';
import { runCallTest } from '../src/measure/call-test.js';
import { callHelper } from '../src/net/index.js';
import { DIR, writeTrailer } from '../src/protocol/call.js';

const HELPER = fileURLToPath(new URL('./support/helper-process.js', import.meta.url));
const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '50,100,150,200' },
    seconds: { type: 'string', default: '10' },
    json: { type: 'boolean' },
  },
});
const LEVELS = values.calls.split(',').map(Number);
const SECONDS = Number(values.seconds);
const GOAL_CALLS = 100;
const BENCH_TOKEN = randomBytes(24).toString('hex');

async function freePorts(n: number): Promise<number[]> {
  const socks = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<dgram.Socket>((r) => {
          const s = dgram.createSocket('udp4');
          s.bind(0, '127.0.0.1', () => r(s));
        }),
    ),
  );
  const ports = socks.map((s) => s.address().port);
  for (const s of socks) s.close();
  return ports;
}

interface Stats {
  cpu_user_us: number;
  cpu_system_us: number;
  per_client: Record<string, { bytesIn: number; bytesOut: number; packetsIn: number; packetsOut: number }>;
  answered: number;
  refused: number;
  unmatched: number;
  kernel_drops: number;
  rss_mb: number;
}

async function main(): Promise<number> {
  const pin = (pid: number, cpu: number) =>
    spawnSync('taskset', ['-pc', String(cpu), String(pid)], { stdio: 'ignore' }).status === 0;
  const pinned = pin(process.pid, 0);
  const [callPort, neutralPort] = await freePorts(2);
  const child = spawn(
    'taskset',
    ['-c', '1', process.execPath, HELPER, String(callPort), String(neutralPort), BENCH_TOKEN],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const next = () => new Promise<string>((r) => lines.once('line', r));
  const ready = JSON.parse(await next()) as { url: string };
  const stats = async (): Promise<Stats> => {
    child.stdin!.write('stats\n');
    return JSON.parse(await next()) as Stats;
  };
  const cpuS = (a: Stats, b: Stats) => (b.cpu_user_us + b.cpu_system_us - a.cpu_user_us - a.cpu_system_us) / 1e6;
  const helper = { url: ready.url, token: BENCH_TOKEN };
  const rows: string[][] = [];
  const figures: Record<string, unknown> = { pinned, seconds: SECONDS };
  let failed = 0;

  // 1. Concurrent test calls.
  const callRows: string[][] = [
    [
      'calls',
      'packets/s each way',
      'lost by the helper (buffer drops + refused)',
      'lost elsewhere (load generator, both ways)',
      'RTT p50 / p99 (ms)',
      'helper CPU (one core)',
      'goal',
    ],
  ];
  const callFigures: Record<string, unknown>[] = [];
  for (const n of LEVELS) {
    const before = await stats();
    const t0 = performance.now();
    const clock = () => (performance.now() - t0) / 1000;
    const obs = await Promise.all(
      Array.from({ length: n }, () =>
        runCallTest({
          helper,
          service: 'bench',
          signature: TURN_MEDIA_SIGNATURE,
          servicePort: callPort!,
          profile: PROFILES.voice,
          durationS: SECONDS,
          timeoutMs: 10_000,
          clock,
        }),
      ),
    );
    const wall = (performance.now() - t0) / 1000;
    const after = await stats();
    const failures = obs.filter((o) => o.failure !== null);
    const flows = obs.flatMap((o) => o.flows);
    const sent = flows.reduce((s, f) => s + f.sent, 0);
    const upLost = flows.reduce((s, f) => s + f.sent - f.up_received, 0);
    const downLost = flows.reduce((s, f) => s + f.up_received - f.round_trip_received, 0);
    const rtts = obs.flatMap((o) => judgeCallTest(o).flows.flatMap((f) => (f.rtt_ms ? [f.rtt_ms.p50] : [])));
    const allRtt = flows.flatMap((f) => f.rtt_ms);
    const cpu = cpuS(before, after) / wall;
    const pps = sent / SECONDS;
    // On loopback a packet is lost by the helper (its socket buffer overflowed, or it refused it) or by the load generator.
    const helperLost = after.kernel_drops - before.kernel_drops + (after.refused - before.refused);
    const elsewhere = upLost + downLost - helperLost;
    const ok = n !== GOAL_CALLS || (helperLost === 0 && failures.length === 0);
    if (!ok) failed++;
    callFigures.push({
      calls: n,
      failures: failures.length,
      sent,
      helper_kernel_drops: after.kernel_drops - before.kernel_drops,
      helper_refused: after.refused - before.refused,
      up_lost: upLost,
      down_lost: downLost,
      pps_each_way: Math.round(pps),
      rtt_p50_ms: quantile(allRtt, 0.5),
      rtt_p99_ms: quantile(allRtt, 0.99),
      helper_cpu_core: Math.round(cpu * 100) / 100,
      median_flow_rtt_ms: quantile(rtts, 0.5),
    });
    callRows.push([
      String(n),
      `${Math.round(pps)}`,
      `${helperLost} of ${sent} (${((100 * helperLost) / sent).toFixed(3)} %)${failures.length ? `; ${failures.length} calls failed: ${failures[0]!.failure} ${failures[0]!.x_reason ?? ''}` : ''}`,
      `${elsewhere} (${((100 * elsewhere) / sent).toFixed(3)} %)`,
      `${quantile(allRtt, 0.5)?.toFixed(2)} / ${quantile(allRtt, 0.99)?.toFixed(2)}`,
      `${Math.round(cpu * 100)} %`,
      n === GOAL_CALLS ? (ok ? 'met (no loss at the helper)' : 'MISSED') : '',
    ]);
  }
  figures.calls = callFigures;
  rows.push(...callRows);

  // 2. Remote-control questions.
  const tcp = createServer((s) => s.destroy());
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
  const tcpPort = (tcp.address() as { port: number }).port;
  const question = {
    http_request: `https://127.0.0.1:${tcpPort}/`,
    tcp_connect: [`127.0.0.1:${tcpPort}`, `127.0.0.2:${tcpPort}`],
    x_voipprobe: { version: 1 },
    x_http: false,
    x_timeout_ms: 2000,
  };
  const before = await stats();
  const t0 = performance.now();
  const lat: number[] = [];
  let ok200 = 0;
  let other = 0;
  const until = t0 + 5000;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (performance.now() < until) {
        const s = performance.now();
        const r = await callHelper({
          clock: () => 0,
          timeoutMs: 10_000,
          transactionId: 0,
          url: helper.url,
          method: 'POST',
          body: question,
          token: helper.token,
        });
        lat.push(performance.now() - s);
        if (r.status === 200) ok200++;
        else other++;
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const after = await stats();
  tcp.close();
  const rps = ok200 / wall;
  figures.remote_control = {
    answered: ok200,
    other,
    per_s: Math.round(rps),
    p50_ms: quantile(lat, 0.5),
    p99_ms: quantile(lat, 0.99),
    helper_cpu_core: cpuS(before, after) / wall,
  };
  rows.push([], ['remote control', 'answers/s', 'non-200', 'latency p50 / p99 (ms)', 'helper CPU (one core)', '', '']);
  rows.push([
    '64 clients, 2 endpoints each',
    `${Math.round(rps)}`,
    String(other),
    `${quantile(lat, 0.5)?.toFixed(1)} / ${quantile(lat, 0.99)?.toFixed(1)}`,
    `${Math.round((cpuS(before, after) / wall) * 100)} %`,
    '',
    '',
  ]);

  // 3. Amplification: an attacker at 127.0.0.2 sends junk, forged tags and a real session's tag.
  const legit = await callHelper({
    clock: () => 0,
    timeoutMs: 5000,
    transactionId: 0,
    url: helper.url,
    path: 'x/call',
    method: 'POST',
    token: helper.token,
    body: {
      duration_s: 5,
      interval_ms: 20,
      max_packet_bytes: 200,
      flows: [{ id: 0, port: callPort, scrambled: false }],
    },
  });
  const tag = BigInt(`0x${(JSON.parse(legit.body) as { tag_hex: string }).tag_hex}`);
  const attacker = dgram.createSocket('udp4');
  await new Promise<void>((r) => attacker.bind(0, '127.0.0.2', () => r()));
  let attackBytes = 0;
  const send = (b: Buffer) => {
    attackBytes += b.length;
    attacker.send(b, callPort!, '127.0.0.1');
  };
  for (let i = 0; i < 5000; i++) send(randomBytes(20 + (i % 1180)));
  for (let i = 0; i < 5000; i++) {
    const p = randomBytes(160);
    writeTrailer(p, {
      tag: randomBytes(8).readBigUInt64BE(0),
      flow: 0,
      dir: DIR.up,
      seq: i,
      tSendUs: 0,
      echoSeq: 0,
      echoHoldUs: 0,
    });
    send(p);
  }
  for (let i = 0; i < 5000; i++) {
    const p = Buffer.alloc(160);
    writeTrailer(p, { tag, flow: 0, dir: DIR.up, seq: i % 200, tSendUs: 0, echoSeq: 0, echoHoldUs: 0 });
    send(p);
  }
  await new Promise((r) => setTimeout(r, 500));
  attacker.close();
  const final = await stats();
  const att = final.per_client['127.0.0.2'] ?? { bytesIn: 0, bytesOut: 0, packetsIn: 0, packetsOut: 0 };
  const amplificationOk = Object.values(final.per_client).every((c) => c.bytesOut <= c.bytesIn) && att.bytesOut === 0;
  if (!amplificationOk) failed++;
  figures.amplification = { per_client: final.per_client, attacker_sent_bytes: attackBytes };
  rows.push([], ['amplification', 'address', 'bytes received from it', 'bytes sent to it', 'ratio', '', '']);
  for (const [addr, c] of Object.entries(final.per_client)) {
    rows.push([
      '',
      `${addr}${addr === '127.0.0.2' ? ' (attacker)' : ' (the calls above)'}`,
      `${c.bytesIn} (${c.packetsIn} packets)`,
      `${c.bytesOut} (${c.packetsOut} packets)`,
      c.bytesIn ? (c.bytesOut / c.bytesIn).toFixed(3) : '-',
      '',
      c.bytesOut <= c.bytesIn ? 'out <= in' : 'AMPLIFIED',
    ]);
  }
  figures.helper_rss_mb = final.rss_mb;

  child.stdin!.end();
  await new Promise((r) => child.once('exit', r));
  if (values.json) process.stdout.write(`${JSON.stringify(figures)}\n`);
  const widths = [0, 1, 2, 3, 4, 5, 6].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows)
    process.stdout.write(r.length ? `| ${widths.map((w, i) => (r[i] ?? '').padEnd(w)).join(' | ')} |\n` : '\n');
  process.stdout.write(
    `\n${pinned ? 'helper pinned to CPU 1, load to CPU 0' : 'taskset unavailable: NOT pinned'}; helper RSS ${final.rss_mb} MB\n`,
  );
  process.stdout.write(failed ? `${failed} goal(s) missed\n` : 'every goal met\n');
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`helper-capacity: ${(e as Error).stack}\n`);
    process.exit(1);
  },
);
