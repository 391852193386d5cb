import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, loadConfig, mergeLabels, readTokenFile } from '../../../src/config/config.js';
import { InputError } from '../../../src/util/input-error.js';

const dir = mkdtempSync(join(tmpdir(), 'voipprobe-cfg-'));
const write = (name: string, text: string) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};

describe('voipprobe.config.json', () => {
  it('loads a full config; relative paths are resolved against the file', () => {
    const f = write(
      'full.json',
      JSON.stringify({
        labels: {
          probe_asn: 'AS36925',
          probe_cc: 'MA',
          probe_network_name: 'Orange Maroc',
          access: 'mobile',
          vantage: 'casa-orange-4g',
        },
        services: ['whatsapp', 'skype'],
        timeouts: { step: 5, deadline: 90 },
        concurrency: 64,
        collector: { url: 'https://collector.example.org', token_file: 'secrets/token' },
        spool_dir: 'spool',
        asn_db: '/opt/asn.csv',
        jitter: 60,
      }),
    );
    const { file, config } = loadConfig(f);
    expect(file).toBe(f);
    expect(config.labels.access).toBe('mobile');
    expect(config.collector).toEqual({
      url: 'https://collector.example.org',
      token_file: join(dir, 'secrets/token'),
      protocol: 'report',
      timeout: 30,
    });
    expect(config.spool_dir).toBe(join(dir, 'spool'));
    expect(config.asn_db).toBe('/opt/asn.csv');
    expect(config.include_ip).toBe(false);
  });

  it('defaults when no file is given or found: include_ip false, spool under results/', () => {
    const { file, config } = loadConfig(undefined, dir);
    expect(file).toBeUndefined();
    expect(config.include_ip).toBe(false);
    expect(config.spool_dir).toBe(join(dir, 'results/spool'));
  });

  it('finds ./voipprobe.config.json in the working directory', () => {
    const sub = mkdtempSync(join(dir, 'cwd-'));
    writeFileSync(join(sub, 'voipprobe.config.json'), '{"labels":{"vantage":"box-1"}}');
    expect(loadConfig(undefined, sub).config.labels.vantage).toBe('box-1');
  });

  const errorCases: [string, string, RegExp][] = [
    [
      'bad-asn.json',
      '{\n  "labels": {\n    "probe_asn": "36925"\n  }\n}',
      /bad-asn\.json:3:18: labels\.probe_asn: must look like "AS36925"/,
    ],
    ['bad-access.json', '{"labels": {"access": "satellite"}}', /bad-access\.json:1:23: labels\.access: /],
    ['unknown-key.json', '{\n "colector": {}\n}', /unknown-key\.json:1:1: \(root\): Unrecognized key: "colector"/],
    ['bad-url.json', '{"collector": {"url": "ftp://x"}}', /collector\.url: must be an http:\/\/ or https:\/\/ URL/],
    [
      'both-tokens.json',
      '{"collector": {"url": "http://x", "token": "a", "token_file": "b"}}',
      /collector\.token_file: give either "token" or "token_file", not both/,
    ],
    ['syntax.json', '{\n  "labels": {,}\n}', /syntax\.json:2:14: invalid JSON/],
    [
      'stray-bracket.json',
      '{\n  "services": ["whatsapp"]],\n  "jitter": 5\n}',
      /stray-bracket\.json:2:27: invalid JSON: unexpected "\]"; expected "," or "}"/,
    ],
    [
      'trailing-comma.json',
      '{\n  "services": [\n    "whatsapp",\n  ]\n}',
      /trailing-comma\.json:3:15: invalid JSON: a comma before "\]"/,
    ],
    ['deep.json', `{"labels": ${'['.repeat(20_000)}`, /deep\.json:1:\d+: invalid JSON: nested deeper than 64 levels/],
    ['include-ip.json', '{"include_ip": "yes"}', /include_ip: Invalid input: expected boolean/],
  ];
  it.each(errorCases)('%s: error names file, line and field', (name, text, want) => {
    const f = write(name, text);
    let err: unknown;
    try {
      loadConfig(f);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(want);
  });

  it('a missing file given with --config is an error naming it', () => {
    expect(() => loadConfig(join(dir, 'nope.json'))).toThrow(/nope\.json: cannot read config: ENOENT/);
  });

  it('the committed JSON Schema is the one the code validates with', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../../src/config/voipprobe.config.schema.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(configJsonSchema());
  });
});

describe('labels from flags', () => {
  it('flags win and are validated with the same rules', () => {
    expect(
      mergeLabels(
        { probe_asn: 'AS1', access: 'fixed' },
        { probeAsn: '36925', probeCc: 'ma', access: 'mobile', vantage: 'x' },
      ),
    ).toEqual({
      probe_asn: 'AS36925',
      probe_cc: 'MA',
      access: 'mobile',
      vantage: 'x',
    });
    expect(() => mergeLabels({}, { access: 'cable' })).toThrow(/--access: /);
    expect(() => mergeLabels({}, { probeCc: 'MAR' })).toThrow(/--probe-cc: must be two upper-case letters/);
    expect(() => mergeLabels({}, { vantage: 'has space' })).toThrow(/--vantage: /);
  });

  it('token files: first non-empty line; empty is an error', () => {
    expect(readTokenFile(write('tok', '\n  s3cret-token-value \nignored\n'))).toBe('s3cret-token-value');
    expect(() => readTokenFile(write('empty-tok', '\n\n'))).toThrow(/token file is empty/);
  });
});
