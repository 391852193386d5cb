// The set of measurement ids a reader has taken, to count a measurement read twice (a copied file, a
// resubmission) once. It is the reporter's only memory that grows with the input, so it is kept small:
// a cuckoo table of 4-slot buckets holding 39-bit fingerprints (5 bytes a slot, 95% full at the expected
// size: about 6 bytes per id against 11 for a 64-bit hash table three-quarters full).
//
// An id is its fingerprint and its pair of buckets: two different ids are taken for one with probability
// about n²/2^(39+log2(buckets)) (about 10⁻⁵ for a million ids). Ids that find no slot (more than expected)
// go to a growable stash keyed the same way, so nothing is lost when the estimate is low.
// Sets built with the same expected size have the same buckets and can be compared (`sharedAcross`).

import { hash64, IdSet } from './idset.js';

const SLOTS = 4;
const LOAD = 0.95;
const MAX_KICKS = 500;
/** The stash keys a bucket in 24 bits (with 7 fingerprint bits in its high word). */
const MAX_BUCKETS = 1 << 24;

/** A set's memory, to move it to another thread without a copy. */
export interface MeasurementIdsTable {
  buckets: number;
  lo: Uint32Array;
  hi: Uint8Array;
  stash: Uint32Array;
}

/** `x` (32 bits) scaled to [0, n) without a division by n. */
function scale(x: number, n: number): number {
  return Math.floor(((x >>> 0) * n) / 4294967296);
}

export class MeasurementIds {
  readonly buckets: number;
  /** A slot's fingerprint: 32 bits here and 7 in `hi`, whose top bit marks the slot as used. */
  private lo: Uint32Array;
  private hi: Uint8Array;
  private stash: IdSet;
  private rnd = 0x2545f491;
  size = 0;

  /** Room for `expected` ids (see estimateLines); the same `expected` gives the same buckets. */
  constructor(expected: number, table?: MeasurementIdsTable) {
    this.buckets = table?.buckets ?? Math.min(MAX_BUCKETS, Math.max(64, Math.ceil(expected / (SLOTS * LOAD))));
    this.lo = table?.lo ?? new Uint32Array(this.buckets * SLOTS);
    this.hi = table?.hi ?? new Uint8Array(this.buckets * SLOTS);
    this.stash = table ? IdSet.fromTable(table.stash) : new IdSet(16);
  }

  /** A set over the memory another thread filled (no copy). */
  static from(table: MeasurementIdsTable): MeasurementIds {
    const s = new MeasurementIds(0, table);
    for (const h of table.hi) if (h !== 0) s.size++;
    s.size += s.stash.size;
    return s;
  }

  /** Adds the id; false when it was already there. */
  add(id: string): boolean {
    const h = hash64(id);
    const lo = h[0]!;
    const hi = 0x80 | ((h[1]! >>> 24) & 0x7f);
    // The bucket from the whole high word (odd multiplier: a bijection), so ids differing below bit 24 part.
    const first = scale(Math.imul(h[1]!, 0x9e3779b1), this.buckets);
    if (this.has(lo, hi, first)) return false;
    this.insert(lo, hi, first);
    this.size++;
    return true;
  }

  /** The other bucket of a fingerprint's pair: (c - i) mod buckets, so that other(other(i)) = i. */
  private other(lo: number, hi: number, i: number): number {
    const c = scale(Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0xcc9e2d51) ^ (lo >>> 15), this.buckets);
    return c >= i ? c - i : c - i + this.buckets;
  }

  private inBucket(lo: number, hi: number, b: number): boolean {
    for (let s = b * SLOTS, end = s + SLOTS; s < end; s++) if (this.hi[s] === hi && this.lo[s] === lo) return true;
    return false;
  }

  private stashKey(lo: number, hi: number, b: number): number {
    return ((Math.min(b, this.other(lo, hi, b)) << 7) | (hi & 0x7f) | 0x80000000) >>> 0;
  }

  /** Whether the fingerprint is held in bucket `b`'s pair (or in the stash under that pair). */
  private has(lo: number, hi: number, b: number): boolean {
    return (
      this.inBucket(lo, hi, b) ||
      this.inBucket(lo, hi, this.other(lo, hi, b)) ||
      (this.stash.size > 0 && this.stash.has(lo, this.stashKey(lo, hi, b)))
    );
  }

  private place(lo: number, hi: number, b: number): boolean {
    for (let s = b * SLOTS, end = s + SLOTS; s < end; s++)
      if (this.hi[s] === 0) {
        this.lo[s] = lo;
        this.hi[s] = hi;
        return true;
      }
    return false;
  }

  private insert(lo: number, hi: number, b: number): void {
    if (this.place(lo, hi, b)) return;
    b = this.other(lo, hi, b);
    if (this.place(lo, hi, b)) return;
    // Both buckets full: move a resident to its other bucket, and so on (a fixed sequence: runs agree).
    // Once an id has failed to find room the table is as full as it gets: later ones go straight to the
    // stash rather than each spending MAX_KICKS moves.
    for (let k = this.stash.size > 0 ? MAX_KICKS : 0; k < MAX_KICKS; k++) {
      this.rnd ^= this.rnd << 13;
      this.rnd ^= this.rnd >>> 17;
      this.rnd ^= this.rnd << 5;
      const s = b * SLOTS + (this.rnd & (SLOTS - 1));
      const rlo = this.lo[s]!;
      const rhi = this.hi[s]!;
      this.lo[s] = lo;
      this.hi[s] = hi;
      lo = rlo;
      hi = rhi;
      b = this.other(lo, hi, b);
      if (this.place(lo, hi, b)) return;
    }
    this.stash.addHash(lo, this.stashKey(lo, hi, b));
  }

  /** The memory, to hand to another thread; the set is spent afterwards. */
  drain(): MeasurementIdsTable {
    const t = { buckets: this.buckets, lo: this.lo, hi: this.hi, stash: this.stash.drainTable() };
    this.lo = new Uint32Array(0);
    this.hi = new Uint8Array(0);
    this.size = 0;
    return t;
  }

  /** Calls `f` for every id held, as a fingerprint and one bucket of its pair. */
  private forEach(f: (lo: number, hi: number, b: number) => void): void {
    for (let s = 0; s < this.hi.length; s++) if (this.hi[s] !== 0) f(this.lo[s]!, this.hi[s]!, (s / SLOTS) | 0);
    this.stash.forEach((lo, key) => {
      f(lo, 0x80 | (key & 0x7f), (key & 0x7fffffff) >>> 7);
    });
  }

  /** How many ids appear in more than one of the sets (all built with the same expected size). */
  static sharedAcross(sets: readonly MeasurementIds[]): number {
    if (sets.some((s) => s.buckets !== sets[0]!.buckets)) throw new Error('id sets of different sizes');
    let shared = 0;
    for (let j = 1; j < sets.length; j++)
      sets[j]!.forEach((lo, hi, b) => {
        for (let k = 0; k < j; k++)
          if (sets[k]!.has(lo, hi, b)) {
            shared++;
            return;
          }
      });
    return shared;
  }
}
