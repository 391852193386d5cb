import { describe, expect, it } from 'vitest';
import type { Catalogue } from '../../../src/catalogue/load.js';
import { PROFILES } from '../../../src/measure/call-signature.js';
import { DEFAULT_PER_FAMILY } from '../../../src/measure/run.js';
import { effectiveSettings, type RunSettings, settingsRecord } from '../../../src/session/settings.js';

const base: RunSettings = {
  catalogue: { dir: '/home/amina/probes', services: [], controls: {} } as unknown as Catalogue,
  timeoutMs: 2500,
  deadlineMs: 45_000,
  concurrency: 32,
  includeIp: false,
  resolvers: {},
  out: '/home/amina/results',
};

describe('the settings a run records in every line (x_settings)', () => {
  it('every default decided: per-family, IPv6 as this machine has it, localisation on', () => {
    expect(settingsRecord(effectiveSettings(base, () => true))).toEqual({
      timeout_s: 2.5,
      deadline_s: 45,
      concurrency: 32,
      per_family: DEFAULT_PER_FAMILY,
      ipv6: true,
      localise: true,
      include_ip: false,
      resolvers: {},
    });
    expect(
      settingsRecord(effectiveSettings({ ...base, ipv6: false, localise: false, perFamily: 1 }, () => true)),
    ).toMatchObject({ ipv6: false, localise: false, per_family: 1 });
  });

  it('resolvers as given, helpers by address only (never a token, user info or query), the test call by profile name, no local paths', () => {
    const s: RunSettings = {
      ...base,
      includeIp: true,
      resolvers: { local: ['127.0.0.1:53'], controlUdp: ['127.0.0.2:53'], doh: ['https://127.0.0.3/dns-query'] },
      helpers: [
        { url: 'https://helper.example.org:8443/v1?token=s3cret#x', token: 'bearer-s3cret' },
        { url: 'http://u:pw@127.0.0.9:81/' },
      ],
      callTest: { seconds: 20, profile: PROFILES.video },
      asnDb: '/home/amina/asn.csv',
    };
    const rec = settingsRecord(effectiveSettings(s, () => false));
    expect(rec).toMatchObject({
      include_ip: true,
      resolvers: { local: ['127.0.0.1:53'], control_udp: ['127.0.0.2:53'], doh: ['https://127.0.0.3/dns-query'] },
      helpers: ['https://helper.example.org:8443/v1', 'http://127.0.0.9:81/'],
      call_test: { seconds: 20, profile: 'video' },
    });
    const text = JSON.stringify(rec);
    for (const secret of ['s3cret', 'pw', 'amina']) expect(text).not.toContain(secret);
  });
});
