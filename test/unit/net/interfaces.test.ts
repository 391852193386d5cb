import type os from 'node:os';
import { describe, expect, it } from 'vitest';
import { localAddresses, networkHasIpv6 } from '../../../src/net/interfaces.js';

const iface = (address: string, family: 'IPv4' | 'IPv6', internal = false): os.NetworkInterfaceInfo =>
  ({
    address,
    family,
    internal,
    netmask: '',
    mac: '00:00:00:00:00:00',
    cidr: null,
    ...(family === 'IPv6' ? { scopeid: 0 } : {}),
  }) as os.NetworkInterfaceInfo;

describe('networkHasIpv6', () => {
  it.each([
    ['global unicast', { eth0: [iface('192.168.1.5', 'IPv4'), iface('2a02:1234::5', 'IPv6')] }, true],
    ['link-local only', { eth0: [iface('fe80::1', 'IPv6')] }, false],
    ['unique local only', { eth0: [iface('fd00::5', 'IPv6')] }, false],
    ['loopback only', { lo: [iface('::1', 'IPv6', true)] }, false],
    ['documentation range', { eth0: [iface('2001:db8::1', 'IPv6')] }, false],
    ['IPv4 only', { eth0: [iface('10.0.0.2', 'IPv4')] }, false],
  ])('%s → %s', (_name, interfaces, expected) => {
    expect(networkHasIpv6(interfaces)).toBe(expected);
  });

  it('reads the real interfaces without throwing', () => {
    expect(typeof networkHasIpv6()).toBe('boolean');
  });
});

describe('localAddresses', () => {
  it('lists non-internal addresses once, without zone ids', () => {
    const interfaces = {
      lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
      eth0: [iface('192.168.1.5', 'IPv4'), iface('fe80::1%eth0', 'IPv6'), iface('2a02:1234::5', 'IPv6')],
      eth1: [iface('192.168.1.5', 'IPv4')],
    };
    expect(localAddresses(interfaces)).toEqual(['192.168.1.5', 'fe80::1', '2a02:1234::5']);
  });
});
