// A parser for the 5-field expressions system cron (Vixie/Debian cron) accepts, and nothing more:
// an expression croner or Quartz would take (seconds, years, L, W, #, ?) would be silently
// misread or refused by the crontab it is installed into, so it is refused here, with the reason.

import { InputError } from '../util/input-error.js';

export interface CronField {
  /** Sorted allowed values. */
  values: number[];
  /** The field started with "*" ("*" or "*\/n"): Vixie cron's day-matching rule depends on it. */
  star: boolean;
}

export interface CronSchedule {
  /** The expression as given (macros like @hourly expanded). */
  expression: string;
  minute: CronField;
  hour: CronField;
  dayOfMonth: CronField;
  month: CronField;
  /** 0-6, Sunday = 0 (7 is folded into 0). */
  dayOfWeek: CronField;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] as const;
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 0, max: 7, names: DAYS },
];

/** The macros Vixie cron understands (except @reboot, which is not a schedule). */
const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function bad(expr: string, msg: string): never {
  throw new InputError(`invalid cron expression "${expr}": ${msg}`);
}

function parseValue(expr: string, spec: FieldSpec, tok: string, allowNames: boolean): number {
  if (/^\d+$/.test(tok)) {
    const n = Number(tok);
    if (n < spec.min || n > spec.max) bad(expr, `${spec.name} value ${n} is out of range ${spec.min}-${spec.max}`);
    return n;
  }
  const idx = spec.names?.indexOf(tok.toLowerCase() as never) ?? -1;
  if (idx >= 0 && allowNames) return spec.name === 'month' ? idx + 1 : idx;
  if (idx >= 0) bad(expr, `${spec.name}: names like "${tok}" cannot be used in a step`);
  if (/[LW#?]/i.test(tok)) {
    bad(expr, `${spec.name} "${tok}": L, W, # and ? are Quartz/croner extensions that system cron does not understand`);
  }
  const hint = spec.names ? ` (or a name: ${spec.names.join(', ')})` : '';
  bad(expr, `${spec.name}: "${tok}" is not a number from ${spec.min} to ${spec.max}${hint}`);
}

function parseField(expr: string, spec: FieldSpec, text: string): CronField {
  if (text === '') bad(expr, `${spec.name} is empty`);
  const set = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') bad(expr, `${spec.name}: empty item in list "${text}"`);
    const [rangePart, stepPart, extra] = item.split('/');
    if (extra !== undefined) bad(expr, `${spec.name}: "${item}" has more than one "/"`);
    let step = 1;
    if (stepPart !== undefined) {
      if (!/^\d+$/.test(stepPart) || Number(stepPart) === 0)
        bad(expr, `${spec.name}: step "${stepPart}" must be a positive integer`);
      step = Number(stepPart);
    }
    let lo: number;
    let hi: number;
    if (rangePart === '*') {
      lo = spec.min;
      hi = spec.name === 'day-of-week' ? 6 : spec.max;
    } else if (rangePart!.includes('-')) {
      const [a, b, more] = rangePart!.split('-');
      if (more !== undefined || !a || !b) bad(expr, `${spec.name}: "${rangePart}" is not a range like 1-5`);
      lo = parseValue(expr, spec, a, true);
      hi = parseValue(expr, spec, b, true);
      if (lo > hi) bad(expr, `${spec.name}: range ${rangePart} runs backwards (system cron refuses it)`);
    } else {
      if (stepPart !== undefined)
        bad(expr, `${spec.name}: a step needs a range or "*" ("${item}"; write ${rangePart}-${spec.max}/${stepPart})`);
      lo = hi = parseValue(expr, spec, rangePart!, true);
    }
    for (let v = lo; v <= hi; v += step) set.add(spec.name === 'day-of-week' && v === 7 ? 0 : v);
  }
  return { values: [...set].sort((a, b) => a - b), star: text.startsWith('*') };
}

export function parseCron(input: string): CronSchedule {
  const trimmed = input.trim();
  if (trimmed === '') throw new InputError('invalid cron expression: it is empty');
  let expr = trimmed;
  if (expr.startsWith('@')) {
    const macro = MACROS[expr.toLowerCase()];
    if (expr.toLowerCase() === '@reboot') bad(trimmed, '@reboot runs once at boot, not on a schedule');
    if (!macro) bad(trimmed, `unknown macro; use one of ${Object.keys(MACROS).join(', ')}`);
    expr = macro;
  }
  const fields = expr.split(/\s+/);
  if (fields.length === 6 || fields.length === 7) {
    bad(
      trimmed,
      `${fields.length} fields given; system cron takes exactly 5 (minute hour day-of-month month day-of-week), no seconds or year field`,
    );
  }
  if (fields.length !== 5)
    bad(
      trimmed,
      `${fields.length} field${fields.length === 1 ? '' : 's'} given; expected 5 (minute hour day-of-month month day-of-week)`,
    );
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields.map((f, i) => parseField(trimmed, FIELDS[i]!, f)) as [
    CronField,
    CronField,
    CronField,
    CronField,
    CronField,
  ];
  return { expression: expr, minute, hour, dayOfMonth, month, dayOfWeek };
}

/**
 * Vixie cron's day rule: when either day field starts with "*", both must match; when both are
 * restricted, either may match ("0 0 1 * mon" runs on the 1st and on every Monday).
 */
export function dayMatches(s: CronSchedule, dayOfMonth: number, dayOfWeek: number): boolean {
  const dom = s.dayOfMonth.values.includes(dayOfMonth);
  const dow = s.dayOfWeek.values.includes(dayOfWeek);
  return s.dayOfMonth.star || s.dayOfWeek.star ? dom && dow : dom || dow;
}
