import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeMeasurement } from '../../../bench/support/measurement-fixture.js';
import { writeFileAtomic } from '../../../src/fs/atomic.js';
import { tryLock } from '../../../src/fs/pid-lock.js';
import { backoffDelay } from '../../../src/submit/backoff.js';
import { classify } from '../../../src/submit/client.js';
import { Spool, spoolName } from '../../../src/submit/spool.js';

const fresh = () => new Spool(join(mkdtempSync(join(tmpdir(), 'voipprobe-spool-')), 'spool'));

describe('spool', () => {
  it('one file per measurement, named by its id; spooling the same id again keeps the first (and its retry state)', () => {
    const spool = fresh();
    const m = fakeMeasurement(1);
    expect(spool.put(m)).toBe('added');
    const [item] = spool.list();
    expect(item!.name).toBe(`${m.id}.json`);
    spool.recordFailure(item!, spool.read(item!)!, 'ECONNREFUSED', new Date(Date.now() + 60_000));
    expect(spool.put({ ...m, test_runtime: 99 })).toBe('present');
    const e = spool.read(item!)!;
    expect(e.attempts).toBe(1);
    expect(e.last_error).toBe('ECONNREFUSED');
    expect(e.measurement).toEqual(m);
    expect(readdirSync(spool.dir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  it('ids that are not safe file names are hashed; ids are required', () => {
    expect(spoolName('3f2a-ok_1')).toBe('3f2a-ok_1.json');
    expect(spoolName('../../etc/passwd')).toMatch(/^h-[0-9a-f]{40}\.json$/);
    expect(spoolName('.hidden')).toMatch(/^h-/);
    expect(() => fresh().put({ ...fakeMeasurement(1), id: '' })).toThrow(/without an id/);
  });

  it('a crash mid-write leaves the old content or none, never half: temp files are ignored, then cleaned when stale', () => {
    const spool = fresh();
    spool.put(fakeMeasurement(1));
    // What a crash between write and rename leaves behind: a temp file with half a measurement.
    const tmp = join(spool.dir, `.tmp-${spoolName(fakeMeasurement(2).id)}-999-abcd`);
    writeFileSync(tmp, JSON.stringify(fakeMeasurement(2)).slice(0, 500));
    expect(spool.list().map((i) => i.name)).toEqual([spoolName(fakeMeasurement(1).id)]);
    expect(existsSync(tmp)).toBe(true); // young: may belong to a live writer
    const old = new Date(Date.now() - 3600_000);
    utimesSync(tmp, old, old);
    spool.list();
    expect(existsSync(tmp)).toBe(false);
  });

  it('a damaged spool file is moved to rejected/ with its raw text, never deleted or retried forever', () => {
    const spool = fresh();
    spool.put(fakeMeasurement(1));
    const [item] = spool.list();
    writeFileSync(item!.path, '{"format":1,"id":"x","measur');
    expect(spool.read(item!)).toBeUndefined();
    expect(spool.list()).toEqual([]);
    const [rej] = spool.listRejected();
    expect(rej!.status).toBe(0);
    expect(rej!.reason).toMatch(/unreadable spool file/);
    expect(rej!.measurement).toBe('{"format":1,"id":"x","measur');
  });

  it('reject keeps the measurement aside with the collector reason; remove deletes', () => {
    const spool = fresh();
    spool.put(fakeMeasurement(1));
    spool.put(fakeMeasurement(2));
    const [a, b] = spool.list();
    spool.reject(a!, spool.read(a!)!, 400, 'HTTP 400: content.probe_cc: must be two upper-case letters');
    spool.remove(b!);
    expect(spool.list()).toEqual([]);
    const rej = spool.listRejected();
    expect(rej).toHaveLength(1);
    expect(rej[0]).toMatchObject({
      status: 400,
      reason: 'HTTP 400: content.probe_cc: must be two upper-case letters',
      attempts: 1,
    });
    expect((rej[0]!.measurement as { id: string }).id).toBe(rej[0]!.id);
  });

  it('writeFileAtomic replaces content whole and leaves no temp file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'voipprobe-atomic-'));
    const f = join(dir, 'x.json');
    writeFileAtomic(f, 'one');
    writeFileAtomic(f, 'two');
    expect(readFileSync(f, 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['x.json']);
  });
});

describe('pid lock', () => {
  it('one holder at a time; a lock left by a dead process is taken over', () => {
    const dir = mkdtempSync(join(tmpdir(), 'voipprobe-lock-'));
    const f = join(dir, 'lock');
    const a = tryLock(f);
    expect('release' in a).toBe(true);
    expect(tryLock(f)).toEqual({ heldBy: process.pid });
    (a as { release(): void }).release();
    const b = tryLock(f);
    expect('release' in b).toBe(true);
    (b as { release(): void }).release();
    mkdirSync(dir, { recursive: true });
    writeFileSync(f, '999999999\n'); // no such process
    const c = tryLock(f);
    expect('release' in c).toBe(true);
    expect(readFileSync(f, 'utf8').trim()).toBe(String(process.pid));
  });
});

describe('backoff and answer classification', () => {
  it('grows exponentially with jitter, capped', () => {
    const p = { baseMs: 60_000, maxMs: 3600_000 };
    expect(backoffDelay(1, p, () => 0)).toBe(30_000);
    expect(backoffDelay(1, p, () => 1)).toBe(60_000);
    expect(backoffDelay(3, p, () => 1)).toBe(240_000);
    expect(backoffDelay(30, p, () => 1)).toBe(3600_000);
    expect(backoffDelay(30, p, () => 0)).toBe(1800_000);
  });

  const a = (status: number, body: unknown = {}) => ({
    status,
    text: JSON.stringify(body),
    json: body as Record<string, unknown>,
  });
  it.each([
    [a(200, { measurement_uid: 'u1' }), { kind: 'ok', measurement_uid: 'u1' }],
    [a(200, { measurement_id: 'u2' }), { kind: 'ok', measurement_uid: 'u2' }],
    [a(200, {}), { kind: 'rejected', status: 200 }],
    [a(500, { error: 'db down' }), { kind: 'transient', error: 'HTTP 500: db down' }],
    [a(503), { kind: 'transient' }],
    [a(429), { kind: 'transient' }],
    [a(408), { kind: 'transient' }],
    [
      a(400, { error: 'content.id: required' }),
      { kind: 'rejected', status: 400, reason: 'HTTP 400: content.id: required' },
    ],
    [a(413, { detail: 'too big' }), { kind: 'rejected', status: 413, reason: 'HTTP 413: too big' }],
    [a(401, { error: 'invalid bearer token' }), { kind: 'fatal', status: 401 }],
    [a(404), { kind: 'fatal', status: 404 }],
  ])('%j -> %j', (answer, want) => {
    expect(classify(answer, 'report')).toMatchObject(want);
  });
});
