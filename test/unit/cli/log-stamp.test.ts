import { describe, expect, it } from 'vitest';
import { logStamp, stampLines } from '../../../src/cli/log-stamp.js';

describe('stampLines', () => {
  it('starts every line with the UTC time, once per line however it is written', () => {
    const written: string[] = [];
    const stream = {
      write: (s: string | Uint8Array) => {
        written.push(String(s));
        return true;
      },
    } as unknown as NodeJS.WriteStream;
    let t = Date.parse('2026-11-26T10:15:03.456Z');
    stampLines(stream, () => new Date(t));
    stream.write('one\ntwo\n');
    stream.write('thr');
    t += 2000;
    stream.write('ee\nfour');
    stream.write(Buffer.from(' (cont.)\n'));
    stream.write('');
    expect(written.join('')).toBe(
      '2026-11-26T10:15:03Z one\n2026-11-26T10:15:03Z two\n2026-11-26T10:15:03Z three\n2026-11-26T10:15:05Z four (cont.)\n',
    );
    expect(logStamp(new Date('2026-01-02T03:04:05.999Z'))).toBe('2026-01-02T03:04:05Z');
  });
});
