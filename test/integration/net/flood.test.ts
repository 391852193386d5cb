// Everything the network sends is bounded: a flooding or oversized peer costs each exchange a count
// of what it did not keep (x_dropped), never memory or a line the collector would refuse for ever.
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLabCa, issueCert } from '../../../src/lab/world/pki.js';
import { queryUdp } from '../../../src/net/dns-udp.js';
import { httpsGet } from '../../../src/net/http.js';
import { KEEP_LIMITS } from '../../../src/net/keep.js';
import { stunBinding } from '../../../src/net/stun.js';
import { decodeStunMessage, encodeBindingSuccess } from '../../../src/net/stun-codec.js';
import { tlsHandshake } from '../../../src/net/tls.js';
import { wsUpgrade } from '../../../src/net/ws.js';
import { step } from './helpers.js';

const ADDRESS = '127.0.90.1';
const FLOOD = 1500;

async function udpServer(
  onMessage: (sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo) => void,
): Promise<{ sock: dgram.Socket; port: number }> {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (msg, rinfo) => onMessage(sock, msg, rinfo));
  await new Promise<void>((r) => sock.bind(0, ADDRESS, r));
  return { sock, port: sock.address().port };
}

/**
 * Sends the datagrams in order, a few at a time, so that the kernel's receive buffer does not drop them.
 * Stops when the socket is closed: on a loaded machine a retransmitted request can start a second flood
 * that is still going when the file's afterAll closes the server (send would then throw).
 */
async function sendAll(sock: dgram.Socket, datagrams: Buffer[], rinfo: dgram.RemoteInfo): Promise<void> {
  let closed = false;
  const onClose = () => (closed = true);
  sock.once('close', onClose);
  for (let i = 0; i < datagrams.length && !closed; i += 50) {
    await Promise.all(
      datagrams
        .slice(i, i + 50)
        .map((d) => new Promise<void>((r) => sock.send(d, rinfo.port, rinfo.address, () => r()))),
    );
    await new Promise((r) => setImmediate(r));
  }
  sock.off('close', onClose);
}

describe('STUN: a sender floods junk before the answer', () => {
  let server: { sock: dgram.Socket; port: number };
  beforeAll(async () => {
    server = await udpServer((sock, msg, rinfo) => {
      const req = decodeStunMessage(msg);
      if (!req.ok) return;
      const junk = Array.from({ length: FLOOD }, (_, i) => Buffer.alloc(1200, i & 0xff));
      const answer = encodeBindingSuccess(req.message.transactionId, {
        family: 'IPv4',
        address: rinfo.address,
        port: rinfo.port,
      });
      void sendAll(sock, [...junk, answer], rinfo);
    });
  });
  afterAll(() => server.sock.close());

  it('keeps at most the limits of malformed datagrams, counts the rest, and still takes the answer', async () => {
    const r = await stunBinding({ ...step({ timeoutMs: 10_000 }), ip: ADDRESS, port: server.port, rtoMs: 5000 });
    expect(r.response?.class).toBe('success');
    expect(r.malformed.length).toBeLessThanOrEqual(KEEP_LIMITS.datagrams.items);
    expect(r.malformed.length * 1200).toBeLessThanOrEqual(KEEP_LIMITS.datagrams.bytes);
    // Loopback drops some of a burst (more on a loaded machine); far more than the limits arrive.
    expect(r.malformed).toHaveLength(KEEP_LIMITS.datagrams.items);
    expect(r.x_dropped!.items).toBeGreaterThan(0);
    expect(r.x_dropped!.bytes).toBe(r.x_dropped!.items * 1200);
    expect(JSON.stringify(r).length).toBeLessThan(150_000);
  });
});

describe('DNS over UDP: junk and forged replies flood the listening window', () => {
  let server: { sock: dgram.Socket; port: number };
  beforeAll(async () => {
    server = await udpServer((sock, msg, rinfo) => {
      const q = dnsPacket.decode(msg);
      const answer = (id: number, ip: string) =>
        dnsPacket.encode({
          type: 'response',
          id,
          flags: dnsPacket.RECURSION_AVAILABLE,
          questions: q.questions,
          answers: [{ type: 'A', name: q.questions![0]!.name, ttl: 5, data: ip }],
        });
      const forged = Array.from({ length: FLOOD / 2 }, (_, i) => answer(q.id!, `127.0.${(i >> 8) & 0xff}.${i & 0xff}`));
      const junk = Array.from({ length: FLOOD / 2 }, () => Buffer.from('junk junk junk'));
      void sendAll(sock, [answer(q.id!, '127.0.10.1'), ...junk, ...forged], rinfo);
    });
  });
  afterAll(() => server.sock.close());

  it('keeps valid and invalid replies within their own limits, and counts the rest', async () => {
    const q = await queryUdp({
      ...step(),
      server: `${ADDRESS}:${server.port}`,
      hostname: 'flood.lab',
      type: 'A',
      role: 'local',
      listenWindowMs: 1500,
    });
    expect(q.answers[0]!.ipv4).toBe('127.0.10.1');
    const replies = q.x_replies!;
    expect(replies.filter((r) => r.x_malformed).length).toBeLessThanOrEqual(KEEP_LIMITS.replies.items);
    expect(replies.filter((r) => !r.x_malformed).length).toBeLessThanOrEqual(KEEP_LIMITS.replies.items);
    // The forged replies that were kept still show the injection.
    expect(new Set(replies.filter((r) => !r.x_malformed).map((r) => r.answers[0]!.ipv4)).size).toBeGreaterThan(1);
    expect(q.x_dropped!.items).toBeGreaterThan(0);
  });
});

describe('TLS: a chain longer than any server needs', () => {
  const CHAIN = 24;
  let server: tls.Server;
  let port = 0;
  beforeAll(async () => {
    // A chain of CHAIN intermediate CAs, each issued by the next.
    let issuer = await createLabCa('root');
    const pems: string[] = [issuer.certPem];
    for (let i = 0; i < CHAIN; i++) {
      issuer = await createLabCa(`intermediate ${i}`, issuer);
      pems.unshift(issuer.certPem);
    }
    const leaf = await issueCert(issuer, { names: ['long.lab'], ips: [] });
    const leafPem = `${leaf.certPem.split('-----END CERTIFICATE-----')[0]}-----END CERTIFICATE-----\n`;
    server = tls.createServer({ cert: [leafPem, ...pems].join('\n'), key: leaf.keyPem });
    await new Promise<void>((r) => server.listen(0, ADDRESS, r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => server.close());

  it('keeps at most the limit of certificates and counts the rest', async () => {
    const { tls: hs } = await tlsHandshake({ ...step(), ip: ADDRESS, port, sni: 'long.lab', sniKind: 'target' });
    expect(hs!.tls_version).not.toBeNull();
    expect(hs!.peer_certificates.length).toBeLessThanOrEqual(KEEP_LIMITS.certificates.items);
    expect(hs!.peer_certificates.length + hs!.x_dropped!.items).toBe(CHAIN + 2);
  });
});

describe('HTTP and WebSocket: a response with thousands of headers', () => {
  const HEADERS = 2000;
  let server: net.Server;
  let port = 0;
  beforeAll(async () => {
    // Plain HTTP, written by hand: 2,000 one-letter headers stay under the 16 KiB header limit.
    server = net.createServer((s) => {
      s.once('data', () => {
        const headers = Array.from({ length: HEADERS }, (_, i) => `x${i % 10}: y\r\n`).join('');
        s.end(`HTTP/1.1 403 Forbidden\r\n${headers}Content-Length: 2\r\nConnection: close\r\n\r\nno`);
      });
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, ADDRESS, r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => server.close());

  it('httpsGet keeps at most the limit of headers and counts the rest', async () => {
    const r = await httpsGet({ ...step(), url: `http://flood.lab:${port}/`, ip: ADDRESS });
    expect(r.response?.code).toBe(403);
    expect(r.response!.headers_list.length).toBeLessThanOrEqual(KEEP_LIMITS.headers.items);
    expect(r.response!.headers_list.length + r.x_dropped!.items).toBe(HEADERS + 2);
  });

  it('wsUpgrade keeps at most the limit of headers of a refused upgrade and counts the rest', async () => {
    const r = await wsUpgrade({ ...step(), url: `ws://flood.lab:${port}/ws`, ip: ADDRESS });
    expect(r.status).toBe(403);
    expect(r.headers_list.length).toBeLessThanOrEqual(KEEP_LIMITS.headers.items);
    // Node's own parser keeps the first 1,000 or so; what it passes on is bounded again.
    expect(r.x_dropped!.items).toBeGreaterThan(0);
  });
});
