// Everything the network sends is bounded: each exchange keeps at most KEEP_LIMITS of what arrives
// (stray datagrams, extra DNS replies, certificates, headers) and counts the rest in `x_dropped`.
// A flooding sender costs a count, not memory or a line the collector would refuse for ever. (The
// measurement line as a whole is bounded too: src/model/line-bound.ts.)

import type { Dropped } from '../model/observations.js';

export interface KeepLimits {
  /** Entries kept per exchange (and per kind of entry). */
  items: number;
  /** Bytes of them kept per exchange. */
  bytes: number;
}

/**
 * Per exchange and kind. A STUN exchange met 4,702 junk datagrams in the field: 32 say as much. A
 * normal chain has 2 to 5 certificates; a normal response 10 to 40 headers (undici and Node already
 * refuse more than 16 KiB of them).
 */
export const KEEP_LIMITS = {
  datagrams: { items: 32, bytes: 64 * 1024 },
  replies: { items: 32, bytes: 64 * 1024 },
  certificates: { items: 16, bytes: 64 * 1024 },
  headers: { items: 128, bytes: 32 * 1024 },
} as const satisfies Record<string, KeepLimits>;

/** Admits entries while they fit in the limits; counts what it refuses. */
export class Keeper {
  private items = 0;
  private bytes = 0;
  private droppedItems = 0;
  private droppedBytes = 0;

  constructor(private readonly limits: KeepLimits) {}

  /** True when an entry of `bytes` bytes may be kept (it is counted as kept); false when it is dropped. */
  admit(bytes: number): boolean {
    if (this.items < this.limits.items && this.bytes + bytes <= this.limits.bytes) {
      this.items++;
      this.bytes += bytes;
      return true;
    }
    this.droppedItems++;
    this.droppedBytes += bytes;
    return false;
  }

  /** What was refused, or undefined when nothing was. */
  get dropped(): Dropped | undefined {
    return this.droppedItems ? { items: this.droppedItems, bytes: this.droppedBytes } : undefined;
  }
}

/** The sum of what several keepers refused (undefined when none refused anything). */
export function droppedBy(...keepers: Keeper[]): Dropped | undefined {
  const all = keepers.map((k) => k.dropped).filter((d): d is Dropped => d !== undefined);
  return all.length
    ? { items: all.reduce((n, d) => n + d.items, 0), bytes: all.reduce((n, d) => n + d.bytes, 0) }
    : undefined;
}
