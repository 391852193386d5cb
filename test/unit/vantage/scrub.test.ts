import { describe, expect, it } from 'vitest';
import { fakeMeasurement } from '../../../bench/support/measurement-fixture.js';
import type { Measurement } from '../../../src/model/measurement.js';
import { applyPrivacy, makePrivacyFilter } from '../../../src/vantage/privacy.js';
import { SCRUBBED, Scrubber } from '../../../src/vantage/scrub.js';

const V4 = '41.250.7.9';
const V6 = '2a01:cb19:8a:1200::4f';
const V6_EXPANDED = '2a01:0cb1:0000:0000:0000:0000:0000:0000'; // a different address: must survive
const V6_FULL = '2A01:CB19:008A:1200:0000:0000:0000:004F';

/** A STUN Binding success with XOR-MAPPED-ADDRESS for `ip` (RFC 5389 §15.2). */
function stunResponse(ip: string, txid: Buffer): Buffer {
  const cookie = Buffer.from([0x21, 0x12, 0xa4, 0x42]);
  const isV6 = ip.includes(':');
  const addr = isV6
    ? Buffer.from(
        ip
          .split(':')
          .flatMap((g, _i, all) => (g === '' ? Array(9 - all.length).fill('0') : [g]))
          .flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]),
      )
    : Buffer.from(ip.split('.').map(Number));
  const mask = isV6 ? Buffer.concat([cookie, txid]) : cookie;
  const xaddr = Buffer.from(addr.map((b, i) => b ^ mask[i]!));
  const port = 40000 ^ 0x2112;
  const attr = Buffer.concat([
    Buffer.from([0x00, 0x20, 0x00, 4 + xaddr.length, 0x00, isV6 ? 0x02 : 0x01, port >> 8, port & 0xff]),
    xaddr,
  ]);
  const header = Buffer.concat([Buffer.from([0x01, 0x01, 0x00, attr.length]), cookie, txid]);
  return Buffer.concat([header, attr]);
}

/** A DNS answer packet whose A record is `ip` (what a whoami-style resolver reply would carry). */
function dnsAnswerPacket(ip: string): Buffer {
  const q = Buffer.from([0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 2, 0x6d, 0x65, 0, 0, 1, 0, 1]);
  const rr = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...ip.split('.').map(Number)]);
  return Buffer.concat([q, rr]);
}

function leakyMeasurement(): Measurement {
  const m = fakeMeasurement(1);
  const txid = Buffer.from('0123456789ab', 'latin1');
  m.probe_ip = V4;
  m.options = ['--system-resolver', `${V4}:53`];
  m.annotations = { ...m.annotations, note: `seen from [${V6}]:443` };
  m.probe_network_name = `dsl-${V4}`;
  m.test_keys.queries[0]!.answers.push(
    { answer_type: 'A', ipv4: V4, ttl: 0 },
    { answer_type: 'AAAA', ipv6: V6_FULL, ttl: 0 },
  );
  m.test_keys.queries[0]!.raw_response = dnsAnswerPacket(V4).toString('base64');
  m.test_keys.queries[0]!.failure = `unknown_failure: read udp ${V4}:51234->198.18.0.53:53: i/o timeout`;
  m.test_keys.tcp_connect[0]!.status.failure = `unknown_failure: connect ECONNREFUSED ${V6}:443`;
  m.test_keys.tcp_connect[1]!.status.failure = `unknown_failure: bind ::ffff:${V4}:0 failed`;
  m.test_keys.x_stun[0]!.response!.xor_mapped_address = { family: 'IPv4', address: V4, port: 40000 };
  m.test_keys.x_stun[0]!.response!.mapped_address = { family: 'IPv6', address: V6_FULL.toLowerCase(), port: 40000 };
  m.test_keys.x_stun[0]!.malformed = [
    { t: 0.4, reason: 'unexpected transaction id', bytes_base64: stunResponse(V4, txid).toString('base64') },
    { t: 0.5, reason: 'unexpected transaction id', bytes_base64: stunResponse(V6, txid).toString('base64') },
  ];
  m.test_keys.requests.push({
    request: { method: 'GET', url: `http://[${V6}]/`, headers_list: [['X-Forwarded-For', `${V4}, 10.0.0.1`]] },
    response: {
      code: 200,
      headers_list: [['X-Your-Ip', V6_FULL]],
      body: `your address is ${V4} / ip:${V6}.`,
      body_is_truncated: false,
    },
    failure: null,
    t0: 0,
    t: 0.1,
    transaction_id: 40,
  });
  return m;
}

describe('Scrubber', () => {
  const s = new Scrubber([V4, V6]);

  it.each([
    [`dial udp ${V4}:53`, `dial udp ${SCRUBBED}:53`],
    [`${V4}`, SCRUBBED],
    [`1${V4}`, `1${V4}`], // a different address (141.250.7.9)
    [`${V4}0`, `${V4}0`],
    [`connect ECONNREFUSED ${V6}:443`, `connect ECONNREFUSED ${SCRUBBED}:443`],
    [`[${V6}]:443`, `[${SCRUBBED}]:443`],
    [V6_FULL, SCRUBBED],
    [V6_FULL.toLowerCase(), SCRUBBED],
    ['2a01:cb19:8a:1200:0:0:0:4f', SCRUBBED],
    [`ip:${V6}`, `ip:${SCRUBBED}`],
    [`::ffff:${V4}`, SCRUBBED], // the IPv4-mapped address as a whole
    ['::ffff:29fa:709', SCRUBBED], // 41.250.7.9 as IPv4-mapped IPv6 in hex
    [V6_EXPANDED, V6_EXPANDED],
    ['2a01:cb19:8a:1200::4e', '2a01:cb19:8a:1200::4e'],
    ['nothing here 10:20:30', 'nothing here 10:20:30'],
  ])('scrubText(%j) = %j', (input, want) => {
    expect(s.scrubText(input)).toBe(want);
  });

  it('finds the address in raw packets, plainly and XOR-ed the STUN way', () => {
    const txid = Buffer.from('abcdefghijkl', 'latin1');
    const b64 = (b: Buffer) => b.toString('base64');
    for (const packet of [dnsAnswerPacket(V4), stunResponse(V4, txid), stunResponse(V6, txid)])
      expect(s.scrubText(b64(packet))).toBe(SCRUBBED);
    for (const packet of [dnsAnswerPacket('198.18.0.1'), stunResponse('198.18.0.1', txid)])
      expect(s.scrubText(b64(packet))).toBe(b64(packet));
  });

  it('is inactive without addresses', () => {
    const none = new Scrubber(['not-an-ip']);
    expect(none.active).toBe(false);
    expect(none.scrubText(V4)).toBe(V4);
  });
});

describe('applyPrivacy on a measurement carrying the public address everywhere', () => {
  it('leaves no trace of the IPv4 or IPv6 address, in any form, and sets probe_ip to 127.0.0.1', () => {
    const m = leakyMeasurement();
    const out = applyPrivacy(m, { addresses: [V4, V6], includeIp: false });
    const text = JSON.stringify(out);
    expect(out.probe_ip).toBe('127.0.0.1');
    for (const form of [V4, V6, V6_FULL, V6_FULL.toLowerCase(), '29fa:709'])
      expect(text.toLowerCase()).not.toContain(form.toLowerCase());
    // Raw packets that carried it are replaced whole; unrelated ones are kept.
    expect(out.test_keys.queries[0]!.raw_response).toBe(SCRUBBED);
    expect(out.test_keys.queries[1]!.raw_response).toBe(m.test_keys.queries[1]!.raw_response);
    expect(out.test_keys.x_stun[0]!.malformed.map((x) => x.bytes_base64)).toEqual([SCRUBBED, SCRUBBED]);
    // Everything else is intact.
    expect(out.test_keys.x_stun[0]!.response!.xor_mapped_address).toEqual({
      family: 'IPv4',
      address: SCRUBBED,
      port: 40000,
    });
    expect(out.test_keys.queries[0]!.failure).toBe(
      `unknown_failure: read udp ${SCRUBBED}:51234->198.18.0.53:53: i/o timeout`,
    );
    expect(out.test_keys.requests[0]!.request.headers_list[0]).toEqual(['X-Forwarded-For', `${SCRUBBED}, 10.0.0.1`]);
    expect(out.options).toEqual(['--system-resolver', `${SCRUBBED}:53`]);
    expect(out.probe_network_name).toBe(`dsl-${SCRUBBED}`);
    expect(out.test_keys.tcp_connect[0]!.ip).toBe(m.test_keys.tcp_connect[0]!.ip);
    // The input is not modified.
    expect(m.probe_ip).toBe(V4);
  });

  it('--include-ip keeps everything and writes the address as probe_ip', () => {
    const m = leakyMeasurement();
    const out = applyPrivacy(m, { addresses: [V4, V6], includeIp: true });
    expect(out.probe_ip).toBe(V4);
    expect(JSON.stringify(out)).toContain(V6);
  });

  it('a reusable filter gives the same result', () => {
    const f = makePrivacyFilter({ addresses: [V4, V6], includeIp: false });
    expect(f(leakyMeasurement())).toEqual(applyPrivacy(leakyMeasurement(), { addresses: [V4, V6], includeIp: false }));
  });
});
