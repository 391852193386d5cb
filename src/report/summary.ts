// The summary every format opens with: what was measured (networks by operator and access, dates,
// runs, vantages) and what it shows per service and path, in words: works, blocked (how, how strong,
// where on the path when known), partly blocked, degraded (call quality when measured), or could not
// tell (and why). Pure: built from the aggregates and the evidence summary.

import type { Unit } from './aggregate.js';
import { decisiveTotal } from './aggregate.js';
import { networkWords } from './claim-verdict.js';
import type { Finding, Measured, ServiceEvidence, Summary } from './schema.js';

const STATE: Record<string, Finding['state']> = {
  accessible: 'works',
  blocked: 'blocked',
  partially_blocked: 'partly_blocked',
  degraded: 'degraded',
  inconclusive: 'could_not_tell',
};

const _PATHS = ['chat', 'web', 'call'] as const;

function vkey(v: ServiceEvidence['vantage']): string {
  return JSON.stringify([v.asn, v.cc, v.network_name, v.access, v.label, v.simulated, v.source]);
}

export function findingsOf(e: ServiceEvidence): Finding[] {
  const paths = e.paths.filter((p) => p.path !== 'any');
  const use = paths.length ? paths : e.paths;
  return use.map((p) => {
    const state = STATE[p.latest_status]!;
    const decisive = decisiveTotal(p.counts);
    const blockedLike = state === 'blocked' || state === 'partly_blocked';
    const strength = blockedLike
      ? p.strength.strong && p.strength.weak
        ? 'mixed'
        : p.strength.strong
          ? 'strong'
          : p.strength.weak
            ? 'weak'
            : undefined
      : undefined;
    const details = p.latest?.details ?? {};
    const f: Finding = {
      service: e.service,
      path: p.path,
      vantage: e.vantage,
      state,
      runs_with_state: state === 'could_not_tell' ? p.counts.inconclusive : p.counts[p.latest_status],
      decisive_runs: decisive,
      inconclusive_runs: p.counts.inconclusive,
      latest_time: p.last_time,
      ...(strength ? { strength } : {}),
      techniques: Object.keys(p.techniques).slice(0, 3),
      details,
    };
    if (state === 'could_not_tell')
      f.why =
        details.reason ??
        'only inconclusive measurements: the controls failed or the network was down, so nothing could be judged';
    return f;
  });
}

export function buildSummary(
  _units: readonly Unit[],
  evidence: readonly ServiceEvidence[],
  _runs: ReadonlyMap<string, number>,
): Summary {
  const byVantage = new Map<string, Measured>();
  for (const e of evidence) {
    const k = vkey(e.vantage);
    const m = byVantage.get(k);
    if (!m) {
      byVantage.set(k, {
        vantage: e.vantage,
        runs: e.runs,
        measurements: e.measurements,
        services: [e.service],
        first_time: e.first_time,
        last_time: e.last_time,
      });
      continue;
    }
    m.measurements += e.measurements;
    m.runs = Math.max(m.runs, e.runs);
    m.services.push(e.service);
    if (e.first_time < m.first_time) m.first_time = e.first_time;
    if (e.last_time > m.last_time) m.last_time = e.last_time;
  }
  const measured = [...byVantage.values()];
  const findings = evidence.flatMap(findingsOf);
  return { measured, findings, headline: headline(measured, findings) };
}

function day(t: string): string {
  return t.slice(0, 10);
}

function list(xs: readonly string[]): string {
  return xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

const PATH_NOUN: Record<string, string> = { call: 'calls', chat: 'chat', web: 'web', any: 'the service' };
const noun = (f: Pick<Finding, 'service' | 'path'>) =>
  f.service === 'stun' ? 'STUN to a public server' : PATH_NOUN[f.path];

/** The first sentences: what was measured, then per service what is blocked or degraded, and where it works. */
function headline(measured: readonly Measured[], findings: readonly Finding[]): string[] {
  if (measured.length === 0) return ['No measurements: nothing below rests on this probe or OONI data.'];
  const out: string[] = [];
  const runs = measured.reduce((n, m) => n + m.runs, 0);
  const first = measured.reduce((a, m) => (m.first_time < a ? m.first_time : a), measured[0]!.first_time);
  const last = measured.reduce((a, m) => (m.last_time > a ? m.last_time : a), measured[0]!.last_time);
  const nets = [...new Set(measured.map((m) => networkWords(m.vantage)))];
  out.push(
    `Measured ${runs} run${runs === 1 ? '' : 's'} on ${nets.length} network${nets.length === 1 ? '' : 's'} (${list(nets)}) from ${day(first)} to ${day(last)} (UTC).`,
  );
  if (measured.some((m) => m.vantage.simulated))
    out.push(
      'SIMULATED: some or all of these lines come from voipprobe demo, a lab on this computer, not from a network.',
    );
  const services = [...new Set(findings.map((f) => f.service))];
  const quiet: string[] = [];
  for (const s of services) {
    const fs = findings.filter((f) => f.service === s);
    const bad = fs.filter((f) => f.state === 'blocked' || f.state === 'partly_blocked' || f.state === 'degraded');
    // Works in the latest run, but not in every run of the period: said, not hidden behind the latest.
    const earlier = fs.filter((f) => f.state === 'works' && f.runs_with_state < f.decisive_runs);
    if (bad.length === 0 && earlier.length === 0) {
      if (fs.some((f) => f.state === 'works')) quiet.push(s);
      continue;
    }
    const parts = bad.map((f) => {
      const word = f.state === 'partly_blocked' ? 'partly blocked' : f.state;
      const how = f.strength ? ` (${f.strength} evidence)` : '';
      return `${noun(f)} ${word} on ${networkWords(f.vantage)}${how}`;
    });
    for (const f of earlier)
      parts.push(
        `${noun(f)} ${f.path === 'call' ? 'work' : 'works'} in the latest run on ${networkWords(f.vantage)}, not in ${f.decisive_runs - f.runs_with_state} of its ${f.decisive_runs} runs`,
      );
    // Where the same paths work: named when few, counted when they are every other network measured.
    const works: string[] = [];
    for (const path of [...new Set(bad.map((b) => b.path))]) {
      const ok = fs.filter((f) => f.path === path && f.state === 'works').map((f) => networkWords(f.vantage));
      const all = fs.filter((f) => f.path === path).length;
      if (ok.length === 0) continue;
      const verb = path === 'call' ? 'work' : 'works';
      works.push(
        ok.length > 2 && ok.length === all - bad.filter((b) => b.path === path).length
          ? `${noun({ service: s, path })} ${verb} on the ${ok.length} other networks`
          : `${noun({ service: s, path })} ${verb} on ${list(ok)}`,
      );
    }
    out.push(`${s}: ${list(parts)}${works.length ? `; ${works.join('; ')}` : ''}.`);
  }
  if (quiet.length) out.push(`No blocking measured for ${list(quiet)} on the paths measured.`);
  const unsure = findings.filter((f) => f.state === 'could_not_tell');
  if (unsure.length)
    out.push(`Could not tell for ${unsure.length} service path${unsure.length === 1 ? '' : 's'} (see why below).`);
  return out;
}
