// A set of ids kept as 64-bit hashes in one typed array (8 bytes a slot against about 100 bytes per id
// for a Set of strings): the runs seen per vantage, and the stash of the measurement-id set
// (measurement-ids.ts). Two different ids share a hash with probability about n²/2⁶⁵.

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

  has(lo: number, hi: number): boolean {
    const t = this.table;
    let i = ((lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0) % this.cap;
    for (;;) {
      const b = t[2 * i + 1]!;
      if (b === 0) return false;
      if (b === hi && t[2 * i] === lo) return true;
      if (++i === this.cap) i = 0;
    }
  }

  /** The table itself (to hand to another thread without a copy); the set is spent afterwards. */
  drainTable(): Uint32Array {
    const t = this.table;
    this.table = new Uint32Array(2048);
    this.cap = 1024;
    this.size = 0;
    return t;
  }

  /** A set over a table another thread filled (no copy). */
  static fromTable(table: Uint32Array): IdSet {
    const s = new IdSet();
    s.table = table;
    s.cap = table.length / 2;
    for (let i = 1; i < table.length; i += 2) if (table[i] !== 0) s.size++;
    return s;
  }

  /** Calls `f` for every hash in the set. */
  forEach(f: (lo: number, hi: number) => void): void {
    const t = this.table;
    for (let i = 0; i < t.length; i += 2) if (t[i + 1] !== 0) f(t[i]!, t[i + 1]!);
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
    // indexOf, not a byte loop: this runs once, before the loop would be optimised.
    for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) lines++;
  }
  if (sampled === 0 || lines === 0) return Math.max(1024, Math.ceil(bytes / 1000));
  return Math.ceil((bytes / (sampled / lines)) * 1.1) + 1024;
}
