// The last step before a measurement is written: unless the person asked for --include-ip, probe_ip is
// OONI's placeholder and every trace of the public address (envelope, test_keys, error strings, raw
// packets) becomes "[scrubbed]".
//
// The public address is learned from every STUN answer of the run (the XOR-MAPPED-ADDRESS a server
// saw us as: the neutral controls, but also any relay that answered, and behind carrier-grade NAT each
// may see another address), plus the host's own globally routable interface addresses. The filter
// learns each line's addresses before scrubbing that line, so a line never carries an address it
// revealed itself; lines written before an address was learned are made again (RunPrivacy.add).

import { boundMeasurement, MAX_LINE_BYTES } from '../model/line-bound.js';
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

/** A measurement as it may be written: the object and its JSON text (one line, no newline). */
export interface RunLine {
  id: string;
  measurement: Measurement;
  json: string;
}

/**
 * The run's lines as they may leave the process: bounded (src/model/line-bound.ts) and scrubbed of
 * every public address known so far. Addresses are learned as lines come, and a line never carries an
 * address it revealed itself. A later line may reveal an address an earlier line holds (the neutral
 * STUN controls blocked, a relay answering later): the earlier lines are then made again, and `add`
 * returns those that changed, for the results file to be rewritten.
 */
export class RunPrivacy {
  private readonly addresses: Set<string>;
  private scrubber: Scrubber;
  /** Each line kept as bounded but not scrubbed, to scrub it again when an address is learned. */
  private readonly entries: { bounded: Measurement; line: RunLine }[] = [];

  constructor(
    private readonly includeIp: boolean,
    interfaceAddresses: readonly string[] = interfacePublicAddresses(),
    private readonly maxLineBytes: number = MAX_LINE_BYTES,
  ) {
    this.addresses = new Set(interfaceAddresses.map((a) => canonicalIp(a) ?? a));
    this.scrubber = new Scrubber([...this.addresses]);
  }

  /** Public addresses known so far, interface addresses first, then STUN-learned in the order seen. */
  get known(): string[] {
    return [...this.addresses];
  }

  /** Every line so far, as it may be written now. */
  get lines(): RunLine[] {
    return this.entries.map((e) => e.line);
  }

  /** Learns what `obs` reveals, then returns the line `m` may be written as, and the earlier lines that changed. */
  add(m: Measurement, obs: Pick<Observations, 'x_stun'>): { line: RunLine; changed: RunLine[] } {
    const before = this.addresses.size;
    for (const a of mappedAddresses(obs)) this.addresses.add(a);
    const changed: RunLine[] = [];
    if (this.addresses.size !== before) {
      this.scrubber = new Scrubber([...this.addresses]);
      for (const e of this.entries) {
        const again = this.make(e.bounded);
        if (again.json === e.line.json) continue;
        e.line = again;
        changed.push(again);
      }
    }
    const bounded = boundMeasurement(m, this.maxLineBytes);
    const line = this.make(bounded);
    this.entries.push({ bounded, line });
    return { line, changed };
  }

  private make(bounded: Measurement): RunLine {
    const finish = (x: Measurement): Measurement =>
      this.includeIp
        ? { ...x, probe_ip: this.known[0] ?? PLACEHOLDER_PROBE_IP }
        : { ...this.scrubber.scrub(x), probe_ip: PLACEHOLDER_PROBE_IP };
    let measurement = finish(bounded);
    let json = JSON.stringify(measurement);
    // "[scrubbed]" can be longer than what it replaced ("1.2.3.4"): bound again, and scrub what a cut
    // may have exposed (a cut can turn "203.0.113.70" into "203.0.113.7").
    for (let i = 0; i < 3 && Buffer.byteLength(json) > this.maxLineBytes; i++) {
      const over = Buffer.byteLength(json) - this.maxLineBytes;
      measurement = finish(boundMeasurement(measurement, this.maxLineBytes - 2 * over));
      json = JSON.stringify(measurement);
    }
    return { id: measurement.id, measurement, json };
  }
}
