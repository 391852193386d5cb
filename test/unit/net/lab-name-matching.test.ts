import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { scanClientHello } from '../../../src/lab/world/servers/client-hello.js';
import { NameRules } from '../../../src/lab/world/servers/name-rules.js';

/** The first bytes Node's TLS client sends, captured on loopback. */
async function captureClientHello(servername?: string): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.90.1', r));
  const { port } = server.address() as net.AddressInfo;
  const got = new Promise<Buffer>((resolve) =>
    server.once('connection', (s) => {
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => {
        chunks.push(c);
        const all = Buffer.concat(chunks);
        if (all.length >= 5 && all.length >= 5 + all.readUInt16BE(3)) {
          s.destroy();
          resolve(all);
        }
      });
    }),
  );
  const client = tls.connect({ host: '127.0.90.1', port, servername, rejectUnauthorized: false });
  client.on('error', () => {});
  const hello = await got;
  client.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  return hello;
}

describe('scanClientHello', () => {
  it('finds the SNI of a real ClientHello, and waits while it is incomplete', async () => {
    const hello = await captureClientHello('web.whatsapp.com');
    expect(scanClientHello(hello)).toEqual({ complete: true, tls: true, sni: 'web.whatsapp.com' });
    for (const cut of [0, 3, 5, 40, hello.length - 1])
      expect(scanClientHello(hello.subarray(0, cut))).toEqual({ complete: false });
  });

  it('reports a ClientHello without SNI', async () => {
    expect(scanClientHello(await captureClientHello())).toEqual({ complete: true, tls: true, sni: null });
  });

  it('reassembles a ClientHello split over two TLS records', async () => {
    const hello = await captureClientHello('v.whatsapp.net');
    const body = hello.subarray(5);
    const record = (part: Buffer) =>
      Buffer.concat([Buffer.from([0x16, 0x03, 0x01, part.length >> 8, part.length & 0xff]), part]);
    const split = Buffer.concat([record(body.subarray(0, 50)), record(body.subarray(50))]);
    expect(scanClientHello(split.subarray(0, 60))).toEqual({ complete: false });
    expect(scanClientHello(split)).toEqual({ complete: true, tls: true, sni: 'v.whatsapp.net' });
  });

  it('gives up on bytes that are not a TLS handshake', () => {
    expect(scanClientHello(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toEqual({ complete: true, tls: false, sni: null });
    expect(scanClientHello(Buffer.from([0x16, 3, 1, 0, 4, 0x02, 0, 0, 0]))).toEqual({
      complete: true,
      tls: false,
      sni: null,
    });
  });

  it('returns a null SNI for a malformed extension block instead of throwing', async () => {
    const hello = Buffer.from(await captureClientHello('web.whatsapp.com'));
    const at = hello.indexOf(Buffer.from('web.whatsapp.com'));
    hello.writeUInt16BE(0xffff, at - 2); // name length beyond the extension
    expect(scanClientHello(hello)).toEqual({ complete: true, tls: true, sni: null });
  });
});

describe('NameRules', () => {
  const rules = new NameRules<string>()
    .set('web.whatsapp.com', 'exact')
    .set('*.whatsapp.net', 'suffix')
    .set('*.g.whatsapp.net', 'deeper');
  it.each([
    ['web.whatsapp.com', 'exact'],
    ['WEB.WhatsApp.com.', 'exact'],
    ['www.whatsapp.com', undefined],
    ['whatsapp.net', 'suffix'],
    ['v.whatsapp.net', 'suffix'],
    ['a.g.whatsapp.net', 'deeper'],
    ['whatsapp.network', undefined],
  ])('%s → %s', (name, expected) => {
    expect(rules.match(name)).toBe(expected);
  });

  it('falls back to "*" and forgets deleted rules', () => {
    const r = new NameRules<number>().set('*', 1).set('a.lab', 2);
    expect(r.match('anything.example')).toBe(1);
    expect(r.match('a.lab')).toBe(2);
    r.delete('a.lab');
    expect(r.match('a.lab')).toBe(1);
    expect(r.get('a.lab')).toBeUndefined();
  });
});
