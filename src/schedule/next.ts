// The next times a schedule fires, computed by jumping field by field (month, day, hour, minute)
// instead of walking minutes. Pure: the caller gives the starting Date and the time zone mode.

import { InputError } from '../util/input-error.js';
import { type CronSchedule, dayMatches } from './cron.js';

export type ZoneMode = 'local' | 'utc';

/** Calendar accessors for one zone mode (cron itself runs in the system's local time). */
function calendar(zone: ZoneMode) {
  const utc = zone === 'utc';
  return {
    get: (d: Date) =>
      utc
        ? {
            y: d.getUTCFullYear(),
            mo: d.getUTCMonth() + 1,
            day: d.getUTCDate(),
            dow: d.getUTCDay(),
            h: d.getUTCHours(),
            mi: d.getUTCMinutes(),
          }
        : {
            y: d.getFullYear(),
            mo: d.getMonth() + 1,
            day: d.getDate(),
            dow: d.getDay(),
            h: d.getHours(),
            mi: d.getMinutes(),
          },
    make: (y: number, mo: number, day: number, h: number, mi: number) =>
      utc ? new Date(Date.UTC(y, mo - 1, day, h, mi)) : new Date(y, mo - 1, day, h, mi),
  };
}

/** Leap years make "29 Feb" wait up to 8 years (2096 -> 2104); search a little longer than that. */
const HORIZON_YEARS = 9;

/** The first time strictly after `from` at which the schedule fires, or undefined within the horizon. */
export function nextRun(s: CronSchedule, from: Date, zone: ZoneMode = 'local'): Date | undefined {
  const cal = calendar(zone);
  const f = cal.get(from);
  let d = cal.make(f.y, f.mo, f.day, f.h, f.mi + 1);
  const limit = f.y + HORIZON_YEARS;
  // Each step either accepts d or moves it forward to the next candidate of the first failing field.
  for (let guard = 0; guard < 100_000; guard++) {
    const c = cal.get(d);
    if (c.y > limit) return undefined;
    if (!s.month.values.includes(c.mo)) {
      d = cal.make(c.y, c.mo + 1, 1, 0, 0);
      continue;
    }
    if (!dayMatches(s, c.day, c.dow)) {
      d = cal.make(c.y, c.mo, c.day + 1, 0, 0);
      continue;
    }
    if (!s.hour.values.includes(c.h)) {
      const nh = s.hour.values.find((h) => h > c.h);
      d = nh === undefined ? cal.make(c.y, c.mo, c.day + 1, 0, 0) : cal.make(c.y, c.mo, c.day, nh, 0);
      continue;
    }
    if (!s.minute.values.includes(c.mi)) {
      const nm = s.minute.values.find((m) => m > c.mi);
      d = nm === undefined ? cal.make(c.y, c.mo, c.day, c.h + 1, 0) : cal.make(c.y, c.mo, c.day, c.h, nm);
      continue;
    }
    return d;
  }
  return undefined;
}

export function nextRuns(s: CronSchedule, from: Date, count: number, zone: ZoneMode = 'local'): Date[] {
  const out: Date[] = [];
  let t = from;
  for (let i = 0; i < count; i++) {
    const n = nextRun(s, t, zone);
    if (!n) break;
    out.push(n);
    t = n;
  }
  return out;
}

/** Refuses schedules that never fire ("0 0 31 2 *"): cron would accept them and silently never run. */
export function assertRuns(s: CronSchedule, from: Date, zone: ZoneMode = 'local'): void {
  if (!nextRun(s, from, zone)) {
    throw new InputError(
      `cron expression "${s.expression}" never runs (no matching date in the next ${HORIZON_YEARS} years)`,
    );
  }
}

/** "2026-11-26 00:15 (Thu)" in the chosen zone, for the preview. */
export function formatRun(d: Date, zone: ZoneMode = 'local'): string {
  const c = calendar(zone).get(d);
  const p = (n: number) => String(n).padStart(2, '0');
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][c.dow];
  return `${c.y}-${p(c.mo)}-${p(c.day)} ${p(c.h)}:${p(c.mi)} (${day})${zone === 'utc' ? ' UTC' : ''}`;
}
