import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeMeasurement } from '../../../bench/support/measurement-fixture.js';
import { bundledAsnDb, lookupAsnInCsv, splitCsvRow } from '../../../src/vantage/asn-db.js';
import { bundledGeoDb, lookupMmdb } from '../../../src/vantage/geo-db.js';
import {
  addressesToScrub,
  applyIdentity,
  BUNDLED_ASN_ATTRIBUTION,
  BUNDLED_GEO_ATTRIBUTION,
  identifyVantage,
  interfacePublicAddresses,
  publicAddressesFromMeasurements,
} from '../../../src/vantage/identity.js';

const dir = mkdtempSync(join(tmpdir(), 'voipprobe-id-'));
const csv = (name: string, text: string) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};

describe('ASN CSV lookup (binary search on disk)', () => {
  const numeric = csv(
    'num.csv',
    `${[
      '16777216,16777471,13335,"Cloudflare, Inc."',
      '16778240,16779263,38803,Gtelecom Pty Ltd',
      '701890560,701891583,36903,"ONPT ""Maroc Telecom"" / IAM"',
      '3325256704,3325256959,64500,Last Net',
    ].join('\n')}\n`,
  );
  const text = csv(
    'text.csv',
    'ip_range_start,ip_range_end,autonomous_system_number,autonomous_system_organization\n1.0.0.0,1.0.0.255,13335,Cloudflare\n41.212.0.0,41.212.3.255,36903,IAM\n2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,64496,Doc Net\n',
  );

  it.each([
    [numeric, '1.0.0.0', 13335, 'Cloudflare, Inc.'],
    [numeric, '1.0.0.255', 13335, 'Cloudflare, Inc.'],
    [numeric, '1.0.4.7', 38803, 'Gtelecom Pty Ltd'],
    [numeric, '41.214.1.9', 36903, 'ONPT "Maroc Telecom" / IAM'],
    [numeric, '198.51.100.200', 64500, 'Last Net'],
    [text, '41.212.2.1', 36903, 'IAM'],
    [text, '2001:db8::42', 64496, 'Doc Net'],
  ])('%s: %s -> AS%i', async (file, ip, asn, org) => {
    expect(await lookupAsnInCsv(file, ip)).toEqual({ asn, organisation: org });
  });

  it.each([
    [numeric, '0.255.255.255'], // before the first range
    [numeric, '1.0.1.0'], // in a gap
    [numeric, '198.51.101.0'], // after the last range
    [text, '2001:db9::1'],
    [text, '203.0.113.9'],
  ])('%s: %s is not covered', async (file, ip) => {
    expect(await lookupAsnInCsv(file, ip)).toBeUndefined();
  });

  it('a file that is not a range CSV is a clear error', async () => {
    const junk = csv('junk.csv', 'hello\nworld\nthis is not csv\n'.repeat(50));
    await expect(lookupAsnInCsv(junk, '157.240.245.62')).rejects.toThrow(/not a "start,end,asn,organisation" row/);
    await expect(lookupAsnInCsv(join(dir, 'missing.csv'), '157.240.245.62')).rejects.toThrow(
      /cannot read ASN database: ENOENT/,
    );
  });

  it('splits quoted CSV fields', () => {
    expect(splitCsvRow('1,2,3,"a, ""b"" c"')).toEqual(['1', '2', '3', 'a, "b" c']);
  });

  it('looks up the bundled 60 MB database without loading it (RSS grows by less than 20 MB)', async () => {
    const before = process.memoryUsage().rss;
    expect(await lookupAsnInCsv(bundledAsnDb(4), '157.240.245.62')).toMatchObject({ asn: 32934 });
    expect(await lookupAsnInCsv(bundledAsnDb(6), '2001:4860:4860::8888')).toMatchObject({ asn: 15169 });
    expect(await lookupAsnInCsv(bundledAsnDb(4), '10.1.2.3')).toBeUndefined();
    expect(process.memoryUsage().rss - before).toBeLessThan(20 * 1024 * 1024);
  });

  it('reads the bundled DB-IP country MMDB (IPv4 and IPv6)', async () => {
    expect(await lookupMmdb(bundledGeoDb(), '157.240.245.62')).toMatchObject({ cc: 'US' });
    expect((await lookupMmdb(bundledGeoDb(), '2001:4860:4860::8888')).cc).toMatch(/^[A-Z]{2}$/);
    expect(await lookupMmdb(bundledGeoDb(), '127.0.0.1')).toEqual({});
  });
});

describe('identifyVantage', () => {
  it('labels win over the databases; the attribution names only what was looked up', async () => {
    const id = await identifyVantage({
      labels: {
        probe_asn: 'AS36925',
        probe_cc: 'MA',
        probe_network_name: 'Orange Maroc',
        access: 'mobile',
        vantage: 'casa-4g',
      },
      publicIp: '157.240.245.62',
    });
    expect(id).toMatchObject({
      probe_asn: 'AS36925',
      probe_cc: 'MA',
      probe_network_name: 'Orange Maroc',
      x_access: 'mobile',
      x_vantage: 'casa-4g',
      attribution: '',
    });
    expect(id.sources).toEqual({ asn: 'label', cc: 'label', network_name: 'label' });
  });

  it('maps the public address with the bundled databases and credits them', async () => {
    const id = await identifyVantage({ labels: { access: 'fixed' }, publicIp: '157.240.245.62' });
    expect(id).toMatchObject({
      probe_asn: 'AS32934',
      probe_cc: 'US',
      probe_network_name: 'Facebook, Inc.',
      x_access: 'fixed',
      x_vantage: 'as32934-fixed',
    });
    expect(id.attribution).toBe(`${BUNDLED_ASN_ATTRIBUTION}; ${BUNDLED_GEO_ATTRIBUTION}`);
    expect(id.attribution).toContain('IP Geolocation by DB-IP');
    expect(id.attribution).toMatch(/RouteViews.*NRO/);
  });

  it('a labelled ASN keeps its own network name (never the name of another ASN)', async () => {
    const id = await identifyVantage({ labels: { probe_asn: 'AS36925' }, publicIp: '157.240.245.62' });
    expect(id.probe_asn).toBe('AS36925');
    expect(id.probe_network_name).toBe('');
    expect(id.probe_cc).toBe('US');
  });

  it('uses --asn-db / --geo-db overrides and credits the files', async () => {
    const asnDb = csv('override.csv', '2649814272,2649814527,64511,Override Net\n'); // 157.240.245.0/24
    const geoDb = join(bundledGeoDb(), '..', 'dbip-country-ipv4.mmdb');
    const id = await identifyVantage({ labels: {}, publicIp: '157.240.245.62', asnDb, geoDb });
    expect(id).toMatchObject({ probe_asn: 'AS64511', probe_network_name: 'Override Net', probe_cc: 'US' });
    expect(id.attribution).toBe(`ASN data: ${asnDb}; Country data: ${geoDb}`);
  });

  it('unknown without an address, or with a private one: AS0 / ZZ / ""', async () => {
    for (const publicIp of [undefined, '192.168.1.10', 'garbage']) {
      const id = await identifyVantage({ labels: {}, publicIp });
      expect(id).toMatchObject({
        probe_asn: 'AS0',
        probe_cc: 'ZZ',
        probe_network_name: '',
        x_access: 'unknown',
        x_vantage: 'as0-unknown',
        attribution: '',
      });
    }
  });

  it('applyIdentity writes the envelope and the attribution annotation', () => {
    const m = applyIdentity(fakeMeasurement(0), {
      probe_asn: 'AS6713',
      probe_cc: 'MA',
      probe_network_name: 'IAM',
      x_access: 'wifi',
      x_vantage: 'rabat-wifi',
      attribution: BUNDLED_GEO_ATTRIBUTION,
      sources: { asn: 'label', cc: 'database', network_name: 'label' },
    });
    expect(m).toMatchObject({
      probe_asn: 'AS6713',
      probe_cc: 'MA',
      probe_network_name: 'IAM',
      x_access: 'wifi',
      x_vantage: 'rabat-wifi',
    });
    expect(m.annotations.x_geoip_attribution).toBe(BUNDLED_GEO_ATTRIBUTION);
  });
});

describe('public addresses', () => {
  it('takes the most frequent public STUN mapped address per family, ignoring bogons and failures', () => {
    const mk = (address: string, cls: 'success' | 'error' = 'success') => {
      const m = fakeMeasurement(0);
      m.test_keys.x_stun[0]!.response = {
        t: 0.1,
        message_type: 0x101,
        class: cls,
        xor_mapped_address: { family: address.includes(':') ? 'IPv6' : 'IPv4', address, port: 1 },
      };
      return m;
    };
    const got = publicAddressesFromMeasurements([
      mk('41.250.7.9'),
      mk('41.250.7.9'),
      mk('105.66.1.1'),
      mk('192.168.1.2'),
      mk('2a01:cb19::1'),
      mk('8.8.4.4', 'error'),
    ]);
    expect(got).toEqual({ ipv4: '41.250.7.9', ipv6: '2a01:cb19:0:0:0:0:0:1' });
    expect(publicAddressesFromMeasurements([])).toEqual({ ipv4: undefined, ipv6: undefined });
  });

  it('interface addresses: global ones only (the IPv6 a STUN answer may not reveal)', () => {
    const ifaces = {
      lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '', internal: true, cidr: null }],
      eth0: [
        { address: '192.168.1.5', netmask: '', family: 'IPv4', mac: '', internal: false, cidr: null },
        { address: 'fe80::1', netmask: '', family: 'IPv6', mac: '', internal: false, cidr: null, scopeid: 2 },
        {
          address: '2a01:cb19:8a:1200::4f',
          netmask: '',
          family: 'IPv6',
          mac: '',
          internal: false,
          cidr: null,
          scopeid: 0,
        },
      ],
    } as unknown as Parameters<typeof interfacePublicAddresses>[0];
    expect(interfacePublicAddresses(ifaces)).toEqual(['2a01:cb19:8a:1200::4f']);
    expect(addressesToScrub({ ipv4: '41.250.7.9' }, ['2a01:cb19:8a:1200::4f', '41.250.7.9'])).toEqual([
      '41.250.7.9',
      '2a01:cb19:8a:1200::4f',
    ]);
  });
});
