import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareRunContext } from '../../../src/config/run-context.js';
import { applyConfig } from '../../../src/config/run-settings.js';
import { BUNDLED_ASN_ATTRIBUTION } from '../../../src/vantage/identity.js';

const dir = mkdtempSync(join(tmpdir(), 'voipprobe-runctx-'));
const cfg = join(dir, 'voipprobe.config.json');
writeFileSync(join(dir, 'token'), 'a-token-for-the-collector\n');
writeFileSync(
  cfg,
  JSON.stringify({
    labels: { access: 'mobile', vantage: 'casa-4g' },
    services: ['whatsapp'],
    timeouts: { step: 3, deadline: 45 },
    concurrency: 32,
    collector: { url: 'http://127.0.0.1:9', token_file: 'token' },
    include_ip: false,
    jitter: 30,
  }),
);

describe('run context (config + vantage + submission, resolved before measuring)', () => {
  it('labels from the config, flags win; identify() maps the public address and credits the data', async () => {
    const ctx = await prepareRunContext({ config: cfg, vantage: 'rabat-4g', submit: true });
    expect(ctx.initial).toEqual({
      probe_asn: 'AS0',
      probe_cc: 'ZZ',
      probe_network_name: '',
      x_access: 'mobile',
      x_vantage: 'rabat-4g',
    });
    expect(ctx.submit).toMatchObject({
      spoolDir: join(dir, 'results/spool'),
      collector: { url: 'http://127.0.0.1:9', token: 'a-token-for-the-collector', protocol: 'report' },
    });
    const id = await ctx.identify(['2a03:2880:f2ff:c0:face:b00c:0:167', '157.240.245.62']);
    expect(id.vantage).toEqual({
      probe_asn: 'AS32934',
      probe_cc: 'US',
      probe_network_name: 'Facebook, Inc.',
      x_access: 'mobile',
      x_vantage: 'rabat-4g',
    });
    expect(id.attribution).toContain(BUNDLED_ASN_ATTRIBUTION);
    expect((await ctx.identify([])).vantage.probe_asn).toBe('AS0');
  });

  it('bad input stops the run before it starts', async () => {
    await expect(prepareRunContext({ config: cfg, access: 'satellite' })).rejects.toThrow(/--access: /);
    await expect(prepareRunContext({ submit: true, config: join(dir, 'missing.json') })).rejects.toThrow(
      /cannot read config/,
    );
    const noCollector = join(dir, 'bare.json');
    writeFileSync(noCollector, '{}');
    await expect(prepareRunContext({ config: noCollector, submit: true })).rejects.toThrow(/no collector to submit to/);
    await expect(prepareRunContext({ config: noCollector, asnDb: join(dir, 'nope.csv') })).rejects.toThrow(
      /--asn-db .*nope\.csv: cannot read: ENOENT/,
    );
  });

  it('config values fill the values not given on the command line, typed (no flag strings)', async () => {
    const { config } = await prepareRunContext({ config: cfg });
    const defaults = { timeoutMs: 5000, deadlineMs: 60_000, concurrency: 128, includeIp: false };
    const unscheduled = { scheduled: false, givenOnCli: () => false };
    expect(applyConfig(defaults, config, unscheduled)).toEqual({
      services: ['whatsapp'],
      timeoutMs: 3000,
      deadlineMs: 45_000,
      concurrency: 32,
      includeIp: false,
    });
    // The config's jitter is for scheduled runs only; --jitter on the command line always wins.
    expect(applyConfig(defaults, config, { scheduled: true, givenOnCli: () => false })).toMatchObject({
      jitterMs: 30_000,
    });
    expect(
      applyConfig({ ...defaults, jitterMs: 5000 }, config, { scheduled: true, givenOnCli: (k) => k === 'jitter' }),
    ).toMatchObject({ jitterMs: 5000 });
    const given = { ...defaults, timeoutMs: 9000, services: ['viber'] };
    expect(
      applyConfig(given, config, { scheduled: false, givenOnCli: (k) => k === 'timeout' || k === 'service' }),
    ).toMatchObject({ services: ['viber'], timeoutMs: 9000, deadlineMs: 45_000 });
  });
});
