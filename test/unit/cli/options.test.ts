import { describe, expect, it } from 'vitest';
import { recordedOptions } from '../../../src/cli/run.js';

describe('recordedOptions', () => {
  it('keeps the flags, withholds local paths and secrets', () => {
    expect(
      recordedOptions([
        '--service',
        'whatsapp',
        '--ca-file',
        '/home/amina/lab-ca.pem',
        '--out=/home/amina/r',
        '--timeout',
        '2',
        '--config',
        'c.json',
        '--json',
      ]),
    ).toEqual([
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

describe('localisationNotice', () => {
  it('says once, in plain words, what a run that needed path localisation could not do', async () => {
    const { localisationNotice } = await import('../../../src/cli/run.js');
    expect(localisationNotice({ localisation: { wanted: false } })).toBeUndefined();
    expect(
      localisationNotice({
        localisation: {
          wanted: true,
          capability: { available: true, path: '/usr/sbin/traceroute', compare: 'tcp', version: '2.1.2' },
        },
      }),
    ).toBeUndefined();
    expect(
      localisationNotice({
        localisation: {
          wanted: true,
          capability: { available: false, reason: 'the `traceroute` program is not installed' },
        },
      }),
    ).toMatch(
      /^path localisation unavailable: the `traceroute` program is not installed; call relays that ignore strangers .* stay inconclusive/,
    );
    expect(
      localisationNotice({
        localisation: {
          wanted: true,
          capability: { available: true, path: 'x', compare: 'none', version: '2', note: 'runs without root: …' },
        },
      }),
    ).toBe('path localisation runs without root: …');
  });
});
