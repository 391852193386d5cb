import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLabCa, type LabCa } from '../../../src/lab/world/pki.js';
import { TlsServer } from '../../../src/lab/world/servers/tls-server.js';
import { trustStore } from '../../../src/net/tls.js';
import { wsUpgrade } from '../../../src/net/ws.js';
import { abortAfter, step, within } from './helpers.js';

const ADDRESS = '127.0.72.1';
const ORIGIN = 'https://web.whatsapp.com';
let ca: LabCa;
let server: TlsServer;
let port = 0;

beforeAll(async () => {
  ca = await createLabCa();
  server = new TlsServer({ address: ADDRESS, ca, names: ['web.whatsapp.com'] });
  server
    .webSocket('web.whatsapp.com', '/ws/chat', { kind: 'accept', origins: [ORIGIN] })
    .webSocket('web.whatsapp.com', '/ws/refused', {
      kind: 'refuse',
      status: 403,
      headers: { 'X-Filter': 'lab' },
      body: 'Blocked by policy',
    })
    .webSocket('web.whatsapp.com', '/ws/reset', { kind: 'reset' });
  ({ port } = await server.start());
});
afterAll(() => server.close());

const upgrade = (path: string, over: Partial<Parameters<typeof wsUpgrade>[0]> = {}) =>
  wsUpgrade({
    ...step(),
    url: `wss://web.whatsapp.com:${port}${path}`,
    ip: ADDRESS,
    origin: ORIGIN,
    ca: trustStore([ca.certPem]),
    ...over,
  });

describe('wsUpgrade to a given IP', () => {
  it('upgrades with the Origin header: 101 and its headers', async () => {
    const r = await upgrade('/ws/chat', { target: 'whatsapp.web' });
    expect(r).toMatchObject({
      status: 101,
      failure: null,
      x_failed_operation: null,
      origin: ORIGIN,
      address: `${ADDRESS}:${port}`,
      x_target: 'whatsapp.web',
    });
    expect(r.url).toBe(`wss://web.whatsapp.com:${port}/ws/chat`);
    expect(r.headers_list.map(([k, v]) => [k.toLowerCase(), v.toLowerCase()])).toContainEqual(['upgrade', 'websocket']);
    expect(r.body).toBeUndefined();
    expect(r.t).toBeGreaterThan(r.t0);
  });

  it('is refused with 403 when the Origin is not the one the service expects', async () => {
    const r = await upgrade('/ws/chat', { origin: 'https://evil.example' });
    expect(r).toMatchObject({ status: 403, failure: 'http_request_failed', body: 'origin not allowed\n' });
  });

  it('records a refused upgrade: status, headers and body', async () => {
    const r = await upgrade('/ws/refused');
    expect(r).toMatchObject({
      status: 403,
      failure: 'http_request_failed',
      x_failed_operation: 'ws_upgrade',
      body: 'Blocked by policy',
    });
    expect(r.headers_list).toContainEqual(['X-Filter', 'lab']);
  });

  it('classifies a reset during the upgrade', async () => {
    const r = await upgrade('/ws/reset');
    expect(r).toMatchObject({ status: null, failure: 'connection_reset', x_failed_operation: 'ws_upgrade' });
  });

  it('classifies TLS failures', async () => {
    const r = await upgrade('/ws/chat', { ca: undefined });
    expect(r).toMatchObject({ failure: 'ssl_unknown_authority', x_failed_operation: 'tls_handshake' });
  });

  it('times out on a silent handshake and is interrupted promptly by an abort', async () => {
    server.sni('web.whatsapp.com', 'silent');
    try {
      const slow = await within(900, () => upgrade('/ws/chat', { timeoutMs: 300 }));
      expect(slow).toMatchObject({ failure: 'generic_timeout_error', x_failed_operation: 'tls_handshake' });
      const aborted = await within(500, () => upgrade('/ws/chat', { timeoutMs: 5000, signal: abortAfter(50) }));
      expect(aborted.failure).toBe('interrupted');
      expect((await upgrade('/ws/chat', { signal: AbortSignal.abort() })).failure).toBe('interrupted');
    } finally {
      server.sni('web.whatsapp.com', 'normal');
    }
  });
});

describe('wsUpgrade misuse', () => {
  it('throws on a bad URL or IP', async () => {
    await expect(upgrade('/x', { url: 'https://web.whatsapp.com/ws' })).rejects.toThrow(TypeError);
    await expect(upgrade('/x', { ip: 'web.whatsapp.com' })).rejects.toThrow(TypeError);
  });
});
