import { describe, expect, it } from 'vitest';
import { analyzeService } from '../../../src/analysis/service.js';
import type { ServiceCatalogue } from '../../../src/catalogue/load.js';
import { layerCell, pathCell, renderRunTable } from '../../../src/render/run-table.js';
import { CONTROLS_DOWN, CONTROLS_UP, obs, query, stun, tcp } from '../../support/obs.js';

const svc: ServiceCatalogue = {
  service: 'whatsapp',
  name: 'WhatsApp',
  file: 'whatsapp.json',
  sha256: '',
  targets: [
    { id: 'chat', role: 'chat', check: 'tcp', host: 'e1.whatsapp.net', ports: [5222], source: 'test', enabled: true },
    { id: 'relay', role: 'call', check: 'stun', host: '198.18.7.7', ports: [3478], answers_binding: true, source: 'test', enabled: true },
  ],
};
const o = obs({ queries: [query('e1.whatsapp.net', 'local', ['198.18.1.1'])], tcp_connect: [tcp('chat', '198.18.1.1', 5222, null)], x_stun: [stun('relay', '198.18.7.7:3478', 'silent')] });
const net = { public_ranges: ['198.18.0.0/15'], sinkholes: [] };

describe('layerCell / pathCell', () => {
  it.each([
    [undefined, '-'],
    [{ layer: 'tcp' as const, ok: 3, blocked: 0, failed: 0, inconclusive: 0, skipped: 0, techniques: [] }, 'ok 3'],
    [{ layer: 'tcp' as const, ok: 1, blocked: 2, failed: 0, inconclusive: 0, skipped: 0, techniques: ['tcp.reset' as const] }, 'blocked 2/3 tcp.reset'],
    [{ layer: 'tcp' as const, ok: 2, blocked: 0, failed: 1, inconclusive: 0, skipped: 0, techniques: [] }, 'ok 2/3, 1 failed'],
    [{ layer: 'tcp' as const, ok: 0, blocked: 0, failed: 0, inconclusive: 0, skipped: 4, techniques: [] }, 'skipped'],
  ])('%j → %s', (s, want) => {
    expect(layerCell(s)).toBe(want);
  });
  const counts = { ok: 0, blocked: 1, failed: 0, inconclusive: 0, skipped: 0, total: 1 };
  it('path cell names the technique, the evidence level of a call path and where it is stopped', () => {
    expect(pathCell({ path: 'call', status: 'blocked', techniques: ['udp.no_response'], strength: 'strong', counts, reason: '' })).toBe('blocked (udp.no_response)');
    expect(pathCell({ path: 'call', status: 'accessible', techniques: [], counts, call: { level: 'path_open' }, reason: '' })).toBe('accessible (path open)');
    expect(pathCell({ path: 'call', status: 'accessible', techniques: [], counts, call: { level: 'answered' }, reason: '' })).toBe('accessible (answered)');
    expect(pathCell({ path: 'call', status: 'blocked', techniques: ['udp.address_blocked'], strength: 'strong', counts, call: { level: 'blocked', where: { hop: 3, address: '192.0.2.1', asn: 6713, network: 'vantage' } }, reason: '' })).toBe('blocked (udp.address_blocked; hop 3 AS6713)');
    expect(pathCell({ path: 'call', status: 'blocked', techniques: ['udp.no_response'], strength: 'weak', counts, call: { level: 'blocked' }, reason: '' })).toBe('blocked (udp.no_response; weak)');
    expect(pathCell(undefined, 'not tested: unverified')).toBe('not tested');
  });
});

describe('renderRunTable', () => {
  it('one row per service with the call path and the verdict', () => {
    const v = analyzeService(svc, o, { controls: CONTROLS_UP, network: net });
    const text = renderRunTable({ verdicts: [v], controls: CONTROLS_UP, banner: 'SIMULATION' });
    const lines = text.split('\n');
    expect(lines[0]).toBe('SIMULATION');
    expect(lines[2]).toMatch(/^service\s+DNS\s+TCP\s+TLS\s+WebSocket\s+HTTPS\s+call path\s+verdict$/);
    const row = lines.find((l) => l.startsWith('whatsapp'))!;
    // A relay known to answer, silent, not localised: blocked, but weakly; from one endpoint, so the
    // service is only degraded (the weak-evidence rule, docs/verdicts.md).
    expect(row).toMatch(/ok 1\s+ok 1\s+-\s+-\s+-\s+blocked \(udp\.no_response; weak\)\s+degraded$/);
    expect(text).toContain('whatsapp: degraded — call blocked (udp.no_response) on weak evidence from a single endpoint');
  });
  it('says plainly when the network is down', () => {
    const v = analyzeService(svc, o, { controls: CONTROLS_DOWN, network: net });
    const text = renderRunTable({ verdicts: [v], controls: CONTROLS_DOWN });
    expect(text).toMatch(/^THE NETWORK LOOKS DOWN/);
    expect(text).toContain('every service: inconclusive');
    expect(text).not.toMatch(/\s(partially_)?blocked$/m);
  });
});
