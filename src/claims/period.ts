// Periods as the texts give them ("2016", "2016-02", "2016-02-10") turned into day bounds that compare
// as strings: "YYYY-MM-DD" sorts like time. A month or a year covers all its days.

/** A claim's period as the texts give it (schema.ts validates it); kept here so that this file stands alone. */
export interface Period {
  from: string | null;
  to: string | null;
  precision: string;
}

/** Inclusive day bounds; null is unbounded on that side. */
export interface DayRange {
  from: string | null;
  to: string | null;
}

const DAYS_IN_MONTH = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** True for a real "YYYY-MM-DD" day (never throws, whatever the string: "2017/06/15", "2016-02-30"). */
export function isCalendarDay(s: string): boolean {
  const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(s);
  if (!m) return false;
  const month = Number(m[2]);
  const day = Number(m[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= DAYS_IN_MONTH(Number(m[1]), month);
}

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

/** The day `n` days after (before, for negative n) a "YYYY-MM-DD" day. */
export function periodDays(p: Pick<Period, 'from' | 'to'>): DayRange {
  return { from: p.from === null ? null : startDay(p.from), to: p.to === null ? null : endDay(p.to) };
}

/**
 * The days a claim can speak for, for comparing claims with each other: an unstated start is not "since
 * the beginning of time" (the claim only vouches for its end), and an open end stops at the day the
 * document was published (it cannot speak for later days).
 */
export function boundedDays(p: Pick<Period, 'from' | 'to'>, published?: string): { from: string; to: string } | null {
  const pub = published ? endDay(published) : null;
  let to = p.to !== null ? endDay(p.to) : pub;
  let from = p.from !== null ? startDay(p.from) : p.to !== null ? startDay(p.to) : pub;
  if (from === null && to === null) return null;
  from ??= to!;
  to ??= from;
  return { from, to: to < from ? from : to };
}

/**
 * The days on which the claimed state surely held, whatever the imprecise ends mean: it began by the
 * end of the stated start ("2016-02": by 29 February) and lasted at least to the beginning of the stated
 * end. Within one month or year ("2012-02" to "2012-02") no day is sure, unless one end is a day.
 */
export function sureDays(p: Pick<Period, 'from' | 'to'>, published?: string): { from: string; to: string } | null {
  const b = boundedDays(p, published);
  if (!b) return null;
  const toDay = p.to !== null ? p.to : (published ?? null);
  const sureTo = toDay !== null ? startDay(toDay) : b.to;
  const sureFrom = p.from !== null ? endDay(p.from) : sureTo;
  if (sureFrom <= sureTo) return { from: sureFrom, to: sureTo };
  if (toDay !== null && toDay.length === 10) return { from: toDay, to: toDay };
  if (p.from !== null && p.from.length === 10) return { from: p.from, to: p.from };
  return null;
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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "4 Nov 2016", "Nov 2016", "2016": a partial date in words. */
export function dateWords(d: string): string {
  if (d.length === 4) return d;
  const m = MONTHS[Number(d.slice(5, 7)) - 1] ?? d.slice(5, 7);
  return d.length === 7 ? `${m} ${d.slice(0, 4)}` : `${Number(d.slice(8, 10))} ${m} ${d.slice(0, 4)}`;
}

/** "Jan-Aug 2016", "Feb 2012", "Jun 2011 to Feb 2012", "until 1 Mar 2016 (start not stated)". */
export function periodWords(p: Pick<Period, 'from' | 'to'>): string {
  const { from, to } = p;
  if (from !== null && to !== null) {
    if (from === to) return dateWords(from);
    if (from.length === 7 && to.length === 7 && from.slice(0, 4) === to.slice(0, 4))
      return `${dateWords(from).slice(0, 3)}-${dateWords(to)}`;
    return `${dateWords(from)} to ${dateWords(to)}`;
  }
  if (from !== null) return `from ${dateWords(from)} (said to go on)`;
  if (to !== null) return `until ${dateWords(to)} (start not stated)`;
  return 'undated';
}
