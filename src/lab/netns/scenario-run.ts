// One scenario in the namespace lab: apply the censor, run the real probe in the client namespace,
// remove the censor, and compare the verdicts with the scenario's expectations. Shared by the lab
// CLI and the lab tests (which assert on the parts themselves).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadCatalogue } from '../../catalogue/load.js';
import type { DnsQuery } from '../../model/observations.js';
import type { PathVerdict } from '../../model/verdict.js';
import {
  type CompareOptions,
  callLevelsOf,
  censorshipClaims,
  compareWithScenario,
  type Scenario,
} from '../world/scenarios.js';
import type { CensorPlan } from './censor.js';
import type { NetnsLab, ProbeRun } from './lab.js';

/** Probe step timeout used for scenarios that do not ask for more (seconds). */
export const DEFAULT_PROBE_TIMEOUT_S = 2;

export interface ScenarioOutcome {
  scenario: Scenario;
  plan: CensorPlan;
  probe: ProbeRun;
  /** The same network measured without the helper (scenarios with `withoutHelper`). */
  without?: ProbeRun;
  /** Differences from the expected verdicts (with and without the helper); empty when the run matches. */
  diffs: string[];
  /** Every blocked/partially_blocked anywhere (services, groups, paths, targets). */
  claims: string[];
  timeoutS: number;
  /** Apply + probe + clear, in ms. */
  ms: number;
}

/**
 * Bytes the probe's HTTPS request must pull through a shaped path before it has 4 KiB of body: the
 * lab's TLS server writes the page in 16 KiB TLS records (Node's default), and a record can only be
 * decrypted whole, so the first record plus the handshake, about 18.5 KiB.
 */
export const THROTTLED_REQUEST_BYTES = 18.5 * 1024;

/**
 * The probe's step timeout for a scenario in the namespace lab: the scenario's own when it fixes one;
 * else the default, the scenario's own minimum, and, under a throttle, enough for
 * THROTTLED_REQUEST_BYTES at the shaped rate (+30%).
 * (A real shaper slows the handshake and whole TLS records; the loopback lab's pacing, for which
 * the scenario's minTimeoutS was chosen, only slows the body bytes.)
 */
export function timeoutFor(s: Scenario, base = DEFAULT_PROBE_TIMEOUT_S): number {
  if (s.timeoutS !== undefined) return s.timeoutS;
  let t = Math.max(base, s.minTimeoutS ?? 0);
  for (const a of s.actions) {
    if (a.kind === 'throttle') t = Math.max(t, Math.ceil(((THROTTLED_REQUEST_BYTES * 8) / (a.kbit * 1000)) * 1.3));
  }
  return t;
}

/** The probe's arguments beyond the lab's own for a scenario: which services, which helper, a test call. */
export function scenarioArgs(
  lab: NetnsLab,
  s: Scenario,
  withHelper = true,
): { command: 'run' | 'call-test'; extra: string[] } {
  const extra = [
    ...(s.services ? ['--service', ...s.services] : []),
    ...(withHelper && s.helper ? lab.helperArgs(s.helper) : []),
  ];
  if (s.callTest) return { command: 'call-test', extra: [...extra, '--seconds', String(s.callTest.seconds)] };
  return { command: 'run', extra };
}

function differences(s: Scenario, probe: ProbeRun, o: CompareOptions): string[] {
  const diffs = probe.controls
    ? compareWithScenario(s, probe.verdicts, probe.controls, o)
    : ['no controls measurement in the output'];
  if (probe.code !== 0)
    diffs.unshift(`voipprobe exited ${probe.code}: ${probe.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return diffs;
}

export async function runScenario(
  lab: NetnsLab,
  s: Scenario,
  o: { timeoutS?: number; out?: string } = {},
): Promise<ScenarioOutcome> {
  const t0 = performance.now();
  const timeoutS = timeoutFor(s, o.timeoutS);
  const out = o.out ?? mkdtempSync(join(tmpdir(), `vplab-results-${s.id}-`));
  let plan: CensorPlan;
  let probe: ProbeRun;
  let without: ProbeRun | undefined;
  try {
    plan = await lab.apply(s);
    probe = await lab.runProbe({ timeoutS, out, ...scenarioArgs(lab, s) });
    if (s.withoutHelper) without = await lab.runProbe({ timeoutS, out, ...scenarioArgs(lab, s, false) });
  } finally {
    await lab.clear();
  }
  const callLevels = callLevelsOf(loadCatalogue(lab.state.targetsDir));
  const diffs = differences(s, probe, { lab: 'netns', callLevels });
  if (without && s.withoutHelper)
    diffs.push(
      ...differences(s, without, { lab: 'netns', callLevels, variant: s.withoutHelper }).map(
        (d) => `without the helper: ${d}`,
      ),
    );
  return {
    scenario: s,
    plan,
    probe,
    ...(without ? { without } : {}),
    diffs,
    claims: censorshipClaims(probe.verdicts),
    timeoutS,
    ms: Math.round(performance.now() - t0),
  };
}

/** UDP queries of a service's measurement that saw more than one valid reply, with the replies' addresses. */
export function multiReplyQueries(
  probe: ProbeRun,
  service: string,
): { hostname: string; replies: string[][]; first: string[] }[] {
  const m = probe.measurements.find((x) => x.test_keys.service === service);
  if (!m) return [];
  return m.test_keys.queries
    .filter((q: DnsQuery) => q.engine === 'udp' && (q.x_replies ?? []).filter((r) => !r.x_malformed).length >= 2)
    .map((q: DnsQuery) => {
      const replies = (q.x_replies ?? [])
        .filter((r) => !r.x_malformed)
        .map((r) => r.answers.map((a) => a.ipv4 ?? a.ipv6 ?? '').filter(Boolean));
      return { hostname: q.hostname, replies, first: replies[0] ?? [] };
    });
}

/** "call=blocked(udp.address_blocked)[blocked @hop 1 AS64500]". */
function pathWords(p: PathVerdict): string {
  const call = p.call
    ? `[${p.call.level}${p.call.where ? ` @hop ${p.call.where.hop}${p.call.where.asn !== undefined ? ` AS${p.call.where.asn}` : ''}` : ''}]`
    : '';
  return `${p.path}=${p.status}${p.techniques.length ? `(${p.techniques.join(',')})` : ''}${p.strength === 'weak' ? '[weak]' : ''}${p.outage ? '[outage]' : ''}${call}`;
}

/** A compact per-service table of a run: status, then each path with its techniques and, for calls, the evidence level and place. */
export function verdictLines(probe: ProbeRun): string[] {
  const lines: string[] = [];
  if (probe.controls)
    lines.push(
      `controls: network ${probe.controls.network}, STUN ${probe.controls.stun.classification}${probe.controls.stun.blocked_ports.length ? ` [${probe.controls.stun.blocked_ports.join(', ')}]` : ''}`,
    );
  for (const v of probe.verdicts) {
    const untested = Object.keys(v.untested ?? {});
    const t = v.call_test;
    const test = t
      ? ` | test call: ${t.status}${t.technique ? ` (${t.technique})` : ''}${t.mos !== null ? ` MOS ${t.mos}` : ''}${t.cut_period_s !== null ? ` every ${t.cut_period_s} s` : ''}`
      : '';
    lines.push(
      `${v.service.padEnd(10)} ${v.status.padEnd(17)} ${Object.values(v.paths).map(pathWords).join(' ')}${untested.length ? ` (not tested: ${untested.join(', ')})` : ''}${test}`,
    );
    for (const [g, gv] of Object.entries(v.groups ?? {})) {
      lines.push(
        `  ${`${v.service}/${g}`.padEnd(20)} ${gv.status.padEnd(17)} ${Object.values(gv.paths).map(pathWords).join(' ')}`,
      );
    }
  }
  return lines;
}
