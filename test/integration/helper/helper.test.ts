// The helper end to end on loopback: its server (authentication, validation, limits, target policy,
// OONI's request shape), and the probe asking it about every target of the loopback lab: a clean
// network, an outage, and helpers that answer garbage, never answer, or lie.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenCheck } from '../../../src/collector/auth.js';
import { targetPolicy } from '../../../src/helper/policy.js';
import { createHelperServer, listenHelper, type RunningHelper } from '../../../src/helper/server.js';
import { TraceSlots } from '../../../src/helper/trace.js';
import { LoopbackLab } from '../../../src/lab/loopback/lab.js';
import { lie } from '../../../src/lab/world/helper-lies.js';
import { censorshipClaims } from '../../../src/lab/world/scenarios.js';
import { callEndpointsOf } from '../../../src/lab/world/world.js';
import type { RunResult } from '../../../src/measure/run.js';
import type { ServiceVerdict } from '../../../src/model/verdict.js';
import { trustStore } from '../../../src/net/index.js';
import { type HelperResponse, WITHDRAWN } from '../../../src/protocol/helper.js';

const TOKEN = 'helper-test-token-0123456789abcdef';
const TIMEOUT_S = 2;
let lab: LoopbackLab;
let helper: RunningHelper;
const extra: Server[] = [];

function startHelper(
  o: { allowPrivate?: boolean; burst?: number; rate?: number; traces?: TraceSlots } = {},
): Promise<RunningHelper> {
  const server = createHelperServer({
    auth: new TokenCheck([TOKEN]),
    measure: {
      policy: targetPolicy({ allowPrivate: o.allowPrivate ?? true }),
      dns: { doh: [], udp: [lab.world.infra.neutralResolver.server] },
      ca: trustStore([lab.ca.certPem]),
      defaultTimeoutMs: TIMEOUT_S * 1000,
      maxBodyBytes: 64 * 1024,
      ...(o.traces ? { traces: o.traces } : {}),
    },
    limits: { ratePerS: o.rate ?? 50, burst: o.burst ?? 500, maxInFlight: 256, maxInFlightTotal: 512, maxClients: 100 },
  });
  return listenHelper(server, '127.0.0.1', 0, false);
}

/** A stand-in helper: answers its health check (unless `health` says otherwise) and every POST with whatever `answer` makes of the request. */
async function fakeHelper(
  answer: (body: string) => { status: number; body: string } | null,
  health: 'ok' | 'same' = 'ok',
): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const a = req.method === 'GET' && health === 'ok' ? { status: 200, body: '{"message":"Hello"}' } : answer(body);
      if (!a) return; // never answers
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  extra.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** A helper that says everything it was asked about works. */
const everythingWorks = (body: string) => ({ status: 200, body: JSON.stringify(lie(body, true)) });

const post = (url: string, body: unknown, token: string | null = TOKEN, raw?: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: raw ?? JSON.stringify(body),
  });

/** A question in our mode about one of the lab's relays, without a GET. */
const relayQuestion = (address: string, extra: object) => ({
  http_request: `https://${address}/`,
  x_voipprobe: { version: 1 },
  x_http: false,
  x_timeout_ms: 2000,
  ...extra,
});

const summary = (vs: ServiceVerdict[]) =>
  vs.map(
    (v) =>
      `${v.service} ${v.status} ${Object.values(v.paths)
        .map((p) => `${p!.path}=${p!.status}`)
        .join(',')}`,
  );
const verdictsOf = (r: RunResult) => r.services.map((s) => s.verdict!);

beforeAll(async () => {
  lab = await LoopbackLab.start();
  helper = await startHelper();
}, 60_000);

afterAll(async () => {
  await helper?.close();
  for (const s of extra) {
    s.closeAllConnections();
    s.close();
  }
  await lab?.close();
});

describe('the helper server', () => {
  it('answers nobody without the token', async () => {
    expect((await fetch(helper.url)).status).toBe(401);
    expect((await post(helper.url, { http_request: 'https://a/' }, 'wrong-token-wrong-token')).status).toBe(401);
    const health = await fetch(helper.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ message: 'voipprobe helper', x_voipprobe: { version: 1 } });
  });

  it('refuses malformed and oversized requests with the reason', async () => {
    const r1 = await post(helper.url, null, TOKEN, '{"http_request": ');
    expect(r1.status).toBe(400);
    expect((await r1.json()).error).toMatch(/malformed JSON/);
    const r2 = await post(helper.url, { http_request: 'https://a/', tcp_connect: ['not-an-endpoint'] });
    expect(r2.status).toBe(400);
    expect((await r2.json()).error).toMatch(/tcp_connect\.0: must be "ip:port"/);
    const r3 = await post(
      helper.url,
      null,
      TOKEN,
      JSON.stringify({ http_request: 'https://a/', pad: 'x'.repeat(100 * 1024) }),
    );
    expect(r3.status).toBe(413);
  });

  it("answers OONI's own request shape like oohelperd (every address on the URL's port, the GET, DNS)", async () => {
    const host = lab.world.hosts.find((h) => h.name === 'web.whatsapp.com')!;
    const url = `https://web.whatsapp.com:10443/`;
    const r = await post(helper.url, {
      http_request: url,
      http_request_headers: { 'User-Agent': ['test'] },
      tcp_connect: [`${host.address}:10443`],
    });
    expect(r.status).toBe(200);
    const a = (await r.json()) as HelperResponse;
    expect(Object.keys(a).sort()).toEqual(
      expect.arrayContaining(['dns', 'http_request', 'ip_info', 'quic_handshake', 'tcp_connect', 'tls_handshake']),
    );
    expect(a.dns.addrs).toContain(host.address);
    expect(a.tcp_connect[`${host.address}:10443`]).toMatchObject({ status: true, failure: null });
    expect(a.http_request.status_code).toBe(200);
    expect(a.ip_info![host.address]!.flags & 1).toBe(1);
  });

  it("sends a relay's described exchanges as the catalogue gives them: Signal's relay challenges an Allocate (401), an unknown attribute is refused", async () => {
    const relay = callEndpointsOf(lab.world, 'signal')[0]!;
    const ep = `${relay.address}:${relay.port}`;
    const allocate = {
      method: 'allocate',
      attributes: [{ type: 'REQUESTED-TRANSPORT', hex: '11000000' }],
      fingerprint: false,
    };
    const r = await post(
      helper.url,
      relayQuestion(relay.address, {
        x_udp: [
          { endpoint: ep, exchange: { kind: 'stun_binding' } },
          { endpoint: ep, exchange: { kind: 'described', id: 'allocate', request: allocate } },
          {
            endpoint: ep,
            exchange: {
              kind: 'described',
              id: 'bogus',
              request: { ...allocate, attributes: [{ type: 'NO-SUCH-ATTRIBUTE', hex: '00' }] },
            },
          },
        ],
      }),
    );
    expect(r.status).toBe(200);
    const a = (await r.json()) as HelperResponse;
    expect(a.x_udp![ep]!.response?.class).toBe('success');
    expect(a.x_udp![`${ep}/allocate`]!.response).toMatchObject({ class: 'error', error_code: 401 });
    expect(a.x_udp![`${ep}/bogus`]).toMatchObject({
      sent: 0,
      response: null,
      failure: expect.stringMatching(/^x_invalid_exchange: .*NO-SUCH-ATTRIBUTE/),
    });
  });

  it('traces from outside only towards endpoints the same request measures, within its trace slots', async () => {
    const slots = new TraceSlots(1);
    const tracing = await startHelper({ traces: slots });
    try {
      const relay = callEndpointsOf(lab.world, 'signal')[0]!;
      const ep = `${relay.address}:${relay.port}`;
      // A UDP port nobody listens on: the destination answers "port unreachable" at hop 1 (loopback).
      const closed = `${relay.address}:9`;
      const ask = (trace: { endpoint: string; protocol: 'udp' | 'tcp'; if_unanswered?: boolean }[]) =>
        post(
          tracing.url,
          relayQuestion(relay.address, {
            x_udp: [
              { endpoint: ep, exchange: { kind: 'stun_binding' } },
              { endpoint: closed, exchange: { kind: 'stun_binding' } },
            ],
            x_trace: trace,
          }),
        ).then((r) => r.json() as Promise<HelperResponse>);
      const a = await ask([
        { endpoint: closed, protocol: 'udp', if_unanswered: true },
        { endpoint: ep, protocol: 'udp', if_unanswered: true },
        { endpoint: '127.0.0.9:3478', protocol: 'udp' },
        { endpoint: `${relay.address}:443`, protocol: 'tcp' },
      ]);
      expect(a.x_trace![`udp:${closed}`]).toMatchObject({
        failure: null,
        reached: true,
        method: 'traceroute -U',
        hops: [{ ttl: 1, address: relay.address }],
      });
      // The relay answered the helper: a trace asked "if unanswered" is not made.
      expect(a.x_trace![`udp:${ep}`]).toEqual({ failure: 'x_not_needed' });
      // Not measured by this request: refused and said so, never traced.
      expect(Object.keys(a.x_trace!).sort()).toEqual([`udp:${closed}`, `udp:${ep}`].sort());
      expect(a.x_refused!.map((x) => x.what)).toEqual(
        expect.arrayContaining(['trace udp:127.0.0.9:3478', `trace tcp:${relay.address}:443`]),
      );
      // Every slot taken: the trace is answered "busy" at once, not queued past the request's budget.
      const hold = slots.run(() => new Promise((r) => setTimeout(r, 3000)));
      const busy = await ask([{ endpoint: closed, protocol: 'udp' }]);
      expect(busy.x_trace![`udp:${closed}`]).toEqual({
        failure: expect.stringMatching(/^unknown_failure: .*busy/),
      });
      await hold;
    } finally {
      await tracing.close();
    }
  });

  it('never touches a private address unless it runs on a test network', async () => {
    const strict = await startHelper({ allowPrivate: false });
    try {
      const ip = lab.world.hosts[0]!.address;
      const r = await post(strict.url, {
        http_request: `https://${ip}/`,
        tcp_connect: [`${ip}:10443`],
        x_voipprobe: { version: 1 },
        x_http: false,
        x_udp: [{ endpoint: `${ip}:3478`, exchange: { kind: 'stun_binding' } }],
      });
      const a = (await r.json()) as HelperResponse;
      expect(a.tcp_connect).toEqual({});
      expect(a.x_udp).toEqual({});
      expect(a.x_refused!.map((x) => x.what)).toEqual(expect.arrayContaining([`${ip}:10443`, `UDP ${ip}:3478`]));
    } finally {
      await strict.close();
    }
  });

  it('rate-limits each client', async () => {
    const tight = await startHelper({ burst: 2, rate: 0.01 });
    try {
      const codes = [];
      for (let i = 0; i < 4; i++)
        codes.push(
          (
            await post(tight.url, {
              http_request: 'https://a.example/',
              x_voipprobe: { version: 1 },
              x_http: false,
              x_timeout_ms: 100,
            })
          ).status,
        );
      expect(codes.slice(0, 2)).toEqual([200, 200]);
      expect(codes.slice(2)).toContain(429);
    } finally {
      await tight.close();
    }
  });
});

describe('the probe with a helper', () => {
  let plain: RunResult;
  beforeAll(async () => {
    await lab.reset();
    plain = await lab.measure({ timeoutS: TIMEOUT_S });
  }, 60_000);

  it('a clean network: the same verdicts, every answer recorded and used (questions about relays that answered here withdrawn, and said so)', async () => {
    const r = await lab.measure({ timeoutS: TIMEOUT_S, helpers: [{ url: helper.url, token: TOKEN }] });
    expect(summary(verdictsOf(r))).toEqual(summary(verdictsOf(plain)));
    for (const s of r.services) {
      const xs = s.observations.x_helper!;
      const withdrawn = xs.filter((x) => x.x_reason === WITHDRAWN);
      expect(s.verdict!.helpers, s.service.service).toEqual([
        expect.objectContaining({ used: true, answered: xs.length - withdrawn.length }),
      ]);
      for (const x of withdrawn) {
        expect(x.failure).toBe('interrupted');
        // Only a relay whose every chain answered here.
        expect(s.observations.x_stun.some((e) => e.x_target === x.x_target && e.response !== null)).toBe(true);
      }
      expect(xs.every((x) => x.x_reason === WITHDRAWN || (x.response !== null && x.failure === null))).toBe(true);
    }
    // The controls are never asked about.
    expect(r.controls.observations.x_helper).toBeUndefined();
  }, 60_000);

  it("WhatsApp's servers down: an outage, confirmed from outside, nothing blocked", async () => {
    await lab.applyScenario('11a');
    const r = await lab.measure({ timeoutS: TIMEOUT_S, helpers: [{ url: helper.url, token: TOKEN }] });
    await lab.reset();
    const wa = verdictsOf(r).find((v) => v.service === 'whatsapp')!;
    expect(wa.status).toBe('inconclusive');
    for (const p of ['chat', 'web', 'call'] as const) {
      expect(wa.paths[p]!.outage, p).toBe(true);
      expect(wa.paths[p]!.reason).toMatch(/^outage: /);
    }
    expect(censorshipClaims(verdictsOf(r))).toEqual([]);
  }, 60_000);

  const unusable: [string, () => Promise<string>, RegExp][] = [
    [
      'answers garbage',
      () => fakeHelper(() => ({ status: 200, body: '<html>not a helper</html>' })),
      /not used: no valid answer \(x_invalid_response: not JSON/,
    ],
    [
      'refuses the token',
      () => fakeHelper(() => ({ status: 401, body: '{"error":"invalid bearer token"}' }), 'same'),
      /health check failed: HTTP 401: invalid bearer token/,
    ],
    ['never answers', () => fakeHelper(() => null, 'same'), /health check failed \(generic_timeout_error\)/],
    ['answers its health check, then never again', () => fakeHelper(() => null), /generic_timeout_error/],
  ];
  for (const [name, make, reason] of unusable) {
    it(`a helper that ${name}: today's verdicts, and the line says why it was not used`, async () => {
      const url = await make();
      const t0 = Date.now();
      const r = await lab.measure({ timeoutS: TIMEOUT_S, helpers: [{ url, token: TOKEN }] });
      expect(summary(verdictsOf(r))).toEqual(summary(verdictsOf(plain)));
      for (const v of verdictsOf(r)) expect(v.helpers![0]!.reason, v.service).toMatch(reason);
      // A silent helper costs its budget once, not once per target.
      expect(Date.now() - t0).toBeLessThan((2 * TIMEOUT_S + 1) * 1000 + 5000);
    }, 60_000);
  }

  it('a lying helper that says everything works changes nothing on a clean network', async () => {
    const url = await fakeHelper(everythingWorks);
    const r = await lab.measure({ timeoutS: TIMEOUT_S, helpers: [{ url, token: TOKEN }] });
    expect(summary(verdictsOf(r))).toEqual(summary(verdictsOf(plain)));
    expect(censorshipClaims(verdictsOf(r))).toEqual([]);
  }, 60_000);

  it('a lying helper that says everything fails confirms no outage and hides nothing', async () => {
    const url = await fakeHelper((body) => ({ status: 200, body: JSON.stringify(lie(body, false)) }));
    await lab.applyScenario('9');
    const liar = await lab.measure({ timeoutS: TIMEOUT_S, helpers: [{ url, token: TOKEN }] });
    const truth = await lab.measure({ timeoutS: TIMEOUT_S });
    await lab.reset();
    expect(summary(verdictsOf(liar))).toEqual(summary(verdictsOf(truth)));
    expect(verdictsOf(liar)[0]!.helpers![0]!.reason).toMatch(/nothing worked from there either/);
  }, 60_000);
});
