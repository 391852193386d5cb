// The aggregation keeps counts and a bounded set of citations per group, whatever the number of lines.
import { describe, expect, it } from 'vitest';
import { Aggregator, dominantStatus, emptyCounts, recentRefs } from '../../../src/report/aggregate.js';
import { buildReport } from '../../../src/report/build.js';
import { normalise } from '../../../src/report/input.js';
import { measurement, NETWORKS, stream } from './helpers.js';

describe('Aggregator', () => {
  it('groups by service, path, vantage and day, with bounded citations', () => {
    const agg = new Aggregator();
    const times = ['2026-11-20 23:59:59', '2026-11-21 00:00:00'];
    for (let i = 0; i < 5000; i++) {
      const n = normalise(
        measurement({
          time: times[i % 2]!.replace(/:\d\d$/, `:${String(i % 60).padStart(2, '0')}`),
          call: i % 7 ? 'blocked' : 'accessible',
          chat: 'accessible',
        }),
      );
      if (n.ok) agg.add('r.jsonl', i + 1, n.obs);
    }
    const units = agg.units();
    expect(units.map((u) => u.path)).toEqual(['any', 'chat', 'call']);
    const call = units.find((u) => u.path === 'call')!;
    expect(call.counts).toEqual({ ...emptyCounts(), blocked: 4285, accessible: 715 });
    expect([...call.days.keys()].sort()).toEqual(['2026-11-20', '2026-11-21']);
    const recent = recentRefs(call);
    expect(recent.length).toBe(4); // two days, two statuses each: the latest of each
    expect(recent.map((r) => r.ref.time)).toEqual([...recent.map((r) => r.ref.time)].sort().reverse());
    for (const d of call.days.values()) expect(Object.keys(d.lastBy).sort()).toEqual(['accessible', 'blocked']);
    expect(call.techniques.get('udp.no_response')).toBe(4285);
    expect(agg.measurements).toBe(5000);
  });

  it('keeps vantages apart by network, access and label', () => {
    const agg = new Aggregator();
    for (const net of [NETWORKS.iamMobile, NETWORKS.iamFixed, NETWORKS.iamWifi, NETWORKS.inwiMobile]) {
      const n = normalise(measurement({ net, call: 'blocked' }));
      if (n.ok) agg.add('r.jsonl', 1, n.obs);
    }
    expect(new Set(agg.units().map((u) => u.vantage.key)).size).toBe(4);
  });

  it('dominant status: most measurements, a tie going to the more severe, inconclusive only when nothing is decisive', () => {
    expect(dominantStatus({ ...emptyCounts(), accessible: 3, blocked: 1 })).toBe('accessible');
    expect(dominantStatus({ ...emptyCounts(), accessible: 2, blocked: 2 })).toBe('blocked');
    expect(dominantStatus({ ...emptyCounts(), inconclusive: 9, degraded: 1 })).toBe('degraded');
    expect(dominantStatus({ ...emptyCounts(), inconclusive: 9 })).toBe('inconclusive');
  });
});

describe('normalise', () => {
  it.each([
    [{ x_verdict: null }, /x_verdict: missing/],
    [{ x_verdict: 'blocked' }, /x_verdict: not an object/],
    [{ x_verdict: { status: 'censored', paths: {} } }, /x_verdict\.status: unknown status "censored"/],
    [
      { x_verdict: { status: 'blocked', paths: { call: { status: 'down' } } } },
      /paths\.call\.status: unknown status "down"/,
    ],
    [{ x_verdict: { status: 'blocked', paths: [] } }, /paths: not an object/],
  ])('rejects %j', (tk, re) => {
    const m = measurement({ call: 'blocked' });
    const n = normalise({ ...m, test_keys: { ...m.test_keys, ...(tk as object) } } as never);
    expect(n.ok).toBe(false);
    expect(!n.ok && !n.controls && n.reason).toMatch(re);
  });

  it('sets the controls line aside and reads an unknown access label as unknown', () => {
    expect(normalise(measurement({ service: 'controls' }))).toEqual({ ok: false, controls: true });
    const m = measurement({ call: 'blocked' });
    const n = normalise({ ...m, x_access: 'satellite' } as never);
    expect(n.ok && n.obs.access).toBe('unknown');
  });

  it("credits the data sources the measurements carry, with the caller's, once each", async () => {
    const m = measurement({ call: 'blocked' });
    const credited = { ...m, annotations: { x_geoip_attribution: 'IP Geolocation by DB-IP' } };
    const r = await buildReport(stream([credited, credited, m]), [], { attributions: ['ASN data: RouteViews'] });
    expect(r.attributions).toEqual(['ASN data: RouteViews', 'IP Geolocation by DB-IP']);
  });

  it('buildReport counts lines without a usable verdict as unusable, and never as evidence', async () => {
    const m = measurement({ call: 'blocked' });
    const seen: string[] = [];
    const r = await buildReport(stream([m, { ...m, test_keys: { ...m.test_keys, x_verdict: null } }]), [], {
      onUnusable: (b) => seen.push(`${b.line}: ${b.reason}`),
    });
    expect(r.input.measurements).toBe(1);
    expect(r.input.bad_lines.unusable).toBe(1);
    expect(seen).toEqual(['2: test_keys.x_verdict: missing (no verdict for this service)']);
  });
});
