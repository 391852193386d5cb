// "--every 15m" to a cron expression. Cron's steps restart at every hour, day and month, so only
// intervals that divide the next unit evenly keep a constant period: 45m would fire at :00 and :45
// (15 minutes apart across the hour), 5h at 20:00 and 00:00. Those are refused, not approximated.

import { InputError } from '../util/input-error.js';

const UNIT: Record<string, 'm' | 'h' | 'd' | 'w'> = {
  m: 'm',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  h: 'h',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
  d: 'd',
  day: 'd',
  days: 'd',
  w: 'w',
  week: 'w',
  weeks: 'w',
};

export function everyToCron(every: string): string {
  const m = /^\s*(\d+)\s*([a-z]+)\s*$/i.exec(every);
  const unit = m ? UNIT[m[2]!.toLowerCase()] : undefined;
  if (!m || !unit) throw new InputError(`--every "${every}": expected an interval like 15m, 1h, 6h, 1d or 1w`);
  const n = Number(m[1]);
  if (n === 0) throw new InputError(`--every "${every}": the interval must be positive`);
  const uneven = (hint: string) =>
    new InputError(
      `--every "${every}": cron cannot repeat that evenly (${hint}); pick one of ${hintsFor(unit)} or give a cron expression`,
    );
  switch (unit) {
    case 'm':
      if (n % 60 === 0) return everyToCron(`${n / 60}h`);
      if (60 % n !== 0) throw uneven(`${n} does not divide 60 minutes`);
      return n === 1 ? '* * * * *' : `*/${n} * * * *`;
    case 'h':
      if (n % 24 === 0) return everyToCron(`${n / 24}d`);
      if (24 % n !== 0) throw uneven(`${n} does not divide 24 hours`);
      return n === 1 ? '0 * * * *' : `0 */${n} * * *`;
    case 'd':
      if (n === 1) return '0 0 * * *';
      if (n === 7) return '0 0 * * 0';
      throw uneven('day steps restart every month');
    case 'w':
      if (n === 1) return '0 0 * * 0';
      throw uneven('week steps cannot be written in cron');
  }
}

function hintsFor(unit: 'm' | 'h' | 'd' | 'w'): string {
  if (unit === 'm') return '1m 2m 3m 4m 5m 6m 10m 12m 15m 20m 30m';
  if (unit === 'h') return '1h 2h 3h 4h 6h 8h 12h';
  return '1d or 1w';
}
