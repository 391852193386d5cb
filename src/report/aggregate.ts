// Compact per-group aggregates of any number of measurements: memory grows with the number of
// (service, path, network, day) groups, never with the number of lines. Each group keeps counts per
// status, technique counts and, per status, the most recent measurement as a citation.

import type { MeasuredPath } from '../claims/scope.js';
import type { AccessLabel } from '../model/measurement.js';
import type { PathStatus } from '../model/verdict.js';
import { PATH_STATUSES } from '../model/verdict.js';
import type { PathDetails } from './details.js';
import { IdSet } from './idset.js';
import type { Observation } from './input.js';
import type { MeasurementRefOut } from './schema.js';

export type Counts = Record<PathStatus, number>;

export function emptyCounts(): Counts {
  return { accessible: 0, blocked: 0, partially_blocked: 0, degraded: 0, inconclusive: 0 };
}

export function addCounts(into: Counts, c: Counts): void {
  for (const s of PATH_STATUSES) into[s] += c[s];
}

export function decisiveTotal(c: Counts): number {
  return c.accessible + c.blocked + c.partially_blocked + c.degraded;
}

/** Where a measurement was taken: the network (ASN, name, country), how it is reached, and the vantage label. */
export interface Vantage {
  key: string;
  asn: string;
  cc: string;
  network_name: string;
  access: AccessLabel;
  label: string;
  /** Lines written by `voipprobe demo`: shown apart and marked, never mistaken for a network. */
  simulated: boolean;
  /** The instrument: this probe, or OONI Probe. */
  source: 'voipprobe' | 'ooni';
}

/** The line a measurement came from; shared by the paths of one measurement. */
export interface LineRef {
  file: string;
  line: number;
  report_id: string;
  id: string;
  time: string;
  /** Where the line sits in its file, when read from a file (to read it again for details). */
  offset?: number;
  length?: number;
  /** OONI Explorer's page for an OONI measurement. */
  link?: string;
}

/** The latest measurement of a unit: its status, and for the whole service its paths' statuses in that same run. */
export interface Latest {
  ref: LineRef;
  status: PathStatus;
  strength?: 'strong' | 'weak';
  techniques: readonly string[];
  /** For the `any` unit: each path's status in the same measurement, so that a row never mixes runs. */
  paths?: Partial<Record<'chat' | 'web' | 'call', PathStatus>>;
  details?: PathDetails;
}

export interface DayCell {
  day: string;
  counts: Counts;
  techniques: Map<string, number>;
  /** Per status, the most recent measurement of the day with that status. */
  lastBy: Partial<Record<PathStatus, LineRef>>;
}

/** One service's path on one vantage: the unit claims are held against. */
export interface Unit {
  service: string;
  path: MeasuredPath;
  vantage: Vantage;
  counts: Counts;
  techniques: Map<string, number>;
  firstTime: string;
  lastTime: string;
  days: Map<string, DayCell>;
  /** The day cell last written (lines come in time order within a file): saves a lookup. */
  lastCell?: DayCell;
  /** Blocked or partially blocked measurements whose evidence the line rates strong, or weak. */
  strong: number;
  weak: number;
  latest?: Latest;
}

interface VantageEntry {
  vantage: Vantage;
  services: Map<string, (Unit | undefined)[]>;
  /** Distinct runs (report ids) seen on this vantage. */
  runs: IdSet;
  lastRun: string;
}

export interface AggregatorState {
  byVantage: Map<string, { vantage: Vantage; services: Map<string, (Unit | undefined)[]>; runs: Uint32Array }>;
  files: string[];
  attributions: string[];
  measurements: number;
  firstTime: string | null;
  lastTime: string | null;
}

function addMap(into: Map<string, number>, from: Map<string, number>): void {
  for (const [k, n] of from) into.set(k, (into.get(k) ?? 0) + n);
}

function mergeUnit(into: Unit, from: Unit): void {
  addCounts(into.counts, from.counts);
  into.strong += from.strong;
  into.weak += from.weak;
  if (from.latest && (!into.latest || from.latest.ref.time > into.latest.ref.time)) into.latest = from.latest;
  addMap(into.techniques, from.techniques);
  if (from.firstTime < into.firstTime) into.firstTime = from.firstTime;
  if (from.lastTime > into.lastTime) into.lastTime = from.lastTime;
  for (const [day, cell] of from.days) {
    const c = into.days.get(day);
    if (!c) {
      into.days.set(day, cell);
      continue;
    }
    addCounts(c.counts, cell.counts);
    addMap(c.techniques, cell.techniques);
    for (const s of PATH_STATUSES) {
      const r = cell.lastBy[s];
      if (r && (!c.lastBy[s] || r.time > c.lastBy[s]!.time)) c.lastBy[s] = r;
    }
  }
  into.lastCell = undefined;
}

const RECENT = 5;
const NONE: string[] = [];

/** The strongest evidence among a measurement's blocked paths (for the service as a whole). */
function strongest(paths: Observation['paths']): 'strong' | 'weak' | undefined {
  let s: 'strong' | 'weak' | undefined;
  for (const p of paths) {
    if (p.status !== 'blocked' && p.status !== 'partially_blocked') continue;
    if (p.strength === 'strong') return 'strong';
    if (p.strength === 'weak') s = 'weak';
  }
  return s;
}

/** Tie order for "dominant status": the more severe reading wins a tie, so a tie never hides a block. */
const DOMINANCE: readonly PathStatus[] = ['blocked', 'partially_blocked', 'degraded', 'accessible'];

export function dominantStatus(c: Counts): PathStatus {
  let best: PathStatus = 'inconclusive';
  let n = 0;
  for (const s of DOMINANCE) {
    if (c[s] > n) {
      best = s;
      n = c[s];
    }
  }
  return best;
}

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

export class Aggregator {
  /** Keyed by vantage, then service: [any, chat, web, call] units (created on first use). */
  private readonly byVantage = new Map<string, VantageEntry>();
  private lastVantage: VantageEntry | undefined;
  readonly files = new Set<string>();
  /** Data credits found in the measurements (a handful of distinct strings at most). */
  readonly attributions = new Set<string>();
  measurements = 0;
  firstTime: string | null = null;
  lastTime: string | null = null;

  add(
    file: string,
    line: number,
    o: Observation,
    where?: { offset?: number; length?: number },
    details?: (path: 'any' | 'chat' | 'web' | 'call') => PathDetails,
  ): void {
    this.files.add(file);
    this.measurements++;
    if (o.attribution && this.attributions.size < 16) this.attributions.add(o.attribution);
    if (this.firstTime === null || o.time < this.firstTime) this.firstTime = o.time;
    if (this.lastTime === null || o.time > this.lastTime) this.lastTime = o.time;
    // Consecutive lines usually come from one vantage (one file): skip the key and lookup then.
    const last = this.lastVantage;
    let v =
      last &&
      last.vantage.asn === o.asn &&
      last.vantage.cc === o.cc &&
      last.vantage.network_name === o.networkName &&
      last.vantage.access === o.access &&
      last.vantage.label === o.vantage &&
      last.vantage.simulated === o.simulated &&
      last.vantage.source === o.source
        ? last
        : undefined;
    const vkey = v
      ? v.vantage.key
      : `${o.asn}\u0001${o.cc}\u0001${o.networkName}\u0001${o.access}\u0001${o.vantage}\u0001${o.simulated ? 'sim' : ''}\u0001${o.source}`;
    v ??= this.byVantage.get(vkey);
    if (!v) {
      v = {
        vantage: {
          key: vkey,
          asn: o.asn,
          cc: o.cc,
          network_name: o.networkName,
          access: o.access,
          label: o.vantage,
          simulated: o.simulated,
          source: o.source,
        },
        services: new Map(),
        runs: new IdSet(64),
        lastRun: '\u0000',
      };
      this.byVantage.set(vkey, v);
    }
    this.lastVantage = v;
    if (o.reportId !== v.lastRun) {
      v.runs.add(o.reportId);
      v.lastRun = o.reportId;
    }
    let units = v.services.get(o.service);
    if (!units) {
      units = [undefined, undefined, undefined, undefined];
      v.services.set(o.service, units);
    }
    const ref: LineRef = { file, line, report_id: o.reportId, id: o.id, time: o.time };
    if (where?.offset !== undefined) {
      ref.offset = where.offset;
      ref.length = where.length;
    }
    if (o.link) ref.link = o.link;
    // Techniques of the service as a whole: each path's, once (most lines have none or one).
    let all: string[] = NONE;
    for (const p of o.paths) {
      for (const t of p.techniques) {
        if (all === NONE) all = [t];
        else if (!all.includes(t)) all.push(t);
      }
    }
    const anyStrength = strongest(o.paths);
    const anyUnit = this.record(units, 0, 'any', v.vantage, o, ref, o.status, all, anyStrength, details);
    if (anyUnit.latest?.ref === ref) {
      const snap: Latest['paths'] = {};
      for (const p of o.paths) snap[p.path] = p.status;
      anyUnit.latest.paths = snap;
    }
    for (const p of o.paths) {
      const i = p.path === 'chat' ? 1 : p.path === 'web' ? 2 : 3;
      this.record(units, i, p.path, v.vantage, o, ref, p.status, p.techniques, p.strength, details);
    }
  }

  private record(
    units: (Unit | undefined)[],
    i: number,
    path: MeasuredPath,
    vantage: Vantage,
    o: Observation,
    ref: LineRef,
    status: PathStatus,
    techniques: readonly string[],
    strength: 'strong' | 'weak' | undefined,
    details: ((path: MeasuredPath) => PathDetails) | undefined,
  ): Unit {
    let u = units[i];
    if (!u) {
      u = {
        service: o.service,
        path,
        vantage,
        counts: emptyCounts(),
        techniques: new Map(),
        firstTime: o.time,
        lastTime: o.time,
        days: new Map(),
        strong: 0,
        weak: 0,
      };
      units[i] = u;
    }
    u.counts[status]++;
    if (status === 'blocked' || status === 'partially_blocked') {
      if (strength === 'strong') u.strong++;
      else if (strength === 'weak') u.weak++;
    }
    const l = u.latest;
    if (!l) u.latest = { ref, status, techniques, strength, details: details?.(path) };
    else if (o.time >= l.ref.time) {
      // Updated in place: lines come in time order, so nearly every line is the latest of its four
      // units, and a new object each time only fed the garbage collector. (The \`any\` unit's paths are
      // set again by the caller.)
      l.ref = ref;
      l.status = status;
      l.techniques = techniques;
      l.strength = strength;
      l.details = details?.(path);
    }
    if (o.time < u.firstTime) u.firstTime = o.time;
    if (o.time > u.lastTime) u.lastTime = o.time;
    let cell = u.lastCell !== undefined && u.lastCell.day === o.day ? u.lastCell : u.days.get(o.day);
    if (!cell) {
      cell = { day: o.day, counts: emptyCounts(), techniques: new Map(), lastBy: {} };
      u.days.set(o.day, cell);
    }
    u.lastCell = cell;
    cell.counts[status]++;
    const prev = cell.lastBy[status];
    if (!prev || o.time >= prev.time) cell.lastBy[status] = ref;
    for (const t of techniques) {
      bump(u.techniques, t);
      bump(cell.techniques, t);
    }
    return u;
  }

  /** What a worker thread sends back: plain data (Maps survive structured cloning). */
  exportState(): AggregatorState {
    return {
      byVantage: new Map(
        [...this.byVantage].map(([k, v]) => [
          k,
          { vantage: v.vantage, services: v.services, runs: v.runs.drainTable() },
        ]),
      ),
      files: [...this.files],
      attributions: [...this.attributions],
      measurements: this.measurements,
      firstTime: this.firstTime,
      lastTime: this.lastTime,
    };
  }

  /** Adds another aggregator's state (from a worker) to this one: counts add, citations stay bounded. */
  merge(st: AggregatorState): void {
    for (const f of st.files) this.files.add(f);
    for (const a of st.attributions) if (this.attributions.size < 16) this.attributions.add(a);
    this.measurements += st.measurements;
    if (st.firstTime !== null && (this.firstTime === null || st.firstTime < this.firstTime))
      this.firstTime = st.firstTime;
    if (st.lastTime !== null && (this.lastTime === null || st.lastTime > this.lastTime)) this.lastTime = st.lastTime;
    for (const [vkey, theirs] of st.byVantage) {
      let mine = this.byVantage.get(vkey);
      if (!mine) {
        mine = {
          vantage: { ...theirs.vantage },
          services: new Map(),
          runs: new IdSet(theirs.runs.length / 2),
          lastRun: '\u0000',
        };
        this.byVantage.set(vkey, mine);
      }
      IdSet.fromTable(theirs.runs).forEach((lo, hi) => {
        mine!.runs.addHash(lo, hi);
      });
      for (const [service, units] of theirs.services) {
        let into = mine.services.get(service);
        if (!into) {
          into = [undefined, undefined, undefined, undefined];
          mine.services.set(service, into);
        }
        units.forEach((u, i) => {
          if (!u) return;
          const m = into![i];
          if (!m) into![i] = { ...u, vantage: mine!.vantage, lastCell: undefined };
          else mergeUnit(m, u);
        });
      }
    }
  }

  /** Distinct runs per vantage key. */
  runsByVantage(): Map<string, number> {
    return new Map([...this.byVantage].map(([k, v]) => [k, v.runs.size]));
  }

  /** Every unit, in a stable order (vantage, service, path). */
  units(): Unit[] {
    const out: Unit[] = [];
    const vs = [...this.byVantage.values()].sort((a, b) =>
      a.vantage.key < b.vantage.key ? -1 : a.vantage.key > b.vantage.key ? 1 : 0,
    );
    for (const v of vs) {
      for (const s of [...v.services.keys()].sort()) {
        for (const u of v.services.get(s)!) if (u) out.push(u);
      }
    }
    return out;
  }
}

/**
 * The most recent measurements of a unit (newest first, at most `n`), from the per-day citations: the
 * latest measurement of each status on the latest days. Derived once at the end, not kept per line.
 */
export function recentRefs(u: Unit, n = RECENT): { ref: LineRef; status: PathStatus }[] {
  const out: { ref: LineRef; status: PathStatus }[] = [];
  for (const d of sortedDays(u).reverse()) {
    for (const s of PATH_STATUSES) {
      const ref = d.lastBy[s];
      if (ref) out.push({ ref, status: s });
    }
    if (out.length >= n) break;
  }
  return out.sort((a, b) => (a.ref.time < b.ref.time ? 1 : a.ref.time > b.ref.time ? -1 : 0)).slice(0, n);
}

/** A citation as the report prints it: where the line is, what it measured (never the byte offsets). */
export function refOut(ref: LineRef, u: Pick<Unit, 'service' | 'path'>, status: PathStatus): MeasurementRefOut {
  return {
    file: ref.file,
    line: ref.line,
    report_id: ref.report_id,
    id: ref.id,
    time: ref.time,
    service: u.service,
    path: u.path,
    status,
    ...(ref.link ? { link: ref.link } : {}),
  };
}

/** Days of a unit in ascending order. */
export function sortedDays(u: Unit): DayCell[] {
  return [...u.days.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}
