// Holding one claim against the aggregated measurements: a pure function from (claim, units) to a
// verdict that cites the measurements it rests on. `inconclusive` measurements never count for or
// against anything.
//
// - consistent / contradicted: measurements fall inside the claimed period. On each (service, path,
//   network) the majority of decisive measurements decides (a tie goes against the claim). A claim about
//   named operators or "all" must hold on every network it covers; a claim with an unstated operator
//   holds if it holds on some network.
// - historical: the claimed period has ended and measurements come only from after it: what they show
//   today, and whether that agrees with later claims (the lifting of a block, or its return).
// - not_tested: nothing measured matches the claim's country, service, operator, access, path or time,
//   or only inconclusive measurements do, or the claim cannot be measured at all (circumvention, a
//   claim limited to a venue).

import { formatPeriod, type DayRange, dayInRange, periodDays } from '../claims/period.js';
import { type Claim, SPEAKER_WEIGHT } from '../claims/schema.js';
import {
  accessCovers,
  type ClaimedState,
  claimCoversService,
  claimedState,
  intersectAccess,
  intersectOperators,
  intersectPaths,
  intersectServices,
  measuredService,
  operatorMatchesNetwork,
  operatorsLabel,
} from '../claims/scope.js';
import type { PathStatus } from '../model/verdict.js';
import { type Counts, decisiveTotal, dominantStatus, emptyCounts, type LineRef, sortedDays, type Unit, type Vantage } from './aggregate.js';
import { PATH_STATUSES } from './input.js';
import type { Check, ClaimSummary, ClaimVerdict, Historical, MeasurementRefOut, VantageOut } from './schema.js';

export interface JudgeContext {
  /** Every claim (for later claims of a lifting or a return of the block). */
  claims: readonly Claim[];
  /** Claim id → ids of the claims it conflicts with. */
  conflicts: ReadonlyMap<string, readonly string[]>;
  /** Citations kept per verdict (default 12). */
  maxEvidence?: number;
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
  return { asn: v.asn, cc: v.cc, network_name: v.network_name, access: v.access, label: v.label };
}

export function describeVantage(v: Pick<Vantage, 'asn' | 'network_name' | 'access' | 'label'>): string {
  const name = v.network_name ? ` ${v.network_name}` : '';
  const label = v.label ? `, ${v.label}` : '';
  return `${v.asn}${name} (${v.access}${label})`;
}

export function statusWord(s: PathStatus): string {
  return s.replace('_', ' ');
}

export function claimSummary(c: Claim): ClaimSummary {
  const src = c.source;
  return {
    id: c.id,
    claims_file: c.file,
    source: {
      key: src.key,
      file: src.file,
      outlet: src.outlet,
      title: src.title,
      published: src.published.date,
      language: src.language,
      ...(src.url ? { url: src.url } : {}),
    },
    speaker: { kind: c.speaker.kind, ...(c.speaker.name ? { name: c.speaker.name } : {}), weight: SPEAKER_WEIGHT[c.speaker.kind] },
    quote: c.quote,
    country: c.country,
    services: c.services,
    operators: operatorsLabel(c.operators, c.country),
    operator_asns: Array.isArray(c.operators) ? c.operators.map((o) => o.asn).filter((a): a is string => a !== null) : [],
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

/** "blocked (call) for skype, whatsapp on all operators (MA), mobile, 2016-01 to 2016-08-17". */
export function describeClaim(c: Claim): string {
  return `${c.effect} (${c.paths.join(', ')}) for ${c.services.join(', ')} on ${operatorsLabel(c.operators, c.country)}, access ${c.access}, ${formatPeriod(c.period)}`;
}

function sourceLabel(c: Claim): string {
  return `${c.source.outlet}, ${c.source.published.date}`;
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
    outcome: support + oppose === 0 ? 'inconclusive' : support > oppose ? 'supports' : 'opposes',
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
    out.push({ ...ref, service: w.unit.service, path: w.unit.path, status });
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

function checkPhrase(ch: Check): string {
  const days = ch.first_day === ch.last_day ? ch.first_day : `${ch.first_day}..${ch.last_day}`;
  return `${ch.service}/${ch.path} on ${describeVantage(ch.vantage)}: ${countsPhrase(ch.counts)} (${days})`;
}

function listPhrases(items: string[], max = 3): string {
  return items.length <= max ? items.join('; ') : `${items.slice(0, max).join('; ')}; and ${items.length - max} more`;
}

/**
 * Claims of a different state over the same scope that come after this one: they start after it starts
 * and end after it ends (or are open-ended). A claim of the opposite state inside this one's period is
 * a contradiction (see contradictions.ts), not a later change.
 */
function laterClaims(claim: Claim, all: readonly Claim[]): Claim[] {
  const state = claimedState(claim.effect);
  const { from: start, to: end } = periodDays(claim.period);
  return all.filter((o) => {
    if (o.id === claim.id || o.scope || o.country !== claim.country) return false;
    const s = claimedState(o.effect);
    if (s === null || s === state) return false;
    const od = periodDays(o.period);
    if (od.from === null || (start !== null && od.from <= start)) return false;
    if (end !== null && od.to !== null && od.to <= end) return false;
    return (
      intersectServices(claim.services, o.services).length > 0 &&
      intersectOperators(claim.operators, o.operators) !== null &&
      intersectAccess(claim.access, o.access) !== null &&
      intersectPaths(claim.paths, o.paths).length > 0
    );
  });
}

function changeWord(from: ClaimedState, to: ClaimedState): string {
  if (to === 'working') return from === 'blocked' ? 'lifting' : 'return to normal';
  if (to === 'blocked') return 'blocking';
  return 'degradation';
}

function base(claim: Claim, ctx: JudgeContext): Pick<ClaimVerdict, 'claim' | 'conflicts_with'> {
  return { claim: claimSummary(claim), conflicts_with: [...(ctx.conflicts.get(claim.id) ?? [])] };
}

function notTested(claim: Claim, ctx: JudgeContext, reasons: string[], checks: Check[] = []): ClaimVerdict {
  return {
    ...base(claim, ctx),
    verdict: 'not_tested',
    summary: `claimed ${describeClaim(claim)}; not tested: ${reasons[0]}`,
    reasons,
    checks,
    evidence: [],
    evidence_total: 0,
  };
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
    return notTested(claim, ctx, [`the claim is limited to ${claim.scope}; measurements of whole networks do not speak for it`]);

  // Narrow dimension by dimension, so that "not tested" can say which one nothing matched.
  const inCountry = units.filter((u) => u.vantage.cc === claim.country);
  if (inCountry.length === 0) return notTested(claim, ctx, [`no measurement from ${claim.country}`]);
  const bySvc = inCountry.filter((u) => claimCoversService(claim, u.service));
  if (bySvc.length === 0) return notTested(claim, ctx, [`no measurement of ${claim.services.join(', ')} in ${claim.country}`]);
  const byNet = bySvc.filter((u) => networkCovered(claim, u.vantage));
  if (byNet.length === 0) return notTested(claim, ctx, [`no measurement on ${operatorsLabel(claim.operators, claim.country)}`]);
  const byAccess = byNet.filter((u) => accessCovers(claim.access, u.vantage.access));
  if (byAccess.length === 0)
    return notTested(claim, ctx, [`no ${claim.access} measurement on ${operatorsLabel(claim.operators, claim.country)}`]);
  const matched = byAccess.filter((u) => pathCovered(claim, u));
  if (matched.length === 0) return notTested(claim, ctx, [`no measurement of the ${claim.paths.join('/')} path`]);

  const partial: string[] = [];
  const measuredSvcs = new Set(matched.map((u) => u.service));
  const unmeasured = claim.services.filter((s) => s !== 'any' && !measuredSvcs.has(measuredService(s)));
  if (unmeasured.length) partial.push(`not measured: ${unmeasured.join(', ')}`);
  if (!claim.paths.includes('any')) {
    const measuredPaths = new Set<string>(matched.map((u) => u.path));
    const missing = claim.paths.filter((p) => !measuredPaths.has(p));
    if (missing.length) partial.push(`path not measured: ${missing.join(', ')}`);
  }

  const during = periodDays(claim.period);
  const after: DayRange | null = during.to === null ? null : { from: dayAfter(during.to), to: null };
  const duringW = matched.map((u) => inWindow(u, during)).filter((w): w is Windowed => w !== null);
  const afterW = after ? matched.map((u) => inWindow(u, after)).filter((w): w is Windowed => w !== null) : [];
  const duringChecks = duringW.map((w) => toCheck(w, 'during', state));
  const afterChecks = afterW.map((w) => toCheck(w, 'after', state));
  const decisive = (cs: Check[]) => cs.some((c) => c.outcome !== 'inconclusive');

  if (decisive(duringChecks)) return direct(claim, ctx, state, duringW, duringChecks, partial, max);
  if (decisive(afterChecks)) return historical(claim, ctx, state, afterW, afterChecks, [...duringChecks, ...afterChecks], partial, max);
  const inconclusive = [...duringChecks, ...afterChecks].reduce((n, c) => n + c.counts.inconclusive, 0);
  if (inconclusive > 0)
    return notTested(
      claim,
      ctx,
      [`only inconclusive measurements (${inconclusive}): the controls failed or the network was down, so nothing can be concluded`, ...partial],
      [...duringChecks, ...afterChecks],
    );
  const last = matched.reduce((m, u) => (u.lastTime > m ? u.lastTime : m), '');
  return notTested(claim, ctx, [`measurements end (${last.slice(0, 10)}) before the claimed period starts (${claim.period.from})`, ...partial]);
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
    ws.map((w, i) => ({ w, c: checks[i]! })).filter((p) => p.c.outcome === wanted).map((p) => ({ w: p.w, statuses: contradicted ? others : expected })),
    max,
  );
  const rest = contradicted ? opposes : supports;
  const total = rest.reduce((n, c) => n + c.support + c.oppose, 0);
  const head = `claimed ${describeClaim(claim)}`;
  const body = contradicted
    ? `measured otherwise: ${listPhrases(opposes.map(checkPhrase))}`
    : `measured as claimed: ${listPhrases(supports.map(checkPhrase))}` +
      (opposes.length ? ` (but not on: ${listPhrases(opposes.map(checkPhrase), 2)})` : '');
  return {
    ...base(claim, ctx),
    verdict: contradicted ? 'contradicted' : 'consistent',
    summary: `${head}; ${body}${partial.length ? `; ${partial.join('; ')}` : ''}`,
    reasons: partial,
    checks,
    evidence,
    evidence_total: total,
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
  const today: Historical['today'] = afterChecks
    .filter((c) => c.latest !== null)
    .map((c) => ({ service: c.service, path: c.path, vantage: c.vantage, day: c.latest!.day, status: c.latest!.status }));
  const todayStates = today.map((t) => stateOfStatus(t.status));
  const same: Historical['same_as_claimed'] = todayStates.every((s) => s === state)
    ? 'yes'
    : todayStates.every((s) => s !== state)
      ? 'no'
      : 'mixed';
  const later = laterClaims(claim, ctx.claims).map((o) => ({
    claim: o,
    agrees: todayStates.length > 0 && todayStates.every((s) => s === claimedState(o.effect)),
  }));
  const laterOut = later.map(({ claim: o, agrees }) => ({
    id: o.id,
    effect: o.effect,
    period: formatPeriod(o.period),
    source: sourceLabel(o),
    agrees_with_today: agrees,
  }));
  const agreeing = later.filter((l) => l.agrees).map((l) => l.claim);
  let reading: string;
  if (same === 'yes') {
    reading = `still ${state} today`;
    const lifts = later.map((l) => l.claim).filter((o) => claimedState(o.effect) !== state);
    if (lifts.length) reading += `; the later change claimed in ${lifts.map((o) => o.id).join(', ')} is not what is measured now`;
  } else if (same === 'no') {
    const now = [...new Set(todayStates.filter((s): s is ClaimedState => s !== null))];
    if (agreeing.length) {
      const word = changeWord(state, claimedState(agreeing[0]!.effect)!);
      reading = `consistent with the ${word} claimed in ${agreeing.map((o) => `${o.id} (${sourceLabel(o)})`).join(', ')}`;
    } else {
      reading = `no longer ${state} (now ${now.join('/')}); no claim in the set records the change`;
    }
  } else {
    reading = 'the claimed state holds today on some networks or paths and not on others';
    if (later.length) reading += `; later claims of a change: ${later.map((l) => l.claim.id).join(', ')}`;
  }
  const byStatus = new Map<PathStatus, { vantages: Set<string>; day: string }>();
  for (const t of today) {
    const e = byStatus.get(t.status) ?? { vantages: new Set<string>(), day: t.day };
    e.vantages.add(`${t.service}/${t.path} on ${describeVantage(t.vantage)}`);
    if (t.day > e.day) e.day = t.day;
    byStatus.set(t.status, e);
  }
  const measured = [...byStatus.entries()]
    .map(([s, e]) => `${statusWord(s)}: ${listPhrases([...e.vantages], 3)} (latest ${e.day})`)
    .join('; ');
  const statuses = PATH_STATUSES.filter((s) => s !== 'inconclusive');
  const evidence = cite(
    ws.filter((_, i) => afterChecks[i]!.latest !== null).map((w) => ({ w, statuses })),
    max,
  );
  return {
    ...base(claim, ctx),
    verdict: 'historical',
    summary: `claimed ${describeClaim(claim)}; measured after that period — ${measured}: ${reading}${partial.length ? `; ${partial.join('; ')}` : ''}`,
    reasons: partial,
    checks: allChecks,
    evidence,
    evidence_total: afterChecks.reduce((n, c) => n + c.support + c.oppose, 0),
    historical: { claimed_state: state, today, same_as_claimed: same, later_claims: laterOut, reading },
  };
}
