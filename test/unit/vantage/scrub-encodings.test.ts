// The public address must not survive scrubbing in any encoding a test can think of. This test is a
// generator: every encoding of the address (text forms, byte forms, and what wraps them: base64 at
// the three byte offsets, hex, percent-encoding) is put into every kind of field of a line, the line
// is scrubbed, and a checker that decodes by brute force (not the scrubber's parser) looks for any
// encoding in the result. The same encodings of a neighbouring address must come through untouched.
import { describe, expect, it } from 'vitest';
import { fakeMeasurement } from '../../../bench/support/measurement-fixture.js';
import { createLabCa, issueCert } from '../../../src/lab/world/pki.js';
import type { Measurement } from '../../../src/model/measurement.js';
import { ipToBytes } from '../../../src/util/ip.js';
import { SCRUBBED, Scrubber } from '../../../src/vantage/scrub.js';

const COOKIE = Buffer.from([0x21, 0x12, 0xa4, 0x42]);
const TXID = Buffer.from('0123456789ab', 'latin1');

const bytesOf = (ip: string) => Buffer.from(ipToBytes(ip)!);
const hex2 = (n: number) => n.toString(16).padStart(2, '0');
const fullwidth = (s: string) =>
  s.replace(/[0-9.]/g, (c) => String.fromCharCode(c === '.' ? 0xff0e : 0xff10 + Number(c)));
const arabicIndic = (s: string) => s.replace(/[0-9]/g, (c) => String.fromCharCode(0x0660 + Number(c)));
const allPercent = (s: string) => [...Buffer.from(s)].map((b) => `%${hex2(b).toUpperCase()}`).join('');
const allHtml = (s: string) => [...s].map((c) => `&#x${c.charCodeAt(0).toString(16)};`).join('');
const allUnicodeEscapes = (s: string) =>
  [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');

/** Text forms of an IPv4 address. */
function v4Text(ip: string): string[] {
  const [a, b, c, d] = [...bytesOf(ip)] as [number, number, number, number];
  const int = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
  const le = ((d << 24) >>> 0) + (c << 16) + (b << 8) + a;
  const g1 = ((a << 8) | b).toString(16);
  const g2 = ((c << 8) | d).toString(16);
  const dotted = `${a}.${b}.${c}.${d}`;
  const hex8 = [a, b, c, d].map(hex2).join('');
  return [
    dotted,
    [a, b, c, d].map((x) => String(x).padStart(3, '0')).join('.'),
    `${a}-${b}-${c}-${d}`,
    `${a}_${b}_${c}_${d}`,
    `${a} ${b} ${c} ${d}`,
    `${a}, ${b}, ${c}, ${d}`,
    `${a}[.]${b}[.]${c}[.]${d}`,
    `${a}(dot)${b}(dot)${c}(dot)${d}`,
    `${a} dot ${b} dot ${c} dot ${d}`,
    `${a}\\.${b}\\.${c}\\.${d}`,
    `ip.${dotted}.nip.example`,
    `ip-${a}-${b}-${c}-${d}.example`,
    `host${dotted}x`,
    `${d}.${c}.${b}.${a}.in-addr.arpa`,
    String(int),
    `00${int}`,
    String(le),
    `0x${hex8}`,
    `0X${hex8.toUpperCase()}`,
    hex8,
    hex8.toUpperCase(),
    `0x${hex2(a)}.0x${hex2(b)}.0x${hex2(c)}.0x${hex2(d)}`,
    `0${a.toString(8)}.0${b.toString(8)}.0${c.toString(8)}.0${d.toString(8)}`,
    `0${int.toString(8)}`,
    `${a}.${b}.${(c << 8) + d}`,
    `${a}.${(b << 16) + (c << 8) + d}`,
    `${hex2(a)}:${hex2(b)}:${hex2(c)}:${hex2(d)}`,
    `${hex2(a)} ${hex2(b)} ${hex2(c)} ${hex2(d)}`,
    `\\x${hex2(a)}\\x${hex2(b)}\\x${hex2(c)}\\x${hex2(d)}`,
    `%${hex2(a)}%${hex2(b)}%${hex2(c)}%${hex2(d)}`,
    `::ffff:${dotted}`,
    `::${dotted}`,
    `::ffff:${g1}:${g2}`,
    `0:0:0:0:0:ffff:${g1}:${g2}`,
    `64:ff9b::${g1}:${g2}`,
    `2002:${g1}:${g2}::1`,
    `2001:0:4136:e378:8000:63bf:${(0xffff ^ parseInt(g1, 16)).toString(16)}:${(0xffff ^ parseInt(g2, 16)).toString(16)}`,
    `${a}%2E${b}%2E${c}%2E${d}`,
    `${a}%2e${b}%2e${c}%2e${d}`,
    `${a}%252E${b}%252E${c}%252E${d}`,
    allPercent(dotted),
    `${a}&#46;${b}&#46;${c}&#46;${d}`,
    `${a}&period;${b}&period;${c}&period;${d}`,
    allHtml(dotted),
    allUnicodeEscapes(dotted),
    fullwidth(dotted),
    arabicIndic(dotted),
    `http://${dotted}:8080/x`,
    `http://[::ffff:${dotted}]/`,
    `http://${int}/`,
  ];
}

/** Text forms of an IPv6 address. */
function v6Text(ip: string): string[] {
  const b = bytesOf(ip);
  const groups = Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16));
  const padded = groups.map((g) => g.padStart(4, '0'));
  const hex32 = b.toString('hex');
  const compressed = ip;
  return [
    compressed,
    compressed.toUpperCase(),
    padded.join(':'),
    padded.join(':').toUpperCase(),
    groups.join(':'),
    `[${compressed}]:443`,
    `${compressed}%eth0`,
    `${compressed.replace(/:/g, '-')}.ipv6-literal.net`,
    `${[...hex32].reverse().join('.')}.ip6.arpa`,
    hex32,
    `0x${hex32}`,
    BigInt(`0x${hex32}`).toString(),
    compressed.replace(/:/g, '%3A'),
    allUnicodeEscapes(compressed),
    `http://[${compressed}]:8080/`,
  ];
}

/** A STUN Binding success carrying `ip` in XOR-MAPPED-ADDRESS (RFC 5389 15.2). */
function stunPacket(ip: string): Buffer {
  const addr = bytesOf(ip);
  const mask = addr.length === 4 ? COOKIE : Buffer.concat([COOKIE, TXID]);
  const xaddr = Buffer.from(addr.map((x, i) => x ^ mask[i]!));
  const attr = Buffer.concat([
    Buffer.from([0x00, 0x20, 0x00, 4 + xaddr.length, 0x00, addr.length === 4 ? 1 : 2, 0x9c, 0x40 ^ 0x12]),
    xaddr,
  ]);
  return Buffer.concat([Buffer.from([0x01, 0x01, 0x00, attr.length]), COOKIE, TXID, attr]);
}

/** A DNS reply naming `name` (length-prefixed labels) with one A/AAAA record holding `ip`. */
function dnsPacket(name: string, ip: string): Buffer {
  const labels = Buffer.concat([
    ...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])),
    Buffer.from([0]),
  ]);
  const addr = bytesOf(ip);
  const rr = Buffer.concat([
    Buffer.from([0xc0, 0x0c, 0, addr.length === 4 ? 1 : 28, 0, 1, 0, 0, 0, 60, 0, addr.length]),
    addr,
  ]);
  return Buffer.concat([
    Buffer.from([0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]),
    labels,
    Buffer.from([0, 1, 0, 1]),
    rr,
  ]);
}

/** Byte forms of an address. */
function byteForms(ip: string): Buffer[] {
  const b = bytesOf(ip);
  const out = [b, stunPacket(ip), dnsPacket('probe.example', ip)];
  if (b.length === 4) {
    const [a, x, c, d] = [...b];
    out.push(
      Buffer.from(b).reverse(),
      Buffer.from(b.map((v, i) => v ^ COOKIE[i]!)),
      dnsPacket(`ip.${a}.${x}.${c}.${d}.nip.example`, '198.18.0.1'),
      dnsPacket(`ip-${a}-${x}-${c}-${d}.example`, '198.18.0.1'),
    );
  }
  return out;
}

const b64url = (b: Buffer) => b.toString('base64url');
const wrapLines = (s: string, n: number) => s.replace(new RegExp(`(.{${n}})`, 'g'), '$1\n');

/** Every way a text form reaches a field. */
function wrapText(t: string): string[] {
  const out = [t, `seen from ${t} at port 443`, `ip=${t};`];
  // The address at each of the three byte offsets of base64's groups; standard and URL alphabets.
  for (const prefix of ['', 'a', 'ab']) {
    const raw = Buffer.from(`${prefix}${t}`);
    out.push(raw.toString('base64'), b64url(raw));
  }
  out.push(`token ${Buffer.from(`:${t}`).toString('base64')} end`);
  out.push(wrapLines(Buffer.from(`your address is ${t}, really`).toString('base64'), 8));
  out.push(Buffer.from(t).toString('hex'), allPercent(t));
  return out;
}

/** Every way a byte form reaches a field: base64 with the address at each of the three byte offsets, hex, percent. */
function wrapBytes(b: Buffer): string[] {
  const out: string[] = [];
  for (const prefix of [0, 1, 2]) {
    const raw = Buffer.concat([Buffer.alloc(prefix, 0x5a), b, Buffer.from([1, 2, 3])]);
    out.push(raw.toString('base64'), b64url(raw));
  }
  out.push(`x ${Buffer.concat([Buffer.alloc(4, 0x5a), b]).toString('base64')} y`);
  out.push(wrapLines(Buffer.concat([Buffer.alloc(40, 7), b]).toString('base64'), 64));
  out.push(
    b.toString('hex'),
    b.toString('hex').toUpperCase(),
    [...b].map(hex2).join(':'),
    [...b].map((x) => `%${hex2(x)}`).join(''),
  );
  if (!/^[\x20-\x7e]*$/.test(b.toString('latin1'))) out.push(`raw ${b.toString('latin1')} bytes`);
  return out;
}

/** Every kind of field a line has: top-level, annotation key and value, options, DNS, HTTP, TLS, STUN, WebSocket, nested. */
function lineWith(s: string): Measurement {
  const m = fakeMeasurement(7, { service: 'whatsapp' });
  m.probe_network_name = s;
  m.annotations = { ...m.annotations, [s]: 'key', note: s };
  m.options = ['--vantage', s];
  const q = m.test_keys.queries[0]!;
  q.answers.push({ answer_type: 'CNAME', hostname: s, ttl: 60 });
  q.failure = `unknown_failure: ${s}`;
  q.raw_response = s;
  m.test_keys.tls_handshakes[0]!.peer_certificates.push({ data: s, format: 'base64' });
  m.test_keys.requests.push({
    request: { method: 'GET', url: 'https://web.whatsapp.com/', headers_list: [['Host', 'web.whatsapp.com']] },
    response: {
      code: 200,
      headers_list: [
        ['X-Seen-As', s],
        [s, 'value'],
      ],
      body: `<html>${'filler text '.repeat(40)}${s}${' more filler'.repeat(40)}</html>`,
      body_is_truncated: false,
    },
    failure: null,
    t0: 0,
    t: 0.1,
    transaction_id: 40,
  });
  m.test_keys.x_stun[0]!.malformed.push({ t: 0.5, reason: s, bytes_base64: s });
  m.test_keys.x_websocket.push({
    url: 'wss://web.whatsapp.com/ws/chat',
    address: '198.18.0.9:443',
    origin: null,
    status: 403,
    headers_list: [],
    body: s,
    failure: 'http_request_failed',
    t0: 0,
    t: 0.1,
    transaction_id: 50,
  });
  (m.test_keys as unknown as Record<string, unknown>).x_nested = { a: [{ b: [s, { c: s }] }] };
  return m;
}

/** Every string and key of a value. */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      strings(x, out);
    }
  }
  return out;
}

/**
 * The checker: what of `addr` can be found in a string, by brute force: the text forms as substrings
 * (case-insensitive), and the raw and text forms inside whatever decodes (base64 runs at every
 * alignment, hex runs at both nibble alignments, percent-encoding, twice).
 */
function makeChecker(
  addr: string,
): ((s: string) => string | undefined) & { direct: (s: string) => string | undefined } {
  const forms = (addr.includes(':') ? v6Text(addr) : v4Text(addr)).map((f) => f.toLowerCase());
  const canonicalForms = addr.includes(':') ? [addr, bytesOf(addr).toString('hex')] : [addr];
  const raw = byteForms(addr)
    .slice(0, 1)
    .concat(addr.includes(':') ? [] : [Buffer.from(bytesOf(addr)).reverse()])
    .map((b) => b.toString('latin1'));
  const inText = (s: string): string | undefined => {
    const low = s.toLowerCase();
    return forms.find((f) => low.includes(f)) ?? canonicalForms.find((f) => low.includes(f));
  };
  const inBytes = (s: string): string | undefined => raw.find((r) => s.includes(r)) ?? inText(s);
  const decodings = (s: string): string[] => {
    const out: string[] = [];
    for (const m of s.matchAll(/[A-Za-z0-9+/_-]{6,}(?:\n[A-Za-z0-9+/_-]+)*/g)) {
      const run = m[0].replace(/\n/g, '');
      for (let k = 0; k < 4; k++) out.push(Buffer.from(run.slice(k), 'base64').toString('latin1'));
    }
    for (const m of s.matchAll(/[0-9a-fA-F:]{8,}/g)) {
      const h = m[0].replace(/:/g, '');
      for (let k = 0; k < 2; k++)
        out.push(Buffer.from(h.slice(k, k + ((h.length - k) & ~1)), 'hex').toString('latin1'));
    }
    if (s.includes('%'))
      out.push(s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
    return out;
  };
  const mostlyText = (d: string) => (d.match(/[\x20-\x7e]/g)?.length ?? 0) >= d.length * 0.9;
  const check = (s: string) => {
    const direct = inText(s) ?? (/[^\x20-\x7e]/.test(raw[0]!) ? raw.find((r) => s.includes(r)) : undefined);
    if (direct) return direct;
    for (const d of decodings(s)) {
      // Decoded text may hold another encoding (base64 of a percent-encoded string); decoded bytes are final.
      const found = inBytes(d) ?? (mostlyText(d) ? decodings(d).map(inBytes).find(Boolean) : undefined);
      if (found) return `decoded: ${JSON.stringify(found)}`;
    }
    return undefined;
  };
  return Object.assign(check, {
    direct: (s: string) => inText(s) ?? raw.find((r) => !/^[\x20-\x7e]*$/.test(r) && s.includes(r)),
  });
}

interface Case {
  label: string;
  value: string;
}

function cases(addr: string): Case[] {
  const out: Case[] = [];
  for (const t of addr.includes(':') ? v6Text(addr) : v4Text(addr))
    for (const w of wrapText(t))
      out.push({ label: `${JSON.stringify(t)} as ${JSON.stringify(w.slice(0, 60))}`, value: w });
  for (const b of byteForms(addr))
    for (const w of wrapBytes(b))
      out.push({ label: `bytes ${b.toString('hex').slice(0, 40)} as ${JSON.stringify(w.slice(0, 60))}`, value: w });
  return out;
}

const TARGETS = [
  // A documentation address with a zero byte, one with a high byte, and an IPv6 address.
  { addr: '203.0.113.7', neighbour: '203.0.113.8' },
  { addr: '198.51.100.250', neighbour: '198.51.100.251' },
  { addr: '2001:db8:8a:1200::4f', neighbour: '2001:db8:8a:1200::4e' },
];

describe.each(TARGETS)('every encoding of $addr, in every field of a line', ({ addr, neighbour }) => {
  const scrubber = new Scrubber([addr]);
  const found = makeChecker(addr);

  it('is scrubbed: the checker finds no encoding in the scrubbed line or its serialized text', () => {
    const leaks: string[] = [];
    for (const c of cases(addr)) {
      const out = scrubber.scrub(lineWith(c.value));
      const serialized = JSON.stringify(out);
      // Every string of the line as a reader parses it, and the bytes of the line as written.
      const direct = found.direct(Buffer.from(serialized).toString('latin1'));
      if (direct) leaks.push(`${c.label}: ${direct} in the serialized line`);
      for (const s of new Set(strings(JSON.parse(serialized)))) {
        const hit = found(s);
        if (hit) {
          leaks.push(`${c.label}: ${hit} in ${JSON.stringify(s.slice(0, 80))}`);
          break;
        }
      }
    }
    expect(leaks.slice(0, 20)).toEqual([]);
  });

  it('keeps the text around a scrubbed address', () => {
    for (const t of (addr.includes(':') ? v6Text(addr) : v4Text(addr)).slice(0, 12)) {
      expect(scrubber.scrubText(`seen from ${t} at port 443`)).toMatch(/^seen from .*\[scrubbed\].* at port 443$/);
    }
  });

  it('leaves every encoding of a neighbouring address untouched (and unrelated fields)', () => {
    const changed: string[] = [];
    for (const c of cases(neighbour)) {
      const line = lineWith(c.value);
      if (JSON.stringify(scrubber.scrub(line)) !== JSON.stringify(line)) changed.push(c.label);
    }
    expect(changed).toEqual([]);
  });
});

describe('numbers and certificates', () => {
  it('a number that is the address (a TTL, say) is scrubbed; other numbers are not', () => {
    const s = new Scrubber(['203.0.113.7']);
    const m = fakeMeasurement(1);
    m.test_keys.queries[0]!.answers[0]!.ttl = 3405803783;
    m.test_keys.queries[1]!.answers[0]!.ttl = 3405803784;
    const out = s.scrub(m);
    expect(out.test_keys.queries[0]!.answers[0]!.ttl).toBe(SCRUBBED);
    expect(out.test_keys.queries[1]!.answers[0]!.ttl).toBe(3405803784);
  });

  it('a certificate naming the address (CN, DNS and IP subjectAltName) is not kept', async () => {
    const ca = await createLabCa('test CA');
    const issued = await issueCert(ca, {
      names: ['ip-203-0-113-7.example'],
      ips: ['203.0.113.7', '2001:db8:8a:1200::4f'],
    });
    const der = issued.certPem.split('-----END CERTIFICATE-----')[0]!.replace(/-----BEGIN CERTIFICATE-----|\s/g, '');
    const innocent = ca.certPem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
    for (const addr of ['203.0.113.7', '2001:db8:8a:1200::4f']) {
      const m = fakeMeasurement(2);
      m.test_keys.tls_handshakes[0]!.peer_certificates = [
        { data: der, format: 'base64' },
        { data: innocent, format: 'base64' },
      ];
      const out = new Scrubber([addr]).scrub(m);
      expect(out.test_keys.tls_handshakes[0]!.peer_certificates.map((c) => c.data)).toEqual([SCRUBBED, innocent]);
    }
  });
});

describe('cost', () => {
  it('scrubs lines without an address as they are (no copy)', () => {
    const s = new Scrubber(['203.0.113.7']);
    const m = fakeMeasurement(3);
    expect(s.scrub(m)).toBe(m);
  });
});
