// Which addresses the helper may touch. A helper that connects wherever it is told is a scanner of
// its own neighbourhood: private, loopback, link-local and other bogon space, and the helper host's
// own addresses, are refused unless the operator runs it on a test network (--allow-private-targets).
// Pure apart from reading the host's interface addresses once.

import { isIP } from 'node:net';
import { localAddresses } from '../net/index.js';
import { canonicalIp, isBogon } from '../util/ip.js';

export interface TargetPolicy {
  /** Null when the address may be measured, else why not (one sentence). */
  refuse(ip: string): string | null;
}

export function targetPolicy(o: { allowPrivate: boolean; ownAddresses?: readonly string[] }): TargetPolicy {
  const own = new Set((o.ownAddresses ?? localAddresses()).map((a) => canonicalIp(a) ?? a));
  return {
    refuse(ip) {
      if (isIP(ip) === 0) return 'not an IP address';
      if (own.has(canonicalIp(ip) ?? ip)) return "one of the helper host's own addresses";
      if (!o.allowPrivate && isBogon(ip))
        return 'private, loopback, link-local or reserved address (the helper measures public addresses only)';
      return null;
    },
  };
}
