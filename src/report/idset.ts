// A set of measurement ids kept as 64-bit hashes in one typed array: 8 bytes per slot, sized from an
// estimate of the number of lines so that it is allocated once, against about 100 bytes per id for a
// Set of strings. Two different ids share a hash with probability about n²/2⁶⁵ (3·10⁻⁸ for a million).

/** Two independent 32-bit hashes of a string (FNV-1a and a multiply-xorshift mix); the high word never 0. */
export function hash64(s: string, out: Uint32Array = HASH): Uint32Array {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  b = Math.imul(b ^ (b >>> 15), 0x85ebca6b);
  out[0] = a >>> 0;
  out[1] = (b ^ (b >>> 16) ^ 0x80000000) >>> 0; // the high bit set: never the empty slot
  return out;
}
const HASH = new Uint32Array(2);

const LOAD = 0.75;

export class IdSet {
  /** Slots of two words (low, high); a high word of 0 is an empty slot. */
  private table: Uint32Array;
  private cap: number;
  size = 0;

  constructor(expected = 1024) {
    this.cap = Math.max(1024, Math.ceil(expected / LOAD) + 1);
    this.table = new Uint32Array(this.cap * 2);
  }

  /** Adds the id; false when it (its hash) was already there. */
  add(id: string): boolean {
    const h = hash64(id);
    return this.addHash(h[0]!, h[1]!);
  }

  addHash(lo: number, hi: number): boolean {
    const t = this.table;
    let i = ((lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0) % this.cap;
    for (;;) {
      const b = t[2 * i + 1]!;
      if (b === 0) break;
      if (b === hi && t[2 * i] === lo) return false;
      if (++i === this.cap) i = 0;
    }
    t[2 * i] = lo;
    t[2 * i + 1] = hi;
    if (++this.size > this.cap * LOAD) this.grow();
    return true;
  }

  private grow(): void {
    const old = this.table;
    this.cap = Math.ceil(this.cap * 1.5);
    this.table = new Uint32Array(this.cap * 2);
    this.size = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== 0) this.addHash(old[i]!, old[i + 1]!);
  }

  /**
   * The hashes as sorted 64-bit numbers, compacted in place in the table's own memory (no copy): the
   * set is spent afterwards. For a reader thread to hand its ids over (the buffer can be transferred).
   */
  drainSorted(): BigUint64Array {
    const t = this.table;
    let n = 0;
    for (let i = 0; i < t.length; i += 2) {
      if (t[i + 1] === 0) continue;
      t[2 * n] = t[i]!;
      t[2 * n + 1] = t[i + 1]!;
      n++;
    }
    this.table = new Uint32Array(2);
    this.cap = 1;
    this.size = 0;
    // Little-endian words: (low, high) reads as one 64-bit number.
    return new BigUint64Array(t.buffer, t.byteOffset, n).sort();
  }
}

/** How many values appear in more than one of the sorted arrays (a k-way merge over 32-bit words). */
export function sharedAcross(sorted: readonly BigUint64Array[]): number {
  const words = sorted.map((a) => new Uint32Array(a.buffer, a.byteOffset, a.length * 2));
  const idx = sorted.map(() => 0);
  let shared = 0;
  for (;;) {
    let hi = -1;
    let lo = -1;
    for (let k = 0; k < words.length; k++) {
      const w = words[k]!;
      const i = idx[k]!;
      if (i >= w.length) continue;
      const h = w[i + 1]!;
      const l = w[i]!;
      if (hi < 0 || h < hi || (h === hi && l < lo)) {
        hi = h;
        lo = l;
      }
    }
    if (hi < 0) return shared;
    let holders = 0;
    for (let k = 0; k < words.length; k++) {
      const w = words[k]!;
      const i = idx[k]!;
      if (i < w.length && w[i + 1] === hi && w[i] === lo) {
        holders++;
        idx[k] = i + 2;
      }
    }
    if (holders > 1) shared++;
  }
}

/**
 * About how many lines the files hold: their size over the average line length of their first bytes
 * (read from up to three files), with a margin. Sizes the id set once instead of growing it.
 */
export function estimateLines(files: readonly { size: number; head: (n: number) => Buffer }[]): number {
  const bytes = files.reduce((n, f) => n + f.size, 0);
  let sampled = 0;
  let lines = 0;
  for (const f of files.slice(0, 3)) {
    const b = f.head(256 * 1024);
    sampled += b.length;
    for (let i = 0; i < b.length; i++) if (b[i] === 10) lines++;
  }
  if (sampled === 0 || lines === 0) return Math.max(1024, Math.ceil(bytes / 1000));
  return Math.ceil((bytes / (sampled / lines)) * 1.1) + 1024;
}
