import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Blackholes } from '../../../src/lab/world/servers/blackhole.js';
import { DEFAULT_TCP_REPLY, TcpServer } from '../../../src/lab/world/servers/tcp-server.js';
import { tcpConnect } from '../../../src/net/tcp.js';
import { abortAfter, freePort, step, within } from './helpers.js';

const WA_PREAMBLE = Buffer.from('WA\x05\x02', 'latin1');
const server = new TcpServer({ address: '127.0.60.1', behaviour: { kind: 'accept' } });
let port = 0;

beforeAll(async () => {
  ({ port } = await server.start());
});
afterAll(() => server.close());

const connect = (
  over: { ip?: string; port?: number; preamble?: Buffer; timeoutMs?: number; signal?: AbortSignal } = {},
) =>
  tcpConnect({
    ...step({ timeoutMs: over.timeoutMs ?? 3000, signal: over.signal, target: 'whatsapp.chat' }),
    ip: over.ip ?? '127.0.60.1',
    port: over.port ?? port,
    preamble: over.preamble,
    readWindowMs: 200,
  });

describe('tcpConnect', () => {
  it('connects', async () => {
    const c = await connect();
    expect(c).toMatchObject({
      ip: '127.0.60.1',
      port,
      status: { success: true, failure: null },
      transaction_id: 7,
      x_target: 'whatsapp.chat',
    });
    expect(c.x_after_write).toBeUndefined();
    expect(c.t).toBeGreaterThanOrEqual(c.t0);
  });

  it('writes a preamble and records the answer', async () => {
    await server.setBehaviour({ kind: 'accept' });
    const c = await connect({ preamble: WA_PREAMBLE });
    expect(c.status.success).toBe(true);
    expect(c.x_after_write).toMatchObject({ failure: null, bytes_received: DEFAULT_TCP_REPLY.length });
  });

  it('records a reset after the preamble while the connect itself succeeded', async () => {
    await server.setBehaviour({ kind: 'reset_on_data' });
    const c = await connect({ preamble: WA_PREAMBLE });
    expect(c.status).toEqual({ success: true, failure: null });
    expect(c.x_after_write).toMatchObject({ failure: 'connection_reset', bytes_received: 0 });
  });

  it('records a close without data after the preamble as eof_error', async () => {
    await server.setBehaviour({ kind: 'close_on_data' });
    const c = await connect({ preamble: WA_PREAMBLE });
    expect(c.x_after_write).toMatchObject({ failure: 'eof_error', bytes_received: 0 });
  });

  it('records silence after the preamble as no failure with no bytes', async () => {
    await server.setBehaviour({ kind: 'accept', reply: Buffer.alloc(0) });
    const c = await connect({ preamble: WA_PREAMBLE });
    expect(c.x_after_write).toMatchObject({ failure: null, bytes_received: 0 });
    expect(c.x_after_write!.t - c.t).toBeGreaterThanOrEqual(0.19);
  });

  it('is refused where nobody listens', async () => {
    const closed = await freePort('127.0.60.2', 'tcp');
    const c = await connect({ ip: '127.0.60.2', port: closed });
    expect(c.status).toEqual({ success: false, failure: 'connection_refused' });
  });

  it('times out against a blackhole, and the same port accepts again after switching back', async () => {
    await server.setBehaviour({ kind: 'blackhole' });
    const c = await within(900, () => connect({ timeoutMs: 300 }));
    expect(c.status).toEqual({ success: false, failure: 'generic_timeout_error' });
    expect(c.t - c.t0).toBeGreaterThanOrEqual(0.29);
    const aborted = await within(500, () => connect({ timeoutMs: 5000, signal: abortAfter(50) }));
    expect(aborted.status.failure).toBe('interrupted');
    await server.setBehaviour({ kind: 'accept' });
    expect((await connect()).status.success).toBe(true);
  });

  it('is interrupted in the read window by an abort', async () => {
    await server.setBehaviour({ kind: 'accept', reply: Buffer.alloc(0) });
    const c = await within(500, () =>
      tcpConnect({
        ...step({ signal: abortAfter(50) }),
        ip: '127.0.60.1',
        port,
        preamble: WA_PREAMBLE,
        readWindowMs: 5000,
      }),
    );
    expect(c.status.success).toBe(true);
    expect(c.x_after_write!.failure).toBe('interrupted');
    expect((await connect({ signal: AbortSignal.abort() })).status.failure).toBe('interrupted');
  });

  it('throws on misuse', async () => {
    await expect(connect({ ip: 'localhost' })).rejects.toThrow(TypeError);
    await expect(connect({ port: 70000 })).rejects.toThrow(RangeError);
  });
});

describe('Blackholes', () => {
  it('drops the SYNs to many ports from one worker, and frees them on close', async () => {
    const holes = await Blackholes.open([
      { address: '127.0.61.1', port: 0 },
      { address: '127.0.61.2', port: 0 },
      { address: '127.0.61.2', port: 0 },
    ]);
    const results = await Promise.all(holes.bound.map((b) => connect({ ip: b.address, port: b.port, timeoutMs: 300 })));
    expect(results.map((r) => r.status.failure)).toEqual([
      'generic_timeout_error',
      'generic_timeout_error',
      'generic_timeout_error',
    ]);
    await holes.close();
    expect((await connect({ ip: '127.0.61.1', port: holes.bound[0]!.port })).status.failure).toBe('connection_refused');
  });

  it('fails loudly when a port cannot be bound', async () => {
    await expect(Blackholes.open([{ address: '127.0.60.1', port }])).rejects.toThrow(
      /blackhole listen on 127\.0\.60\.1:\d+ failed/,
    );
  });
});
