import { describe, expect, it } from 'vitest';
import { recordedOptions } from '../../../src/cli/run.js';

describe('recordedOptions', () => {
  it('keeps the flags, withholds local paths and secrets', () => {
    expect(recordedOptions(['--service', 'whatsapp', '--ca-file', '/home/amina/lab-ca.pem', '--out=/home/amina/r', '--timeout', '2', '--config', 'c.json', '--json'])).toEqual([
      '--service',
      'whatsapp',
      '--ca-file',
      '[withheld]',
      '--out=[withheld]',
      '--timeout',
      '2',
      '--config',
      '[withheld]',
      '--json',
    ]);
  });
});
