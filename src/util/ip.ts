// Pure IP-address helpers: parsing to bytes, prefix matching, and the bogon check used to flag
// DNS answers that point to private, loopback or reserved space (a classic censor's sinkhole).

import { isIP } from 'node:net';

/** 4 or 16 bytes; undefined for something that is not an IP literal. */
export function ipToBytes(ip: string): Uint8Array | undefined {
  const v = isIP(ip);
  if (v === 4) return Uint8Array.from(ip.split('.').map(Number));
  if (v !== 6) return undefined;
  let s = ip;
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    // IPv4-mapped / embedded tail
    tail = s
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...Array(8 - h.length - r.length).fill('0'), ...r];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  if (tail.length === 4) out.set(tail, 12);
  return out;
}

export function inPrefix(ip: string, cidr: string): boolean {
  const [base, lenStr] = cidr.split('/') as [string, string];
  const a = ipToBytes(ip);
  const b = ipToBytes(base);
  if (!a || !b || a.length !== b.length) return false;
  const len = Number(lenStr);
  for (let bit = 0; bit < len; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((a[byte]! & mask) !== (b[byte]! & mask)) return false;
  }
  return true;
}

/** Prefixes that must never be the answer for a public service (RFC 6890 special-purpose space). */
export const BOGON_PREFIXES = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  '::1/128',
  '64:ff9b:1::/48',
  '100::/64',
  '2001:db8::/32',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
] as const;

export function isBogon(ip: string): boolean {
  const bytes = ipToBytes(ip);
  if (!bytes) return false;
  // IPv4-mapped IPv6: judge the embedded IPv4 address.
  if (bytes.length === 16 && bytes.slice(0, 10).every((x) => x === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return isBogon(Array.from(bytes.slice(12)).join('.'));
  }
  return BOGON_PREFIXES.some((p) => inPrefix(ip, p));
}

/** Canonical text form, so that "2001:DB8:0::1" and "2001:db8::1" compare equal. */
export function canonicalIp(ip: string): string | undefined {
  const b = ipToBytes(ip);
  if (!b) return undefined;
  if (b.length === 4) return Array.from(b).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return groups.join(':');
}

/** "1.2.3.4:443" / "[::1]:443" from an address and a port. */
export function hostPort(ip: string, port: number): string {
  return isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Splits "1.2.3.4:53" / "[::1]:53" / "1.2.3.4" (default port). */
export function splitHostPort(s: string, defaultPort: number): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (m) return { host: m[1]!, port: m[2] ? Number(m[2]) : defaultPort };
  if (isIP(s) === 6) return { host: s, port: defaultPort };
  const i = s.lastIndexOf(':');
  if (i > 0 && /^\d+$/.test(s.slice(i + 1))) return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
  return { host: s, port: defaultPort };
}
