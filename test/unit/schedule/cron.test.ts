import { describe, expect, it } from 'vitest';
import { dayMatches, parseCron } from '../../../src/schedule/cron.js';
import { everyToCron } from '../../../src/schedule/every.js';
import { assertRuns, formatRun, nextRun, nextRuns } from '../../../src/schedule/next.js';

describe('parseCron: accepted expressions', () => {
  const ok: [string, Partial<Record<'minute' | 'hour' | 'dayOfMonth' | 'month' | 'dayOfWeek', number[]>>][] = [
    ['*/15 * * * *', { minute: [0, 15, 30, 45] }],
    ['0 */6 * * *', { minute: [0], hour: [0, 6, 12, 18] }],
    ['5,35 8-10 * * *', { minute: [5, 35], hour: [8, 9, 10] }],
    ['0-30/10 * * * *', { minute: [0, 10, 20, 30] }],
    ['0 0 1,15 * *', { dayOfMonth: [1, 15] }],
    ['0 12 * jan-mar,DEC *', { month: [1, 2, 3, 12] }],
    ['0 9 * * mon-fri', { dayOfWeek: [1, 2, 3, 4, 5] }],
    ['0 9 * * sat,SUN', { dayOfWeek: [0, 6] }],
    ['0 9 * * 7', { dayOfWeek: [0] }],
    ['0 9 * * 5-7', { dayOfWeek: [0, 5, 6] }],
    ['0 9 * * */2', { dayOfWeek: [0, 2, 4, 6] }],
    ['*/100 * * * *', { minute: [0] }],
    ['@hourly', { minute: [0], hour: [...Array(24).keys()] }],
    ['@daily', { minute: [0], hour: [0] }],
    ['  0   3  *  *  *  ', { minute: [0], hour: [3] }],
  ];
  it.each(ok)('%s', (expr, want) => {
    const s = parseCron(expr);
    for (const [k, v] of Object.entries(want)) expect(s[k as keyof typeof want].values).toEqual(v);
  });
});

describe('parseCron: refused expressions, each with a clear reason', () => {
  const bad: [string, RegExp][] = [
    ['', /it is empty/],
    ['* * * *', /4 fields given; expected 5/],
    ['0 */15 * * * *', /6 fields given; system cron takes exactly 5 .*no seconds or year field/],
    ['0 0 12 * * ? 2026', /7 fields given/],
    ['0 0 L * *', /L, W, # and \? are Quartz\/croner extensions/],
    ['0 0 15W * *', /Quartz\/croner/],
    ['0 0 * * 5#3', /Quartz\/croner/],
    ['0 0 * * 5L', /Quartz\/croner/],
    ['0 0 ? * MON', /Quartz\/croner/],
    ['60 * * * *', /minute value 60 is out of range 0-59/],
    ['0 24 * * *', /hour value 24 is out of range 0-23/],
    ['0 0 0 * *', /day-of-month value 0 is out of range 1-31/],
    ['0 0 * 13 *', /month value 13 is out of range 1-12/],
    ['0 0 * * 8', /day-of-week value 8 is out of range 0-7/],
    ['*/0 * * * *', /step "0" must be a positive integer/],
    ['5/10 * * * *', /a step needs a range or "\*" \("5\/10"; write 5-59\/10\)/],
    ['30-10 * * * *', /range 30-10 runs backwards/],
    ['1,,2 * * * *', /empty item in list/],
    ['0 0 * foo *', /month: "foo" is not a number from 1 to 12 \(or a name: jan/],
    ['@reboot', /@reboot runs once at boot/],
    ['@often', /unknown macro/],
    ['1-2-3 * * * *', /is not a range like 1-5/],
  ];
  it.each(bad)('%j', (expr, want) => {
    expect(() => parseCron(expr)).toThrow(want);
  });
});

describe('day matching follows Vixie cron', () => {
  it('both day fields restricted: either matches', () => {
    const s = parseCron('0 0 1 * mon');
    expect(dayMatches(s, 1, 3)).toBe(true); // the 1st, a Wednesday
    expect(dayMatches(s, 9, 1)).toBe(true); // a Monday
    expect(dayMatches(s, 9, 2)).toBe(false);
  });
  it('a day field starting with * makes both required ("*/2" counts as *)', () => {
    const s = parseCron('0 0 */2 * mon');
    expect(dayMatches(s, 3, 1)).toBe(true);
    expect(dayMatches(s, 2, 1)).toBe(false);
    expect(dayMatches(s, 3, 2)).toBe(false);
  });
});

describe('next-run preview (pure, UTC)', () => {
  const from = new Date(Date.UTC(2026, 10, 26, 0, 7, 30)); // Thu 2026-11-26 00:07:30 UTC
  const iso = (ds: Date[]) => ds.map((d) => d.toISOString().slice(0, 16));

  it.each([
    ['*/15 * * * *', ['2026-11-26T00:15', '2026-11-26T00:30', '2026-11-26T00:45', '2026-11-26T01:00']],
    ['0 */6 * * *', ['2026-11-26T06:00', '2026-11-26T12:00', '2026-11-26T18:00', '2026-11-27T00:00']],
    ['30 2 * * mon-fri', ['2026-11-26T02:30', '2026-11-27T02:30', '2026-11-30T02:30', '2026-12-01T02:30']],
    ['0 0 1 * *', ['2026-12-01T00:00', '2027-01-01T00:00', '2027-02-01T00:00', '2027-03-01T00:00']],
    ['0 0 31 * *', ['2026-12-31T00:00', '2027-01-31T00:00', '2027-03-31T00:00', '2027-05-31T00:00']],
    ['0 0 29 2 *', ['2028-02-29T00:00', '2032-02-29T00:00', '2036-02-29T00:00', '2040-02-29T00:00']],
    ['0 0 1 * mon', ['2026-11-30T00:00', '2026-12-01T00:00', '2026-12-07T00:00', '2026-12-14T00:00']],
    ['7 0 * * *', ['2026-11-27T00:07', '2026-11-28T00:07', '2026-11-29T00:07', '2026-11-30T00:07']],
  ])('%s', (expr, want) => {
    expect(iso(nextRuns(parseCron(expr), from, 4, 'utc'))).toEqual(want);
  });

  it('runs strictly after the given time', () => {
    const at = new Date(Date.UTC(2026, 10, 26, 0, 15, 0));
    expect(nextRun(parseCron('*/15 * * * *'), at, 'utc')!.toISOString()).toBe('2026-11-26T00:30:00.000Z');
  });

  it('an expression that never fires is refused', () => {
    expect(() => assertRuns(parseCron('0 0 31 2 *'), from, 'utc')).toThrow(/never runs/);
    expect(() => assertRuns(parseCron('0 0 30 2 *'), from, 'utc')).toThrow(/never runs/);
    expect(() => assertRuns(parseCron('0 0 29 2 *'), from, 'utc')).not.toThrow();
  });

  it('formats a run for people', () => {
    expect(formatRun(new Date(Date.UTC(2026, 10, 26, 0, 15)), 'utc')).toBe('2026-11-26 00:15 (Thu) UTC');
  });
});

describe('--every', () => {
  it.each([
    ['1m', '* * * * *'],
    ['5m', '*/5 * * * *'],
    ['15m', '*/15 * * * *'],
    ['30min', '*/30 * * * *'],
    ['60m', '0 * * * *'],
    ['120m', '0 */2 * * *'],
    ['1h', '0 * * * *'],
    ['6h', '0 */6 * * *'],
    ['12 hours', '0 */12 * * *'],
    ['24h', '0 0 * * *'],
    ['1d', '0 0 * * *'],
    ['7d', '0 0 * * 0'],
    ['1w', '0 0 * * 0'],
  ])('%s -> %s', (every, cron) => {
    expect(everyToCron(every)).toBe(cron);
    expect(() => parseCron(cron)).not.toThrow();
  });

  it.each([
    ['45m', /cron cannot repeat that evenly \(45 does not divide 60 minutes\)/],
    ['90m', /1\.5|does not divide 24 hours|cron cannot repeat/],
    ['7m', /7 does not divide 60/],
    ['5h', /5 does not divide 24 hours/],
    ['2d', /day steps restart every month/],
    ['2w', /week steps/],
    ['0m', /must be positive/],
    ['15', /expected an interval like 15m/],
    ['15s', /expected an interval like 15m/],
    ['1h30m', /expected an interval like 15m/],
  ])('%s is refused', (every, want) => {
    expect(() => everyToCron(every)).toThrow(want);
  });
});
