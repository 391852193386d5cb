import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { makeLogger } from '../../../src/cli/common.js';
import { InputError } from '../../../src/util/input-error.js';

// makeLogger hands out a stand-in that loads pino at the first message it must write (a run at the
// default level writes none). It must behave as pino does: these read what reaches stderr (fd 2, which
// pino writes synchronously).
const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');

function stderrOf(f: () => void): Record<string, unknown>[] {
  const original = fs.writeSync;
  const out: string[] = [];
  (fs as { writeSync: unknown }).writeSync = (fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd !== 2) return (original as (...a: unknown[]) => number)(fd, data, ...rest);
    out.push(String(data));
    return Buffer.byteLength(String(data));
  };
  try {
    f();
  } finally {
    (fs as { writeSync: unknown }).writeSync = original;
  }
  return out
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('makeLogger', () => {
  it('writes messages at and above its level, as pino lines, and drops the others', () => {
    const log = makeLogger('warn');
    const lines = stderrOf(() => {
      log.debug('not this');
      log.info({ a: 1 }, 'nor this');
      log.warn({ service: 'skype' }, 'this');
      log.error('and this');
    });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, 'this'],
      [50, 'and this'],
    ]);
    expect(lines[0]!.service).toBe('skype');
  });

  it('says its level and which levels it writes, before and after it has written', () => {
    const log = makeLogger('info');
    expect(log.level).toBe('info');
    expect(log.isLevelEnabled('debug')).toBe(false);
    expect(log.isLevelEnabled('info')).toBe(true);
    stderrOf(() => log.info('loaded now'));
    expect(log.level).toBe('info');
    expect(log.isLevelEnabled('debug')).toBe(false);
  });

  it('silent writes nothing; child loggers carry their bindings', () => {
    expect(stderrOf(() => makeLogger('silent').fatal('no'))).toEqual([]);
    const lines = stderrOf(() => makeLogger('debug').child({ run: 7 }).debug('in the child'));
    expect(lines).toMatchObject([{ level: 20, run: 7, msg: 'in the child' }]);
  });

  it('an unknown level is bad input', () => {
    expect(() => makeLogger('loud')).toThrow(InputError);
  });
});
