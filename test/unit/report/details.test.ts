// What a summary says beyond a path's status: strength, where on the path, call quality, evidence
// level. Read defensively from whatever the lines carry (the call-path and helper work adds fields),
// from the latest measurement, by the fast reader (reading that one line again) and from whole objects.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../src/report/build.js';
import { locationText, pathDetails, qualityOf, qualityWords } from '../../../src/report/details.js';
import { findingDetail } from '../../../src/report/render/text.js';
import { produceReport } from '../../../src/report/run.js';
import { measurement } from './helpers.js';

function withCallDetails(extra: Record<string, unknown>, time = '2026-11-23 10:00:00') {
  const m = measurement({ call: 'blocked', chat: 'accessible', web: 'accessible', time });
  const call = m.test_keys.x_verdict!.paths.call!;
  Object.assign(
    call,
    { strength: 'strong', reason: 'STUN to the relays silent while the STUN controls answered' },
    extra,
  );
  return m;
}

describe('pathDetails', () => {
  it("reads the probe's own shapes: the call path's `call` record (level, where) and the test call's service flow", () => {
    const m = withCallDetails({
      call: {
        level: 'blocked',
        where: { hop: 1, address: '198.18.0.1', asn: 64500, as_name: 'lab ISP', network: 'vantage' },
      },
    });
    const flow = (port_role: string, scrambled: boolean, mos: number, loss: number) => ({
      port_role,
      scrambled,
      mos,
      up: { loss_pct: loss, jitter_ms: 3 },
      down: { loss_pct: loss / 2, jitter_ms: 9 },
      rtt_ms: { p50: 41, p90: 60, max: 80 },
    });
    (m.test_keys.x_verdict as unknown as Record<string, unknown>).call_test = {
      status: 'throttled',
      mos: 2.9,
      flows: [flow('neutral', false, 4.3, 0), flow('service', true, 4.2, 0.5), flow('service', false, 2.9, 5)],
    };
    const d = pathDetails(m, 'call');
    expect(d.level).toBe('blocked');
    expect(d.location).toBe('hop 1 198.18.0.1 in AS64500 (lab ISP)');
    expect(d.quality).toEqual({ mos: 2.9, loss_pct: 5, jitter_ms: 9, rtt_ms: 41 });
  });

  it('reads strength, level, location and quality by their usual names', () => {
    const m = withCallDetails({
      level: 'path_open_to_relay_network',
      location: { hop: 4, asn: 'AS6713', network: 'Maroc Telecom' },
      quality: { mos: 2.1, loss_pct: 12.5, jitter_ms: 41.2, rtt_ms: 180 },
    });
    expect(pathDetails(m, 'call')).toEqual({
      reason: 'STUN to the relays silent while the STUN controls answered',
      strength: 'strong',
      level: 'path open to relay network',
      location: 'hop 4 in AS6713 (Maroc Telecom)',
      quality: { mos: 2.1, loss_pct: 12.5, jitter_ms: 41.2, rtt_ms: 180 },
    });
  });

  it("takes a test call's quality from the service verdict or the test keys when the path has none", () => {
    const m = withCallDetails({});
    (m.test_keys as unknown as Record<string, unknown>).x_call_quality = { MOS: 4.2, packet_loss_pct: 0.4, jitter: 6 };
    expect(pathDetails(m, 'call').quality).toEqual({ mos: 4.2, loss_pct: 0.4, jitter_ms: 6 });
    expect(pathDetails(m, 'chat').quality).toBeUndefined();
  });

  it('never fails on a shape it does not know', () => {
    for (const junk of [
      null,
      42,
      'x',
      [],
      { test_keys: { x_verdict: { paths: { call: { location: [1, 2], quality: 'great', level: 7 } } } } },
    ])
      expect(() => pathDetails(junk, 'call')).not.toThrow();
    expect(locationText({ summary: 'blocked at the border, in AS6713' })).toBe('blocked at the border, in AS6713');
    expect(locationText('x'.repeat(1000))!.length).toBeLessThanOrEqual(300);
    expect(qualityOf({ mos: Number.NaN })).toBeUndefined();
    expect(qualityWords({ mos: 3.94, loss_pct: 2, jitter_ms: 12.4 })).toBe('MOS 3.9, loss 2 %, jitter 12 ms');
  });
});

describe('details in the summary', () => {
  const extra = { location: 'after hop 3, in AS6713', quality: { mos: 1.8, loss_pct: 20 } };

  it('from whole measurements (the collector, the slow path)', async () => {
    async function* lines() {
      const m = withCallDetails(extra);
      yield { file: 'r.jsonl', line: 1, measurement: m, raw: m };
    }
    const r = await buildReport(lines(), [], { now: new Date('2026-11-24T00:00:00Z') });
    const f = r.summary.findings.find((x) => x.path === 'call')!;
    expect(f).toMatchObject({
      state: 'blocked',
      strength: 'strong',
      details: { location: 'after hop 3, in AS6713', quality: { mos: 1.8, loss_pct: 20 } },
    });
    expect(findingDetail(f)).toMatch(
      /strong evidence; how: udp.no_response; where: after hop 3, in AS6713; call quality: MOS 1\.8, loss 20 %/,
    );
  });

  it('from results files read by the fast reader: the latest line is read again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vp-details-'));
    const older = withCallDetails({ location: 'an older location' }, '2026-11-22 10:00:00');
    const latest = withCallDetails(extra);
    writeFileSync(join(dir, 'a.jsonl'), `${JSON.stringify(older)}\n${JSON.stringify(latest)}\n`);
    const r = await produceReport({ paths: [dir], jobs: 1 });
    const f = r.summary.findings.find((x) => x.path === 'call')!;
    expect(f.details).toMatchObject({ location: 'after hop 3, in AS6713', quality: { mos: 1.8, loss_pct: 20 } });
    expect(f).toMatchObject({ runs_with_state: 2, decisive_runs: 2, strength: 'strong' });
  });
});
