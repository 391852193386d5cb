import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StunServer } from '../../../src/lab/world/servers/stun-server.js';
import { retransmitSchedule, stunBinding } from '../../../src/net/stun.js';
import { abortAfter, freePort, step, within } from './helpers.js';

const ADDRESS = '127.0.80.1';
const server = new StunServer({ address: ADDRESS });
let port = 0;

beforeAll(async () => {
  ({ port } = await server.start());
});
afterAll(() => server.close());

const bind = (over: Partial<Parameters<typeof stunBinding>[0]> = {}) =>
  stunBinding({ ...step(), ip: ADDRESS, port, rtoMs: 100, ...over });

describe('retransmitSchedule', () => {
  it('follows RFC 5389: 0, RTO, 3 RTO, 7 RTO... within the timeout', () => {
    expect(retransmitSchedule(500, 39_500)).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(retransmitSchedule(100, 800)).toEqual([0, 100, 300, 700]);
    expect(retransmitSchedule(100, 50)).toEqual([0]);
  });
});

describe('stunBinding against the lab STUN server', () => {
  it('gets a Binding success whose XOR-MAPPED-ADDRESS is our own loopback address', async () => {
    const r = await bind({ target: 'whatsapp.call' });
    expect(r).toMatchObject({
      address: `${ADDRESS}:${port}`,
      transport: 'udp',
      failure: null,
      malformed: [],
      x_target: 'whatsapp.call',
      transaction_id: 7,
    });
    expect(r.stun_transaction_id).toMatch(/^[0-9a-f]{24}$/);
    expect(r.sent).toHaveLength(1);
    expect(r.response).toMatchObject({ class: 'success', message_type: 0x0101, software: 'voipprobe lab' });
    // The kernel picks 127.0.0.1 as the source address for every 127/8 destination.
    expect(r.response!.xor_mapped_address).toMatchObject({ family: 'IPv4', address: '127.0.0.1' });
    expect(r.response!.xor_mapped_address!.port).toBeGreaterThan(0);
    expect(r.response!.mapped_address).toEqual(r.response!.xor_mapped_address);
    expect(r.response!.t).toBeGreaterThanOrEqual(r.sent[0]!);
  });

  it('works over IPv6', async () => {
    const v6 = new StunServer({ address: '::1' });
    const { port: p6 } = await v6.start();
    try {
      const r = await bind({ ip: '::1', port: p6 });
      expect(r.address).toBe(`[::1]:${p6}`);
      expect(r.response!.xor_mapped_address).toMatchObject({ family: 'IPv6', address: '::1' });
    } finally {
      await v6.close();
    }
  });

  it('times out on silence, having retransmitted on schedule', async () => {
    await server.setBehaviour({ kind: 'silent' });
    const r = await bind({ timeoutMs: 800 });
    expect(r.failure).toBe('generic_timeout_error');
    expect(r.response).toBeNull();
    const offsets = r.sent.map((t) => (t - r.sent[0]!) * 1000);
    expect(offsets).toHaveLength(4);
    for (const [i, want] of [0, 100, 300, 700].entries()) expect(Math.abs(offsets[i]! - want)).toBeLessThan(50);
    expect(r.t - r.t0).toBeGreaterThanOrEqual(0.79);
  });

  it('reports connection_refused at once when no socket listens (ICMP port unreachable)', async () => {
    await server.setBehaviour({ kind: 'closed' });
    const r = await within(500, () => bind({ timeoutMs: 2000 }));
    expect(r.failure).toBe('connection_refused');
    expect(r.sent).toHaveLength(1);
    // Back to answering on the very same port.
    await server.setBehaviour({ kind: 'answer' });
    expect((await bind()).failure).toBeNull();
    const elsewhere = await freePort('127.0.80.2', 'udp');
    expect((await bind({ ip: '127.0.80.2', port: elsewhere })).failure).toBe('connection_refused');
  });

  it('records junk and still accepts the valid answer that follows', async () => {
    await server.setBehaviour({ kind: 'malformed', followWithAnswer: true });
    const r = await bind();
    expect(r.failure).toBeNull();
    expect(r.response!.class).toBe('success');
    expect(r.malformed).toHaveLength(1);
    expect(r.malformed[0]!.reason).toBe('first two bits are not zero');
    expect(Buffer.from(r.malformed[0]!.bytes_base64, 'base64').toString()).toContain('not a STUN message');
  });

  it('records junk on every retransmission and times out when nothing valid comes', async () => {
    await server.setBehaviour({ kind: 'malformed', bytes: Buffer.from('2112a442'.repeat(3), 'hex') });
    const r = await bind({ timeoutMs: 350 });
    expect(r.failure).toBe('generic_timeout_error');
    expect(r.malformed.map((m) => m.reason)).toEqual(
      Array(r.sent.length).fill('shorter than the 20-byte header (12 bytes)'),
    );
  });

  it('takes an error response as an answer from a reachable server', async () => {
    await server.setBehaviour({ kind: 'error', code: 401 });
    const r = await bind();
    expect(r.failure).toBeNull();
    expect(r.response).toMatchObject({ class: 'error', message_type: 0x0111, error_code: 401 });
  });

  it('is interrupted promptly by an abort', async () => {
    await server.setBehaviour({ kind: 'silent' });
    const r = await within(500, () => bind({ timeoutMs: 5000, signal: abortAfter(50) }));
    expect(r.failure).toBe('interrupted');
    expect((await bind({ signal: AbortSignal.abort() })).sent).toEqual([]);
    await server.setBehaviour({ kind: 'answer' });
  });

  it('throws on misuse', async () => {
    await expect(bind({ ip: 'stun.l.google.com' })).rejects.toThrow(TypeError);
    await expect(bind({ rtoMs: 0 })).rejects.toThrow(RangeError);
  });
});
