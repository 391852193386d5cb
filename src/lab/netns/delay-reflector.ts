// A delaying reflector for the namespace lab's jitter (netem is not on this kernel): runs in the
// router, receives the client's UDP to the helper (nftables redirects it here), holds each packet for
// a random time and passes it on; the helper's answers come back the same way. It logs every delay it
// applied: the ground truth that the test call's jitter is checked against.
//
// How it stays transparent: the redirect's connection-tracking entry rewrites the source of what this
// process sends back to the client into the helper's address and port; its own packets towards the
// helper are source-NATed to the client's address (an nftables rule of the same plan), so the helper
// sees its session's opener, and the helper's answers come back here through that entry.
//
//   node dist/src/lab/netns/delay-reflector.js <config.json>
//   config: { "helper": "198.18.0.14", "ports": [[13478, 3478], ...], "maxDelayMs": 20, "log": "/path/delays.jsonl" }
// Prints {"ready":true,...} once bound; SIGTERM ends it (after writing its log).

import dgram from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface DelayReflectorConfig {
  helper: string;
  /** [local port the redirect sends to, the helper's port behind it]. */
  ports: [number, number][];
  /** Each packet is held for a uniformly random time in [0, maxDelayMs]. */
  maxDelayMs: number;
  /** Where the applied delays go (one JSON line per flow and direction, written at exit). */
  log: string;
}

/** Delays applied to one flow in one direction, in the order the packets left (µs). */
export interface AppliedDelays {
  /** The client's port (one per test-call flow) and the helper port. */
  client: string;
  helperPort: number;
  dir: 'up' | 'down';
  delays_us: number[];
}

function main(): void {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: delay-reflector.js <config.json>\n');
    process.exit(2);
  }
  const cfg = JSON.parse(readFileSync(file, 'utf8')) as DelayReflectorConfig;
  const applied = new Map<string, AppliedDelays>();
  const note = (client: string, helperPort: number, dir: 'up' | 'down', us: number) => {
    const k = `${client} ${helperPort} ${dir}`;
    let a = applied.get(k);
    if (!a) applied.set(k, (a = { client, helperPort, dir, delays_us: [] }));
    a.delays_us.push(us);
  };
  const hold = (fn: () => void, record: (us: number) => void) => {
    const t0 = performance.now();
    setTimeout(() => {
      record(Math.round((performance.now() - t0) * 1000));
      fn();
    }, Math.random() * cfg.maxDelayMs);
  };
  let bound = 0;
  const sockets: dgram.Socket[] = [];
  for (const [local, helperPort] of cfg.ports) {
    const down = dgram.createSocket('udp4');
    sockets.push(down);
    // One upstream socket per client flow, so that the helper tells the flows apart as it would without us.
    const upstream = new Map<string, dgram.Socket>();
    down.on('message', (msg, rinfo) => {
      const client = `${rinfo.address}:${rinfo.port}`;
      let up = upstream.get(client);
      if (!up) {
        up = dgram.createSocket('udp4');
        upstream.set(client, up);
        sockets.push(up);
        up.on('message', (reply) =>
          hold(
            () => down.send(reply, rinfo.port, rinfo.address),
            (us) => note(client, helperPort, 'down', us),
          ),
        );
        up.on('error', () => {});
      }
      const u = up;
      hold(
        () => u.send(msg, helperPort, cfg.helper),
        (us) => note(client, helperPort, 'up', us),
      );
    });
    down.on('error', (e) => process.stderr.write(`delay-reflector: ${e.message}\n`));
    down.bind(local, '0.0.0.0', () => {
      if (++bound === cfg.ports.length)
        process.stdout.write(
          `${JSON.stringify({ ready: true, role: 'delay-reflector', ports: cfg.ports, max_delay_ms: cfg.maxDelayMs })}\n`,
        );
    });
  }
  const stop = () => {
    writeFileSync(cfg.log, `${[...applied.values()].map((a) => JSON.stringify(a)).join('\n')}\n`);
    for (const s of sockets) s.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
