// The person running the probe must not be exposed: their public address never leaves the machine
// unless they ask (--include-ip). Every string in a measurement is searched for the address (IPv4
// and IPv6, in any textual form), and raw packet blobs that carry it in binary, plain or XOR-ed as
// STUN does, are replaced whole.

import { canonicalIp, ipToBytes } from '../util/ip.js';

export const SCRUBBED = '[scrubbed]';

/** Keys whose string values are base64 packets (DNS replies, stray STUN datagrams). */
const BINARY_KEYS = new Set(['raw_response', 'bytes_base64']);

const IPV4_RE = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d])/g;
// Runs of characters an IPv6 literal is made of. A run may hold more than the address: a leading
// word ending in hex ("ip:2001:db8::1"), a port glued on by Node's error messages
// ("connect ECONNREFUSED 2001:db8::1:443"), so every colon-aligned window of a run is tried.
const IPV6_RUN_RE = /[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*/g;
const MAGIC_COOKIE = Buffer.from([0x21, 0x12, 0xa4, 0x42]);

export class Scrubber {
  private readonly canon: Set<string>;
  private readonly raw: Buffer[];

  constructor(addresses: readonly string[]) {
    const canon = new Set<string>();
    for (const a of addresses) {
      const c = canonicalIp(a);
      if (!c) continue;
      canon.add(c);
      // An IPv4 address also travels as IPv4-mapped IPv6 ("::ffff:102:304" is 1.2.3.4).
      if (!c.includes(':')) canon.add(canonicalIp(`::ffff:${c}`)!);
    }
    this.canon = canon;
    this.raw = [...canon].filter((a) => a.includes(':') === false || !a.startsWith('0:0:0:0:0:ffff:')).map((a) => Buffer.from(ipToBytes(a)!));
  }

  get active(): boolean {
    return this.canon.size > 0;
  }

  scrubText(s: string): string {
    if (!this.active) return s;
    const rep = (tok: string) => (this.canon.has(canonicalIp(tok) ?? '') ? SCRUBBED : tok);
    return s.replace(IPV4_RE, rep).replace(IPV6_RUN_RE, (run) => this.scrubIpv6Run(run));
  }

  /** Replaces the longest colon-aligned window of `run` that is one of the addresses, repeatedly. */
  private scrubIpv6Run(run: string): string {
    const parts = run.split(':');
    if (parts.length > 40) return run; // not an address-like token; avoid quadratic work
    for (let len = Math.min(parts.length, 9); len >= 2; len--) {
      for (let i = 0; i + len <= parts.length; i++) {
        const cand = parts.slice(i, i + len).join(':');
        const c = cand.includes(':') ? canonicalIp(cand.replace(/^\.+|\.+$/g, '')) : undefined;
        if (c && this.canon.has(c)) {
          const before = parts.slice(0, i).join(':');
          const after = parts.slice(i + len).join(':');
          const left = i > 0 ? `${before}:` : '';
          const right = i + len < parts.length ? `:${after}` : '';
          return this.scrubIpv6Run(left) + SCRUBBED + this.scrubIpv6Run(right);
        }
      }
    }
    return run;
  }

  /** True when a binary packet carries one of the addresses, plainly or XOR-ed (STUN XOR-MAPPED-ADDRESS). */
  binaryContains(b64: string): boolean {
    const buf = Buffer.from(b64, 'base64');
    const txid = buf.length >= 20 && buf.subarray(4, 8).equals(MAGIC_COOKIE) ? buf.subarray(8, 20) : undefined;
    for (const ip of this.raw) {
      if (buf.includes(ip)) return true;
      const mask = ip.length === 4 ? MAGIC_COOKIE : txid ? Buffer.concat([MAGIC_COOKIE, txid]) : undefined;
      if (mask) {
        const xored = Buffer.from(ip.map((x, i) => x ^ mask[i]!));
        if (buf.includes(xored)) return true;
      }
    }
    return false;
  }

  /** Returns a scrubbed deep copy. */
  scrub<T>(value: T): T {
    if (!this.active) return value;
    const walk = (v: unknown, key?: string): unknown => {
      if (typeof v === 'string') {
        if (key && BINARY_KEYS.has(key) && this.binaryContains(v)) return SCRUBBED;
        return this.scrubText(v);
      }
      if (Array.isArray(v)) return v.map((x) => walk(x));
      if (v && typeof v === 'object') {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) out[this.scrubText(k)] = walk(x, k);
        return out;
      }
      return v;
    };
    return walk(value) as T;
  }
}
