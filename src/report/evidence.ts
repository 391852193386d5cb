// The evidence summary: per service and vantage, which paths work and which are blocked, how (the
// techniques the verdicts named, and how strong the evidence was) and over time (one entry per day).

import type { MeasuredPath } from '../claims/scope.js';
import type { PathStatus } from '../model/verdict.js';
import { decisiveTotal, dominantStatus, recentRefs, refOut, sortedDays, type Unit } from './aggregate.js';
import { vantageOut } from './claim-verdict.js';
import type { MeasurementRefOut, PathEvidence, ServiceEvidence } from './schema.js';

const PATH_ORDER: Record<MeasuredPath, number> = { any: 0, chat: 1, web: 2, call: 3 };

function record(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}

/**
 * The status a path shows now: its latest measurement's, or when that one could not tell, the dominant
 * status of the latest day with a decisive measurement. One measurement's status, not a mix of several,
 * so that a row never shows statuses no run had.
 */
export function latestStatus(u: Unit): PathStatus {
  if (u.latest && u.latest.status !== 'inconclusive') return u.latest.status;
  const decisive = sortedDays(u).filter((d) => decisiveTotal(d.counts) > 0);
  const last = decisive[decisive.length - 1];
  return last ? dominantStatus(last.counts) : 'inconclusive';
}

export function pathEvidence(u: Unit): PathEvidence {
  const days = sortedDays(u);
  const recent: MeasurementRefOut[] = recentRefs(u).map(({ ref, status }) => refOut(ref, u, status));
  const l = u.latest;
  return {
    path: u.path,
    counts: { ...u.counts },
    techniques: record(u.techniques),
    first_time: u.firstTime,
    last_time: u.lastTime,
    latest_status: latestStatus(u),
    strength: { strong: u.strong, weak: u.weak },
    latest: l
      ? {
          time: l.ref.time,
          status: l.status,
          ...(l.strength ? { strength: l.strength } : {}),
          techniques: [...l.techniques],
          details: { ...(l.details ?? {}) },
          ref: refOut(l.ref, u, l.status),
        }
      : null,
    recent,
    days: days.map((d) => ({
      day: d.day,
      counts: { ...d.counts },
      status: dominantStatus(d.counts),
      techniques: record(d.techniques),
    })),
  };
}

/** One entry per (service, vantage), paths in the order any, chat, web, call. */
export function evidenceSummary(
  units: readonly Unit[],
  runs: ReadonlyMap<string, number> = new Map(),
): ServiceEvidence[] {
  const groups = new Map<string, Unit[]>();
  for (const u of units) {
    const k = `${u.service}\u0001${u.vantage.key}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(u);
  }
  const out: ServiceEvidence[] = [];
  for (const us of groups.values()) {
    us.sort((a, b) => PATH_ORDER[a.path] - PATH_ORDER[b.path]);
    const any = us.find((u) => u.path === 'any') ?? us[0]!;
    out.push({
      service: any.service,
      vantage: vantageOut(any.vantage),
      measurements: decisiveTotal(any.counts) + any.counts.inconclusive,
      runs: runs.get(any.vantage.key) ?? 0,
      first_time: us.reduce((m, u) => (u.firstTime < m ? u.firstTime : m), any.firstTime),
      last_time: us.reduce((m, u) => (u.lastTime > m ? u.lastTime : m), any.lastTime),
      paths: us.map(pathEvidence),
    });
  }
  return out.sort(
    (a, b) =>
      Number(a.vantage.simulated) - Number(b.vantage.simulated) ||
      a.service.localeCompare(b.service) ||
      a.vantage.cc.localeCompare(b.vantage.cc) ||
      a.vantage.asn.localeCompare(b.vantage.asn) ||
      a.vantage.access.localeCompare(b.vantage.access) ||
      a.vantage.label.localeCompare(b.vantage.label) ||
      a.vantage.source.localeCompare(b.vantage.source),
  );
}
