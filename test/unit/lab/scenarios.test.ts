// The scenario table itself: complete, consistent with the catalogue, and a comparison that fails
// when a verdict differs.
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../../src/catalogue/load.js';
import { PATHS } from '../../../src/catalogue/schema.js';
import { censorshipClaims, compareWithScenario, SCENARIOS, scenarioById, type Scenario } from '../../../src/lab/scenarios.js';
import type { ControlVerdict, PathVerdict, ServiceVerdict } from '../../../src/model/verdict.js';
import { TECHNIQUES } from '../../../src/model/verdict.js';

const catalogue = loadCatalogue();
const services = new Set(catalogue.services.map((s) => s.service));

describe('SCENARIOS', () => {
  it("covers the issue's twelve scenarios (10 and 11 split in two) and the attacks on the verdicts (13a-g), each id once", () => {
    expect(SCENARIOS.map((s) => s.id)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10a', '10b', '11a', '11b', '12', '13a', '13b', '13c', '13d', '13e', '13f', '13g']);
  });

  it.each(SCENARIOS.map((s) => [s.id, s] as const))('scenario %s names real services, paths and techniques', (_id, s) => {
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
      const groups = new Set(catalogue.services.find((x) => x.service === name)!.targets.map((t) => t.group).filter(Boolean));
      for (const g of Object.keys(v.groups ?? {})) expect(groups.has(g), `${name}/${g}`).toBe(true);
    }
    expect(s.title.length).toBeGreaterThan(5);
    expect(s.notes.length).toBeGreaterThan(40);
  });

  it('marks the outage, the dead uplink and the servers whose TLS defeats the probe as false-positive checks', () => {
    expect(SCENARIOS.filter((s) => s.noCensorship).map((s) => s.id)).toEqual(['11a', '11b', '13a', '13b', '13c']);
    for (const s of SCENARIOS.filter((x) => x.noCensorship)) {
      for (const v of Object.values(s.expect)) expect(['blocked', 'partially_blocked']).not.toContain(v.status);
    }
  });

  it('models Morocco 2016 as the issue states it', () => {
    const m = scenarioById('9')!;
    expect(m.expect.whatsapp).toMatchObject({ status: 'partially_blocked', paths: { call: { status: 'blocked', techniques: ['udp.no_response'] }, chat: { status: 'accessible' } } });
    expect(Object.keys(m.expect).sort()).toEqual(['skype', 'viber', 'whatsapp']);
    expect(m.controls).toMatchObject({ network: 'up', stun: 'open' });
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

const path = (p: PathVerdict['path'], status: PathVerdict['status'], techniques: PathVerdict['techniques'] = []): PathVerdict => ({
  path: p,
  status,
  techniques,
  counts: { ok: 0, blocked: 0, failed: 0, inconclusive: 0, skipped: 0, total: 0 },
  reason: 'test',
});

const svc = (service: string, status: ServiceVerdict['status'], paths: PathVerdict[], groups?: ServiceVerdict['groups']): ServiceVerdict => ({
  service,
  status,
  paths: Object.fromEntries(paths.map((p) => [p.path, p])),
  layers: {},
  ...(groups ? { groups } : {}),
  targets: [],
  controls: controlsUp,
  reason: 'test',
});

const morocco = scenarioById('9') as Scenario;
const moroccoVerdicts = (): ServiceVerdict[] => [
  svc('whatsapp', 'partially_blocked', [path('chat', 'accessible'), path('web', 'accessible'), path('call', 'blocked', ['udp.no_response'])]),
  svc('viber', 'partially_blocked', [path('chat', 'accessible'), path('web', 'accessible'), path('call', 'blocked', ['udp.no_response'])]),
  svc('skype', 'partially_blocked', [path('chat', 'accessible'), path('web', 'accessible'), path('call', 'blocked', ['udp.no_response'])], {
    'skype-legacy': { service: 'skype/skype-legacy', status: 'accessible', paths: { chat: path('chat', 'accessible'), web: path('web', 'accessible') }, layers: {}, reason: 't' },
    teams: { service: 'skype/teams', status: 'partially_blocked', paths: { chat: path('chat', 'accessible'), web: path('web', 'accessible'), call: path('call', 'blocked', ['udp.no_response']) }, layers: {}, reason: 't' },
  }),
  svc('meet', 'accessible', [path('web', 'accessible'), path('call', 'accessible')]),
];

describe('compareWithScenario', () => {
  it('accepts a run that matches exactly', () => {
    expect(compareWithScenario(morocco, moroccoVerdicts(), controlsUp)).toEqual([]);
  });

  it('reports a wrong service status, path status, technique, group and controls', () => {
    const v = moroccoVerdicts();
    v[0]!.paths.call = path('call', 'blocked', ['udp.refused']);
    v[1]!.status = 'blocked';
    v[2]!.groups!.teams!.status = 'accessible';
    v[3]!.paths.call = path('call', 'partially_blocked', ['udp.no_response']);
    const diff = compareWithScenario(morocco, v, { ...controlsUp, network: 'partial', stun: { ...controlsUp.stun, classification: 'port_blocked', blocked_ports: [3478] } });
    expect(diff.join('\n')).toMatch(/whatsapp call: techniques \[udp.refused\], expected \[udp.no_response\]/);
    expect(diff.join('\n')).toMatch(/viber: status blocked, expected partially_blocked/);
    expect(diff.join('\n')).toMatch(/skype\/teams: status accessible, expected partially_blocked/);
    expect(diff.join('\n')).toMatch(/meet call: partially_blocked, expected accessible/);
    expect(diff.join('\n')).toMatch(/controls: network partial, expected up/);
    expect(diff.join('\n')).toMatch(/controls: STUN port_blocked, expected open/);
  });

  it('checks the evidence strength where the scenario names it (interception must be strong)', () => {
    const intercept = scenarioById('13d')!;
    const weakWeb = { ...path('web', 'blocked', ['tls.cert_invalid']), strength: 'weak' as const };
    const v = [svc('whatsapp', 'partially_blocked', [path('chat', 'accessible'), weakWeb, path('call', 'accessible')])];
    expect(compareWithScenario(intercept, v, controlsUp).join('\n')).toMatch(/whatsapp web: weak evidence, expected strong/);
    weakWeb.strength = 'strong' as never;
    expect(compareWithScenario(intercept, v, controlsUp)).toEqual([]);
  });

  it('requires every expected service to be measured', () => {
    const diff = compareWithScenario(morocco, moroccoVerdicts().filter((v) => v.service !== 'viber'), controlsUp);
    expect(diff).toContain('viber: expected a verdict, the run has none');
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
    v.targets.push({ target: 'chat-e1', role: 'chat', path: 'chat', status: 'blocked', technique: 'tcp.reset', informational: false, layers: [], reason: 't', address: '127.0.0.1', port: 1 });
    expect(censorshipClaims([v])).toEqual(['whatsapp target chat-e1 127.0.0.1:1: blocked (tcp.reset)']);
  });
});
