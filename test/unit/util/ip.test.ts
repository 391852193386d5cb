import { describe, expect, it } from 'vitest';
import { canonicalIp, hostPort, inPrefix, ipToBytes, isBogon, splitHostPort } from '../../../src/util/ip.js';

describe('ip helpers', () => {
  it.each([
    ['10.1.2.3', true],
    ['127.0.0.1', true],
    ['192.168.1.1', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['100.64.0.1', true],
    ['198.18.0.1', true],
    ['157.240.1.1', false],
    ['157.240.245.62', false],
    ['::1', true],
    ['fe80::1', true],
    ['fd00::2', true],
    ['2a03:2880:f2ff:c0:face:b00c:0:167', false],
    ['::ffff:10.0.0.1', true],
    ['::ffff:157.240.1.1', false],
    ['not-an-ip', false],
  ])('isBogon(%s) = %s', (ip, want) => {
    expect(isBogon(ip)).toBe(want);
  });

  it('parses IPv6 forms to the same bytes', () => {
    expect(Buffer.from(ipToBytes('2001:db8::1')!)).toEqual(Buffer.from(ipToBytes('2001:0DB8:0:0:0:0:0:0001')!));
    expect(canonicalIp('2001:DB8::1')).toBe(canonicalIp('2001:db8:0:0::1'));
    expect(Array.from(ipToBytes('::ffff:1.2.3.4')!.slice(12))).toEqual([1, 2, 3, 4]);
  });

  it('matches prefixes bit by bit', () => {
    expect(inPrefix('52.113.255.1', '52.112.0.0/14')).toBe(true);
    expect(inPrefix('52.116.0.1', '52.112.0.0/14')).toBe(false);
    expect(inPrefix('2603:1063::5', '2603:1063::/38')).toBe(true);
    expect(inPrefix('1.2.3.4', '2603:1063::/38')).toBe(false);
  });

  it('formats and splits host:port', () => {
    expect(hostPort('::1', 53)).toBe('[::1]:53');
    expect(hostPort('1.2.3.4', 53)).toBe('1.2.3.4:53');
    expect(splitHostPort('[::1]:5353', 53)).toEqual({ host: '::1', port: 5353 });
    expect(splitHostPort('1.2.3.4', 53)).toEqual({ host: '1.2.3.4', port: 53 });
    expect(splitHostPort('::1', 53)).toEqual({ host: '::1', port: 53 });
  });
});
