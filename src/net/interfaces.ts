// What the machine's own interfaces say: whether IPv6 targets are worth measuring (without a global
// IPv6 address every IPv6 connect fails, which is not censorship), and which addresses are ours.

import os from 'node:os';
import { inPrefix } from '../util/ip.js';

type Interfaces = NodeJS.Dict<os.NetworkInterfaceInfo[]>;

/** Global unicast (2000::/3), minus the documentation range. */
function isGlobalIpv6(address: string): boolean {
  return inPrefix(address, '2000::/3') && !inPrefix(address, '2001:db8::/32');
}

export function networkHasIpv6(interfaces: Interfaces = os.networkInterfaces()): boolean {
  return Object.values(interfaces).some((list) =>
    list?.some((i) => !i.internal && i.family === 'IPv6' && isGlobalIpv6(i.address)),
  );
}

/** Every non-loopback address on the machine's interfaces (zone ids removed). */
export function localAddresses(interfaces: Interfaces = os.networkInterfaces()): string[] {
  const out = new Set<string>();
  for (const list of Object.values(interfaces)) {
    for (const i of list ?? []) if (!i.internal) out.add(i.address.split('%')[0]!);
  }
  return [...out];
}
