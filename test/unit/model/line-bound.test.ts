import { describe, expect, it } from 'vitest';
import { fakeMeasurement } from '../../../bench/support/measurement-fixture.js';
import { boundMeasurement, MAX_LINE_BYTES } from '../../../src/model/line-bound.js';
import type { Measurement } from '../../../src/model/measurement.js';

const bytes = (m: Measurement) => Buffer.byteLength(JSON.stringify(m));

/** The field report: one STUN exchange met 4,702 malformed datagrams (a 7.7 MB line). */
function flooded(): Measurement {
  const m = fakeMeasurement(1, { service: 'whatsapp' });
  m.test_keys.x_stun[0]!.malformed = Array.from({ length: 4702 }, (_, i) => ({
    t: i / 1000,
    reason: 'not STUN',
    bytes_base64: Buffer.alloc(1200, i & 0xff).toString('base64'),
  }));
  m.test_keys.x_verdict = {
    status: 'blocked',
    evidence: [{ key: 'x_stun', index: 0 }],
  } as unknown as Measurement['test_keys']['x_verdict'];
  return m;
}

describe('boundMeasurement', () => {
  it('leaves a line within the bound as it is (the same object)', () => {
    const m = fakeMeasurement(2);
    expect(boundMeasurement(m)).toBe(m);
  });

  it('bounds the 7.7 MB STUN flood to 1 MiB, cutting only the flood, and says what it cut', () => {
    const m = flooded();
    expect(bytes(m)).toBeGreaterThan(7_000_000);
    const out = boundMeasurement(m);
    expect(bytes(out)).toBeLessThanOrEqual(MAX_LINE_BYTES);
    const note = out.test_keys.x_trimmed!;
    expect(note).toMatchObject({ max_line_bytes: MAX_LINE_BYTES, original_bytes: bytes(m), more_cuts: 0 });
    expect(note.cuts).toEqual([
      {
        path: 'test_keys.x_stun[0].malformed',
        unit: 'items',
        kept: out.test_keys.x_stun[0]!.malformed.length,
        dropped: 4702 - out.test_keys.x_stun[0]!.malformed.length,
      },
    ]);
    expect(out.test_keys.x_stun[0]!.malformed.length).toBeGreaterThan(100); // the bound is used, not wasted
    // Everything else is whole: the other records, the verdict and what its evidence points to.
    for (const k of ['queries', 'tcp_connect', 'tls_handshakes'] as const)
      expect(out.test_keys[k]).toEqual(m.test_keys[k]);
    expect(out.test_keys.x_verdict).toEqual(m.test_keys.x_verdict);
    expect(out.test_keys.x_stun[0]!.malformed[0]).toEqual(m.test_keys.x_stun[0]!.malformed[0]);
    expect({ ...out, test_keys: undefined }).toEqual({ ...m, test_keys: undefined });
    // The input is not changed, and bounding again changes nothing.
    expect(m.test_keys.x_stun[0]!.malformed).toHaveLength(4702);
    expect(boundMeasurement(out)).toBe(out);
  });

  it('cuts the largest strings evenly, keeps the small ones whole, and counts the cuts it does not list', () => {
    const m = fakeMeasurement(3);
    m.test_keys.requests = Array.from({ length: 40 }, (_, i) => ({
      request: { method: 'GET', url: `https://x${i}.example/`, headers_list: [] },
      response: {
        code: 200,
        headers_list: [['Server', 'x']],
        body: 'b'.repeat(i < 36 ? 50_000 : 100),
        body_is_truncated: false,
      },
      failure: null,
      t0: 0,
      t: 1,
      transaction_id: i,
    }));
    const out = boundMeasurement(m, 1_000_000);
    expect(bytes(out)).toBeLessThanOrEqual(1_000_000);
    const bodies = out.test_keys.requests.map((r) => r.response!.body.length);
    expect(new Set(bodies.slice(0, 36)).size).toBe(1); // one cap for all
    expect(bodies.slice(36)).toEqual([100, 100, 100, 100]);
    expect(out.test_keys.requests).toHaveLength(40);
    expect(out.test_keys.x_trimmed!.cuts).toHaveLength(32);
    expect(out.test_keys.x_trimmed!.more_cuts).toBe(4);
    expect(out.test_keys.x_trimmed!.cuts[0]).toMatchObject({
      path: 'test_keys.requests[0].response.body',
      unit: 'bytes',
    });
  });

  it('cuts the records themselves only when keeping each of them cannot fit, and says so', () => {
    const m = fakeMeasurement(4);
    m.test_keys.tcp_connect = Array.from({ length: 20_000 }, (_, i) => ({
      ip: '198.18.0.1',
      port: i,
      status: { success: true, failure: null },
      t0: 0,
      t: 1,
      transaction_id: i,
    }));
    const out = boundMeasurement(m, 200_000);
    expect(bytes(out)).toBeLessThanOrEqual(200_000);
    expect(out.test_keys.tcp_connect.length).toBeLessThan(20_000);
    expect(out.test_keys.x_trimmed!.cuts.some((c) => c.path === 'test_keys.tcp_connect' && c.unit === 'items')).toBe(
      true,
    );
  });

  it('never splits a surrogate pair', () => {
    const m = fakeMeasurement(5);
    m.test_keys.x_stun[0]!.malformed = [{ t: 0, reason: '😀'.repeat(50_000), bytes_base64: '' }];
    const out = boundMeasurement(m, 20_000);
    const reason = out.test_keys.x_stun[0]!.malformed[0]!.reason;
    expect(reason.length % 2).toBe(0);
    expect(reason).toMatch(/^(😀)+$/u);
  });
});
