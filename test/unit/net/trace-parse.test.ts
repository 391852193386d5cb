// Reading traceroute's output: one hop line per TTL, and the arguments that probe every TTL at once.
import { describe, expect, it } from 'vitest';
import { parseHopLine, traceArgs } from '../../../src/net/trace.js';

describe('parseHopLine', () => {
  it.each([
    [' 1  192.0.2.1  0.345 ms  0.120 ms', { ttl: 1, address: '192.0.2.1', rtt_ms: [0.345, 0.12], lost: 0 }],
    [' 4  * *', { ttl: 4, address: null, rtt_ms: [], lost: 2 }],
    ['12  198.51.100.7  10.5 ms *', { ttl: 12, address: '198.51.100.7', rtt_ms: [10.5], lost: 1 }],
    [
      ' 3  192.0.2.9  0.016 ms !H  0.010 ms !H',
      { ttl: 3, address: '192.0.2.9', rtt_ms: [0.016, 0.01], lost: 0, flags: ['!H', '!H'] },
    ],
    [
      ' 5  192.0.2.1  1.0 ms  192.0.2.2  1.1 ms',
      { ttl: 5, address: '192.0.2.1', other_addresses: ['192.0.2.2'], rtt_ms: [1, 1.1], lost: 0 },
    ],
    [
      ' 2  2001:db8::1  0.5 ms  0.4 ms !X',
      { ttl: 2, address: '2001:db8::1', rtt_ms: [0.5, 0.4], lost: 0, flags: ['!X'] },
    ],
  ])('%s', (line, want) => {
    expect(parseHopLine(line)).toEqual(want);
  });

  it('ignores the header and anything that is not a hop line', () => {
    expect(parseHopLine('traceroute to 192.0.2.1 (192.0.2.1), 30 hops max, 60 byte packets')).toBeUndefined();
    expect(parseHopLine('')).toBeUndefined();
  });
});

describe('traceArgs', () => {
  it('probes every TTL at once, numerically, with a wait bounded by the step', () => {
    expect(traceArgs({ ip: '192.0.2.1', port: 3478, protocol: 'udp', timeoutMs: 1500 })).toEqual([
      '-4',
      '-n',
      '-U',
      '-p',
      '3478',
      '-q',
      '2',
      '-N',
      '60',
      '-m',
      '30',
      '-w',
      '1.50,3,10',
      '192.0.2.1',
    ]);
    expect(
      traceArgs({ ip: '2001:db8::1', port: 443, protocol: 'tcp', timeoutMs: 4000, maxTtl: 20, probesPerHop: 3 }),
    ).toEqual(['-6', '-n', '-T', '-p', '443', '-q', '3', '-N', '60', '-m', '20', '-w', '4.00,3,10', '2001:db8::1']);
    expect(traceArgs({ ip: '192.0.2.1', port: 0, protocol: 'icmp', timeoutMs: 1000 })).not.toContain('-p');
  });
});
