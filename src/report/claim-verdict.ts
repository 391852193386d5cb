// Holding one claim against the aggregated measurements: a pure function from (claim, units) to a
// verdict that cites the measurements it rests on. `inconclusive` measurements never count for or
// against anything.
//
// - consistent / contradicted: measurements fall inside the claimed period. On each (service, path,
//   network) the majority of decisive measurements decides (a tie goes against the claim). A claim about
//   named operators or "all" must hold on every network it covers; a claim with an unstated operator
//   holds if it holds on some network.
// - historical: the claimed period has ended and measurements come only from after it. Said as "claimed
//   then, measured later": what was claimed, what the later measurements show on which networks, and
//   which of the claim's operators and access types were not measured. A later measurement neither
//   confirms nor refutes a past claim, and never "agrees" with another past claim.
// - not_tested: nothing measured matches the claim's country, service, operator, access, path or time,
//   or only inconclusive measurements do, or the claim cannot be measured at all (circumvention, a
//   claim limited to a venue).

import { type DayRange, dateWords, dayInRange, periodDays, periodWords } from '../claims/period.js';
import { type Claim, type Operator, SPEAKER_WEIGHT } from '../claims/schema.js';
import {
  accessCovers,
  type ClaimedState,
  claimCoversService,
  claimedState,
  measuredService,
  operatorMatchesNetwork,
  operatorsLabel,
} from '../claims/scope.js';
import { PATH_STATUSES, type PathStatus } from '../model/verdict.js';
import {
  type Counts,
  decisiveTotal,
  dominantStatus,
  emptyCounts,
  type LineRef,
  refOut,
  sortedDays,
  type Unit,
  type Vantage,
} from './aggregate.js';
import { CONTEXT_SERVICES } from './ooni.js';
import type {
  Check,
  ClaimSummary,
  ClaimVerdict,
  Historical,
  MeasurementRefOut,
  NotMeasured,
  VantageOut,
} from './schema.js';

export interface JudgeContext {
  /** Every claim (for later claims of a lifting or a return of the block). */
  claims: readonly Claim[];
  /** Claim id → ids of the claims it conflicts with. */
  conflicts: ReadonlyMap<string, readonly string[]>;
  /** Citations kept per verdict (default 12). */
  maxEvidence?: number;
  /** Country → every operator the claim set knows there: what "all operators" covers. */
  countryOperators?: ReadonlyMap<string, readonly Pick<Operator, 'name' | 'asn' | 'country' | 'aliases'>[]>;
  /** How a claims file is named in the report (never a local path). */
  displayFile?: (file: string) => string;
}

const EXPECTED: Record<ClaimedState, ReadonlySet<PathStatus>> = {
  blocked: new Set<PathStatus>(['blocked', 'partially_blocked']),
  degraded: new Set<PathStatus>(['degraded']),
  working: new Set<PathStatus>(['accessible']),
};

export function stateOfStatus(s: PathStatus): ClaimedState | null {
  if (s === 'blocked' || s === 'partially_blocked') return 'blocked';
  if (s === 'degraded') return 'degraded';
  if (s === 'accessible') return 'working';
  return null;
}

export function vantageOut(v: Vantage): VantageOut {
  return {
    asn: v.asn,
    cc: v.cc,
    network_name: v.network_name,
    access: v.access,
    label: v.label,
    simulated: v.simulated,
    source: v.source,
  };
}

/** "Maroc Telecom mobile", "AS64500 fixed", "Maroc Telecom (OONI Probe)", "... (simulated)". */
export function networkWords(v: Pick<Vantage, 'asn' | 'network_name' | 'access' | 'source' | 'simulated'>): string {
  const name = v.network_name || v.asn;
  const access = v.access === 'unknown' ? '' : v.access === 'wifi' ? ' Wi-Fi' : ` ${v.access}`;
  const by = v.source === 'ooni' ? ' (OONI Probe)' : '';
  return `${name}${access}${by}${v.simulated ? ' (simulated)' : ''}`;
}

const PATH_NOUN: Record<string, string> = { call: 'calls', chat: 'chat', web: 'web', any: 'the service' };

/** "calls work", "chat blocked", "calls partly blocked", "skype: could not tell" (path `any`: the service by name). */
export function stateWords(path: string, s: PathStatus, service?: string): string {
  const noun = path === 'any' && service ? service : (PATH_NOUN[path] ?? path);
  const plural = path === 'call';
  switch (s) {
    case 'accessible':
      return `${noun} ${plural ? 'work' : 'works'}`;
    case 'blocked':
      return `${noun} blocked`;
    case 'partially_blocked':
      return path === 'any'
        ? `${noun} partly blocked (some paths blocked)`
        : `${noun} partly blocked (some servers blocked, others work)`;
    case 'degraded':
      return `${noun} degraded`;
    case 'inconclusive':
      return `${noun}: could not tell`;
  }
}

export function describeVantage(v: Pick<Vantage, 'asn' | 'network_name' | 'access' | 'label'>): string {
  const name = v.network_name ? ` ${v.network_name}` : '';
  const label = v.label ? `, ${v.label}` : '';
  return `${v.asn}${name} (${v.access}${label})`;
}

export function statusWord(s: PathStatus): string {
  return s.replace('_', ' ');
}

function sourceRef(src: Claim['source']): ClaimSummary['source'] {
  return {
    key: src.key,
    file: src.file,
    outlet: src.outlet,
    title: src.title,
    published: src.published.date,
    language: src.language,
    ...(src.url ? { url: src.url } : {}),
  };
}

export function claimSummary(c: Claim, displayFile: (file: string) => string = (f) => f): ClaimSummary {
  return {
    id: c.id,
    claims_file: displayFile(c.file),
    origin: c.origin,
    source: sourceRef(c.source),
    ...(c.also_sources?.length ? { also_sources: c.also_sources.map(sourceRef) } : {}),
    speaker: {
      kind: c.speaker.kind,
      ...(c.speaker.name ? { name: c.speaker.name } : {}),
      weight: SPEAKER_WEIGHT[c.speaker.kind],
    },
    quote: c.quote,
    country: c.country,
    services: c.services,
    operators: operatorsLabel(c.operators, c.country),
    operator_asns: Array.isArray(c.operators)
      ? c.operators.map((o) => o.asn).filter((a): a is string => a !== null)
      : [],
    access: c.access,
    paths: c.paths,
    period: {
      from: c.period.from,
      to: c.period.to,
      precision: c.period.precision,
      ...(c.period.note ? { note: c.period.note } : {}),
    },
    effect: c.effect,
    ...(c.technique ? { technique: c.technique.description } : {}),
    ...(c.scope ? { scope: c.scope } : {}),
  };
}

function operatorNames(ops: Claim['operators']): string {
  if (ops === 'all') return 'all operators';
  if (ops === 'unspecified') return 'operator not stated';
  return ops.map((o) => o.name).join(', ');
}

/** "claimed skype, whatsapp calls blocked Jan-Aug 2016 on mobile (all operators)". */
export function claimWords(c: Claim): string {
  const what = `${c.services.includes('any') ? 'VoIP' : c.services.join(', ')} ${c.paths.includes('any') ? '' : `${c.paths.map((p) => PATH_NOUN[p]).join(', ')} `}`;
  const where = c.access === 'any' ? '' : c.access === 'mobile' ? ' on mobile' : ' on fixed lines';
  return `claimed ${what}${c.effect} ${periodWords(c.period)}${where} in ${c.country} (${operatorNames(c.operators)})`;
}

function networkCovered(c: Claim, v: Vantage): boolean {
  if (v.cc !== c.country) return false;
  if (c.operators === 'all' || c.operators === 'unspecified') return true;
  return c.operators.some((op) => operatorMatchesNetwork(op, v.asn, v.network_name));
}

function pathCovered(c: Claim, u: Unit): boolean {
  return c.paths.includes('any') ? u.path === 'any' : u.path !== 'any' && c.paths.includes(u.path);
}

interface Windowed {
  unit: Unit;
  counts: Counts;
  cells: { day: string; counts: Counts; lastBy: Partial<Record<PathStatus, LineRef>> }[];
}

function inWindow(u: Unit, r: DayRange): Windowed | null {
  const cells = sortedDays(u).filter((d) => dayInRange(d.day, r));
  if (cells.length === 0) return null;
  const counts = emptyCounts();
  for (const d of cells) for (const s of PATH_STATUSES) counts[s] += d.counts[s];
  return { unit: u, counts, cells };
}

function toCheck(w: Windowed, window: 'during' | 'after', state: ClaimedState): Check {
  let support = 0;
  let oppose = 0;
  for (const s of PATH_STATUSES) {
    if (s === 'inconclusive') continue;
    if (EXPECTED[state].has(s)) support += w.counts[s];
    else oppose += w.counts[s];
  }
  const decisiveDays = w.cells.filter((d) => decisiveTotal(d.counts) > 0);
  const last = decisiveDays[decisiveDays.length - 1];
  return {
    service: w.unit.service,
    path: w.unit.path,
    vantage: vantageOut(w.unit.vantage),
    window,
    counts: { ...w.counts },
    support,
    oppose,
    outcome:
      support + oppose === 0
        ? 'inconclusive'
        : window === 'during'
          ? support > oppose
            ? 'supports'
            : 'opposes'
          : support > oppose
            ? 'same_as_claimed'
            : 'differs',
    first_day: w.cells[0]!.day,
    last_day: w.cells[w.cells.length - 1]!.day,
    latest: last ? { day: last.day, status: dominantStatus(last.counts) } : null,
  };
}

/** Citations: per check, the latest and earliest measurement of each wanted status in the window. */
function cite(ws: readonly { w: Windowed; statuses: readonly PathStatus[] }[], max: number): MeasurementRefOut[] {
  const seen = new Set<string>();
  const out: MeasurementRefOut[] = [];
  const take = (w: Windowed, status: PathStatus, ref: LineRef | undefined) => {
    if (!ref) return;
    const k = `${ref.file}\u0001${ref.line}\u0001${w.unit.path}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push(refOut(ref, w.unit, status));
  };
  // Round-robin over checks so that every network gets cited before any gets a second citation.
  for (const pick of ['latest', 'earliest'] as const) {
    for (const { w, statuses } of ws) {
      for (const s of statuses) {
        const cells = pick === 'latest' ? [...w.cells].reverse() : w.cells;
        take(w, s, cells.find((c) => c.lastBy[s])?.lastBy[s]);
      }
    }
  }
  return out.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0)).slice(0, max);
}

function countsPhrase(c: Counts): string {
  const parts = PATH_STATUSES.filter((s) => s !== 'inconclusive' && c[s] > 0).map((s) => `${c[s]} ${statusWord(s)}`);
  return parts.join(', ') || 'none decisive';
}

function _checkPhrase(ch: Check): string {
  const days = ch.first_day === ch.last_day ? ch.first_day : `${ch.first_day}..${ch.last_day}`;
  return `${ch.service}/${ch.path} on ${describeVantage(ch.vantage)}: ${countsPhrase(ch.counts)} (${days})`;
}

function listPhrases(items: string[], max = 3): string {
  return items.length <= max ? items.join('; ') : `${items.slice(0, max).join('; ')}; and ${items.length - max} more`;
}

function base(claim: Claim, ctx: JudgeContext): Pick<ClaimVerdict, 'claim' | 'conflicts_with'> {
  return { claim: claimSummary(claim, ctx.displayFile), conflicts_with: [...(ctx.conflicts.get(claim.id) ?? [])] };
}

const NOTHING_UNMEASURED: NotMeasured = { operators: [], access: [], services: [], paths: [] };

function notTested(claim: Claim, ctx: JudgeContext, reasons: string[], checks: Check[] = []): ClaimVerdict {
  return {
    ...base(claim, ctx),
    verdict: 'not_tested',
    summary: `${claimWords(claim)}; not tested: ${reasons[0]}`,
    reasons,
    checks,
    evidence: [],
    evidence_total: 0,
    not_measured: NOTHING_UNMEASURED,
    evidence_sources: [],
  };
}

/** "skype, viber calls blocked", "facetime, meet and 4 more work", "chat works". */
function groupWords(path: string, status: PathStatus, services: readonly string[], only?: string): string {
  if (services.length === 0) return stateWords(path, status, only);
  const who =
    services.length > 4 ? `${services.slice(0, 3).join(', ')} and ${services.length - 3} more` : services.join(', ');
  const noun = path === 'any' ? '' : ` ${PATH_NOUN[path] ?? path}`;
  const verb: Record<PathStatus, string> = {
    accessible: services.length > 1 || path === 'call' ? 'work' : 'works',
    blocked: 'blocked',
    partially_blocked: 'partly blocked',
    degraded: 'degraded',
    inconclusive: ': could not tell',
  };
  return `${who}${noun} ${verb[status]}`.replace(' :', ':');
}

/** The claim's operators, access types, services and paths that no matched measurement covers. */
function unmeasured(claim: Claim, matched: readonly Unit[], ctx: JudgeContext): NotMeasured {
  const ops =
    claim.operators === 'all'
      ? (ctx.countryOperators?.get(claim.country) ?? [])
      : claim.operators === 'unspecified'
        ? []
        : claim.operators;
  const operators = ops
    .filter((op) => !matched.some((u) => operatorMatchesNetwork(op as Operator, u.vantage.asn, u.vantage.network_name)))
    .map((o) => o.name);
  const wantedAccess = claim.access === 'any' ? (['mobile', 'fixed'] as const) : [claim.access];
  const access = wantedAccess.filter(
    (a) => !matched.some((u) => u.vantage.access !== 'unknown' && accessCovers(a, u.vantage.access)),
  );
  const measuredSvcs = new Set(matched.map((u) => u.service));
  const services = claim.services.filter((s) => s !== 'any' && !measuredSvcs.has(measuredService(s)));
  const measuredPaths = new Set<string>(matched.map((u) => u.path));
  const paths = claim.paths.includes('any') ? [] : claim.paths.filter((p) => !measuredPaths.has(p));
  return { operators, access: [...access], services, paths };
}

/** "Inwi, Meditel not measured; fixed access not measured". */
export function unmeasuredWords(n: NotMeasured): string[] {
  const out: string[] = [];
  if (n.operators.length) out.push(`${listWords(n.operators)} not measured`);
  if (n.access.length) out.push(`${listWords(n.access)} access not measured`);
  if (n.services.length) out.push(`not measured: ${n.services.join(', ')}`);
  if (n.paths.length) out.push(`path not measured: ${n.paths.join(', ')}`);
  return out;
}

function listWords(xs: readonly string[]): string {
  return xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

function sourcesOf(units: readonly Unit[]): ('voipprobe' | 'ooni')[] {
  return [...new Set(units.map((u) => u.vantage.source))].sort();
}

function dayAfter(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export function judgeClaim(claim: Claim, units: readonly Unit[], ctx: JudgeContext): ClaimVerdict {
  const max = ctx.maxEvidence ?? 12;
  const state = claimedState(claim.effect);
  if (state === null)
    return notTested(claim, ctx, [
      'a claim of circumvention (VPN, Tor, satellite) says people got around a block; measuring the service itself can neither confirm nor refute it',
    ]);
  if (claim.scope)
    return notTested(claim, ctx, [
      `the claim is limited to ${claim.scope}; measurements of whole networks do not speak for it`,
    ]);

  // Narrow dimension by dimension, so that "not tested" can say which one nothing matched.
  const inCountry = units.filter((u) => u.vantage.cc === claim.country && !CONTEXT_SERVICES.has(u.service));
  if (inCountry.length === 0) return notTested(claim, ctx, [`no measurement from ${claim.country}`]);
  const bySvc = inCountry.filter((u) => claimCoversService(claim, u.service));
  if (bySvc.length === 0)
    return notTested(claim, ctx, [`no measurement of ${claim.services.join(', ')} in ${claim.country}`]);
  const byNet = bySvc.filter((u) => networkCovered(claim, u.vantage));
  if (byNet.length === 0)
    return notTested(claim, ctx, [`no measurement on ${operatorsLabel(claim.operators, claim.country)}`]);
  const byAccess = byNet.filter((u) => accessCovers(claim.access, u.vantage.access));
  if (byAccess.length === 0)
    return notTested(claim, ctx, [
      `no ${claim.access} measurement on ${operatorsLabel(claim.operators, claim.country)}`,
    ]);
  const matched = byAccess.filter((u) => pathCovered(claim, u));
  if (matched.length === 0) {
    const onlyOoni = byAccess.every((u) => u.vantage.source === 'ooni');
    const why = claim.paths.includes('call') && onlyOoni ? " (OONI Probe's experiments do not measure calls)" : '';
    return notTested(claim, ctx, [`no measurement of the ${claim.paths.join('/')} path${why}`]);
  }

  const gaps = unmeasured(claim, matched, ctx);
  const partial = unmeasuredWords(gaps);

  const during = periodDays(claim.period);
  const after: DayRange | null = during.to === null ? null : { from: dayAfter(during.to), to: null };
  const duringW = matched.map((u) => inWindow(u, during)).filter((w): w is Windowed => w !== null);
  const afterW = after ? matched.map((u) => inWindow(u, after)).filter((w): w is Windowed => w !== null) : [];
  const duringChecks = duringW.map((w) => toCheck(w, 'during', state));
  const afterChecks = afterW.map((w) => toCheck(w, 'after', state));
  const decisive = (cs: Check[]) => cs.some((c) => c.outcome !== 'inconclusive');

  if (decisive(duringChecks))
    return {
      ...direct(claim, ctx, state, duringW, duringChecks, partial, max),
      not_measured: gaps,
      evidence_sources: sourcesOf(duringW.map((w) => w.unit)),
    };
  if (decisive(afterChecks))
    return {
      ...historical(claim, ctx, state, afterW, afterChecks, [...duringChecks, ...afterChecks], partial, max),
      not_measured: gaps,
      evidence_sources: sourcesOf(afterW.map((w) => w.unit)),
    };
  const inconclusive = [...duringChecks, ...afterChecks].reduce((n, c) => n + c.counts.inconclusive, 0);
  if (inconclusive > 0)
    return notTested(
      claim,
      ctx,
      [
        `only inconclusive measurements (${inconclusive}): the controls failed or the network was down, so nothing can be concluded`,
        ...partial,
      ],
      [...duringChecks, ...afterChecks],
    );
  const last = matched.reduce((m, u) => (u.lastTime > m ? u.lastTime : m), '');
  return notTested(claim, ctx, [
    `measurements end (${last.slice(0, 10)}) before the claimed period starts (${claim.period.from})`,
    ...partial,
  ]);
}

/** "on Maroc Telecom mobile: calls blocked (24 runs), chat works (24)" for the checks of one window. */
function windowPhrases(checks: readonly Check[]): string[] {
  const byNet = new Map<string, string[]>();
  for (const ch of checks) {
    if (ch.outcome === 'inconclusive') continue;
    const k = networkWords({ ...ch.vantage });
    const latest = ch.latest?.status ?? 'inconclusive';
    const n = decisiveTotal(ch.counts as Counts);
    const same = ch.counts[latest as keyof typeof ch.counts] ?? 0;
    const runs = same === n ? `${n} run${n === 1 ? '' : 's'}` : `${same} of ${n} runs`;
    byNet.set(k, [
      ...(byNet.get(k) ?? []),
      `${ch.path === 'any' ? '' : `${ch.service} `}${stateWords(ch.path, latest, ch.service)} (${runs})`,
    ]);
  }
  return [...byNet.entries()].map(([net, ps]) => `on ${net}: ${ps.join(', ')}`);
}

function direct(
  claim: Claim,
  ctx: JudgeContext,
  state: ClaimedState,
  ws: Windowed[],
  checks: Check[],
  partial: string[],
  max: number,
): ClaimVerdict {
  const someNetwork = claim.operators === 'unspecified';
  const supports = checks.filter((c) => c.outcome === 'supports');
  const opposes = checks.filter((c) => c.outcome === 'opposes');
  const contradicted = someNetwork ? supports.length === 0 : opposes.length > 0;
  const expected = [...EXPECTED[state]];
  const others = PATH_STATUSES.filter((s) => s !== 'inconclusive' && !EXPECTED[state].has(s));
  const wanted = contradicted ? 'opposes' : 'supports';
  const evidence = cite(
    ws
      .map((w, i) => ({ w, c: checks[i]! }))
      .filter((p) => p.c.outcome === wanted)
      .map((p) => ({ w: p.w, statuses: contradicted ? others : expected })),
    max,
  );
  const rest = contradicted ? opposes : supports;
  const total = rest.reduce((n, c) => n + c.support + c.oppose, 0);
  const head = claimWords(claim);
  const body = contradicted
    ? `measured otherwise in that period: ${listPhrases(windowPhrases(opposes))}`
    : `measured as claimed in that period: ${listPhrases(windowPhrases(supports))}` +
      (opposes.length ? ` (but not ${listPhrases(windowPhrases(opposes), 2)})` : '');
  return {
    ...base(claim, ctx),
    verdict: contradicted ? 'contradicted' : 'consistent',
    summary: `${head}; ${body}${partial.length ? `; ${partial.join('; ')}` : ''}`,
    reasons: partial,
    checks,
    evidence,
    evidence_total: total,
    not_measured: NOTHING_UNMEASURED,
    evidence_sources: [],
  };
}

function historical(
  claim: Claim,
  ctx: JudgeContext,
  state: ClaimedState,
  ws: Windowed[],
  afterChecks: Check[],
  allChecks: Check[],
  partial: string[],
  max: number,
): ClaimVerdict {
  const now: Historical['now'] = afterChecks
    .filter((c) => c.latest !== null)
    .map((c) => ({
      service: c.service,
      path: c.path,
      vantage: c.vantage,
      day: c.latest!.day,
      status: c.latest!.status,
    }));
  const nowStates = now.map((t) => stateOfStatus(t.status));
  const same: Historical['same_as_claimed'] = nowStates.every((s) => s === state)
    ? 'yes'
    : nowStates.every((s) => s !== state)
      ? 'no'
      : 'mixed';
  // Per network: the latest day and, per path and state, the services that showed it then.
  const byNet = new Map<
    string,
    { day: string; groups: Map<string, { path: string; status: PathStatus; services: string[] }> }
  >();
  for (const t of now) {
    const k = networkWords(t.vantage);
    const e = byNet.get(k) ?? { day: t.day, groups: new Map() };
    if (t.day > e.day) e.day = t.day;
    const gk = `${t.path}\u0001${t.status}`;
    const g = e.groups.get(gk) ?? { path: t.path, status: t.status, services: [] };
    g.services.push(t.service);
    e.groups.set(gk, g);
    byNet.set(k, e);
  }
  const named = claim.services.length > 1 || claim.services.includes('any');
  const measured = [...byNet.entries()].map(
    ([net, e]) =>
      `measured ${dateWords(e.day)} on ${net}: ${[...e.groups.values()].map((g) => groupWords(g.path, g.status, named ? g.services : [], g.services[0])).join(', ')}`,
  );
  const reading = [claimWords(claim), listPhrases(measured, 4), ...partial].join('; ');
  const statuses = PATH_STATUSES.filter((s) => s !== 'inconclusive');
  const evidence = cite(
    ws.filter((_, i) => afterChecks[i]!.latest !== null).map((w) => ({ w, statuses })),
    max,
  );
  return {
    ...base(claim, ctx),
    verdict: 'historical',
    summary: reading,
    reasons: partial,
    checks: allChecks,
    evidence,
    evidence_total: afterChecks.reduce((n, c) => n + c.support + c.oppose, 0),
    historical: { claimed_state: state, now, same_as_claimed: same, reading },
    not_measured: NOTHING_UNMEASURED,
    evidence_sources: [],
  };
}
