// The evidence summary: per service and vantage, which paths work and which are blocked, how (the
// techniques the verdicts named) and over time (one entry per day).

import type { MeasuredPath } from '../claims/scope.js';
import { decisiveTotal, dominantStatus, recentRefs, sortedDays, type Unit } from './aggregate.js';
import type { MeasurementRefOut, PathEvidence, ServiceEvidence } from './schema.js';
import { vantageOut } from './verdict.js';

const PATH_ORDER: Record<MeasuredPath, number> = { any: 0, chat: 1, web: 2, call: 3 };

function record(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}

export function pathEvidence(u: Unit): PathEvidence {
  const days = sortedDays(u);
  const decisive = days.filter((d) => decisiveTotal(d.counts) > 0);
  const latest = decisive[decisive.length - 1];
  const recent: MeasurementRefOut[] = recentRefs(u).map(({ ref, status }) => ({ ...ref, service: u.service, path: u.path, status }));
  return {
    path: u.path,
    counts: { ...u.counts },
    techniques: record(u.techniques),
    first_time: u.firstTime,
    last_time: u.lastTime,
    latest_status: latest ? dominantStatus(latest.counts) : 'inconclusive',
    recent,
    days: days.map((d) => ({ day: d.day, counts: { ...d.counts }, status: dominantStatus(d.counts), techniques: record(d.techniques) })),
  };
}

/** One entry per (service, vantage), paths in the order any, chat, web, call. */
export function evidenceSummary(units: readonly Unit[]): ServiceEvidence[] {
  const groups = new Map<string, Unit[]>();
  for (const u of units) {
    const k = `${u.service}\u0001${u.vantage.key}`;
    groups.set(k, [...(groups.get(k) ?? []), u]);
  }
  const out: ServiceEvidence[] = [];
  for (const us of groups.values()) {
    us.sort((a, b) => PATH_ORDER[a.path] - PATH_ORDER[b.path]);
    const any = us.find((u) => u.path === 'any') ?? us[0]!;
    out.push({
      service: any.service,
      vantage: vantageOut(any.vantage),
      measurements: decisiveTotal(any.counts) + any.counts.inconclusive,
      first_time: us.reduce((m, u) => (u.firstTime < m ? u.firstTime : m), any.firstTime),
      last_time: us.reduce((m, u) => (u.lastTime > m ? u.lastTime : m), any.lastTime),
      paths: us.map(pathEvidence),
    });
  }
  return out.sort(
    (a, b) =>
      a.service.localeCompare(b.service) ||
      a.vantage.cc.localeCompare(b.vantage.cc) ||
      a.vantage.asn.localeCompare(b.vantage.asn) ||
      a.vantage.access.localeCompare(b.vantage.access) ||
      a.vantage.label.localeCompare(b.vantage.label),
  );
}
