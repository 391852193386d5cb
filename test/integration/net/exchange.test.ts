// STUN-framed exchanges described as data (src/net/stun.ts stunExchange), against the lab's responder
// answering as the catalogue says a live relay answers, and against Debian's coturn, a real TURN
// server (RFC 8656), configured as the namespace lab configures its Signal-like relay.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerMatches } from '../../../src/analysis/exchanges.js';
import { loadCatalogue } from '../../../src/catalogue/load.js';
import { exchangesOf } from '../../../src/catalogue/schema.js';
import { COTURN_READY, coturnConfig } from '../../../src/lab/netns/coturn.js';
import { StunServer } from '../../../src/lab/world/servers/stun-server.js';
import type { ExchangeRequest } from '../../../src/model/exchange.js';
import { stunExchange } from '../../../src/net/stun.js';
import { freePort, step, within } from './helpers.js';

const BINDING: ExchangeRequest = { method: 'binding', attributes: [], fingerprint: false };
const ALLOCATE: ExchangeRequest = {
  method: 'allocate',
  attributes: [{ type: 'REQUESTED-TRANSPORT', hex: '11000000' }],
  fingerprint: false,
};
const PING: ExchangeRequest = { message_type: '0x0801', attributes: [], fingerprint: false };

describe('stunExchange against the lab responder', () => {
  const ADDRESS = '127.0.80.11';
  const server = new StunServer({
    address: ADDRESS,
    answers: [
      { request: 0x0001, answer: { class: 'success' } },
      {
        request: 0x0003,
        answer: { class: 'error', error_code: 401, attributes: ['REALM', 'NONCE'], realm: 'example.org' },
      },
      { request: 0x0801, answer: { message_type: '0x0802' } },
    ],
  });
  let port = 0;
  beforeAll(async () => {
    ({ port } = await server.start());
  });
  afterAll(() => server.close());
  const send = (request: ExchangeRequest, exchangeId: string, over: Partial<Parameters<typeof stunExchange>[0]> = {}) =>
    stunExchange({ ...step(), ip: ADDRESS, port, rtoMs: 100, request, exchangeId, ...over });

  it('records a TURN 401 challenge: error code and reason, REALM, the NONCE length, every attribute', async () => {
    const r = await send(ALLOCATE, 'allocate');
    expect(r).toMatchObject({ x_exchange: 'allocate', request_type: 0x0003, failure: null });
    expect(r.response).toMatchObject({
      class: 'error',
      message_type: 0x0113,
      error_code: 401,
      error_reason: 'Unauthorized',
      realm: 'example.org',
      nonce_length: 16,
    });
    expect(r.response!.attributes).toEqual(expect.arrayContaining([0x0009, 0x0014, 0x0015]));
  });

  it("takes an app's own answer type (a pong to a ping) as the answer", async () => {
    const r = await send(PING, 'ping');
    expect(r.response).toMatchObject({ message_type: 0x0802, class: 'request' });
  });

  it('an exchange the relay does not answer times out; one ended early says why', async () => {
    const silent = await send({ method: 'refresh', attributes: [], fingerprint: false }, 'refresh', { timeoutMs: 400 });
    expect(silent).toMatchObject({ response: null, failure: 'generic_timeout_error' });
    expect(silent.x_ended_early).toBeUndefined();
    const ac = new AbortController();
    setTimeout(() => ac.abort('path open'), 50);
    const early = await within(1000, () =>
      send({ method: 'refresh', attributes: [], fingerprint: false }, 'refresh', {
        timeoutMs: 5000,
        endEarly: ac.signal,
      }),
    );
    expect(early).toMatchObject({ response: null, failure: 'generic_timeout_error', x_ended_early: 'path open' });
  });

  it('records our own request reflected back as junk, not as an answer', async () => {
    const mirror = await freePort('127.0.80.12', 'udp');
    const dgram = await import('node:dgram');
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(mirror, '127.0.80.12', r));
    s.on('message', (m, from) => s.send(m, from.port, from.address));
    try {
      const r = await stunExchange({
        ...step(),
        ip: '127.0.80.12',
        port: mirror,
        rtoMs: 100,
        request: BINDING,
        exchangeId: 'binding',
        timeoutMs: 300,
      });
      expect(r.response).toBeNull();
      expect(r.malformed[0]!.reason).toBe('our own request reflected back');
    } finally {
      s.close();
    }
  });
});

// --- a real TURN server ------------------------------------------------------------------------------

const hasCoturn = spawnSync('turnserver', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasCoturn)
  process.stdout.write(
    '\nCOTURN TESTS SKIPPED: Debian package coturn (turnserver) is not installed (.ci/run installs it).\n',
  );

describe.skipIf(!hasCoturn)("stunExchange against coturn, configured as the lab's Signal-like relay", () => {
  const ADDRESS = '127.0.80.21';
  let port = 0;
  let child: ChildProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'voipprobe-coturn-'));

  beforeAll(async () => {
    port = await freePort(ADDRESS, 'udp');
    const endpoint = {
      id: 'stun',
      kind: 'stun' as const,
      address: ADDRESS,
      port,
      realPort: port,
      tlsNames: [],
      routes: [],
      webSockets: [],
      services: ['signal'],
      users: [],
    };
    const conf = join(dir, 'turnserver.conf');
    writeFileSync(conf, coturnConfig(endpoint, { realm: 'signal.org', index: 0, stateDir: dir }));
    child = spawn('turnserver', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`coturn not ready: ${out.slice(-2000)}`)), 20_000);
      const on = (d: Buffer) => {
        out += d;
        if (COTURN_READY.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child!.stdout!.on('data', on);
      child!.stderr!.on('data', on);
      child!.on('exit', (code) => reject(new Error(`coturn exited ${code}: ${out.slice(-2000)}`)));
    });
  }, 30_000);

  afterAll(() => {
    if (child?.pid) process.kill(child.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers the catalogue's Signal exchanges exactly as the catalogue says a live relay does", async () => {
    const signal = loadCatalogue().services.find((s) => s.service === 'signal')!;
    const relay = signal.targets.find((t) => t.check === 'stun')!;
    if (relay.check !== 'stun') throw new Error('no Signal relay');
    for (const e of exchangesOf(relay)) {
      // coturn may still be opening its listener right after it says it is ready: a second chance, not more.
      let r = await stunExchange({
        ...step(),
        ip: ADDRESS,
        port,
        request: e.request,
        exchangeId: e.id,
        rtoMs: 200,
        timeoutMs: 3000,
      });
      if (!r.response)
        r = await stunExchange({
          ...step(),
          ip: ADDRESS,
          port,
          request: e.request,
          exchangeId: e.id,
          rtoMs: 200,
          timeoutMs: 3000,
        });
      expect(r.response, e.id).not.toBeNull();
      expect(answerMatches(e.answer!, r.response!), `${e.id}: ${JSON.stringify(r.response)}`).toEqual({
        matches: true,
      });
    }
  });

  it('gives a Binding success with our own address, and a 401 with REALM and NONCE to an Allocate without credentials', async () => {
    const b = await stunExchange({ ...step(), ip: ADDRESS, port, request: BINDING, exchangeId: 'binding', rtoMs: 200 });
    expect(b.response).toMatchObject({
      class: 'success',
      xor_mapped_address: { family: 'IPv4', address: '127.0.0.1' },
    });
    const a = await stunExchange({
      ...step(),
      ip: ADDRESS,
      port,
      request: ALLOCATE,
      exchangeId: 'allocate',
      rtoMs: 200,
    });
    expect(a.response).toMatchObject({ class: 'error', error_code: 401, realm: 'signal.org' });
    expect(a.response!.nonce_length).toBeGreaterThan(0);
  });
});
