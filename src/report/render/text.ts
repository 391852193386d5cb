// Words and short phrases shared by the renderers, so that the table, Markdown and HTML say the same,
// in the same order: summary first, then the claims, the evidence, and the methods and caveats.

import { networkWords } from '../claim-verdict.js';
import { qualityWords } from '../details.js';
import type { ClaimVerdict, ContradictionOut, Finding, Report, VantageOut } from '../schema.js';

export const VERDICT_LABEL: Record<ClaimVerdict['verdict'], string> = {
  consistent: 'consistent',
  contradicted: 'contradicted',
  not_tested: 'not tested',
  historical: 'claimed then, measured later',
};

export const VERDICT_MEANING: Record<ClaimVerdict['verdict'], string> = {
  consistent: 'measurements made during the claimed period show the claimed state',
  contradicted: 'measurements made during the claimed period show another state',
  historical:
    'the claimed period is over and every measurement is from later: what was claimed then and what is measured now, side by side; a later measurement neither confirms nor refutes a past claim',
  not_tested:
    'no decisive measurement matches the claim (country, service, operator, access, path or time), or it cannot be measured',
};

export const SIMULATED_BANNER =
  'SIMULATED DATA: lines written by voipprobe demo, a lab running on one computer. Nothing here was measured on a real network.';

export function vantageLabel(v: VantageOut): string {
  const name = v.network_name ? ` ${v.network_name}` : '';
  return `${v.asn}${name} (${v.cc})`;
}

/** "Maroc Telecom mobile (casa-4g)" or "... (simulated)": a network as a reader names it. */
export function networkName(v: VantageOut): string {
  const label = v.label && v.source !== 'ooni' ? ` · ${v.label}` : '';
  return `${networkWords(v)}${label}`;
}

export function periodLabel(p: { from: string | null; to: string | null }): string {
  if (p.from && p.to) return p.from === p.to ? p.from : `${p.from} to ${p.to}`;
  if (p.from) return `from ${p.from}`;
  if (p.to) return `until ${p.to}`;
  return 'undated';
}

/** The part of a verdict a reader needs first. */
export function finding(v: ClaimVerdict): string {
  if (v.verdict === 'not_tested') return v.reasons.join('; ');
  if (v.historical) return v.historical.reading.slice(v.historical.reading.indexOf('; ') + 2);
  const i = v.summary.indexOf('; ');
  return i >= 0 ? v.summary.slice(i + 2) : v.summary;
}

export function headline(r: Report): string {
  const i = r.input;
  const span = i.first_time && i.last_time ? ` (${i.first_time} to ${i.last_time} UTC)` : '';
  const bad = i.bad_lines.total ? `; ${i.bad_lines.total} bad line${i.bad_lines.total === 1 ? '' : 's'} skipped` : '';
  const dup = i.duplicates ? `; ${i.duplicates} duplicate line${i.duplicates === 1 ? '' : 's'} counted once` : '';
  const ooni = i.ooni ? ` (${i.ooni} from OONI Probe)` : '';
  return `${i.measurements} measurement${i.measurements === 1 ? '' : 's'}${ooni} from ${i.files.length} file${i.files.length === 1 ? '' : 's'}${span}${dup}${bad}`;
}

export function verdictLine(r: Report): string {
  const c = r.verdict_counts;
  const facts = r.claims.facts ? ` and ${r.claims.facts} external fact${r.claims.facts === 1 ? '' : 's'}` : '';
  const definite = r.claims.contradictions.filter((x) => x.certainty === 'definite').length;
  return `${r.claims.count} claims${facts}, ${r.claims.contradictions.length} contradictions between them (${definite} definite); verdicts: ${c.consistent} consistent, ${c.contradicted} contradicted, ${c.historical} claimed then and measured later, ${c.not_tested} not tested`;
}

/** Techniques by count, "udp.no_response ×120, tls.reset ×3". */
export function techniquesLabel(t: Record<string, number>, max = 3): string {
  const e = Object.entries(t);
  const s = e
    .slice(0, max)
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');
  return e.length > max ? `${s}, …` : s;
}

export const STATE_WORD: Record<Finding['state'], string> = {
  works: 'works',
  blocked: 'blocked',
  partly_blocked: 'partly blocked',
  degraded: 'degraded',
  could_not_tell: 'could not tell',
};

export const STATE_SYMBOL: Record<Finding['state'], string> = {
  works: '✓',
  blocked: '✗',
  partly_blocked: '◐',
  degraded: '~',
  could_not_tell: '?',
};

const PATH_NOUN: Record<string, string> = { call: 'calls', chat: 'chat', web: 'web', any: 'service' };
export function pathNoun(p: string, service?: string): string {
  // OONI's stunreachability is one STUN request to a public server: evidence about the network, not calls.
  if (service === 'stun') return 'STUN to a public server';
  return PATH_NOUN[p] ?? p;
}

/** "blocked in 24 of 24 runs, strong evidence (udp.no_response); where: …; quality: …". */
export function findingDetail(f: Finding): string {
  const parts: string[] = [];
  const n = f.decisive_runs;
  if (f.state === 'could_not_tell')
    parts.push(`${f.inconclusive_runs} run${f.inconclusive_runs === 1 ? '' : 's'} could not be judged: ${f.why}`);
  else {
    parts.push(
      `${STATE_WORD[f.state]} in ${f.runs_with_state} of ${n} decisive run${n === 1 ? '' : 's'}${f.inconclusive_runs ? ` (${f.inconclusive_runs} could not tell)` : ''}`,
    );
    if (f.strength) parts.push(`${f.strength} evidence`);
    if (f.techniques.length && f.state !== 'works') parts.push(`how: ${f.techniques.join(', ')}`);
    if (f.details.level) parts.push(`level: ${f.details.level}`);
    if (f.details.location) parts.push(`where: ${f.details.location}`);
  }
  if (f.details.quality) parts.push(`call quality: ${qualityWords(f.details.quality)}`);
  return parts.join('; ');
}

/** The findings grouped by service, networks as columns: what a reader scans first. */
export function findingGrid(r: Report): {
  networks: VantageOut[];
  rows: { service: string; cells: (Finding[] | null)[] }[];
} {
  const keyOf = (v: VantageOut) =>
    JSON.stringify([v.asn, v.cc, v.network_name, v.access, v.label, v.simulated, v.source]);
  const networks = r.summary.measured.map((m) => m.vantage);
  const keys = networks.map(keyOf);
  const services = [...new Set(r.summary.findings.map((f) => f.service))].sort();
  const rows = services.map((service) => ({
    service,
    cells: keys.map((k) => {
      const fs = r.summary.findings.filter((f) => f.service === service && keyOf(f.vantage) === k);
      return fs.length ? fs : null;
    }),
  }));
  return { networks, rows };
}

/** Findings worth a sentence: everything but "works" in every run (and works with a call quality measured). */
export function notableFindings(r: Report): Finding[] {
  return r.summary.findings.filter(
    (f) => f.state !== 'works' || f.details.quality || f.runs_with_state < f.decisive_runs,
  );
}

export function contradictionTitle(x: ContradictionOut): string {
  const [a, b] = x.sides;
  const ids = (s: typeof a) =>
    s.claims.length <= 3 ? s.claims.join(', ') : `${s.claims.slice(0, 3).join(', ')} +${s.claims.length - 3}`;
  return `${ids(a)} (${a.effects.join('/')}) vs ${ids(b)} (${b.effects.join('/')})`;
}

const KIND_WORD: Record<ContradictionOut['kind'], string> = {
  lifting: 'lifted vs still blocked',
  state: 'blocked vs working',
  scope: 'blocked vs working, different scope',
  severity: 'blocked vs only throttled',
  quality: 'throttled vs working fine',
  exception: 'one place vs whole networks',
};
export function kindWord(k: ContradictionOut['kind']): string {
  return KIND_WORD[k];
}

/** Why a contradiction is only possible: the distinct reasons of its pairs. */
export function contradictionDoubts(x: ContradictionOut, max = 3): string[] {
  const reasons = [
    ...new Set(
      x.pairs.flatMap((p) => p.uncertain_because.map((u) => u.replace(/^(scope|dates|degree|place): .*/, '$1'))),
    ),
  ];
  return reasons.slice(0, max);
}

/** Which pairs are definite, in words. */
export function definitePairs(x: ContradictionOut): string {
  const d = x.pairs.filter((p) => p.certainty === 'definite').map((p) => p.claims.join(' vs '));
  return d.length ? `definite: ${d.join('; ')}` : '';
}

export const METHODS: readonly { title: string; text: string }[] = [
  {
    title: 'What the words mean',
    text:
      'Works: every target of the path that could be judged answered, and the neutral controls worked. Blocked: nothing on the path works and at least one failure is a censorship technique. ' +
      'Partly blocked: some of the path is blocked with a censorship signature while the rest works (for a service: for example calls blocked while chat works, as in Morocco in 2016). ' +
      'Degraded: it works but slowly (throttled), or fails without a censorship signature. Could not tell: the controls failed or the network was down, so nothing is called blocked.',
  },
  {
    title: 'Strong and weak evidence',
    text:
      'Strong evidence is a censorship signature: a forged or injected DNS answer, a reset, a failure tied to the name asked for (the same server answers a neutral name), UDP dropped while the STUN controls answer. ' +
      'Weak evidence is consistent with censorship but also with trouble at the far end, such as a timeout. An outage is never called censorship.',
  },
  {
    title: 'Past claims',
    text:
      'A claim is judged consistent or contradicted only by measurements made during the period it speaks of (this probe\'s, or OONI Probe\'s from then). A 2016 claim measured in 2026 is shown as "claimed then, measured later": both are stated, and the operators and access types the claim names but nobody measured are listed. ' +
      'A later measurement does not confirm or refute a past claim.',
  },
  {
    title: 'Contradictions',
    text:
      'Claims that disagree are listed, never resolved. Restatements of one fact are one entry. An entry is definite only when two claims cannot both be true for the same operators, access, paths and days without inference; otherwise it is possible, with the reason (loose dates, an unstated operator, a difference of scope, of degree, or one place only). ' +
      'Speaker weights (regulator 4, operator 3, article author 3, quoted source 2, reader comment 1) are shown and decide nothing.',
  },
  {
    title: 'What the probe cannot see',
    text:
      'It measures from one network at a time: a result speaks for that operator and access type only. It reaches servers and relays, and places no call between two people unless a test call is configured; call quality appears only when one was measured. ' +
      'It sees the effect of blocking at the edges of the path, not the equipment that does it, unless a location is reported. A block that hits only some users, hours or regions may be missed by runs elsewhere.',
  },
  {
    title: 'OONI Probe measurements',
    text:
      "OONI's whatsapp, signal, telegram, facebook_messenger and web_connectivity tests are read as evidence for the paths they cover (chat and web), with the caveats of OONI's own analysis: measurements OONI marks unreliable (some test versions and dates, unknown failures) could not tell; web_connectivity anomalies are weak evidence. " +
      "None of OONI's tests measures calls, so a service is never shown as working from OONI data alone. stunreachability shows whether STUN to a public server got through, and is not held against any claim. Each is cited by its OONI report id.",
  },
];

export const SIMULATED_METHOD = {
  title: 'Simulated data',
  text: 'Lines that voipprobe demo writes carry annotations.x_simulation. A report over them says so on every page and row; a report that mixes them with real measurements is refused unless asked for (--mix-simulated), and submit and the collector refuse them unless told otherwise.',
};
