// What one run measures and how, typed. The CLI builds it from its flags and the config file, the demo
// from its lab; the session measures with it and records it in every line (x_settings), so that a
// verdict can be read against what made it (a `tcp.timeout` against the timeout).

import type { Catalogue } from '../catalogue/load.js';
import type { HelperEndpoint } from '../measure/helper.js';
import { DEFAULT_PER_FAMILY } from '../measure/run.js';
import type { CallProfile } from '../model/call-test.js';
import type { RunSettingsRecord } from '../model/measurement.js';
import type { TrustStore } from '../net/types.js';

export interface RunSettings {
  /** The services to measure (already selected) and the controls. */
  catalogue: Catalogue;
  timeoutMs: number;
  deadlineMs: number;
  concurrency: number;
  /** Addresses per family and target; default DEFAULT_PER_FAMILY. */
  perFamily?: number;
  /** Measure IPv6 addresses too; undefined: when this machine has a global IPv6 address. */
  ipv6?: boolean;
  /** Localise silent call relays with TTL-limited probes; default true. */
  localise?: boolean;
  /** Keep this machine's public address in the lines (scrubbed otherwise). */
  includeIp: boolean;
  /** Overrides: the network's own resolvers (disables getaddrinfo), neutral UDP resolvers, DoH URLs. */
  resolvers: { local?: string[]; controlUdp?: string[]; doh?: string[] };
  /** Extra trusted CAs (a test network's). */
  ca?: TrustStore;
  /** Helpers asked about every target; the first is the far end of the test calls. */
  helpers?: HelperEndpoint[];
  /** A test call of this many seconds per service with a call port, after the measurement. */
  callTest?: { seconds: number; profile: CallProfile };
  /** Folder of the results file (one JSONL file per run). */
  out: string;
  /** ASN database for the routers of path localisation; undefined: the bundled one. */
  asnDb?: string;
}

/** Settings with every default decided, as the run uses them. */
export type EffectiveRunSettings = RunSettings & { perFamily: number; ipv6: boolean; localise: boolean };

export function effectiveSettings(s: RunSettings, hasIpv6: () => boolean): EffectiveRunSettings {
  return {
    ...s,
    perFamily: s.perFamily ?? DEFAULT_PER_FAMILY,
    ipv6: s.ipv6 ?? hasIpv6(),
    localise: s.localise ?? true,
  };
}

/** What every line records of the settings: no local paths, no tokens (helpers by URL only). */
export function settingsRecord(s: EffectiveRunSettings): RunSettingsRecord {
  const { local, controlUdp, doh } = s.resolvers;
  return {
    timeout_s: s.timeoutMs / 1000,
    deadline_s: s.deadlineMs / 1000,
    concurrency: s.concurrency,
    per_family: s.perFamily,
    ipv6: s.ipv6,
    localise: s.localise,
    include_ip: s.includeIp,
    resolvers: {
      ...(local ? { local } : {}),
      ...(controlUdp ? { control_udp: controlUdp } : {}),
      ...(doh ? { doh } : {}),
    },
    ...(s.helpers?.length ? { helpers: s.helpers.map((h) => helperUrl(h.url)) } : {}),
    ...(s.callTest ? { call_test: { seconds: s.callTest.seconds, profile: s.callTest.profile.name } } : {}),
  };
}

/** A helper's address without what could carry a secret (user info, query, fragment). */
function helperUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '[unparsable URL]';
  }
}
