// Periods as the texts give them ("2016", "2016-02", "2016-02-10") turned into day bounds that compare
// as strings: "YYYY-MM-DD" sorts like time. A month or a year covers all its days.

import type { Period } from './schema.js';

/** Inclusive day bounds; null is unbounded on that side. */
export interface DayRange {
  from: string | null;
  to: string | null;
}

const DAYS_IN_MONTH = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** First day a partial date covers. */
export function startDay(d: string): string {
  if (d.length === 4) return `${d}-01-01`;
  if (d.length === 7) return `${d}-01`;
  return d;
}

/** Last day a partial date covers. */
export function endDay(d: string): string {
  if (d.length === 4) return `${d}-12-31`;
  if (d.length === 7) {
    const [y, m] = d.split('-').map(Number) as [number, number];
    return `${d}-${String(DAYS_IN_MONTH(y, m)).padStart(2, '0')}`;
  }
  return d;
}

export function periodDays(p: Pick<Period, 'from' | 'to'>): DayRange {
  return { from: p.from === null ? null : startDay(p.from), to: p.to === null ? null : endDay(p.to) };
}

/** The days both ranges cover, or null when they are disjoint. */
export function intersectDays(a: DayRange, b: DayRange): DayRange | null {
  const from = a.from === null ? b.from : b.from === null ? a.from : a.from > b.from ? a.from : b.from;
  const to = a.to === null ? b.to : b.to === null ? a.to : a.to < b.to ? a.to : b.to;
  if (from !== null && to !== null && from > to) return null;
  return { from, to };
}

export function dayInRange(day: string, r: DayRange): boolean {
  return (r.from === null || day >= r.from) && (r.to === null || day <= r.to);
}

/** "2016-01 to 2016-08-17", "from 2016-02", "until 2016-03-01", "2013". */
export function formatPeriod(p: Pick<Period, 'from' | 'to'>): string {
  if (p.from !== null && p.to !== null) return p.from === p.to ? p.from : `${p.from} to ${p.to}`;
  if (p.from !== null) return `from ${p.from} (open-ended)`;
  if (p.to !== null) return `until ${p.to} (start not stated)`;
  return 'no dates stated';
}

/** A period whose bounds are loose: stated only by year, approximately, or with no start. */
export function isImprecise(p: Period): boolean {
  return p.precision === 'approximate' || p.precision === 'year' || p.from === null;
}
