// The scenario table itself: complete, consistent with the catalogue, and a comparison that fails
// when a verdict differs.
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../../src/catalogue/load.js';
import { PATHS } from '../../../src/catalogue/schema.js';
import {
  callLevelsOf,
  censorshipClaims,
  compareWithScenario,
  LAB_ASN,
  SCENARIOS,
  type Scenario,
  scenarioById,
} from '../../../src/lab/world/scenarios.js';
import type {
  CallEvidenceLevel,
  ControlVerdict,
  EvidenceStrength,
  GroupVerdict,
  PathStatus,
  PathVerdict,
  ServiceVerdict,
} from '../../../src/model/verdict.js';
import { TECHNIQUES } from '../../../src/model/verdict.js';

const catalogue = loadCatalogue();
const services = new Set(catalogue.services.map((s) => s.service));

describe('SCENARIOS', () => {
  it('covers the first twelve scenarios (10 and 11 split in two), the attacks on the verdicts (13a-g) and the call-path ones, each id once', () => {
    expect(SCENARIOS.map((s) => s.id)).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10a',
      '10b',
      '11a',
      '11b',
      '12',
      '13a',
      '13b',
      '13c',
      '13d',
      '13e',
      '13f',
      '13g',
      'c1',
      'c2',
      'c3',
    ]);
  });

  it.each(SCENARIOS.map((s) => [s.id, s] as const))(
    'scenario %s names real services, paths and techniques',
    (_id, s) => {
      for (const a of s.actions) {
        if ('service' in a) expect(services.has(a.service), a.service).toBe(true);
        if ('services' in a) for (const x of a.services) expect(services.has(x), x).toBe(true);
      }
      for (const [name, v] of Object.entries(s.expect)) {
        expect(services.has(name), name).toBe(true);
        const parts = [v, ...Object.values(v.groups ?? {})];
        for (const p of parts) {
          for (const [path, pv] of Object.entries(p.paths ?? {})) {
            expect(PATHS).toContain(path);
            for (const t of pv?.techniques ?? []) expect(TECHNIQUES).toContain(t);
          }
        }
        const groups = new Set(
          catalogue.services
            .find((x) => x.service === name)!
            .targets.map((t) => t.group)
            .filter(Boolean),
        );
        for (const g of Object.keys(v.groups ?? {})) expect(groups.has(g), `${name}/${g}`).toBe(true);
      }
      expect(s.title.length).toBeGreaterThan(5);
      expect(s.notes.length).toBeGreaterThan(40);
    },
  );

  it("marks the outages (servers down, dead uplink, relays' network down) and the servers whose TLS defeats the probe as false-positive checks", () => {
    expect(SCENARIOS.filter((s) => s.noCensorship).map((s) => s.id)).toEqual(['11a', '11b', '13a', '13b', '13c', 'c2']);
    for (const s of SCENARIOS.filter((x) => x.noCensorship)) {
      for (const v of Object.values(s.expect)) expect(['blocked', 'partially_blocked']).not.toContain(v.status);
    }
  });

  it('models Morocco 2016 as the issue states it, located in the ISP', () => {
    const m = scenarioById('9')!;
    expect(m.expect.whatsapp).toMatchObject({
      status: 'partially_blocked',
      paths: {
        call: { status: 'blocked', techniques: ['udp.address_blocked'], stoppedInAsn: LAB_ASN.isp },
        chat: { status: 'accessible' },
      },
    });
    // Viber's calls are not tested (no sourced relay): the scenario expects nothing of them.
    expect(Object.keys(m.expect).sort()).toEqual(['skype', 'whatsapp']);
    expect(m.controls).toMatchObject({ network: 'up', stun: 'open' });
  });

  it('the call levels of working call paths follow from the catalogue', () => {
    expect(callLevelsOf(catalogue)).toEqual({
      whatsapp: 'path_open',
      skype: 'path_open',
      'skype/teams': 'path_open',
      meet: 'path_open',
      signal: 'answered',
      telegram: 'answered',
    });
  });
});

// --- compareWithScenario over hand-made verdicts --------------------------------------------------

const controlsUp: ControlVerdict = {
  network: 'up',
  dns: { ok: true, doh_ok: true, udp_ok: true, local_ok: true },
  tls: { ok: true, median_handshake_s: 0.01 },
  udp: { ok: true },
  stun: { answered_ports: [3478, 19302], silent_ports: [], classification: 'open', blocked_ports: [] },
  reason: 'test',
};

/** A blocked status brings its strength (strong unless said). */
const withStrength = <T extends object>(o: T, status: PathStatus, strength: EvidenceStrength = 'strong') =>
  status === 'blocked' || status === 'partially_blocked' ? { ...o, status, strength } : { ...o, status };

const path = (
  p: PathVerdict['path'],
  status: PathStatus,
  techniques: PathVerdict['techniques'] = [],
  strength?: EvidenceStrength,
): PathVerdict =>
  withStrength(
    {
      path: p,
      techniques,
      counts: { ok: 0, blocked: 0, failed: 0, inconclusive: 0, skipped: 0, total: 0 },
      reason: 'test',
    },
    status,
    strength,
  );

const group = (
  service: string,
  status: PathStatus,
  paths: Partial<Record<PathVerdict['path'], PathVerdict>>,
): GroupVerdict => withStrength({ service, paths, layers: {}, reason: 't' }, status);

const svc = (
  service: string,
  status: PathStatus,
  paths: PathVerdict[],
  groups?: ServiceVerdict['groups'],
): ServiceVerdict =>
  withStrength(
    {
      service,
      paths: Object.fromEntries(paths.map((p) => [p.path, p])),
      layers: {},
      ...(groups ? { groups } : {}),
      targets: [],
      controls: controlsUp,
      reason: 'test',
    },
    status,
  );

const at = (level: CallEvidenceLevel, asn?: number): Pick<PathVerdict, 'call'> => ({
  call: { level, ...(asn ? { where: { hop: 1, address: '198.18.0.1', asn, network: 'vantage' as const } } : {}) },
});
const callLevels = callLevelsOf(catalogue);
const morocco = scenarioById('9') as Scenario;
const moroccoVerdicts = (): ServiceVerdict[] => [
  svc('whatsapp', 'partially_blocked', [
    path('chat', 'accessible'),
    path('web', 'accessible'),
    { ...path('call', 'blocked', ['udp.address_blocked']), ...at('blocked', LAB_ASN.isp) },
  ]),
  svc('viber', 'accessible', [path('web', 'accessible')]),
  svc(
    'skype',
    'partially_blocked',
    [
      path('chat', 'accessible'),
      path('web', 'accessible'),
      { ...path('call', 'partially_blocked', ['udp.address_blocked']), ...at('blocked', LAB_ASN.isp) },
    ],
    {
      'skype-legacy': group('skype/skype-legacy', 'accessible', {
        chat: path('chat', 'accessible'),
        web: path('web', 'accessible'),
      }),
      teams: group('skype/teams', 'partially_blocked', {
        chat: path('chat', 'accessible'),
        web: path('web', 'accessible'),
        call: { ...path('call', 'partially_blocked', ['udp.address_blocked']), ...at('blocked', LAB_ASN.isp) },
      }),
    },
  ),
  svc('meet', 'accessible', [path('web', 'accessible'), { ...path('call', 'accessible'), ...at('path_open') }]),
];

describe('compareWithScenario', () => {
  it('accepts a run that matches exactly', () => {
    expect(compareWithScenario(morocco, moroccoVerdicts(), controlsUp, { callLevels })).toEqual([]);
  });

  it('reports a wrong service status, path status, technique, group, evidence level, place and controls', () => {
    const v = moroccoVerdicts();
    v[0]!.paths.call = { ...path('call', 'blocked', ['udp.refused']), ...at('blocked', LAB_ASN.transit) };
    v[1] = { ...v[1]!, status: 'blocked', strength: 'strong' };
    v[2]!.groups!.teams = { ...v[2]!.groups!.teams!, status: 'accessible', strength: undefined };
    v[3]!.paths.call = { ...path('call', 'accessible'), ...at('answered') };
    const diff = compareWithScenario(
      morocco,
      v,
      {
        ...controlsUp,
        network: 'partial',
        stun: { ...controlsUp.stun, classification: 'port_blocked', blocked_ports: [3478] },
      },
      { callLevels },
    );
    expect(diff.join('\n')).toMatch(/whatsapp call: techniques \[udp.refused\], expected \[udp.address_blocked\]/);
    expect(diff.join('\n')).toMatch(/whatsapp call: packets stop in AS64510 \(hop 1\), expected AS64500/);
    expect(diff.join('\n')).toMatch(/viber: status blocked, expected accessible/);
    expect(diff.join('\n')).toMatch(/skype\/teams: status accessible, expected partially_blocked/);
    expect(diff.join('\n')).toMatch(/meet call: evidence answered, expected path_open/);
    expect(diff.join('\n')).toMatch(/controls: network partial, expected up/);
    expect(diff.join('\n')).toMatch(/controls: STUN port_blocked, expected open/);
  });

  it('checks the evidence strength where the scenario names it (interception must be strong)', () => {
    const intercept = scenarioById('13d')!;
    const web = (strength: EvidenceStrength) => [
      svc('whatsapp', 'partially_blocked', [
        path('chat', 'accessible'),
        path('web', 'blocked', ['tls.cert_invalid'], strength),
        path('call', 'accessible'),
      ]),
    ];
    expect(compareWithScenario(intercept, web('weak'), controlsUp).join('\n')).toMatch(
      /whatsapp web: weak evidence, expected strong/,
    );
    expect(compareWithScenario(intercept, web('strong'), controlsUp)).toEqual([]);
  });

  it('requires every expected service to be measured', () => {
    const diff = compareWithScenario(
      morocco,
      moroccoVerdicts().filter((v) => v.service !== 'whatsapp'),
      controlsUp,
      { callLevels },
    );
    expect(diff).toContain('whatsapp: expected a verdict, the run has none');
  });

  it('on loopback, a working call path known only by localisation is expected inconclusive; an answered one stays accessible', () => {
    const clean = scenarioById('1')!;
    const v = [
      svc('meet', 'inconclusive', [
        path('web', 'accessible'),
        { ...path('call', 'inconclusive'), ...at('inconclusive') },
      ]),
      svc('signal', 'accessible', [path('web', 'accessible'), { ...path('call', 'accessible'), ...at('answered') }]),
    ];
    expect(compareWithScenario(clean, v, controlsUp, { lab: 'loopback', callLevels })).toEqual([]);
    expect(compareWithScenario(clean, v, controlsUp, { lab: 'netns', callLevels }).join('\n')).toMatch(
      /meet: status inconclusive, expected accessible/,
    );
    // Scenario 9 states its own loopback expectation.
    const lv = moroccoVerdicts();
    lv[0] = svc('whatsapp', 'inconclusive', [
      path('chat', 'accessible'),
      path('web', 'accessible'),
      path('call', 'inconclusive'),
    ]);
    lv[2] = svc(
      'skype',
      'inconclusive',
      [path('chat', 'accessible'), path('web', 'accessible'), path('call', 'inconclusive')],
      {
        'skype-legacy': group('skype/skype-legacy', 'accessible', {
          chat: path('chat', 'accessible'),
          web: path('web', 'accessible'),
        }),
        teams: group('skype/teams', 'inconclusive', {
          chat: path('chat', 'accessible'),
          web: path('web', 'accessible'),
          call: path('call', 'inconclusive'),
        }),
      },
    );
    lv[3] = svc('meet', 'inconclusive', [path('web', 'accessible'), path('call', 'inconclusive')]);
    expect(compareWithScenario(morocco, lv, controlsUp, { lab: 'loopback', callLevels })).toEqual([]);
  });

  it('holds unlisted services to `others` (dead uplink: inconclusive)', () => {
    const dead = scenarioById('11b')!;
    const down = { ...controlsUp, network: 'down' as const };
    expect(compareWithScenario(dead, [svc('tango', 'inconclusive', [path('web', 'inconclusive')])], down)).toEqual([]);
    expect(compareWithScenario(dead, [svc('tango', 'accessible', [path('web', 'accessible')])], down)).toHaveLength(2);
  });
});

describe('censorshipClaims', () => {
  it('finds blocked or partially blocked anywhere, down to a single target', () => {
    const v = svc('whatsapp', 'inconclusive', [path('chat', 'inconclusive')]);
    expect(censorshipClaims([v])).toEqual([]);
    v.targets.push({
      target: 'chat-e1',
      role: 'chat',
      path: 'chat',
      status: 'blocked',
      technique: 'tcp.reset',
      strength: 'strong',
      informational: false,
      layers: [],
      reason: 't',
      address: '127.0.0.1',
      port: 1,
    });
    expect(censorshipClaims([v])).toEqual(['whatsapp target chat-e1 127.0.0.1:1: blocked (tcp.reset)']);
  });
});
