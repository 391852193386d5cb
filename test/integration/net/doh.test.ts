import dnsPacket from 'dns-packet';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLabCa, type LabCa } from '../../../src/lab/world/pki.js';
import { TcpServer } from '../../../src/lab/world/servers/tcp-server.js';
import { TlsServer } from '../../../src/lab/world/servers/tls-server.js';
import { Zone } from '../../../src/lab/world/servers/zone.js';
import { closeDohAgents, queryDoh } from '../../../src/net/doh.js';
import { trustStore } from '../../../src/net/tls.js';
import { abortAfter, freePort, step, within } from './helpers.js';

const ADDRESS = '127.0.44.1';
const zone = new Zone({ 'web.whatsapp.com': { A: ['127.0.10.1'], AAAA: ['::1'] } });
let ca: LabCa;
let server: TlsServer;
let url = '';

beforeAll(async () => {
  ca = await createLabCa();
  server = new TlsServer({ address: ADDRESS, ca });
  // The URL names the resolver by IP: the default certificate carries the listen address.
  server.doh(ADDRESS, '/dns-query', zone);
  const { port } = await server.start();
  url = `https://${ADDRESS}:${port}/dns-query`;
});
afterAll(async () => {
  await closeDohAgents();
  await server.close();
});

const ask = (
  over: {
    hostname?: string;
    type?: 'A' | 'AAAA';
    url?: string;
    ca?: string[];
    timeoutMs?: number;
    signal?: AbortSignal;
  } = {},
) =>
  queryDoh({
    ...step({ timeoutMs: over.timeoutMs ?? 3000, signal: over.signal }),
    url: over.url ?? url,
    hostname: over.hostname ?? 'web.whatsapp.com',
    type: over.type ?? 'A',
    ca: 'ca' in over ? over.ca : trustStore([ca.certPem]),
  });

describe('queryDoh against the lab DoH endpoint', () => {
  it('answers A and AAAA as the control resolver', async () => {
    const a = await ask();
    expect(a).toMatchObject({
      engine: 'doh',
      resolver_address: url,
      x_resolver_role: 'control',
      rcode: 0,
      failure: null,
    });
    expect(a.answers).toEqual([{ answer_type: 'A', ipv4: '127.0.10.1', ttl: 60 }]);
    expect(a.raw_response).toBeTruthy();
    const aaaa = await ask({ type: 'AAAA' });
    expect(aaaa.answers).toEqual([{ answer_type: 'AAAA', ipv6: '::1', ttl: 60 }]);
  });

  it('passes on NXDOMAIN', async () => {
    expect(await ask({ hostname: 'unknown.lab' })).toMatchObject({ rcode: 3, failure: 'dns_nxdomain_error' });
  });

  it('reports a non-200 status as unknown_failure', async () => {
    expect((await ask({ url: url.replace('/dns-query', '/nope') })).failure).toBe('unknown_failure: http status 404');
  });

  it('reports a body that is not a DNS message as dns_server_misbehaving', async () => {
    server.route(ADDRESS, '/junk', {
      status: 200,
      headers: { 'content-type': 'application/dns-message' },
      body: 'not a dns message',
    });
    expect((await ask({ url: url.replace('/dns-query', '/junk') })).failure).toBe('dns_server_misbehaving');
  });

  it('classifies connection failures: unknown authority, refused', async () => {
    // Node's default roots do not include the lab CA.
    expect((await ask({ ca: undefined })).failure).toBe('ssl_unknown_authority');
    const port = await freePort('127.0.44.2', 'tcp');
    expect((await ask({ url: `https://127.0.44.2:${port}/dns-query` })).failure).toBe('connection_refused');
  });

  it('times out when the resolver is blackholed, and is interrupted promptly by an abort', async () => {
    const hole = new TcpServer({ address: '127.0.44.3', behaviour: { kind: 'blackhole' } });
    const { port } = await hole.start();
    try {
      const holeUrl = `https://127.0.44.3:${port}/dns-query`;
      const timedOut = await within(800, () => ask({ url: holeUrl, timeoutMs: 300 }));
      expect(timedOut.failure).toBe('generic_timeout_error');
      const aborted = await within(400, () => ask({ url: holeUrl, timeoutMs: 5000, signal: abortAfter(50) }));
      expect(aborted.failure).toBe('interrupted');
    } finally {
      await hole.close();
    }
  });
});

describe('the lab DoH handler', () => {
  it('answers RFC 8484 GET requests and refuses a POST that is not application/dns-message', async () => {
    const dispatcher = new Agent({ connect: { ca: [ca.certPem] } });
    try {
      const query = dnsPacket.encode({ type: 'query', id: 0, questions: [{ type: 'A', name: 'web.whatsapp.com' }] });
      const get = await request(`${url}?dns=${query.toString('base64url')}`, { dispatcher });
      expect(get.statusCode).toBe(200);
      expect(get.headers['content-type']).toBe('application/dns-message');
      const answer = dnsPacket.decode(Buffer.from(await get.body.arrayBuffer()));
      expect(answer.answers).toMatchObject([{ type: 'A', data: '127.0.10.1' }]);
      const bad = await request(url, {
        method: 'POST',
        body: query,
        headers: { 'content-type': 'text/plain' },
        dispatcher,
      });
      expect(bad.statusCode).toBe(415);
      await bad.body.text();
    } finally {
      await dispatcher.close();
    }
  });
});
