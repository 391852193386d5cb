// Which claims disagree, and on what. Two claims conflict when their scopes meet (same country, a
// common service, operator, access and path, overlapping periods) and they state incompatible effects.
// Conflicts are recorded, never resolved: the reporter shows both sides and what measurements say.
//
// Pairs are then gathered into contradictions worth reading: restatements of one fact (an operator's
// denial against each of its customers' reports) become one entry, and entries are sorted by importance.
// Detection is indexed by country, service and period, so its cost grows with the number of claims and
// of real conflicts, not with the square of the number of claims.

import { boundedDays, type DayRange, intersectDays, periodWords, sureDays } from './period.js';
import { type Claim, type ClaimAccess, type ClaimPath, type Effect, SPEAKER_WEIGHT } from './schema.js';
import {
  type ClaimedState,
  type ClaimOperators,
  claimedState,
  intersectAccess,
  intersectOperators,
  intersectPaths,
  intersectServices,
  measuredService,
  operatorsLabel,
  sameOperator,
} from './scope.js';

/**
 * - `state`: blocked vs working, over the same networks, access and paths.
 * - `lifting`: one says the block was lifted (restored) while the other says it was in force.
 * - `scope`: blocked vs working where one claim covers more than the other (all operators vs one,
 *   mobile and fixed vs mobile, every path vs calls): they disagree only if the broader claim holds
 *   everywhere it says, which the texts do not show.
 * - `severity`: blocked vs only throttled/degraded; `quality`: throttled/degraded vs working fine. Both
 *   can hold at once (a throttled call fails for some users, at some hours).
 * - `exception`: one claim is about a place or event (a conference venue), the other about whole networks.
 */
export const CONFLICT_KINDS = ['lifting', 'state', 'scope', 'severity', 'quality', 'exception'] as const;
export type ConflictKind = (typeof CONFLICT_KINDS)[number];

export interface Overlap {
  country: string;
  services: string[];
  operators: string;
  access: ClaimAccess;
  paths: ClaimPath[];
  period: { from: string | null; to: string | null };
}

/** One disagreement between two claims. */
export interface ClaimConflict {
  /** Ids in claim order. */
  claims: [string, string];
  kind: ConflictKind;
  effects: [Effect, Effect];
  /** Where the two claims' scopes meet: what they disagree about. */
  overlap: Overlap;
  /**
   * `definite` only when the two cannot both be true for the same operators, access, paths and days
   * without inference; `possible` when the meeting rests on an unstated operator, loose dates, a
   * difference of scope, or a difference of degree.
   */
  certainty: 'definite' | 'possible';
  uncertain_because: string[];
  /** Speaker weights (regulator 4 ... reader comment 1), shown to the reader, deciding nothing. */
  weights: [number, number];
  summary: string;
}

export interface ContradictionSide {
  /** The claims on this side: one claim, or several that say the same thing. */
  claims: string[];
  effects: Effect[];
  /** The highest speaker weight on this side. */
  weight: number;
}

/** A contradiction worth reading: claims saying one thing against the claims that say otherwise. */
export interface Contradiction {
  /** "C1", "C2"... in order of importance. */
  id: string;
  kind: ConflictKind;
  certainty: 'definite' | 'possible';
  sides: [ContradictionSide, ContradictionSide];
  /** Every pair it stands for; the pairs say which ones are definite and why the others are not. */
  pairs: ClaimConflict[];
  /** Higher first: definite before possible, then kind, speakers' weight and breadth. */
  importance: number;
  summary: string;
}

export interface ConflictContext {
  /** Country → every operator the claim set knows there: "all" operators equals the full list. */
  countryOperators?: ReadonlyMap<string, readonly { key: string; name: string; asn: string | null; country: string }[]>;
}

function kindOf(a: Claim, b: Claim): ConflictKind | null {
  const sa = claimedState(a.effect);
  const sb = claimedState(b.effect);
  if (sa === null || sb === null || sa === sb) return null;
  if (Boolean(a.scope) !== Boolean(b.scope)) return 'exception';
  const pair = new Set([sa, sb]);
  if (pair.has('blocked') && pair.has('working'))
    return a.effect === 'restored' || b.effect === 'restored' ? 'lifting' : 'state';
  if (pair.has('blocked')) return 'severity';
  return 'quality';
}

/** A claim's operators as comparable identities ("all" expanded when the country's operators are known). */
function operatorSet(c: Claim, ctx: ConflictContext): string[] | 'all' | 'unspecified' {
  const ops = c.operators === 'all' ? ctx.countryOperators?.get(c.country) : c.operators;
  if (ops === undefined) return 'all';
  if (ops === 'unspecified') return 'unspecified';
  if (typeof ops === 'string') return ops;
  return [...new Set(ops.map((o) => (o.asn ?? o.name).toLowerCase()))].sort();
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Why two claims' scopes differ (empty when they speak of the same operators, access and paths). */
function scopeDifferences(a: Claim, b: Claim, ctx: ConflictContext): string[] {
  const out: string[] = [];
  const oa = operatorSet(a, ctx);
  const ob = operatorSet(b, ctx);
  const opsSame = oa === ob || (Array.isArray(oa) && Array.isArray(ob) && sameSet(oa, ob));
  if (!opsSame && oa !== 'unspecified' && ob !== 'unspecified')
    out.push(
      `${a.id} is about ${operatorsLabel(a.operators, a.country)}, ${b.id} about ${operatorsLabel(b.operators, b.country)}`,
    );
  if (a.access !== b.access)
    out.push(`${a.id} is about ${accessWords(a.access)} access, ${b.id} about ${accessWords(b.access)}`);
  const pa = [...a.paths].sort();
  const pb = [...b.paths].sort();
  if (!sameSet(pa, pb)) out.push(`${a.id} is about ${pathWords(a.paths)}, ${b.id} about ${pathWords(b.paths)}`);
  return out;
}

function accessWords(a: ClaimAccess): string {
  return a === 'any' ? 'mobile and fixed' : a;
}

function pathWords(p: readonly ClaimPath[]): string {
  return p.includes('any') ? 'the service as a whole' : `the ${p.join('/')} path`;
}

function periodDoubt(a: Claim, b: Claim): string | null {
  if (a.passage !== undefined && a.passage === b.passage && a.source.key === b.source.key && a.file === b.file)
    return null;
  const sa = sureDays(a.period, a.source.published.date);
  const sb = sureDays(b.period, b.source.published.date);
  if (sa && sb && sa.from <= sb.to && sb.from <= sa.to) return null;
  const loose = [a, b].filter((c) => !sureDays(c.period, c.source.published.date));
  if (loose.length)
    return `dates: ${loose.map((c) => `${c.id} says only "${periodWords(c.period)}"`).join(' and ')}, not on which days`;
  return `dates: the days each surely speaks for do not meet (${a.id}: ${periodWords(a.period)}; ${b.id}: ${periodWords(b.period)})`;
}

/** The conflict between two claims, or null when they are compatible or do not meet. */
export function conflictBetween(a: Claim, b: Claim, ctx: ConflictContext = {}): ClaimConflict | null {
  if (a.country !== b.country) return null;
  let kind = kindOf(a, b);
  if (!kind) return null;
  const services = intersectServices(a.services, b.services);
  if (services.length === 0) return null;
  const operators: ClaimOperators | null = intersectOperators(a.operators, b.operators);
  if (operators === null) return null;
  const access = intersectAccess(a.access, b.access);
  if (access === null) return null;
  const paths = intersectPaths(a.paths, b.paths);
  if (paths.length === 0) return null;
  const ba = boundedDays(a.period, a.source.published.date);
  const bb = boundedDays(b.period, b.source.published.date);
  if (!ba || !bb) return null;
  const period = intersectDays(ba, bb);
  if (period === null) return null;

  const why: string[] = [];
  for (const c of [a, b]) if (c.operators === 'unspecified') why.push(`${c.id} does not say which operator`);
  const scope = kind === 'state' || kind === 'lifting' ? scopeDifferences(a, b, ctx) : [];
  if (scope.length) {
    kind = 'scope';
    why.push(...scope.map((s) => `scope: ${s}`));
  }
  if (kind === 'severity')
    why.push(
      'degree: a throttled service fails for some users and at some times, so "blocked" and "throttled" can both be said of it',
    );
  if (kind === 'quality') why.push('degree: one user can get good calls while others get poor ones');
  if (kind === 'exception') why.push(`place: ${a.scope ? a.id : b.id} is about one place or event only`);
  const doubt = periodDoubt(a, b);
  if (doubt) why.push(doubt);
  const overlap: Overlap = {
    country: a.country,
    services,
    operators: operatorsLabel(operators, a.country),
    access,
    paths,
    period,
  };
  return {
    claims: [a.id, b.id],
    kind,
    effects: [a.effect, b.effect],
    overlap,
    certainty: why.length ? 'possible' : 'definite',
    uncertain_because: why,
    weights: [SPEAKER_WEIGHT[a.speaker.kind], SPEAKER_WEIGHT[b.speaker.kind]],
    summary:
      `${a.id} says ${a.effect}, ${b.id} says ${b.effect}: ${services.join(', ')} ` +
      `(${paths.join(', ')}) on ${overlap.operators}, access ${access}, ${period.from} to ${period.to}`,
  };
}

/** Every operator each country's claims name: what "all operators" means within this claim set. */
export function countryOperators(
  claims: readonly Claim[],
): Map<string, { key: string; name: string; asn: string | null; country: string }[]> {
  const out = new Map<string, { key: string; name: string; asn: string | null; country: string }[]>();
  for (const c of claims) {
    if (!Array.isArray(c.operators)) continue;
    const list = out.get(c.country) ?? [];
    for (const o of c.operators) if (!list.some((x) => sameOperator(x, o))) list.push(o);
    out.set(c.country, list);
  }
  return out;
}

interface Node {
  /** The first claim of the group (the one compared). */
  rep: Claim;
  /** Claims with exactly the same content apart from id, quote and speaker: one statement, made several times. */
  claims: Claim[];
  days: { from: string; to: string };
  state: ClaimedState;
  index: number;
}

/** What two claims must share to be restatements of one another. */
function statementKey(c: Claim, days: { from: string; to: string }): string {
  const ops = Array.isArray(c.operators)
    ? c.operators
        .map((o) => o.asn ?? o.name)
        .sort()
        .join(',')
    : c.operators;
  return JSON.stringify([
    c.country,
    c.effect,
    c.services.map(measuredService).sort(),
    ops,
    c.access,
    [...c.paths].sort(),
    days,
    c.scope ?? '',
    c.passage ?? '',
    c.period,
  ]);
}

/** Groups identical statements, keeps those with a state and bounded days. */
function nodesOf(claims: readonly Claim[]): Node[] {
  const byKey = new Map<string, Node>();
  const nodes: Node[] = [];
  for (const c of claims) {
    const state = claimedState(c.effect);
    const days = boundedDays(c.period, c.source.published.date);
    if (state === null || !days) continue;
    const k = statementKey(c, days);
    const n = byKey.get(k);
    if (n) n.claims.push(c);
    else {
      const node: Node = { rep: c, claims: [c], days, state, index: nodes.length };
      byKey.set(k, node);
      nodes.push(node);
    }
  }
  return nodes;
}

/**
 * Candidate pairs: nodes of one country that share a service (a claim about "any" service meets every
 * service) and whose periods overlap, found by a sweep over periods sorted by start: only pairs whose
 * periods overlap and whose states differ are ever compared.
 */
function candidatePairs(nodes: readonly Node[], visit: (a: Node, b: Node) => void): void {
  const buckets = new Map<string, Node[]>();
  const anyByCountry = new Map<string, Node[]>();
  const servicesByCountry = new Map<string, Set<string>>();
  for (const n of nodes) {
    const c = n.rep.country;
    if (n.rep.services.includes('any')) {
      let l = anyByCountry.get(c);
      if (!l) anyByCountry.set(c, (l = []));
      l.push(n);
    } else {
      const set = servicesByCountry.get(c) ?? new Set<string>();
      for (const s of new Set(n.rep.services.map(measuredService))) {
        set.add(s);
        const k = `${c}\u0001${s}`;
        let b = buckets.get(k);
        if (!b) buckets.set(k, (b = []));
        b.push(n);
      }
      servicesByCountry.set(c, set);
    }
  }
  // "any"-service claims join every service bucket of their country, and meet each other in their own.
  for (const [c, anys] of anyByCountry) {
    buckets.set(`${c}\u0001*`, [...anys]);
    for (const s of servicesByCountry.get(c) ?? []) buckets.get(`${c}\u0001${s}`)!.push(...anys);
  }
  const seen = new Set<number>();
  const N = nodes.length;
  for (const bucket of buckets.values()) {
    bucket.sort((a, b) => (a.days.from < b.days.from ? -1 : a.days.from > b.days.from ? 1 : a.index - b.index));
    // Active nodes per state: those whose period has not ended before the current start.
    const active: Record<ClaimedState, Node[]> = { blocked: [], degraded: [], working: [] };
    for (const n of bucket) {
      for (const st of ['blocked', 'degraded', 'working'] as const) {
        const list = active[st];
        let w = 0;
        for (const m of list) if (m.days.to >= n.days.from) list[w++] = m;
        list.length = w;
        if (st === n.state) continue;
        for (const m of list) {
          const [x, y] = m.index < n.index ? [m, n] : [n, m];
          const key = x.index * N + y.index;
          if (seen.has(key)) continue;
          seen.add(key);
          visit(x, y);
        }
      }
      active[n.state].push(n);
    }
  }
}

const FAMILY: Record<ConflictKind, string> = {
  lifting: 'state',
  state: 'state',
  scope: 'state',
  severity: 'severity',
  quality: 'quality',
  exception: 'exception',
};
const KIND_RANK: Record<ConflictKind, number> = {
  lifting: 6,
  state: 5,
  scope: 4,
  severity: 3,
  quality: 2,
  exception: 1,
};

/**
 * Every conflicting pair (between restatement groups, which stand for their copies), then gathered
 * into contradictions: per family of kinds, the claim with the most disagreements against all the
 * claims it disagrees with, repeatedly; entries with the same opponents are merged.
 */
export function detectContradictions(claims: readonly Claim[], stats?: { compared: number }): Contradiction[] {
  const ctx: ConflictContext = { countryOperators: countryOperators(claims) };
  const nodes = nodesOf(claims);
  const pairs: { a: Node; b: Node; c: ClaimConflict }[] = [];
  candidatePairs(nodes, (a, b) => {
    if (stats) stats.compared++;
    const c = conflictBetween(a.rep, b.rep, ctx);
    if (c) pairs.push({ a, b, c });
  });
  return gather(pairs);
}

/** Just the pairs (for tests and for `claims --format json`). */
export function conflictingPairs(claims: readonly Claim[]): ClaimConflict[] {
  return detectContradictions(claims).flatMap((x) => x.pairs);
}

function gather(pairs: { a: Node; b: Node; c: ClaimConflict }[]): Contradiction[] {
  interface Entry {
    hubs: Node[];
    partners: Node[];
    pairs: ClaimConflict[];
    family: string;
  }
  const entries: Entry[] = [];
  const families = new Map<string, typeof pairs>();
  for (const p of pairs) {
    const f = FAMILY[p.c.kind];
    let l = families.get(f);
    if (!l) families.set(f, (l = []));
    l.push(p);
  }
  for (const [family, list] of families) {
    const left = new Set(list);
    const touching = new Map<Node, Set<(typeof list)[number]>>();
    for (const p of list) {
      for (const n of [p.a, p.b]) {
        let s = touching.get(n);
        if (!s) touching.set(n, (s = new Set()));
        s.add(p);
      }
    }
    // Hubs in order of how many disagreements they take part in (then weight, then file order): an
    // operator's denial answered by each customer report becomes one entry with the denial at its centre.
    const order = [...touching.keys()].sort(
      (x, y) =>
        touching.get(y)!.size - touching.get(x)!.size ||
        SPEAKER_WEIGHT[y.rep.speaker.kind] - SPEAKER_WEIGHT[x.rep.speaker.kind] ||
        x.index - y.index,
    );
    for (const hub of order) {
      const mine = [...touching.get(hub)!].filter((p) => left.has(p));
      if (mine.length === 0) continue;
      mine.sort((x, y) => (x.a === hub ? x.b : x.a).index - (y.a === hub ? y.b : y.a).index);
      for (const p of mine) left.delete(p);
      entries.push({
        hubs: [hub],
        partners: mine.map((p) => (p.a === hub ? p.b : p.a)),
        pairs: mine.map((p) => p.c),
        family,
      });
    }
  }
  // Entries that share a side (the same claims, in the same state) are one disagreement between that
  // side and everything it faces: claims that say the same against the same opponents become one side,
  // and one side facing several groups faces them all. A side that grows gets a new key, which may meet
  // another entry's side: merged in turn (a work list, each merge shrinking the number of entries).
  const sideKey = (family: string, nodes: readonly Node[]) =>
    `${family}\u0001${nodes[0]!.state}\u0001${nodes
      .map((n) => n.index)
      .sort((x, y) => x - y)
      .join(',')}`;
  const bySide = new Map<string, Entry>();
  const alive = new Set<Entry>();
  const keys = new Map<Entry, [string, string]>();
  const index = (e: Entry) => {
    const k: [string, string] = [sideKey(e.family, e.hubs), sideKey(e.family, e.partners)];
    keys.set(e, k);
    return k;
  };
  const work = [...entries];
  while (work.length) {
    const e = work.pop()!;
    const [ka, kb] = index(e);
    const m = [bySide.get(ka), bySide.get(kb)].find((x) => x !== undefined && x !== e && alive.has(x));
    if (!m) {
      bySide.set(ka, e);
      bySide.set(kb, e);
      alive.add(e);
      continue;
    }
    // Keep the shared side, join the other ones; `m` is re-indexed (its other side changed).
    const [ma, mb] = keys.get(m)!;
    const mSharesHubs = ma === ka || ma === kb;
    const eOther = (mSharesHubs ? ma : mb) === ka ? e.partners : e.hubs;
    const target = mSharesHubs ? m.partners : m.hubs;
    for (const n of eOther) if (!target.includes(n)) target.push(n);
    m.pairs.push(...e.pairs);
    alive.delete(m);
    if (bySide.get(ma) === m) bySide.delete(ma);
    if (bySide.get(mb) === m) bySide.delete(mb);
    work.push(m);
  }
  const final = entries.filter((e) => alive.has(e));
  // The smaller side first (one claim against many reads best), else the side of the earliest claim.
  const first = (x: readonly Node[]) => Math.min(...x.map((n) => n.index));
  const out = final.map((e) =>
    e.hubs.length < e.partners.length || (e.hubs.length === e.partners.length && first(e.hubs) < first(e.partners))
      ? toContradiction(e.hubs, e.partners, e.pairs)
      : toContradiction(e.partners, e.hubs, e.pairs),
  );
  out.sort((x, y) => y.importance - x.importance || (x.sides[0].claims[0]! < y.sides[0].claims[0]! ? -1 : 1));
  out.forEach((x, i) => {
    x.id = `C${i + 1}`;
  });
  return out;
}

function side(nodes: readonly Node[]): ContradictionSide {
  const claims = nodes.flatMap((n) => n.claims).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    claims: claims.map((c) => c.id),
    effects: [...new Set(claims.map((c) => c.effect))],
    weight: Math.max(...claims.map((c) => SPEAKER_WEIGHT[c.speaker.kind])),
  };
}

function toContradiction(hubs: Node[], partners: Node[], pairs: ClaimConflict[]): Contradiction {
  const definite = pairs.filter((p) => p.certainty === 'definite');
  const ranked = (definite.length ? definite : pairs).map((p) => p.kind);
  const kind = ranked.reduce((k, x) => (KIND_RANK[x] > KIND_RANK[k] ? x : k), ranked[0]!);
  const a = side(hubs);
  const b = side(partners);
  // Breadth: how many networks, services and claims the dispute spans.
  const breadth =
    Math.min(9, a.claims.length + b.claims.length) +
    Math.min(9, new Set(pairs.flatMap((p) => p.overlap.services)).size);
  const importance =
    (definite.length ? 1_000_000 : 0) +
    KIND_RANK[kind] * 10_000 +
    (a.weight + b.weight) * 100 +
    breadth * 10 +
    Math.min(9, definite.length);
  const list = (s: ContradictionSide) =>
    s.claims.length <= 4 ? s.claims.join(', ') : `${s.claims.slice(0, 3).join(', ')} and ${s.claims.length - 3} more`;
  const certainty = definite.length ? 'definite' : 'possible';
  return {
    id: '',
    kind,
    certainty,
    sides: [a, b],
    pairs,
    importance,
    summary: `${list(a)} (${a.effects.join('/')}) vs ${list(b)} (${b.effects.join('/')}): ${kind}, ${certainty}${definite.length && definite.length < pairs.length ? ` for ${definite.length} of ${pairs.length} pairs` : ''}`,
  };
}

/** Ids of the claims each claim conflicts with. */
export function conflictIndex(contradictions: readonly Contradiction[]): Map<string, string[]> {
  const idx = new Map<string, Set<string>>();
  const add = (x: string, y: string) => {
    let s = idx.get(x);
    if (!s) idx.set(x, (s = new Set()));
    s.add(y);
  };
  for (const c of contradictions) {
    for (const x of c.sides[0].claims)
      for (const y of c.sides[1].claims) {
        add(x, y);
        add(y, x);
      }
  }
  return new Map([...idx].map(([k, s]) => [k, [...s].sort()]));
}

export type { DayRange };
