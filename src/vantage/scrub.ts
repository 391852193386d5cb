// The person running the probe must not be exposed: their public address never leaves the machine
// unless they ask (--include-ip), in any encoding. Every string of a measurement (values and keys) is
// searched, and so is every number; what matches becomes "[scrubbed]".
//
// The search does not enumerate encodings; it parses. In each string and in what the string decodes
// to (percent, HTML and backslash escapes, base64 and hex runs, Unicode digits, the UTF-8 bytes),
// recursively, it looks for:
//   - numbers an IPv4 address is written as: inet_aton's dotted forms in decimal, octal and hex with
//     any short separator ("203.0.113.7", "203-0-113-7", "ip.203.0.113.7.nip.example", "0313.0.0x71.7",
//     "203[.]0[.]113[.]7", DNS labels "\x03203\x010\x03113\x017", "203.0.28935"), the integer
//     (3405803783) and each of them byte-reversed (in-addr.arpa);
//   - IPv6 literals in any textual form ("-" for ":" as in ipv6-literal.net names too), and IPv6
//     literals that embed the IPv4 address (IPv4-mapped, 6to4, NAT64, Teredo's inverted form);
//   - ip6.arpa nibble names;
//   - the raw bytes (also reversed, and XOR-ed the way STUN's XOR-MAPPED-ADDRESS carries them).
// A match inside a decoded run (base64, hex) scrubs the whole run; inside an escaped string, the
// escaped characters it came from. See docs/privacy.md.

import { canonicalIp, ipToBytes } from '../util/ip.js';

export const SCRUBBED = '[scrubbed]';

const MAGIC_COOKIE = '\x21\x12\xa4\x42';
/** Decoding depth: base64 of a percent-encoded string, hex of base64, ... */
const MAX_DEPTH = 2;
/** Strings shorter than this cannot hold any encoding of an address (4 raw bytes). */
const MIN_LENGTH = 4;

type Span = [number, number];

/** A decoded form of a string: its text and, per character, where it came from in the source. */
interface View {
  text: string;
  /** Whether it holds bytes (base64, hex) rather than text: raw printable byte patterns count only there. */
  binary: boolean;
}

interface Decoded {
  text: string;
  start: Int32Array;
  end: Int32Array;
}

const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
const isPrintable = (s: string): boolean => /^[\x20-\x7e]*$/.test(s);
const mostlyPrintable = (s: string): boolean => s.replace(/[\x20-\x7e\t\r\n]+/g, '').length * 10 <= s.length;

// ---- decoders (each returns undefined when it does not apply) ----

function decodeWith(s: string, re: RegExp, value: (m: RegExpExecArray) => string | undefined): Decoded | undefined {
  re.lastIndex = 0;
  if (!re.test(s)) return undefined;
  re.lastIndex = 0;
  const chars: string[] = [];
  const start: number[] = [];
  const end: number[] = [];
  let last = 0;
  let decoded = false;
  const copy = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      chars.push(s[i]!);
      start.push(i);
      end.push(i + 1);
    }
  };
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const v = value(m);
    if (v === undefined) continue;
    decoded = true;
    copy(last, m.index);
    for (const c of v) {
      chars.push(c);
      start.push(m.index);
      end.push(m.index + m[0].length);
    }
    last = m.index + m[0].length;
  }
  copy(last, s.length);
  if (!decoded) return undefined;
  return { text: chars.join(''), start: Int32Array.from(start), end: Int32Array.from(end) };
}

const fromCode = (n: number): string | undefined =>
  Number.isFinite(n) && n >= 0 && n <= 0x10ffff ? String.fromCodePoint(n) : undefined;

const decodePercent = (s: string) =>
  decodeWith(s, /%([0-9a-fA-F]{2})/g, (m) => String.fromCharCode(parseInt(m[1]!, 16)));

const NAMED: Record<string, string> = {
  period: '.',
  colon: ':',
  lowbar: '_',
  hyphen: '-',
  dash: '-',
  sol: '/',
  num: '#',
  percnt: '%',
  amp: '&',
  nbsp: ' ',
};
const decodeHtml = (s: string) =>
  decodeWith(s, /&(?:#[xX]([0-9a-fA-F]{1,6})|#(\d{1,7})|([a-zA-Z]+));?/g, (m) =>
    m[1] ? fromCode(parseInt(m[1], 16)) : m[2] ? fromCode(Number(m[2])) : NAMED[m[3]!.toLowerCase()],
  );

const decodeBackslash = (s: string) =>
  decodeWith(
    s,
    /\\(?:[xX]([0-9a-fA-F]{2})|u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|([0-7]{1,3})|([^0-9xXu]))/g,
    (m) =>
      m[1]
        ? String.fromCharCode(parseInt(m[1], 16))
        : m[2]
          ? fromCode(parseInt(m[2], 16))
          : m[3]
            ? String.fromCharCode(parseInt(m[3], 16))
            : m[4]
              ? String.fromCharCode(parseInt(m[4], 8))
              : m[5],
  );

let digitValues: Map<number, number> | undefined;
/** Every Unicode decimal digit (Arabic-Indic, fullwidth, Devanagari, ...) as its ASCII digit. */
function foldDigits(s: string): Decoded | undefined {
  if (!/[^\x00-\x7f]/.test(s) || !/(?![0-9])\p{Nd}/u.test(s)) return undefined;
  if (!digitValues) {
    digitValues = new Map();
    // Decimal digits come in runs of ten, zero first (Unicode's own guarantee for Nd).
    for (let cp = 0x80; cp <= 0x1fbf9; cp++) {
      if (/\p{Nd}/u.test(String.fromCodePoint(cp)) && !digitValues.has(cp)) {
        for (let d = 0; d < 10; d++) digitValues.set(cp + d, d);
        cp += 9;
      }
    }
  }
  const table = digitValues;
  return decodeWith(s, /[^\x00-\x7f]/gu, (m) => {
    const v = table.get(m[0].codePointAt(0)!);
    return v === undefined ? m[0] : String(v);
  });
}

/** The string's UTF-8 bytes (what the written line holds), for raw-byte patterns above 0x7f. */
function utf8Bytes(s: string): Decoded | undefined {
  if (!/[\x80-\uffff]/.test(s)) return undefined;
  const chars: string[] = [];
  const start: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) {
      chars.push(String.fromCharCode(b));
      start.push(i);
      end.push(i + w);
    }
    i += w;
  }
  return { text: chars.join(''), start: Int32Array.from(start), end: Int32Array.from(end) };
}

/**
 * Text decoders: a character that must be present for each to apply ("" = tried on any text), and
 * whether its output is always shorter than its input (escapes: "%2E" is one character).
 */
const DECODERS = [
  [decodePercent, '%', true],
  [decodeHtml, '&', true],
  [decodeBackslash, '\\', true],
  [foldDigits, '', false],
] as const;

// Runs a base64 or hex decoder is tried on; a match anywhere in the decoded bytes scrubs the run.
// Base64 runs may be wrapped in lines (PEM, MIME); "-" and "_" are base64url.
const BASE64_RUN = /[A-Za-z0-9+/_-]{6,}(?:(?:\r?\n)[A-Za-z0-9+/_-]+)*={0,2}/g;
const HEX_RUN = /[0-9a-fA-F]{2}(?:[ :.,-]?[0-9a-fA-F]{2}){3,}[0-9a-fA-F]?/g;

// ---- what an address looks like ----

const NUMBER = /0[xX][0-9a-fA-F]{1,8}|\d+/g;
const SEPARATOR = /^(?:[^0-9A-Za-z]{1,5}|[^0-9A-Za-z]{0,2}dot[^0-9A-Za-z]{0,2})$/i;
const IPV6_RUN = /[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*/g;
const NIBBLES = /(?:[0-9a-fA-F][.:_-]){31}[0-9a-fA-F]/g;
/** Two group separators with at most four hex digits between them: what every IPv6 literal has. */
const GROUP = /^[0-9A-Fa-f]{0,4}$/;
const HEX_DIGIT = /[0-9A-Fa-f]/;
const TWO_GROUP_MARKS = /[:-][0-9A-Fa-f.]{0,4}[:-]/;

interface NumberToken {
  start: number;
  end: number;
  /** Values it may stand for: decimal, and octal when it has a leading zero (inet_aton reads it so). */
  values: number[];
  digits?: string;
}

function numberTokens(s: string): NumberToken[] {
  const out: NumberToken[] = [];
  NUMBER.lastIndex = 0;
  for (let m = NUMBER.exec(s); m; m = NUMBER.exec(s)) {
    const t = m[0];
    const values: number[] = [];
    if (t[1] === 'x' || t[1] === 'X') values.push(parseInt(t.slice(2), 16));
    else {
      const digits = t.replace(/^0+(?=\d)/, '');
      if (digits.length <= 10) values.push(Number(digits));
      if (t.length > 1 && t[0] === '0' && /^[0-7]+$/.test(t) && t.length <= 12) values.push(parseInt(t, 8));
      if (digits.length >= 30 && digits.length <= 39)
        out.push({ start: m.index, end: m.index + t.length, values, digits });
      else out.push({ start: m.index, end: m.index + t.length, values });
      continue;
    }
    out.push({ start: m.index, end: m.index + t.length, values });
  }
  return out;
}

/** inet_aton's readings of an address as 4, 3, 2 and 1 numbers: a.b.c.d, a.b.c16, a.b24, a32. */
function inetAtonParts(b: Uint8Array): number[][] {
  const [a, x, c, d] = [b[0]!, b[1]!, b[2]!, b[3]!];
  return [
    [a * 2 ** 24 + x * 2 ** 16 + c * 2 ** 8 + d],
    [a, x * 2 ** 16 + c * 2 ** 8 + d],
    [a, x, c * 2 ** 8 + d],
    [a, x, c, d],
  ];
}

const u32 = (b: Uint8Array, off = 0) => b[off]! * 2 ** 24 + b[off + 1]! * 2 ** 16 + b[off + 2]! * 2 ** 8 + b[off + 3]!;

export class Scrubber {
  private readonly v4: Uint8Array[] = [];
  private readonly v6: Uint8Array[] = [];
  private readonly canon6 = new Set<string>();
  /** IPv4 addresses as integers, in both byte orders. */
  private readonly ints = new Set<number>();
  /** For 1 to 4 numbers, the values each must have to spell an IPv4 address (either byte order). */
  private readonly spellings: number[][][] = [[], [], [], []];
  /** IPv6 addresses as decimal integers. */
  private readonly bigInts = new Set<string>();
  /** IPv4 addresses as 32-bit windows of an IPv6 address: as they are, and inverted (Teredo). */
  private readonly embedded = new Set<number>();
  /** Raw byte patterns (latin1 strings). */
  private readonly needles: string[] = [];
  private readonly memo = new Map<string, string>();
  private readonly runMemo = new Map<string, boolean>();

  constructor(addresses: readonly string[]) {
    for (const a of addresses) {
      const b = ipToBytes(a);
      if (!b) continue;
      const v4 =
        b.length === 4 ? b : b.subarray(0, 12).every((x, i) => x === (i < 10 ? 0 : 0xff)) ? b.subarray(12) : undefined;
      if (v4) {
        if (this.v4.some((x) => Buffer.from(x).equals(Buffer.from(v4)))) continue;
        this.v4.push(Uint8Array.from(v4));
        const reversed = Uint8Array.from(v4).reverse();
        this.ints.add(u32(v4)).add(u32(reversed));
        for (const order of [v4, reversed]) {
          for (const [k, parts] of inetAtonParts(order).entries()) this.spellings[k]!.push(parts);
        }
        this.embedded.add(u32(v4)).add(u32(v4.map((x) => x ^ 0xff)));
        this.needles.push(latin1(v4), latin1(reversed), latin1(v4.map((x, i) => x ^ MAGIC_COOKIE.charCodeAt(i))));
      } else {
        const c = canonicalIp(a)!;
        if (this.canon6.has(c)) continue;
        this.canon6.add(c);
        this.v6.push(Uint8Array.from(b));
        this.bigInts.add(BigInt(`0x${Buffer.from(b).toString('hex')}`).toString());
        this.needles.push(latin1(b));
      }
    }
  }

  get active(): boolean {
    return this.v4.length + this.v6.length > 0;
  }

  /** `s` with every encoding of the addresses replaced by [scrubbed]. */
  scrubText(s: string): string {
    if (!this.active || s.length < MIN_LENGTH) return s;
    const hit = this.memo.get(s);
    if (hit !== undefined) return hit;
    let out = s;
    // A replacement can bring pieces together; look again until nothing changes.
    for (let pass = 0; pass < 3; pass++) {
      const spans = this.find({ text: out, binary: false }, 0);
      if (spans.length === 0) break;
      out = replaceSpans(out, spans);
    }
    if (this.memo.size > 20_000) this.memo.clear();
    this.memo.set(s, out);
    return out;
  }

  /** Returns a scrubbed deep copy (keys, strings and numbers). */
  scrub<T>(value: T): T {
    if (!this.active) return value;
    // Copy on write: what holds no address is returned as it is.
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.scrubText(v);
      if (typeof v === 'number') return Number.isInteger(v) && this.ints.has(v) ? SCRUBBED : v;
      if (Array.isArray(v)) {
        let out: unknown[] | undefined;
        for (let i = 0; i < v.length; i++) {
          const x = walk(v[i]);
          if (x !== v[i]) (out ??= v.slice())[i] = x;
        }
        return out ?? v;
      }
      if (v && typeof v === 'object') {
        const entries = Object.entries(v);
        let changed = false;
        const next = entries.map(([k, x]) => {
          const k2 = this.scrubText(k);
          const x2 = walk(x);
          if (k2 !== k || x2 !== x) changed = true;
          return [k2, x2] as const;
        });
        return changed ? Object.fromEntries(next) : v;
      }
      return v;
    };
    return walk(value) as T;
  }

  /** Spans of `view.text` that hold an address, directly or once decoded. */
  private find(view: View, depth: number): Span[] {
    const s = view.text;
    const spans: Span[] = [];
    this.findNumbers(s, spans);
    this.findIpv6(s, spans);
    this.findNibbles(s, spans);
    this.findBytes(view, spans);
    // Escapes are looked for in text, and in decoded bytes that are text (base64 of a URL).
    const textual = !view.binary || mostlyPrintable(s);
    for (const [decode, mark, shrinks] of DECODERS) {
      // Decoders that shorten the text (escapes) end by themselves and do not count against the depth.
      if (!textual || !s.includes(mark) || (mark === '' && view.binary) || (!shrinks && depth >= MAX_DEPTH)) continue;
      const d = decode(s);
      if (!d) continue;
      for (const [a, b] of this.find({ text: d.text, binary: false }, shrinks ? depth : depth + 1))
        spans.push([d.start[a]!, d.end[b - 1]!]);
    }
    if (depth >= MAX_DEPTH) return spans;
    if (!view.binary && depth === 0) {
      const d = utf8Bytes(s);
      if (d) {
        const found: Span[] = [];
        this.findBytes({ text: d.text, binary: false }, found);
        for (const [a, b] of found) spans.push([d.start[a]!, d.end[b - 1]!]);
      }
    }
    this.findInRuns(s, BASE64_RUN, depth, spans, (run) => {
      const clean = run.replace(/[\r\n=]/g, '');
      // A long field that is base64 from its first character (a certificate, a packet) starts aligned;
      // a run inside text may have letters glued in front of it, so every alignment is tried.
      const aligned = run.length === s.length && run.length >= 64;
      return (aligned ? [0] : [0, 1, 2, 3]).map((k) => Buffer.from(clean.slice(k), 'base64'));
    });
    this.findInRuns(s, HEX_RUN, depth, spans, (run) => {
      const hex = run.replace(/[^0-9a-fA-F]/g, '');
      return [0, 1].map((k) => Buffer.from(hex.slice(k, k + ((hex.length - k) & ~1)), 'hex'));
    });
    return spans;
  }

  /** A run whose decoded bytes hold an address is scrubbed whole. */
  private findInRuns(s: string, re: RegExp, depth: number, spans: Span[], decode: (run: string) => Buffer[]): void {
    // matchAll works on a copy of the regex: the recursive search below uses the same one.
    for (const m of s.matchAll(re)) {
      const run = m[0];
      // The same words and blobs recur across a run's lines: each is decoded once.
      const key = `${re === HEX_RUN ? 'h' : 'b'}${depth}${run}`;
      let holds = this.runMemo.get(key);
      if (holds === undefined) {
        holds = decode(run).some(
          (bytes) =>
            bytes.length >= 4 && this.find({ text: bytes.toString('latin1'), binary: true }, depth + 1).length > 0,
        );
        if (this.runMemo.size > 20_000) this.runMemo.clear();
        this.runMemo.set(key, holds);
      }
      if (holds) spans.push([m.index, m.index + run.length]);
    }
  }

  private findNumbers(s: string, spans: Span[]): void {
    if (this.v4.length === 0 && this.v6.length === 0) return;
    const tokens = numberTokens(s);
    let chainStart = 0;
    for (let i = 0; i <= tokens.length; i++) {
      const breaks =
        i === tokens.length || (i > chainStart && !SEPARATOR.test(s.slice(tokens[i - 1]!.end, tokens[i]!.start)));
      if (!breaks) continue;
      this.matchChain(tokens.slice(chainStart, i), spans);
      chainStart = i;
    }
  }

  /** Windows of 1 to 4 numbers of one chain, read as inet_aton would. */
  private matchChain(chain: NumberToken[], spans: Span[]): void {
    for (let i = 0; i < chain.length; i++) {
      const t = chain[i]!;
      if (t.digits && this.bigInts.has(BigInt(t.digits).toString())) spans.push([t.start, t.end]);
      if (this.v4.length === 0) continue;
      for (let k = Math.min(4, chain.length - i); k >= 1; k--) {
        const spelled = this.spellings[k - 1]!.some((parts) => parts.every((v, j) => chain[i + j]!.values.includes(v)));
        if (spelled) {
          spans.push([t.start, chain[i + k - 1]!.end]);
          break;
        }
      }
    }
  }

  /** IPv6 literals (":" or "-" between groups) that are an address, or embed an IPv4 address. */
  private findIpv6(s: string, spans: Span[]): void {
    if (!TWO_GROUP_MARKS.test(s)) return;
    const text = s.includes('-') ? s.replace(/-/g, ':') : s;
    IPV6_RUN.lastIndex = 0;
    for (let m = IPV6_RUN.exec(text); m; m = IPV6_RUN.exec(text)) {
      const parts = m[0].split(':');
      // Not an address-like token ("::" of "<!-- -->", a long run): skip it, and avoid quadratic work.
      if (parts.length > 40 || !HEX_DIGIT.test(m[0])) continue;
      const offsets: number[] = [];
      let at = m.index;
      for (const p of parts) {
        offsets.push(at);
        at += p.length + 1;
      }
      this.matchIpv6Parts(parts, offsets, 0, parts.length, spans);
    }
  }

  /** The longest colon-aligned window of parts[from, to) that matches, then the same left and right of it. */
  private matchIpv6Parts(parts: string[], offsets: number[], from: number, to: number, spans: Span[]): void {
    for (let len = Math.min(to - from, 9); len >= 2; len--) {
      for (let i = from; i + len <= to; i++) {
        // Groups inside a literal have at most four hex digits (a UUID's eight-digit group is not one).
        let inner = true;
        for (let j = i + 1; j < i + len - 1 && inner; j++) inner = GROUP.test(parts[j]!);
        if (!inner) continue;
        let cand = parts.slice(i, i + len).join(':');
        // Dots of a sentence, or hex glued to the edges ("a2001:db8::1"): a group has at most 4 digits.
        let lead = /^\.*/.exec(cand)![0].length;
        const first = parts[i]!.slice(lead);
        if (/^[0-9A-Fa-f]{5,}$/.test(first)) lead += first.length - 4;
        cand = cand.slice(lead).replace(/\.+$/, '');
        const last = /[0-9A-Fa-f]{5,}$/.exec(cand);
        if (last && !cand.slice(0, last.index).endsWith('.')) cand = cand.slice(0, last.index + 4);
        if (!cand.includes(':') || !this.ipv6Matches(cand)) continue;
        const start = offsets[i]! + lead;
        spans.push([start, start + cand.length]);
        this.matchIpv6Parts(parts, offsets, from, i, spans);
        this.matchIpv6Parts(parts, offsets, i + len, to, spans);
        return;
      }
    }
  }

  private ipv6Matches(cand: string): boolean {
    const b = ipToBytes(cand);
    if (b?.length !== 16) return false;
    return this.bytesMatch(b);
  }

  /** 16 bytes that are one of the IPv6 addresses, or carry an IPv4 one in a 16-bit aligned window. */
  private bytesMatch(b: Uint8Array): boolean {
    if (this.v6.some((x) => Buffer.from(x).equals(Buffer.from(b)))) return true;
    if (this.v4.length) for (let off = 0; off <= 12; off += 2) if (this.embedded.has(u32(b, off))) return true;
    return false;
  }

  /** ip6.arpa names and other dotted nibble forms, reversed or not. */
  private findNibbles(s: string, spans: Span[]): void {
    if (s.length < 63) return;
    NIBBLES.lastIndex = 0;
    for (let m = NIBBLES.exec(s); m; m = NIBBLES.exec(s)) {
      const hex = m[0].replace(/[.:_-]/g, '');
      for (const h of [hex, [...hex].reverse().join('')]) {
        if (this.bytesMatch(Buffer.from(h, 'hex'))) {
          spans.push([m.index, m.index + m[0].length]);
          break;
        }
      }
    }
  }

  /** Raw byte patterns (and STUN's XOR-ed IPv6 form, keyed by the message's transaction id). */
  private findBytes(view: View, spans: Span[]): void {
    const s = view.text;
    const needles = [...this.needles];
    if (this.v6.length && s.length >= 20 && s.slice(4, 8) === MAGIC_COOKIE) {
      const mask = MAGIC_COOKIE + s.slice(8, 20);
      for (const b of this.v6) needles.push(latin1(b.map((x, i) => x ^ mask.charCodeAt(i))));
    }
    for (const n of needles) {
      // Four printable characters are ordinary text ("http" is 104.116.116.112): only bytes count.
      if (!view.binary && isPrintable(n)) continue;
      for (let i = s.indexOf(n); i >= 0; i = s.indexOf(n, i + 1)) spans.push([i, i + n.length]);
    }
  }
}

/** `s` with the (possibly overlapping) spans merged and each replaced by [scrubbed]. */
function replaceSpans(s: string, spans: Span[]): string {
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [a, b] of spans) {
    if (b <= at) continue;
    if (a >= at) {
      out += s.slice(at, a) + SCRUBBED;
      at = b;
    } else at = b;
  }
  return out + s.slice(at);
}
