// The last step before a measurement is written: unless the person asked for --include-ip, probe_ip is
// OONI's placeholder and every trace of the public address (envelope, test_keys, error strings, raw
// packets) becomes "[scrubbed]".

import type { Measurement } from '../model/measurement.js';
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
