// OONI Probe measurements as evidence: each experiment read for the paths it covers (never calls),
// with the caveats of OONI's own analysis; measurements in OONI's published format (fixtures written
// from ooni/spec: ts-018 whatsapp, ts-029 signal, ts-020 telegram, ts-019 facebook_messenger,
// ts-025 stunreachability, ts-017 web_connectivity).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadClaims } from '../../../src/claims/load.js';
import { explorerUrl, readOoni, serviceOfUrl, versionLess } from '../../../src/report/ooni.js';
import { produceReport } from '../../../src/report/run.js';

const FIXTURE = join(import.meta.dirname, '..', '..', 'fixtures', 'ooni', 'morocco.jsonl');
const fixtures = readFileSync(FIXTURE, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, unknown>);

const endpoints = (failure: string | null, n = 4) =>
  Array.from({ length: n }, (_, i) => ({
    ip: `31.13.64.${50 + i}`,
    port: i % 2 ? 5222 : 443,
    status: { failure, success: failure === null },
  }));
const req = (url: string, failure: string | null) => ({ request: { url }, failure });
function whatsapp(
  o: {
    endpoints?: string | null;
    reg?: string | null;
    web?: string | null;
    time?: string;
    sw?: [string, string];
    extra?: Record<string, unknown>;
  } = {},
) {
  return {
    test_name: 'whatsapp',
    test_version: '0.11.0',
    measurement_start_time: o.time ?? '2025-05-01 10:00:00',
    software_name: o.sw?.[0] ?? 'ooniprobe-cli',
    software_version: o.sw?.[1] ?? '3.24.0',
    report_id: '20250501T100000Z_whatsapp_MA_6713_n1_x',
    test_keys: {
      tcp_connect: endpoints(o.endpoints ?? null),
      requests: [
        req('https://v.whatsapp.net/v2/register', o.reg ?? null),
        req('https://web.whatsapp.com/', o.web ?? null),
      ],
      // The probe's own status keys, which OONI's analysis does not trust (probe-engine issue 341).
      registration_server_status: 'blocked',
      whatsapp_endpoints_status: 'blocked',
      whatsapp_web_status: 'blocked',
      ...o.extra,
    },
  };
}
const paths = (r: ReturnType<typeof readOoni>) => Object.fromEntries((r?.paths ?? []).map((p) => [p.path, p.status]));

describe('readOoni: whatsapp', () => {
  it("reads the requests and TCP connects, not the probe's status keys; never measures calls", () => {
    const r = readOoni(whatsapp());
    expect(paths(r)).toEqual({ chat: 'accessible', web: 'accessible' });
    expect(r!.status).toBe('inconclusive'); // chat and web work, calls unmeasured: never "accessible"
    expect(r!.covers).toMatch(/not calls/);
  });

  it('chat endpoints and registration reset: chat blocked, strong (a reset)', () => {
    const r = readOoni(whatsapp({ endpoints: 'connection_reset', reg: 'connection_reset' }));
    expect(r!.paths[0]).toMatchObject({
      path: 'chat',
      status: 'blocked',
      strength: 'strong',
      techniques: ['ooni:connection_reset'],
    });
    expect(r!.status).toBe('partially_blocked');
  });

  it("one endpoint that connects is enough for the endpoints (OONI's rule); timeouts are weak", () => {
    const tk = whatsapp({ reg: 'generic_timeout_error' });
    tk.test_keys.tcp_connect = [...endpoints('generic_timeout_error', 3), ...endpoints(null, 1)];
    expect(readOoni(tk)!.paths[0]).toMatchObject({ status: 'partially_blocked', strength: 'weak' });
  });

  it.each([
    [
      'an unknown_failure anywhere',
      whatsapp({ extra: { whatsapp_web_failure: 'unknown_failure: boom' } }),
      /unknown_failure/,
    ],
    ['no requests recorded', { ...whatsapp(), test_keys: { tcp_connect: endpoints(null) } }, /no HTTP requests/],
    [
      'ooniprobe 2.2.0 sent to an unsupported-browser page',
      whatsapp({ web: 'generic_timeout_error', sw: ['ooniprobe', '2.2.0'] }),
      /known false positive/,
    ],
    [
      "WhatsApp's own outage of January 2026 (port 5222 worldwide)",
      whatsapp({ endpoints: 'generic_timeout_error', time: '2026-01-18 10:00:00' }),
      /ooni\/probe issue 2869/,
    ],
  ])('could not tell: %s', (_name, m, why) => {
    const r = readOoni(m)!;
    expect(r.paths.some((p) => p.status === 'inconclusive' && why.test(p.reason))).toBe(true);
    expect(r.paths.every((p) => p.status !== 'blocked')).toBe(true);
  });
});

describe('readOoni: the other experiments', () => {
  const signal = (tv: string, time: string, status = 'blocked', ev = '3.20.0') => ({
    test_name: 'signal',
    test_version: tv,
    measurement_start_time: time,
    annotations: { engine_version: ev },
    test_keys: {
      failed_operation: null,
      failure: null,
      signal_backend_status: status,
      signal_backend_failure: status === 'blocked' ? 'connection_reset' : null,
    },
  });
  it.each([
    ['0.2.5', '2025-01-01 00:00:00', '3.20.0', 'blocked'],
    ['0.2.4', '2024-01-01 00:00:00', '3.20.0', 'inconclusive'], // ooni/probe issue 2636
    ['0.2.3', '2023-12-01 00:00:00', '3.20.0', 'inconclusive'], // retired endpoint (issue 2627)
    ['0.2.1', '2022-11-01 00:00:00', '3.20.0', 'inconclusive'],
    ['0.2.5', '2023-06-01 00:00:00', '3.17.1', 'inconclusive'], // ooni/backend issue 679
    ['0.2.3', '2023-01-01 00:00:00', '3.20.0', 'blocked'],
  ])('signal %s on %s (engine %s): %s', (tv, time, ev, status) => {
    expect(readOoni(signal(tv, time, 'blocked', ev))!.paths[0]!.status).toBe(status);
  });

  it('telegram: data centres partly unreachable is partly blocked (not "ok" as one success would say)', () => {
    const r = readOoni({
      test_name: 'telegram',
      test_keys: {
        tcp_connect: endpoints(null, 2).concat(endpoints('generic_timeout_error', 2)),
        requests: [
          req('http://149.154.175.50/', null),
          req('http://149.154.167.51/', 'generic_timeout_error'),
          req('https://web.telegram.org/', null),
        ],
        telegram_web_status: 'ok',
        telegram_tcp_blocking: false,
        telegram_http_blocking: false,
      },
    });
    expect(paths(r)).toEqual({ chat: 'partially_blocked', web: 'accessible' });
  });

  it("facebook_messenger: DNS answers outside Meta's network alone are not blocking", () => {
    const r = readOoni({
      test_name: 'facebook_messenger',
      test_keys: {
        facebook_b_api_reachable: true,
        facebook_edge_reachable: true,
        facebook_edge_dns_consistent: false,
        facebook_dns_blocking: true,
      },
    });
    expect(r).toMatchObject({
      service: 'messenger',
      paths: [{ status: 'accessible', reason: expect.stringMatching(/not counted/) }],
    });
  });

  it('stunreachability: evidence about the network (service "stun"), never about a service', () => {
    const r = readOoni({
      test_name: 'stunreachability',
      test_keys: { endpoint: 'stun.example.net:3478', failure: 'generic_timeout_error' },
    });
    expect(r).toMatchObject({
      service: 'stun',
      status: 'inconclusive',
      paths: [{ path: 'call', status: 'blocked', strength: 'weak' }],
    });
  });

  it("web_connectivity: a service's site is its web path; an anomaly is weak; other sites are not evidence", () => {
    const wc = (input: string, blocking: unknown, accessible: unknown = false) => ({
      test_name: 'web_connectivity',
      input,
      test_keys: { blocking, accessible },
    });
    expect(readOoni(wc('https://www.viber.com/', 'http-diff'))).toMatchObject({
      service: 'viber',
      paths: [{ path: 'web', status: 'blocked', strength: 'weak' }],
    });
    expect(readOoni(wc('https://web.whatsapp.com/', false, true))!.paths[0]!.status).toBe('accessible');
    expect(readOoni(wc('https://www.skype.com/', null, null))!.paths[0]!.status).toBe('inconclusive');
    expect(readOoni(wc('https://www.example.org/', 'dns'))).toBeNull();
    expect(serviceOfUrl('https://chat.signal.org/x', new Map())).toBe('signal');
    expect(serviceOfUrl('https://cdn.example.net/', new Map([['cdn.example.net', 'tango']]))).toBe('tango');
  });

  it('tests that say nothing about calling services are not evidence', () => {
    expect(readOoni({ test_name: 'ndt', test_keys: {} })).toBeNull();
  });

  it('versions compare by number; OONI Explorer links cite the measurement', () => {
    expect(versionLess('0.2.9', '0.2.10')).toBe(true);
    expect(versionLess('0.2.3', '0.2.3')).toBe(false);
    expect(explorerUrl({ measurement_uid: '2016_MA_whatsapp_1' })).toBe(
      'https://explorer.ooni.org/m/2016_MA_whatsapp_1',
    );
    expect(explorerUrl({ report_id: 'R', input: 'https://a/' })).toBe(
      'https://explorer.ooni.org/measurement/R?input=https%3A%2F%2Fa%2F',
    );
  });
});

describe('a report over OONI data', () => {
  it('judges a 2016 claim in its own period, cites OONI report ids, and never tests calls from OONI', async () => {
    const r = await produceReport({ paths: [FIXTURE], now: new Date('2026-11-30T00:00:00Z') });
    expect(r.input).toMatchObject({ measurements: 6, ooni: 6, duplicates: 1 });
    const v = (id: string) => r.verdicts.find((x) => x.claim.id === id)!;
    // Yabiladi (2016): blocked on the three operators; OONI measured Maroc Telecom in February 2016.
    expect(v('004-03')).toMatchObject({
      verdict: 'consistent',
      evidence_sources: ['ooni'],
      not_measured: { operators: ['Inwi', 'Meditel'] },
    });
    expect(v('004-03').evidence[0]).toMatchObject({
      report_id: expect.stringMatching(/_whatsapp_MA_6713_n1_/),
      link: expect.stringMatching(/^https:\/\/explorer\.ooni\.org\//),
    });
    // DeepDotWeb: calls blocked on mobile. OONI has no call test.
    expect(v('000-02')).toMatchObject({
      verdict: 'not_tested',
      reasons: [expect.stringMatching(/OONI Probe's experiments do not measure calls/)],
    });
    // STUN to a public server is about the network: held against no claim.
    expect(r.verdicts.flatMap((x) => x.checks).some((c) => c.service === 'stun')).toBe(false);
    // Rows say who measured.
    expect(r.summary.measured.every((m) => m.vantage.source === 'ooni' && m.vantage.label === 'OONI Probe')).toBe(true);
    expect(r.summary.findings.find((f) => f.service === 'signal')).toMatchObject({
      state: 'could_not_tell',
      why: expect.stringMatching(/0\.2\.4/),
    });
  });

  it("the fixtures are OONI's format: base keys of df-000 and the test keys of each spec", () => {
    for (const m of fixtures) {
      for (const k of [
        'annotations',
        'data_format_version',
        'measurement_start_time',
        'probe_asn',
        'probe_cc',
        'report_id',
        'software_name',
        'test_keys',
        'test_name',
        'test_version',
      ])
        expect(m, `${String(m.test_name)}: ${k}`).toHaveProperty(k);
      expect(m.test_name === 'voipprobe').toBe(false);
    }
    expect(loadClaims().claims.length).toBeGreaterThan(0);
  });
});
