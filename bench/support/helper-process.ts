// A helper in its own process for the capacity benchmark: the real server and test-call sessions on
// loopback, limits opened wide (the benchmark measures capacity, not the limits), and a stats channel:
// each line on stdin ("stats") is answered with one JSON line of its CPU time and per-client UDP bytes.
//
//   node dist/bench/support/helper-process.js <call port> <neutral port> <token>
// Prints {"ready":true,"url":...} once listening.

import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { TokenCheck } from '../../src/collector/auth.js';
import { CallSessions } from '../../src/helper/call-sessions.js';
import { targetPolicy } from '../../src/helper/policy.js';
import { createHelperServer, listenHelper } from '../../src/helper/server.js';

async function main(): Promise<void> {
  const callPort = Number(process.argv[2]);
  const neutralPort = Number(process.argv[3]);
  const token = process.argv[4]!;
  const calls = await CallSessions.start({
    ports: [callPort, neutralPort],
    host: '127.0.0.1',
    maxSessions: 1000,
    maxSessionsPerClient: 1000,
  });
  const server = createHelperServer({
    auth: new TokenCheck([token]),
    measure: {
      policy: targetPolicy({ allowPrivate: true }),
      dns: { doh: [], udp: [] },
      defaultTimeoutMs: 2000,
      maxBodyBytes: 64 * 1024,
    },
    limits: { ratePerS: 1e6, burst: 1e6, maxInFlight: 10_000, maxInFlightTotal: 10_000, maxClients: 1000 },
    calls: { sessions: calls, callPorts: [callPort], neutralPorts: [neutralPort] },
  });
  const h = await listenHelper(server, '127.0.0.1', 0, false);
  process.stdout.write(`${JSON.stringify({ ready: true, url: h.url, pid: process.pid })}\n`);
  // Datagrams the kernel dropped on the helper's own UDP sockets (receive buffer full): /proc/net/udp's last column.
  const kernelDrops = () => {
    let drops = 0;
    for (const line of readFileSync('/proc/self/net/udp', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const port = f[1] ? parseInt(f[1].split(':')[1] ?? '', 16) : NaN;
      if (port === callPort || port === neutralPort) drops += Number(f.at(-1));
    }
    return drops;
  };
  const rl = createInterface({ input: process.stdin });
  rl.on('line', () => {
    const cpu = process.cpuUsage();
    process.stdout.write(
      `${JSON.stringify({ cpu_user_us: cpu.user, cpu_system_us: cpu.system, per_client: Object.fromEntries(calls.perClient()), ...calls.counters(), kernel_drops: kernelDrops(), rss_mb: Math.round(process.memoryUsage().rss / 1e6) })}\n`,
    );
  });
  rl.on('close', () => {
    calls.stop();
    void h.close().then(() => process.exit(0));
  });
}

void main();
