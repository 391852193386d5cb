import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeMeasurement } from '../../../bench/support/measurement-fixture.js';
import { GroupCommitter } from '../../../src/collector/group-commit.js';
import { measurementUid, RefusedDocument, storedDocument } from '../../../src/collector/store.js';
import { JsonlStore } from '../../../src/collector/store-jsonl.js';

const newDir = () => mkdtempSync(join(tmpdir(), 'voipprobe-jsonl-'));
const incoming = (i: number, run = 'store') => ({ measurement: fakeMeasurement(i, { run }), receivedAt: new Date() });
const dataFile = (dir: string) => join(dir, readdirSync(dir).find((n) => n.endsWith('.jsonl'))!);

describe('JSONL store', () => {
  it('idempotent on id, across a restart (the index is rebuilt from the files)', async () => {
    const dir = newDir();
    const s = await JsonlStore.open(dir);
    const a = await s.insert(incoming(1));
    expect(a.duplicate).toBe(false);
    expect(await s.insert(incoming(1))).toEqual({ measurement_uid: a.measurement_uid, duplicate: true });
    const same = await Promise.all([s.insert(incoming(2)), s.insert(incoming(2)), s.insert(incoming(2))]);
    expect(same.map((r) => r.duplicate)).toEqual([false, true, true]);
    await s.close();
    const s2 = await JsonlStore.open(dir);
    expect(await s2.insert(incoming(1))).toEqual({ measurement_uid: a.measurement_uid, duplicate: true });
    expect(await s2.counts()).toEqual({ rows: 2, distinct: 2 });
    await s2.close();
  });

  it("the stored document carries only the collector's own collector fields, whatever the caller passed", () => {
    const forged = {
      ...fakeMeasurement(1, { run: 'owned' }),
      x_submitter_asn: 'AS1',
      x_collector_report_id: 'forged',
      x_collector_extra: 1,
      measurement_uid: 'forged',
    };
    const doc = storedDocument({ measurement: forged as never, receivedAt: new Date('2026-11-26T00:00:00Z') }, 'uid-1');
    expect(doc).toMatchObject({ measurement_uid: 'uid-1', x_received_time: '2026-11-26T00:00:00.000Z' });
    expect(Object.keys(doc).filter((k) => /^x_(submitter|collector)_/.test(k))).toEqual([]);
  });

  it('a document that cannot be serialised is refused alone; the others of its batch are stored', async () => {
    const dir = newDir();
    const s = await JsonlStore.open(dir);
    const poison = {
      measurement: { ...fakeMeasurement(9, { run: 'poison' }), x_big: 1n } as never,
      receivedAt: new Date(),
    };
    const results = await Promise.allSettled([
      s.insert(incoming(1)),
      s.insert(poison),
      s.insert(incoming(2)),
      s.insert(incoming(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(RefusedDocument);
    expect(await s.counts()).toEqual({ rows: 3, distinct: 3 });
    await s.close();
  });

  it('a FIFO named like a day file is skipped with a message at start-up, never opened', async () => {
    const dir = newDir();
    execFileSync('mkfifo', [join(dir, 'measurements-2026-01-01.jsonl')]);
    const notes: string[] = [];
    const s = await JsonlStore.open(dir, { onRecover: (m) => notes.push(m) });
    expect(notes).toEqual([`${join(dir, 'measurements-2026-01-01.jsonl')}: skipped: a FIFO (named pipe)`]);
    await s.insert(incoming(1));
    const ids: string[] = [];
    for await (const l of s.query({})) ids.push(l.measurement.id);
    expect(ids).toEqual([incoming(1).measurement.id]);
    expect(notes).toHaveLength(1);
    await s.close();
  });

  it('a torn last line (crash mid-write) is moved to torn/, cut off, and new lines start clean', async () => {
    const dir = newDir();
    const s = await JsonlStore.open(dir);
    for (let i = 0; i < 3; i++) await s.insert(incoming(i));
    await s.close();
    const file = dataFile(dir);
    const torn = JSON.stringify({ ...fakeMeasurement(3, { run: 'store' }), measurement_uid: 'u' }).slice(0, 700);
    appendFileSync(file, torn);
    const notes: string[] = [];
    const s2 = await JsonlStore.open(dir, { onRecover: (m) => notes.push(m) });
    expect(notes).toEqual([expect.stringMatching(/torn last line \(700 bytes, never acknowledged\) moved to torn\//)]);
    expect(readFileSync(file, 'utf8').endsWith('}\n')).toBe(true);
    const frag = readdirSync(join(dir, 'torn'));
    expect(readFileSync(join(dir, 'torn', frag[0]!), 'utf8')).toBe(torn);
    // The measurement whose line was torn was never acknowledged: its sender retries and it is stored.
    expect((await s2.insert(incoming(3))).duplicate).toBe(false);
    expect(await s2.counts()).toEqual({ rows: 4, distinct: 4 });
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(
      [0, 1, 2, 3].map((i) => fakeMeasurement(i, { run: 'store' }).id),
    );
    await s2.close();
  });

  it('a corrupt line in the middle is reported and skipped; the rest is indexed', async () => {
    const dir = newDir();
    const s = await JsonlStore.open(dir);
    await s.insert(incoming(0));
    await s.close();
    appendFileSync(dataFile(dir), '{"garbage\n');
    const s2 = await JsonlStore.open(dir);
    await s2.insert(incoming(1));
    await s2.close();
    const notes: string[] = [];
    const s3 = await JsonlStore.open(dir, { onRecover: (m) => notes.push(m) });
    expect(notes).toEqual([expect.stringMatching(/:2: corrupt line skipped/)]);
    expect(await s3.counts()).toEqual({ rows: 2, distinct: 2 });
    const bad: string[] = [];
    const ids: string[] = [];
    for await (const l of s3.query({}, (_f, n, r) => bad.push(`${n}:${r}`))) ids.push(l.measurement.id);
    expect(ids).toHaveLength(2);
    expect(bad).toHaveLength(1);
    await s3.close();
  });

  it('one collector per store directory', async () => {
    const dir = newDir();
    const s = await JsonlStore.open(dir);
    await expect(JsonlStore.open(dir)).rejects.toThrow(/another collector \(pid \d+\) uses this store/);
    await s.close();
    const again = await JsonlStore.open(dir);
    await again.close();
  });

  it('group commit: many concurrent inserts share few fsyncs and all are durable when answered', async () => {
    const dir = newDir();
    const s = await JsonlStore.open(dir);
    const rs = await Promise.all(Array.from({ length: 500 }, (_, i) => s.insert(incoming(i, 'many'))));
    expect(rs.every((r) => !r.duplicate)).toBe(true);
    expect(readFileSync(dataFile(dir), 'utf8').trimEnd().split('\n')).toHaveLength(500);
    await s.close();
  });
});

describe('helpers', () => {
  it('measurement_uid is OONI-shaped and stable for one id and time', () => {
    const m = fakeMeasurement(1);
    const t = new Date('2026-11-26T00:43:12.123Z');
    expect(measurementUid(m, t)).toMatch(/^20261126004312\.123000_MA_voipprobe_[0-9a-f]{16}$/);
    expect(measurementUid(m, t)).toBe(measurementUid(m, t));
  });

  it('the stored document adds the collector fields; of the submitter only its network, never its address', () => {
    const m = fakeMeasurement(1);
    const doc = storedDocument(
      {
        measurement: m,
        receivedAt: new Date('2026-11-26T00:00:01Z'),
        collectorReportId: 'r1',
        submitter: { asn: 'AS36925', cc: 'MA' },
      },
      'uid-1',
    );
    expect(doc).toEqual({
      ...m,
      measurement_uid: 'uid-1',
      x_received_time: '2026-11-26T00:00:01.000Z',
      x_collector_report_id: 'r1',
      x_submitter_asn: 'AS36925',
      x_submitter_cc: 'MA',
    });
    expect(storedDocument({ measurement: m, receivedAt: new Date(0) }, 'u')).not.toHaveProperty('x_submitter_asn');
  });

  it('GroupCommitter batches what arrives during a commit and fails only its own batch', async () => {
    const sizes: number[] = [];
    const gc = new GroupCommitter<number, number>(async (xs) => {
      sizes.push(xs.length);
      await new Promise((r) => setTimeout(r, 10));
      if (xs.includes(-1)) throw new Error('boom');
      return xs.map((x) => x * 2);
    });
    const first = gc.submit(1);
    const rest = [2, 3, 4].map((x) => gc.submit(x));
    expect(await Promise.all([first, ...rest])).toEqual([2, 4, 6, 8]);
    expect(sizes).toEqual([1, 3]);
    await expect(gc.submit(-1)).rejects.toThrow('boom');
    expect(await gc.submit(5)).toBe(10);
  });
});
