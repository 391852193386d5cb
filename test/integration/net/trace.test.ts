// TTL-limited probes with the Linux traceroute, on loopback (no root needed for UDP): a destination
// that answers ICMP port unreachable is reached at hop 1; a silent one leaves every TTL silent; a
// caller can stop a trace as soon as it has seen enough; a machine without the tool says so.
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTraceTool, traceRoute } from '../../../src/net/trace.js';
import { freePort, step, within } from './helpers.js';

const tool = findTraceTool(true);
if (!tool.available) process.stdout.write(`\nTRACE TESTS SKIPPED: ${tool.reason}\n`);

describe.skipIf(!tool.available)('traceRoute on loopback', () => {
  const cap = tool as Extract<typeof tool, { available: true }>;
  const silent = dgram.createSocket('udp4');
  let silentPort = 0;
  beforeAll(async () => {
    await new Promise<void>((r) => silent.bind(0, '127.0.80.31', r));
    silentPort = silent.address().port;
  });
  afterAll(() => silent.close());

  it('a closed port answers ICMP port unreachable: the destination is reached at hop 1', async () => {
    const port = await freePort('127.0.80.32', 'udp');
    const r = await traceRoute({
      ...step(),
      timeoutMs: 2000,
      ip: '127.0.80.32',
      port,
      protocol: 'udp',
      purpose: 'relay_udp',
      tool: cap,
      target: 'relay',
    });
    expect(r).toMatchObject({
      address: `127.0.80.32:${port}`,
      protocol: 'udp',
      method: 'traceroute -U',
      reached: true,
      failure: null,
      x_target: 'relay',
      x_purpose: 'relay_udp',
    });
    expect(r.hops[0]).toMatchObject({ ttl: 1, address: '127.0.80.32' });
  });

  it('a silent destination leaves every TTL silent, and costs one wait, not one per hop', async () => {
    const r = await within(4000, () =>
      traceRoute({
        ...step(),
        timeoutMs: 800,
        ip: '127.0.80.31',
        port: silentPort,
        protocol: 'udp',
        purpose: 'relay_udp',
        tool: cap,
        maxTtl: 8,
      }),
    );
    expect(r.reached).toBe(false);
    expect(r.hops.map((h) => h.address)).toEqual(Array(8).fill(null));
    expect(r.failure).toBeNull();
  });

  it('stops as soon as the caller has seen enough', async () => {
    const port = await freePort('127.0.80.33', 'udp');
    const seen: number[] = [];
    const r = await traceRoute({
      ...step(),
      timeoutMs: 2000,
      ip: '127.0.80.33',
      port,
      protocol: 'udp',
      purpose: 'relay_udp',
      tool: cap,
      onHop: (h) => {
        seen.push(h.ttl);
        return true;
      },
    });
    expect(seen).toEqual([1]);
    expect(r.hops).toHaveLength(1);
  });

  it('is interrupted promptly by an abort', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const r = await within(1500, () =>
      traceRoute({
        ...step(),
        timeoutMs: 5000,
        signal: ac.signal,
        ip: '127.0.80.31',
        port: silentPort,
        protocol: 'udp',
        purpose: 'relay_udp',
        tool: cap,
      }),
    );
    expect(r.failure).toBe('interrupted');
  });
});

describe('findTraceTool', () => {
  it('says plainly when the tool is missing or is not the Linux traceroute', () => {
    const saved = process.env.VOIPPROBE_TRACEROUTE;
    try {
      process.env.VOIPPROBE_TRACEROUTE = 'none';
      expect(findTraceTool(true)).toEqual({
        available: false,
        reason: 'the `traceroute` program is not installed (Debian/Ubuntu: apt-get install traceroute)',
      });
      const other = spawnSync('sh', ['-c', 'command -v true']).stdout.toString().trim();
      process.env.VOIPPROBE_TRACEROUTE = other;
      expect(findTraceTool(true)).toMatchObject({
        available: false,
        reason: expect.stringMatching(/is not the Linux traceroute/),
      });
    } finally {
      if (saved === undefined) delete process.env.VOIPPROBE_TRACEROUTE;
      else process.env.VOIPPROBE_TRACEROUTE = saved;
      findTraceTool(true);
    }
  });
});
