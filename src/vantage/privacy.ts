// The last step before a measurement is written: unless the person asked for --include-ip, probe_ip is
// OONI's placeholder and every trace of the public address (envelope, test_keys, error strings, raw
// packets) becomes "[scrubbed]".
//
// The public address is learned from every STUN answer of the run (the XOR-MAPPED-ADDRESS a server
// saw us as: the neutral controls, but also any relay that answered, and behind carrier-grade NAT each
// may see another address), plus the host's own globally routable interface addresses. The filter
// learns each line's addresses before scrubbing that line, so a line never carries an address it
// revealed itself.

import type { Measurement } from '../model/measurement.js';
import type { Observations } from '../model/observations.js';
import { canonicalIp } from '../util/ip.js';
import { interfacePublicAddresses } from './identity.js';
import { Scrubber } from './scrub.js';

export const PLACEHOLDER_PROBE_IP = '127.0.0.1';

export interface PrivacyOptions {
  /** Public addresses of this box (STUN-learned and interface addresses); see addressesToScrub. */
  addresses: readonly string[];
  /** Keep the address: probe_ip is set to the first address and nothing is scrubbed. */
  includeIp: boolean;
}

export function applyPrivacy(m: Measurement, opts: PrivacyOptions): Measurement {
  if (opts.includeIp) return { ...m, probe_ip: opts.addresses[0] ?? PLACEHOLDER_PROBE_IP };
  const scrubbed = new Scrubber(opts.addresses).scrub(m);
  return { ...scrubbed, probe_ip: PLACEHOLDER_PROBE_IP };
}

/** A Scrubber reused across a run's measurements (same addresses for every line). */
export function makePrivacyFilter(opts: PrivacyOptions): (m: Measurement) => Measurement {
  if (opts.includeIp) return (m) => applyPrivacy(m, opts);
  const scrubber = new Scrubber(opts.addresses);
  return (m) => ({ ...scrubber.scrub(m), probe_ip: PLACEHOLDER_PROBE_IP });
}

/** Every address STUN servers reported seeing us as, in these observations (success or not, any family). */
export function mappedAddresses(obs: Pick<Observations, 'x_stun'>): string[] {
  const out = new Set<string>();
  for (const s of obs.x_stun) {
    for (const a of [s.response?.xor_mapped_address?.address, s.response?.mapped_address?.address]) {
      const c = a && canonicalIp(a);
      if (c) out.add(c);
    }
  }
  return [...out];
}

/** The run's privacy filter: learns addresses as lines come, and applies them to every later line too. */
export class RunPrivacy {
  private readonly addresses: Set<string>;
  private scrubber: Scrubber;

  constructor(
    private readonly includeIp: boolean,
    interfaceAddresses: readonly string[] = interfacePublicAddresses(),
  ) {
    this.addresses = new Set(interfaceAddresses.map((a) => canonicalIp(a) ?? a));
    this.scrubber = new Scrubber([...this.addresses]);
  }

  /** Public addresses known so far, STUN-learned first seen first. */
  get known(): string[] {
    return [...this.addresses];
  }

  /** Learns what these observations reveal, then returns the measurement as it may be written. */
  apply(m: Measurement, obs: Pick<Observations, 'x_stun'>): Measurement {
    const before = this.addresses.size;
    for (const a of mappedAddresses(obs)) this.addresses.add(a);
    if (this.includeIp) return { ...m, probe_ip: this.firstPublic() ?? PLACEHOLDER_PROBE_IP };
    if (this.addresses.size !== before) this.scrubber = new Scrubber([...this.addresses]);
    return { ...this.scrubber.scrub(m), probe_ip: PLACEHOLDER_PROBE_IP };
  }

  private firstPublic(): string | undefined {
    return this.known[0];
  }
}
