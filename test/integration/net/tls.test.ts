import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLabCa, issueCert, type LabCa } from '../../../src/lab/world/pki.js';
import { TcpServer } from '../../../src/lab/world/servers/tcp-server.js';
import { TlsServer } from '../../../src/lab/world/servers/tls-server.js';
import { tlsHandshake, trustStore } from '../../../src/net/tls.js';
import { abortAfter, freePort, step, within } from './helpers.js';

const ADDRESS = '127.0.70.1';
let ca: LabCa;
let server: TlsServer;
let port = 0;

beforeAll(async () => {
  ca = await createLabCa();
  server = new TlsServer({
    address: ADDRESS,
    ca,
    names: ['web.whatsapp.com', '*.whatsapp.net', 'neutral.lab'],
    defaultName: 'default.lab',
  });
  ({ port } = await server.start());
});
afterAll(() => server.close());

type Over = Partial<Parameters<typeof tlsHandshake>[0]>;
const handshake = (over: Over = {}) =>
  tlsHandshake({
    ...step(),
    ip: ADDRESS,
    port,
    sni: 'web.whatsapp.com',
    sniKind: 'target',
    alpn: ['h2', 'http/1.1'],
    ca: trustStore([ca.certPem]),
    ...over,
  });

describe('tlsHandshake against the lab TLS server', () => {
  it('captures the full chain, version, cipher and ALPN, and validates', async () => {
    const { tcp, tls } = await handshake({ target: 'whatsapp.web' });
    expect(tcp.status).toEqual({ success: true, failure: null });
    expect(tls).toMatchObject({
      network: 'tcp',
      address: `${ADDRESS}:${port}`,
      server_name: 'web.whatsapp.com',
      alpn: ['h2', 'http/1.1'],
      tls_version: 'TLSv1.3',
      negotiated_protocol: 'http/1.1',
      no_tls_verify: false,
      failure: null,
      x_sni_kind: 'target',
      x_target: 'whatsapp.web',
      x_validation: { ok: true, failure: null },
      x_failed_operation: null,
    });
    expect(tls!.cipher_suite).toMatch(/^TLS_AES_/);
    const chain = tls!.peer_certificates.map((c) => new X509Certificate(Buffer.from(c.data, 'base64')));
    expect(chain.map((c) => c.subject)).toEqual(['CN=web.whatsapp.com', 'CN=voipprobe lab CA']);
    expect(chain[0]!.checkIssued(chain[1]!)).toBe(true);
    expect(tls!.t).toBeGreaterThanOrEqual(tcp.t);
  });

  it('serves wildcard certificates', async () => {
    const { tls } = await handshake({ sni: 'v.whatsapp.net' });
    expect(tls!.failure).toBeNull();
  });

  it('reports ssl_unknown_authority without the lab CA, still capturing the chain', async () => {
    const { tls } = await handshake({ ca: undefined });
    expect(tls).toMatchObject({
      failure: 'ssl_unknown_authority',
      x_failed_operation: 'tls_handshake',
      tls_version: 'TLSv1.3',
    });
    expect(tls!.x_validation).toMatchObject({ ok: false, failure: 'ssl_unknown_authority' });
    expect(tls!.peer_certificates.length).toBeGreaterThanOrEqual(1);
  });

  it('reports ssl_invalid_hostname for a target, but not for a neutral SNI', async () => {
    // default.lab's certificate is presented for names the server has none for.
    const target = await handshake({ sni: 'unknown.example' });
    expect(target.tls).toMatchObject({
      failure: 'ssl_invalid_hostname',
      x_validation: { ok: false, failure: 'ssl_invalid_hostname' },
    });
    expect(target.tls!.x_validation!.error).toMatch(/unknown\.example/);
    const neutral = await handshake({ sni: 'unknown.example', sniKind: 'neutral' });
    expect(neutral.tls).toMatchObject({
      failure: null,
      x_sni_kind: 'neutral',
      x_validation: { ok: false, failure: 'ssl_invalid_hostname' },
    });
  });

  it('validates against verifyName when it differs from the SNI', async () => {
    const { tls } = await handshake({ sni: 'web.whatsapp.com', verifyName: 'web.whatsapp.com' });
    expect(tls!.failure).toBeNull();
    const other = await handshake({ sni: 'web.whatsapp.com', verifyName: 'www.whatsapp.com' });
    expect(other.tls!.failure).toBe('ssl_invalid_hostname');
  });

  it('reports ssl_invalid_certificate for an expired certificate', async () => {
    const day = 86_400_000;
    server.useCertificate(
      'expired.lab',
      await issueCert(ca, {
        names: ['expired.lab'],
        ips: [],
        notBefore: new Date(Date.now() - 10 * day),
        notAfter: new Date(Date.now() - day),
      }),
    );
    const { tls } = await handshake({ sni: 'expired.lab' });
    expect(tls!.failure).toBe('ssl_invalid_certificate');
    expect(tls!.x_validation!.error).toBe('CERT_HAS_EXPIRED');
  });

  it('tells SNI filtering from IP blocking: reset on the target SNI, neutral SNI answered at the same address', async () => {
    server.sni('web.whatsapp.com', 'reset');
    try {
      const target = await handshake();
      expect(target.tcp.status.success).toBe(true);
      expect(target.tls).toMatchObject({
        failure: 'connection_reset',
        x_failed_operation: 'tls_handshake',
        peer_certificates: [],
        tls_version: null,
      });
      const neutral = await handshake({ sni: 'neutral.lab', sniKind: 'neutral' });
      expect(neutral.tls).toMatchObject({ failure: null, x_validation: { ok: true } });
    } finally {
      server.sni('web.whatsapp.com', 'normal');
    }
  });

  it('times out when the server goes silent after the ClientHello', async () => {
    server.sni('*.whatsapp.net', 'silent');
    try {
      const { tcp, tls } = await within(900, () => handshake({ sni: 'g.whatsapp.net', timeoutMs: 300 }));
      expect(tcp.status.success).toBe(true);
      expect(tls).toMatchObject({ failure: 'generic_timeout_error', x_failed_operation: 'tls_handshake' });
    } finally {
      server.sni('*.whatsapp.net', 'normal');
    }
  });

  it('is interrupted promptly by an abort during the handshake', async () => {
    server.sni('silent.lab', 'silent');
    const { tls } = await within(500, () => handshake({ sni: 'silent.lab', timeoutMs: 5000, signal: abortAfter(50) }));
    expect(tls!.failure).toBe('interrupted');
    const pre = await handshake({ signal: AbortSignal.abort() });
    expect(pre).toMatchObject({ tcp: { status: { failure: 'interrupted' } }, tls: null });
  });

  it('returns tls null when TCP fails', async () => {
    const closed = await freePort('127.0.70.2', 'tcp');
    const { tcp, tls } = await handshake({ ip: '127.0.70.2', port: closed });
    expect(tcp.status.failure).toBe('connection_refused');
    expect(tls).toBeNull();
  });
});

describe('tlsHandshake records how far the server got (issue 10, item 1)', () => {
  it('counts the bytes the server sent, and when', async () => {
    const { tls } = await handshake();
    expect(tls!.x_received!.bytes).toBeGreaterThan(500);
    expect(tls!.x_received!.t_first_byte).toBeGreaterThanOrEqual(tls!.t0);
    expect(tls!.x_received!.t_last_byte).toBeLessThanOrEqual(tls!.t);
  });

  it('nothing back from a server that resets the ClientHello', async () => {
    server.sni('web.whatsapp.com', 'reset');
    try {
      expect((await handshake()).tls).toMatchObject({
        failure: 'connection_reset',
        x_received: { bytes: 0, t_first_byte: null },
      });
    } finally {
      server.sni('web.whatsapp.com', 'normal');
    }
  });

  it.each([
    { quirk: 'legacy_versions' as const, code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' },
    { quirk: 'huge_chain' as const, code: 'ERR_SSL_EXCESSIVE_MESSAGE_SIZE' },
  ])('a server that defeats every client ($quirk): both SNIs answered, the same TLS error', async ({ quirk, code }) => {
    await server.quirk(quirk);
    try {
      for (const [sni, sniKind] of [
        ['web.whatsapp.com', 'target'],
        ['neutral.lab', 'neutral'],
      ] as const) {
        const { tls } = await handshake({ sni, sniKind });
        expect(tls).toMatchObject({
          failure: 'ssl_failed_handshake',
          x_tls_error: code,
          x_failed_operation: 'tls_handshake',
        });
        expect(tls!.x_received!.bytes, sni).toBeGreaterThan(0);
      }
    } finally {
      await server.quirk(null);
    }
  });

  it('a server wanting a client certificate completes the TLS 1.3 handshake (the alert comes after)', async () => {
    await server.quirk('client_cert');
    try {
      expect((await handshake()).tls).toMatchObject({ failure: null, tls_version: 'TLSv1.3' });
    } finally {
      await server.quirk(null);
    }
  });
});

describe('tlsHandshake against servers that do not speak TLS', () => {
  const plain = new TcpServer({ address: '127.0.70.3' });
  let plainPort = 0;
  beforeAll(async () => {
    ({ port: plainPort } = await plain.start());
  });
  afterAll(() => plain.close());
  const to = (over: Over = {}) => handshake({ ip: '127.0.70.3', port: plainPort, ...over });

  it('close after the ClientHello → eof_error', async () => {
    await plain.setBehaviour({ kind: 'close_on_data' });
    expect((await to()).tls!.failure).toBe('eof_error');
  });

  it('a TLS alert → ssl_failed_handshake', async () => {
    await plain.setBehaviour({ kind: 'accept', reply: Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]) });
    expect((await to()).tls!.failure).toBe('ssl_failed_handshake');
  });

  it('plain text → ssl_failed_handshake', async () => {
    await plain.setBehaviour({ kind: 'accept', reply: Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n') });
    expect((await to()).tls!.failure).toBe('ssl_failed_handshake');
  });

  it('reset on the ClientHello → connection_reset', async () => {
    await plain.setBehaviour({ kind: 'reset_on_data' });
    expect((await to()).tls!.failure).toBe('connection_reset');
  });
});
