import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeMeasurement } from '../../../bench/support/measurement-fixture.js';
import { TokenCheck } from '../../../src/collector/auth.js';
import { createCollectorServer, listen } from '../../../src/collector/server.js';
import { collectorLines } from '../../../src/collector/source.js';
import { JsonlStore } from '../../../src/collector/store-jsonl.js';
import { deepMeasurementLine } from '../../support/json.js';
import { startTestCollector, type TestCollector, TOKEN } from '../submit/harness.js';

let c: TestCollector;
beforeAll(async () => {
  c = await startTestCollector({ maxBodyBytes: 64 * 1024, headersTimeoutMs: 500, requestTimeoutMs: 1_000 });
});
afterAll(async () => {
  await c.stop();
});

const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
async function post(path: string, body: string | Buffer, headers: Record<string, string> = auth) {
  const res = await request(`${c.url}${path}`, { method: 'POST', headers, body });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
const submit = (m: unknown) =>
  post('/report/20261126T000000Z_voipprobe_MA_36925_n1_abc', JSON.stringify({ format: 'json', content: m }));

/** Sends raw bytes, optionally trickled, and returns whatever the server answered before closing. */
function raw(chunks: string[], gapMs: number): Promise<string> {
  return new Promise((resolve) => {
    const url = new URL(c.url);
    const s = connect(Number(url.port), url.hostname);
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.on('close', () => resolve(got));
    s.on('error', () => undefined);
    let i = 0;
    const next = () => {
      if (s.destroyed || i >= chunks.length) return;
      s.write(chunks[i++]!);
      setTimeout(next, gapMs);
    };
    s.on('connect', next);
  });
}

describe('collector: authentication', () => {
  it.each([
    ['no header', {}, 'missing "Authorization: Bearer <token>" header'],
    ['wrong token', { authorization: 'Bearer not-the-token-at-all' }, 'invalid bearer token'],
    ['wrong scheme', { authorization: `Basic ${TOKEN}` }, 'invalid bearer token'],
    ['token prefix', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }, 'invalid bearer token'],
  ])('%s -> 401', async (_n, headers, error) => {
    const r = await post('/report/x', JSON.stringify({ format: 'json', content: fakeMeasurement(0) }), {
      ...headers,
      'content-type': 'application/json',
    });
    expect(r).toEqual({ status: 401, body: { error } });
  });

  it('TokenCheck: any of several tokens; never an empty or partial one', () => {
    const t = new TokenCheck(['first-token-aaaaaaaa', 'second-token-bbbbbbb']);
    expect(t.allows('Bearer first-token-aaaaaaaa')).toBe(true);
    expect(t.allows('bearer second-token-bbbbbbb')).toBe(true);
    expect(t.allows('Bearer first-token')).toBe(false);
    expect(t.allows('Bearer ')).toBe(false);
    expect(t.allows(undefined)).toBe(false);
  });

  it('/health needs no token and says nothing about the store', async () => {
    const res = await request(`${c.url}/health`);
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ status: 'ok', software_version: expect.any(String) });
  });
});

describe('collector: bad input', () => {
  it('malformed JSON -> 400 with the parser reason', async () => {
    expect(await post('/report/x', '{"format":"json","content":{"id":')).toEqual({
      status: 400,
      body: { error: expect.stringMatching(/^malformed JSON in request body: /) },
    });
  });

  it.each([
    [{ format: 'yaml', content: fakeMeasurement(0) }, 'format: only "json" is supported'],
    [{ format: 'json' }, 'content: content must be the measurement (an object, or a JSON string)'],
    [{ format: 'json', content: '{"id": nope}' }, expect.stringMatching(/^content: not valid JSON: /)],
    [{ format: 'json', content: { ...fakeMeasurement(0), id: undefined } }, expect.stringMatching(/^content\.id: /)],
    [
      { format: 'json', content: { ...fakeMeasurement(0), probe_asn: '36925' } },
      expect.stringMatching(/^content\.probe_asn: /),
    ],
    [
      { format: 'json', content: { ...fakeMeasurement(0), x_access: 'satellite' } },
      'content.x_access: must be one of mobile, fixed, wifi, unknown',
    ],
    [
      { format: 'json', content: { ...fakeMeasurement(0), id: 'a b/c' } },
      expect.stringMatching(/^content\.id: must be 1-128 letters/),
    ],
    [
      { format: 'json', content: { ...fakeMeasurement(0), test_keys: {} } },
      expect.stringMatching(/^content\.test_keys\.service: /),
    ],
  ])('schema violation %# -> 400 naming the field', async (body, error) => {
    expect(await post('/report/x', JSON.stringify(body))).toEqual({ status: 400, body: { error } });
  });

  it('oversized body -> 413 (declared or streamed, plain or gzip bomb), nothing stored', async () => {
    const before = await c.store.counts();
    const big = JSON.stringify({
      format: 'json',
      content: { ...fakeMeasurement(1), x_padding: 'x'.repeat(100 * 1024) },
    });
    expect(await post('/report/x', big)).toEqual({
      status: 413,
      body: { error: expect.stringMatching(/exceeds the limit of 65536 bytes/) },
    });
    const gz = gzipSync(big);
    expect(gz.length).toBeLessThan(64 * 1024);
    expect(await post('/report/x', gz, { ...auth, 'content-encoding': 'gzip' })).toEqual({
      status: 413,
      body: { error: expect.stringMatching(/decompressed body exceeds/) },
    });
    // Chunked upload (no Content-Length): cut while streaming.
    const chunked = await raw(
      [
        `POST /report/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
        `${(big.length).toString(16)}\r\n${big}\r\n0\r\n\r\n`,
      ],
      10,
    );
    expect(chunked).toMatch(/^HTTP\/1\.1 413 /);
    expect(await c.store.counts()).toEqual(before);
  });

  it('a measurement nested 20,000 levels deep -> 400 saying so; the innocent ones sent with it are stored', async () => {
    const before = await c.store.counts();
    const innocent = Array.from({ length: 6 }, (_, i) => fakeMeasurement(600 + i, { run: 'deep' }));
    const poison = deepMeasurementLine(fakeMeasurement(699, { run: 'deep' }), 20_000);
    expect(poison.length).toBeLessThan(64 * 1024);
    // Sent together, so that they would share a store batch.
    const [bad, asString, ...good] = await Promise.all([
      post('/report/x', `{"format":"json","content":${poison}}`),
      post('/api/v1/submit_measurement', JSON.stringify({ format: 'json', content: poison })),
      ...innocent.map((m) => submit(m)),
    ]);
    expect(bad).toEqual({
      status: 400,
      body: {
        error: expect.stringMatching(/^malformed JSON in request body: column \d+: nested deeper than 64 levels$/),
      },
    });
    expect(asString).toEqual({
      status: 400,
      body: { error: expect.stringMatching(/^content: not valid JSON: column \d+: nested deeper than 64 levels$/) },
    });
    expect(good.map((r) => r.status)).toEqual(innocent.map(() => 200));
    expect(await c.store.counts()).toEqual({ rows: before.rows + 6, distinct: before.distinct + 6 });
  });

  it('malformed JSON is located: column and reason, no raw bytes echoed', async () => {
    const r = await post('/report/x', '{"format":"json","content":{"id":"a",}}');
    expect(r).toEqual({
      status: 400,
      body: { error: 'malformed JSON in request body: column 37: a comma before "}" (trailing commas are not JSON)' },
    });
  });

  it('gzip bodies within the limit are accepted', async () => {
    const m = fakeMeasurement(500, { run: 'gzip' });
    const r = await post('/report/x', gzipSync(JSON.stringify({ format: 'json', content: m })), {
      ...auth,
      'content-encoding': 'gzip',
    });
    expect(r.status).toBe(200);
  });

  it('slow client trickling headers -> 408 and the connection is closed', async () => {
    const t0 = Date.now();
    const answer = await raw(
      [
        'POST /report/x HTTP/1.1\r\n',
        'Host: x\r\n',
        'X-A: 1\r\n',
        'X-B: 2\r\n',
        'X-C: 3\r\n',
        'X-D: 4\r\n',
        'X-E: 5\r\n',
        'X-F: 6\r\n',
        'X-G: 7\r\n',
        'X-H: 8\r\n',
      ],
      300,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    expect(Date.now() - t0).toBeLessThan(2_500);
  });

  it('slow client trickling the body -> 408, nothing stored', async () => {
    const before = await c.store.counts();
    const body = JSON.stringify({ format: 'json', content: fakeMeasurement(7, { run: 'slow' }) });
    const head = `POST /report/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const parts = [head, ...Array.from({ length: 12 }, (_, i) => body.slice(i * 10, i * 10 + 10))];
    const answer = await raw(parts, 250);
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    expect(await c.store.counts()).toEqual(before);
  });

  it('unknown endpoints -> 404, wrong methods -> 405', async () => {
    expect((await post('/admin', '{}')).status).toBe(404);
    const res = await request(`${c.url}/report`, { method: 'GET', headers: auth });
    expect(res.statusCode).toBe(405);
    await res.body.text();
  });

  it('a report id with broken percent-encoding -> 400, not a server error', async () => {
    const r = await post('/report/%E0%A4%A', '{}');
    expect(r.status).toBe(400);
    expect(String(r.body.error)).toMatch(/percent-encoding/);
  });
});

describe('collector: clients that go away', () => {
  it('a client disconnecting mid-body is not an error of ours: logged at debug, no stack, nothing stored', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino(
      { level: 'debug' },
      { write: (s: string) => lines.push(JSON.parse(s) as { level: number; msg: string }) },
    );
    const store = await JsonlStore.open(mkdtempSync(join(tmpdir(), 'voipprobe-gone-')));
    const running = await listen(createCollectorServer({ store, auth: undefined, logger }), '127.0.0.1', 0);
    const port = Number(new URL(running.url).port);
    const body = JSON.stringify({ format: 'json', content: fakeMeasurement(1, { run: 'gone' }) });
    for (let i = 0; i < 10; i++) {
      await new Promise<void>((resolve) => {
        const s = connect(port, '127.0.0.1', () => {
          s.write(
            `POST /report/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 100)}`,
          );
          setTimeout(() => s.destroy(), 20);
        });
        s.on('close', () => setTimeout(resolve, 20));
      });
    }
    await running.close();
    expect(await store.counts()).toEqual({ rows: 0, distinct: 0 });
    await store.close();
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    expect(JSON.stringify(lines)).not.toMatch(/\bat .*:\d+:\d+/);
    expect(lines.filter((l) => /closed the connection/.test(l.msg)).length).toBe(10);
  });
});

describe('collector: OONI-shaped protocol and idempotency', () => {
  it('open -> post -> replay (same uid, nothing new) -> close', async () => {
    const open = await post(
      '/report',
      JSON.stringify({
        format: 'json',
        probe_asn: 'AS36925',
        probe_cc: 'MA',
        test_name: 'voipprobe',
        software_name: 'voipprobe',
        software_version: '0.1.0',
        test_version: '0.1.0',
        test_start_time: '2026-11-26 00:00:00',
        data_format_version: '0.2.0',
      }),
    );
    expect(open.status).toBe(200);
    expect(open.body.supported_formats).toEqual(['json']);
    expect(open.body.report_id).toMatch(/^\d{8}T\d{6}Z_voipprobe_MA_36925_n1_[A-Za-z0-9_-]+$/);
    const path = `/report/${open.body.report_id as string}`;
    const m = fakeMeasurement(42, { run: 'idem' });
    const before = await c.store.counts();
    const first = await post(path, JSON.stringify({ format: 'json', content: m }));
    expect(first.status).toBe(200);
    expect(first.body.measurement_uid).toMatch(/^\d{14}\.\d{6}_MA_voipprobe_[0-9a-f]{16}$/);
    const replay = await post(path, JSON.stringify({ format: 'json', content: m }));
    expect(replay).toEqual(first);
    // Concurrent replays of a new id: one stored, all get the same uid.
    const m2 = fakeMeasurement(43, { run: 'idem' });
    const many = await Promise.all(Array.from({ length: 8 }, () => submit(m2)));
    expect(new Set(many.map((r) => r.body.measurement_uid)).size).toBe(1);
    expect(await c.store.counts()).toEqual({ rows: before.rows + 2, distinct: before.distinct + 2 });
    expect(await post(`${path}/close`, '{}')).toEqual({ status: 200, body: {} });
  });

  it('/api/v1/submit_measurement takes the content as a JSON string and is idempotent with /report', async () => {
    const m = fakeMeasurement(44, { run: 'idem' });
    const a = await post(
      '/api/v1/submit_measurement',
      JSON.stringify({
        format: 'json',
        content: JSON.stringify(m),
        nym: null,
        zkp_request: null,
        manifest_version: null,
        protocol_version: null,
      }),
    );
    expect(a.status).toBe(200);
    expect(a.body.report_id).toBe(m.report_id);
    const b = await submit(m);
    expect(b.body.measurement_uid).toBe(a.body.measurement_uid);
  });

  it('stores the measurement with the receiving time and the collector fields, never the submitter address', async () => {
    const m = fakeMeasurement(45, { run: 'stored' });
    await submit(m);
    let stored: Record<string, unknown> | undefined;
    for await (const l of c.store.query({}))
      if (l.measurement.id === m.id) stored = l.measurement as unknown as Record<string, unknown>;
    expect(stored).toMatchObject({
      ...m,
      measurement_uid: expect.any(String),
      x_received_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      x_collector_report_id: '20261126T000000Z_voipprobe_MA_36925_n1_abc',
    });
    expect(JSON.stringify(stored)).not.toContain('127.0.0.1:'); // no remote address:port recorded
    expect(Object.keys(stored!).filter((k) => /submitter_ip|remote/.test(k))).toEqual([]);
  });

  it.each([
    ['x_submitter_asn', 'AS6713'],
    ['x_submitter_cc', 'MA'],
    ['x_collector_report_id', '20261126T000000Z_voipprobe_MA_6713_n1_forged'],
    ['measurement_uid', '20261126000000.000000_MA_voipprobe_0000000000000000'],
    ['x_received_time', '2026-11-26T00:00:00.000Z'],
    ['x_submitter_ip_hint', 'anything'],
    ['x_collector_note', 'anything'],
  ])('a submitter cannot set the collector field %s: 400 naming it, nothing stored', async (field, value) => {
    const before = await c.store.counts();
    const m = { ...fakeMeasurement(46, { run: `owned-${field}` }), [field]: value };
    const want = {
      status: 400,
      body: {
        error: `content.${field}: set by the collector, never by a submitter (a measurement read back from a collector cannot be submitted again as it is)`,
      },
    };
    expect(await submit(m)).toEqual(want);
    expect(
      await post('/api/v1/submit_measurement', JSON.stringify({ format: 'json', content: JSON.stringify(m) })),
    ).toEqual(want);
    expect(await c.store.counts()).toEqual(before);
  });

  it('GET /api/v1/measurements streams JSON lines, filtered, for report --from-collector', async () => {
    const whatsapp = fakeMeasurement(0, { run: 'q', service: 'whatsapp', start: new Date('2026-11-20T10:00:00Z') });
    const viber = fakeMeasurement(1, { run: 'q', service: 'viber', start: new Date('2026-11-21T10:00:00Z') });
    const late = fakeMeasurement(2, { run: 'q', service: 'whatsapp', start: new Date('2026-11-25T10:00:00Z') });
    for (const m of [whatsapp, viber, late]) expect((await submit(m)).status).toBe(200);
    const ids = async (o: Parameters<typeof collectorLines>[1]) => {
      const out: string[] = [];
      for await (const l of collectorLines(c.url, { token: TOKEN, ...o }))
        if (l.measurement.id.length && [whatsapp.id, viber.id, late.id].includes(l.measurement.id))
          out.push(l.measurement.id);
      return out.sort();
    };
    expect(await ids({})).toEqual([whatsapp.id, viber.id, late.id].sort());
    expect(await ids({ service: 'whatsapp' })).toEqual([whatsapp.id, late.id].sort());
    expect(await ids({ since: '2026-11-21', until: '2026-11-25 10:00:00' })).toEqual([viber.id]);
    // The same from the store directory.
    const fromDir: string[] = [];
    for await (const l of collectorLines(c.dir, { service: 'viber' }))
      if (l.measurement.id === viber.id) fromDir.push(l.file);
    expect(fromDir).toHaveLength(1);
    expect(fromDir[0]).toMatch(/measurements-\d{4}-\d\d-\d\d\.jsonl$/);
    await expect(ids({ since: 'yesterday' })).rejects.toThrow(/HTTP 400: .*since: expected YYYY-MM-DD/);
    await expect(async () => {
      for await (const _ of collectorLines(c.url, { token: 'wrong-token-0000000' })) void _;
    }).rejects.toThrow(/HTTP 401/);
  });
});

describe('simulated measurements', () => {
  it('are refused with 400 (never retried for ever), unless the collector accepts simulations', async () => {
    const m = fakeMeasurement(990, { run: 'sim' });
    m.annotations = { ...m.annotations, x_simulation: 'voipprobe demo: loopback lab, scenario 9' };
    const r = await submit(m);
    expect(r.status).toBe(400);
    expect(String(r.body.error)).toMatch(
      /^content\.annotations\.x_simulation: a simulated measurement .*--accept-simulated/,
    );
    const lab = await startTestCollector({ acceptSimulated: true });
    try {
      const res = await request(`${lab.url}/api/v1/submit_measurement`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ format: 'json', content: m }),
      });
      expect(res.statusCode).toBe(200);
      await res.body.text();
    } finally {
      await lab.stop();
    }
  });
});
