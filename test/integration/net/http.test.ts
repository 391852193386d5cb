import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLabCa, type LabCa } from '../../../src/lab/world/pki.js';
import { TcpServer } from '../../../src/lab/world/servers/tcp-server.js';
import { TlsServer } from '../../../src/lab/world/servers/tls-server.js';
import { BROWSER_USER_AGENT, httpsGet } from '../../../src/net/http.js';
import { trustStore } from '../../../src/net/tls.js';
import { abortAfter, freePort, step, within } from './helpers.js';

const ADDRESS = '127.0.71.1';
let ca: LabCa;
let server: TlsServer;
let port = 0;
const seen: http.IncomingHttpHeaders[] = [];

beforeAll(async () => {
  ca = await createLabCa();
  server = new TlsServer({ address: ADDRESS, ca, names: ['v.whatsapp.net', 'web.whatsapp.com'] });
  server
    .route('v.whatsapp.net', '/v2/register', {
      status: 200,
      headers: { 'Content-Type': 'application/json' },
      body: '{"status":"fail","reason":"incorrect"}',
    })
    .route('web.whatsapp.com', '/', {
      status: 200,
      headers: { 'Content-Type': 'text/html; charset=utf-8' },
      body: `<!DOCTYPE html><title>WhatsApp</title>${'x'.repeat(10_000)}`,
    })
    .route('web.whatsapp.com', '/moved', { status: 302, headers: { Location: 'https://blocked.example/' } })
    .route('web.whatsapp.com', '/echo', (req, res) => {
      seen.push(req.headers);
      res.end('ok');
    });
  ({ port } = await server.start());
});
afterAll(() => server.close());

const get = (url: string, over: Partial<Parameters<typeof httpsGet>[0]> = {}) =>
  httpsGet({ ...step(), url: url.replace('PORT', String(port)), ip: ADDRESS, ca: trustStore([ca.certPem]), ...over });

describe('httpsGet to a given IP', () => {
  it('records status, headers and body, with Host and SNI from the URL', async () => {
    const r = await get('https://v.whatsapp.net:PORT/v2/register', { target: 'whatsapp.registration' });
    expect(r).toMatchObject({ failure: null, x_failed_operation: null, x_target: 'whatsapp.registration' });
    expect(r.request).toMatchObject({
      method: 'GET',
      url: `https://v.whatsapp.net:${port}/v2/register`,
      x_address: ADDRESS,
    });
    expect(r.request.headers_list).toContainEqual(['Host', `v.whatsapp.net:${port}`]);
    expect(r.response).toMatchObject({
      code: 200,
      body: '{"status":"fail","reason":"incorrect"}',
      body_is_truncated: false,
    });
    expect(r.response!.headers_list).toContainEqual(['Content-Type', 'application/json']);
  });

  it('sends a browser User-Agent and the given headers', async () => {
    await get('https://web.whatsapp.com:PORT/echo', { headers: { 'X-Probe': '1' } });
    expect(seen.at(-1)).toMatchObject({
      'user-agent': BROWSER_USER_AGENT,
      'x-probe': '1',
      host: `web.whatsapp.com:${port}`,
    });
  });

  it('keeps only the first bytes of a large body', async () => {
    const r = await get('https://web.whatsapp.com:PORT/', { maxBodyBytes: 40 });
    expect(r.response!.body).toBe('<!DOCTYPE html><title>WhatsApp</title>xx');
    expect(r.response!.body_is_truncated).toBe(true);
  });

  it('does not follow a redirect; a status code is evidence, not a failure', async () => {
    const r = await get('https://web.whatsapp.com:PORT/moved');
    expect(r.failure).toBeNull();
    expect(r.response!.code).toBe(302);
    expect(r.response!.headers_list).toContainEqual(['Location', 'https://blocked.example/']);
    const missing = await get('https://web.whatsapp.com:PORT/missing');
    expect(missing).toMatchObject({ failure: null, response: { code: 404 } });
  });

  it('names the failed operation', async () => {
    const untrusted = await get('https://v.whatsapp.net:PORT/v2/register', { ca: undefined });
    expect(untrusted).toMatchObject({
      failure: 'ssl_unknown_authority',
      x_failed_operation: 'tls_handshake',
      response: null,
    });
    const wrongName = await get('https://other.example:PORT/');
    expect(wrongName).toMatchObject({ failure: 'ssl_invalid_hostname', x_failed_operation: 'tls_handshake' });
    const closed = await freePort('127.0.71.2', 'tcp');
    const refused = await get(`https://v.whatsapp.net:${closed}/`, { ip: '127.0.71.2' });
    expect(refused).toMatchObject({ failure: 'connection_refused', x_failed_operation: 'connect' });
    server.sni('web.whatsapp.com', 'reset');
    try {
      const reset = await get('https://web.whatsapp.com:PORT/');
      expect(reset).toMatchObject({ failure: 'connection_reset', x_failed_operation: 'tls_handshake' });
    } finally {
      server.sni('web.whatsapp.com', 'normal');
    }
  });

  it('times out on a silent handshake and is interrupted promptly by an abort', async () => {
    server.sni('web.whatsapp.com', 'silent');
    try {
      const slow = await within(900, () => get('https://web.whatsapp.com:PORT/', { timeoutMs: 300 }));
      expect(slow).toMatchObject({ failure: 'generic_timeout_error', x_failed_operation: 'tls_handshake' });
      const aborted = await within(500, () =>
        get('https://web.whatsapp.com:PORT/', { timeoutMs: 5000, signal: abortAfter(50) }),
      );
      expect(aborted.failure).toBe('interrupted');
    } finally {
      server.sni('web.whatsapp.com', 'normal');
    }
  });

  it('speaks plain http:// too, and reports a reset after the request as an http_round_trip failure', async () => {
    const plain = new TcpServer({
      address: '127.0.71.3',
      behaviour: {
        kind: 'accept',
        reply: Buffer.from(
          'HTTP/1.1 451 Unavailable For Legal Reasons\r\nContent-Length: 7\r\nConnection: close\r\n\r\nblocked',
        ),
      },
    });
    const { port: plainPort } = await plain.start();
    try {
      const r = await get(`http://web.whatsapp.com:${plainPort}/`, { ip: '127.0.71.3' });
      expect(r).toMatchObject({ failure: null, response: { code: 451, body: 'blocked' } });
      await plain.setBehaviour({ kind: 'reset_on_data' });
      const reset = await get(`http://web.whatsapp.com:${plainPort}/`, { ip: '127.0.71.3' });
      expect(reset).toMatchObject({
        failure: 'connection_reset',
        x_failed_operation: 'http_round_trip',
        response: null,
      });
    } finally {
      await plain.close();
    }
  });

  it('throws on misuse', async () => {
    await expect(get('ftp://x/')).rejects.toThrow(TypeError);
    await expect(get('https://x/', { ip: 'not-an-ip' })).rejects.toThrow(TypeError);
  });
});

describe('httpsGet records what arrived, and when (issue 10, items 1 and 4)', () => {
  it('counts the bytes of the whole exchange below TLS', async () => {
    const r = await get('https://web.whatsapp.com:PORT/');
    expect(r.failure).toBeNull();
    expect(r.x_received!.bytes).toBeGreaterThan(10_000);
    expect(r.x_received!.t_last_byte).toBeLessThanOrEqual(r.t);
  });

  it('through a shaper, the step times out while bytes are still arriving', async () => {
    server.pace(64);
    try {
      const r = await get('https://web.whatsapp.com:PORT/', { timeoutMs: 700 });
      expect(r.failure).toBe('generic_timeout_error');
      expect(r.x_received!.bytes).toBeGreaterThan(1000);
      // Still arriving: the last byte well within a second of the end.
      expect(r.t - r.x_received!.t_last_byte!).toBeLessThan(0.5);
    } finally {
      server.pace(null);
    }
  });

  it("keeps the server's alert that ended the session (a client certificate required)", async () => {
    await server.quirk('client_cert');
    try {
      const r = await get('https://web.whatsapp.com:PORT/');
      expect(r).toMatchObject({
        x_failed_operation: 'http_round_trip',
        x_tls_error: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
        response: null,
      });
    } finally {
      await server.quirk(null);
    }
  });
});
