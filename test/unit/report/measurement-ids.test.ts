// The reporter's set of measurement ids: a repeat is always found, a new id is never taken for a repeat
// (on this many ids), more ids than expected are kept (the stash), and sets read by different threads
// are compared exactly as one set would be.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MeasurementIds } from '../../../src/report/measurement-ids.js';

/** Ids in the shapes the reporter sees: this probe's UUIDs and OONI's composed ids. */
function ids(n: number, seed: string): string[] {
  return Array.from({ length: n }, (_, i) =>
    i % 3 === 2
      ? `20260901T000000Z_webconnectivity_MA_6713_n1_${seed}${i}|https://web.whatsapp.com/|${i}`
      : randomUUID(),
  );
}

describe('MeasurementIds', () => {
  it('answers as a Set of the ids would, at the expected size and far beyond it', () => {
    for (const [expected, n] of [
      [200_000, 200_000],
      [10, 5_000], // 64 buckets of 4: most ids go to the stash
      [1_000, 20_000],
    ] as const) {
      const all = ids(n, `e${expected}-`);
      const set = new MeasurementIds(expected);
      const seen = new Set<string>();
      let wrong = 0;
      // Each id once, then every third one again, interleaved with new ones.
      for (let i = 0; i < all.length; i++) {
        if (set.add(all[i]!) !== !seen.has(all[i]!)) wrong++;
        seen.add(all[i]!);
        if (i % 3 === 0 && set.add(all[i >> 1]!)) wrong++;
      }
      expect(wrong, `expected ${expected}, ${n} ids`).toBe(0);
      expect(set.size).toBe(n);
      for (const id of all) expect(set.add(id)).toBe(false);
    }
  });

  it('keeps every id through the move to another thread', () => {
    for (const expected of [50_000, 100]) {
      const all = ids(30_000, 'm');
      const set = new MeasurementIds(expected);
      for (const id of all) set.add(id);
      const again = MeasurementIds.from(structuredClone(set.drain()));
      expect(again.size).toBe(30_000);
      expect(all.filter((id) => again.add(id))).toEqual([]);
      expect(again.add(randomUUID())).toBe(true);
    }
  });

  it('places ids the same way on every run', () => {
    const all = ids(5_000, 'd');
    const tables = [1, 2].map(() => {
      const set = new MeasurementIds(1_000);
      for (const id of all) set.add(id);
      return set.drain();
    });
    expect(Buffer.from(tables[0]!.lo.buffer).equals(Buffer.from(tables[1]!.lo.buffer))).toBe(true);
    expect(Buffer.from(tables[0]!.stash.buffer).equals(Buffer.from(tables[1]!.stash.buffer))).toBe(true);
  });

  it('counts the ids that more than one set holds, in their tables and their stashes', () => {
    const shared = ids(700, 's');
    for (const expected of [100_000, 200]) {
      const sets = [0, 1, 2].map(() => new MeasurementIds(expected));
      for (const [k, set] of sets.entries()) for (const id of ids(3_000, `own${k}-`)) set.add(id);
      expect(MeasurementIds.sharedAcross(sets), `expected ${expected}`).toBe(0);
      for (const id of shared.slice(0, 400)) sets[0]!.add(id);
      for (const id of shared.slice(300)) sets[2]!.add(id); // 100 in common with set 0
      for (const id of shared.slice(350, 360)) sets[1]!.add(id); // 10 in common with both
      expect(MeasurementIds.sharedAcross(sets.map((s) => MeasurementIds.from(s.drain()))), `expected ${expected}`).toBe(
        100 + 10,
      );
    }
  });

  it('refuses to compare sets of different sizes', () => {
    expect(() => MeasurementIds.sharedAcross([new MeasurementIds(1_000), new MeasurementIds(100_000)])).toThrow(
      /different sizes/,
    );
  });
});
