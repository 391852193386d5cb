import { describe, expect, it } from 'vitest';
import type { ExchangeRequest } from '../../../src/model/exchange.js';
import {
  checkExchangeRequest,
  decodeStunMessage,
  encodeBindingError,
  encodeBindingRequest,
  encodeBindingSuccess,
  encodeExchangeRequest,
  MAGIC_COOKIE,
  messageType,
  newTransactionId,
  requestType,
  type StunMessage,
} from '../../../src/net/stun-codec.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 5769 test vectors (2.1 request, 2.2 IPv4 response, 2.3 IPv6 response).
const RFC5769_TXID = hex('b7e7a701 bc34d686 fa87dfae');
const RFC5769_REQUEST = hex(`
  00010058 2112a442 b7e7a701 bc34d686 fa87dfae
  80220010 5354554e 20746573 7420636c 69656e74
  00240004 6e0001ff
  80290008 932ff9b1 51263b36
  00060009 6576746a 3a683676 59202020
  00080014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
  80280004 e57a3bcf`);
const RFC5769_IPV4_RESPONSE = hex(`
  0101003c 2112a442 b7e7a701 bc34d686 fa87dfae
  8022000b 74657374 20766563 746f7220
  00200008 0001a147 e112a643
  00080014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
  80280004 c07d4c96`);
const RFC5769_IPV6_RESPONSE = hex(`
  01010048 2112a442 b7e7a701 bc34d686 fa87dfae
  8022000b 74657374 20766563 746f7220
  00200014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9
  00080014 a382954e 4be67bf1 1784c97c 8292c275 bfe3ed41
  80280004 c8fb0b4c`);

function ok(buf: Buffer): StunMessage {
  const r = decodeStunMessage(buf);
  if (!r.ok) throw new Error(`expected a valid message, got: ${r.reason}`);
  return r.message;
}

describe('RFC 5769 test vectors', () => {
  it('decodes the sample request (fingerprint checked, unknown attributes kept raw)', () => {
    const m = ok(RFC5769_REQUEST);
    expect(m).toMatchObject({ type: 0x0001, class: 'request', method: 1 });
    expect(m.transactionId.equals(RFC5769_TXID)).toBe(true);
    expect(m.attributes.software).toBe('STUN test client');
    expect(m.attributes.fingerprint).toBe(true);
    expect(m.attributes.unknown.map((a) => a.type)).toEqual([0x0024, 0x8029, 0x0006, 0x0008]);
    expect(m.attributes.unknown[2]!.value.toString()).toBe('evtj:h6vY');
  });

  it('decodes the IPv4 response: XOR-MAPPED-ADDRESS 192.0.2.1:32853', () => {
    const m = ok(RFC5769_IPV4_RESPONSE);
    expect(m.class).toBe('success');
    expect(m.attributes.software).toBe('test vector');
    expect(m.attributes.xorMappedAddress).toEqual({ family: 'IPv4', address: '192.0.2.1', port: 32853 });
    expect(m.attributes.fingerprint).toBe(true);
  });

  it('decodes the IPv6 response: XOR-MAPPED-ADDRESS uses the transaction id too', () => {
    const m = ok(RFC5769_IPV6_RESPONSE);
    expect(m.attributes.xorMappedAddress).toEqual({
      family: 'IPv6',
      address: '2001:db8:1234:5678:11:2233:4455:6677',
      port: 32853,
    });
  });

  it('rejects a vector with one flipped bit through its FINGERPRINT', () => {
    const bad = Buffer.from(RFC5769_IPV4_RESPONSE);
    bad[30] = bad[30]! ^ 0x01; // inside XOR-MAPPED-ADDRESS
    expect(decodeStunMessage(bad)).toEqual({ ok: false, reason: 'FINGERPRINT does not match' });
  });
});

describe('encoding', () => {
  it('message types interleave class and method bits (RFC 5389 6)', () => {
    expect(messageType(1, 'request')).toBe(0x0001);
    expect(messageType(1, 'indication')).toBe(0x0011);
    expect(messageType(1, 'success')).toBe(0x0101);
    expect(messageType(1, 'error')).toBe(0x0111);
    expect(messageType(0xfff, 'error')).toBe(0x3fff);
  });

  it('a Binding request is a 20-byte header, or carries SOFTWARE and FINGERPRINT on request', () => {
    const txid = newTransactionId();
    const plain = encodeBindingRequest(txid);
    expect(plain.length).toBe(20);
    expect(plain.readUInt32BE(4)).toBe(MAGIC_COOKIE);
    expect(plain.subarray(8).equals(txid)).toBe(true);
    const m = ok(encodeBindingRequest(txid, { software: 'voipprobe', fingerprint: true }));
    expect(m.attributes).toMatchObject({ software: 'voipprobe', fingerprint: true });
  });

  it.each([
    { family: 'IPv4' as const, address: '127.0.0.9', port: 40000 },
    { family: 'IPv6' as const, address: '::1', port: 3478 },
    { family: 'IPv6' as const, address: '2001:db8::42', port: 1 },
  ])('round-trips a Binding success for $address', (addr) => {
    const txid = newTransactionId();
    const m = ok(encodeBindingSuccess(txid, addr, { software: 'lab', mappedAddress: true }));
    expect(m.class).toBe('success');
    expect(m.transactionId.equals(txid)).toBe(true);
    expect(m.attributes.xorMappedAddress).toEqual(addr);
    expect(m.attributes.mappedAddress).toEqual(addr);
    expect(m.attributes.fingerprint).toBe(true);
  });

  it('round-trips a Binding error response', () => {
    const m = ok(encodeBindingError(newTransactionId(), 401, 'Unauthorized'));
    expect(m.class).toBe('error');
    expect(m.attributes.errorCode).toEqual({ code: 401, reason: 'Unauthorized' });
  });

  it('refuses misuse', () => {
    expect(() => encodeBindingRequest(Buffer.alloc(11))).toThrow(RangeError);
    expect(() => encodeBindingError(newTransactionId(), 200, 'x')).toThrow(RangeError);
    expect(() => encodeBindingSuccess(newTransactionId(), { family: 'IPv4', address: '::1', port: 1 })).toThrow(
      TypeError,
    );
  });
});

/** A Binding success with one attribute, without fingerprint, to corrupt at will. */
function withAttribute(type: number, value: Buffer, declaredLength = value.length): Buffer {
  const padded = Buffer.concat([value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
  const head = hex('01010000 2112a442 000000000000000000000000');
  head.writeUInt16BE(4 + padded.length, 2);
  const attr = Buffer.alloc(4);
  attr.writeUInt16BE(type, 0);
  attr.writeUInt16BE(declaredLength, 2);
  return Buffer.concat([head, attr, padded]);
}

describe('malformed datagrams: ok:false with a reason, never a throw', () => {
  const header = hex('01010000 2112a442 000102030405060708090a0b');
  const cases: [string, Buffer, RegExp][] = [
    ['empty', Buffer.alloc(0), /shorter than the 20-byte header/],
    ['short', header.subarray(0, 19), /shorter than the 20-byte header/],
    ['first two bits set (RTP-like)', Buffer.concat([hex('8101'), header.subarray(2)]), /first two bits/],
    [
      'bad magic cookie',
      Buffer.concat([header.subarray(0, 4), hex('deadbeef'), header.subarray(8)]),
      /bad magic cookie 0xdeadbeef/,
    ],
    [
      'length not a multiple of 4',
      (() => {
        const b = Buffer.concat([header, Buffer.alloc(2)]);
        b.writeUInt16BE(2, 2);
        return b;
      })(),
      /not a multiple of 4/,
    ],
    [
      'length larger than datagram',
      (() => {
        const b = Buffer.from(header);
        b.writeUInt16BE(8, 2);
        return b;
      })(),
      /datagram has 0/,
    ],
    ['length smaller than datagram', Buffer.concat([header, Buffer.alloc(8)]), /length field says 0 bytes/],
    ['attribute overruns the message', withAttribute(0x0020, Buffer.alloc(8), 12), /overruns the message/],
    [
      'attribute value one byte into the padding of the end',
      (() => {
        const b = withAttribute(0x8022, Buffer.from('abcd'));
        b.writeUInt16BE(5, 22);
        return b;
      })(),
      /0x8022 length 5 overruns/,
    ],
    [
      'second attribute truncated',
      (() => {
        const b = Buffer.concat([withAttribute(0x8022, Buffer.from('abcd')), hex('00200008 0001a147')]);
        b.writeUInt16BE(b.length - 20, 2);
        return b;
      })(),
      /0x0020 length 8 overruns/,
    ],
    [
      'XOR-MAPPED-ADDRESS with unknown family',
      withAttribute(0x0020, hex('0003a147e112a643')),
      /unknown address family 0x03/,
    ],
    [
      'XOR-MAPPED-ADDRESS IPv4 with IPv6 length',
      withAttribute(0x0020, hex('0001a147 00000000 00000000 00000000 00000000')),
      /does not fit family IPv4/,
    ],
    ['MAPPED-ADDRESS too short', withAttribute(0x0001, hex('0001')), /too short/],
    ['ERROR-CODE with class 7', withAttribute(0x0009, hex('00000701')), /invalid code/],
    ['FINGERPRINT with wrong length', withAttribute(0x8028, hex('0000000000000000')), /FINGERPRINT: length 8/],
    [
      'HTTP response',
      Buffer.from('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'),
      /first two bits|bad magic cookie/,
    ],
    ['random garbage', Buffer.from('0123456789abcdef0123456789abcdef', 'utf8'), /first two bits|bad magic cookie/],
  ];
  it.each(cases)('%s', (_name, buf, reason) => {
    const r = decodeStunMessage(buf);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('rejects an attribute after FINGERPRINT, keeps only the first of duplicate attributes', () => {
    const withFp = encodeBindingRequest(newTransactionId(), { fingerprint: true });
    const after = Buffer.concat([withFp, hex('80220004 61626364')]);
    after.writeUInt16BE(after.length - 20, 2);
    expect(decodeStunMessage(after)).toEqual({ ok: false, reason: 'attribute after FINGERPRINT' });

    const dup = Buffer.concat([withAttribute(0x8022, Buffer.from('one!')), hex('80220004 74776f21')]);
    dup.writeUInt16BE(dup.length - 20, 2);
    expect(ok(dup).attributes.software).toBe('one!');
  });

  it('fuzz: random and bit-flipped datagrams never throw', () => {
    const seeds = [RFC5769_REQUEST, RFC5769_IPV4_RESPONSE, RFC5769_IPV6_RESPONSE];
    for (let i = 0; i < 3000; i++) {
      const base = Buffer.from(seeds[i % 3]!);
      const b = i % 2 ? base.subarray(0, (i * 7) % (base.length + 1)) : base;
      b[(i * 13) % Math.max(1, b.length)] ^= 1 << (i % 8);
      expect(() => decodeStunMessage(b)).not.toThrow();
    }
  });
});

describe('exchanges described as data', () => {
  const txid = hex('000102030405060708090a0b');

  it('encodes a TURN Allocate without credentials (RFC 8656: REQUESTED-TRANSPORT UDP)', () => {
    const b = encodeExchangeRequest(
      { method: 'allocate', attributes: [{ type: 'REQUESTED-TRANSPORT', hex: '11000000' }], fingerprint: false },
      txid,
    );
    expect(b.toString('hex')).toBe('0003000821 12a442000102030405060708090a0b0019000411000000'.replace(/\s/g, ''));
    expect(ok(b)).toMatchObject({ method: 0x003, class: 'request', type: 0x0003 });
  });

  it("encodes an app's own message type, attributes by number, text values padded, and a FINGERPRINT", () => {
    const b = encodeExchangeRequest(
      {
        message_type: '0x0801',
        attributes: [
          { type: '0x4000', hex: 'ff' },
          { type: 'SOFTWARE', text: 'abc' },
        ],
        fingerprint: true,
      },
      txid,
    );
    const m = ok(b);
    expect(m.type).toBe(0x0801);
    expect(m.attributes.types).toEqual([0x4000, 0x8022, 0x8028]);
    expect(m.attributes.fingerprint).toBe(true);
    expect(m.attributes.software).toBe('abc');
    expect(requestType({ message_type: '0x0801' })).toBe(0x0801);
    expect(requestType({ method: 'binding' })).toBe(0x0001);
    // The plain Binding of the controls is the same bytes as the dedicated encoder's.
    expect(encodeExchangeRequest({ method: 'binding', attributes: [], fingerprint: false }, txid)).toEqual(
      encodeBindingRequest(txid),
    );
  });

  it('decodes what a 401 challenge carries: ERROR-CODE, REALM, the NONCE length, every attribute type', () => {
    // coturn 4.6's answer to an Allocate without credentials (captured in the lab, transaction ID replaced).
    const challenge = hex(`0113 0038 2112a442 000102030405060708090a0b
      0009 0010 00000401 556e617574686f72697a6564
      0015 0010 62363465626565313230346165613963
      0014 000a 7369676e616c2e6f7267 0000`);
    const m = ok(challenge);
    expect(m).toMatchObject({ class: 'error', method: 0x003 });
    expect(m.attributes).toMatchObject({
      errorCode: { code: 401, reason: 'Unauthorized' },
      realm: 'signal.org',
      nonceLength: 16,
      types: [0x0009, 0x0015, 0x0014],
    });
  });

  it('refuses a spec the schema would refuse', () => {
    expect(() => encodeExchangeRequest({ attributes: [], fingerprint: false }, txid)).toThrow(TypeError);
    expect(() =>
      encodeExchangeRequest({ method: 'binding', attributes: [{ type: 'NOPE' }], fingerprint: false }, txid),
    ).toThrow(/unknown STUN attribute/);
  });
});

describe('checkExchangeRequest (a request described by a helper client)', () => {
  const attrs = (n: number, bytes: number) =>
    Array.from({ length: n }, () => ({ type: 'SOFTWARE', hex: '00'.repeat(bytes) }));
  it.each([
    [
      'a TURN Allocate',
      { method: 'allocate', attributes: [{ type: 'REQUESTED-TRANSPORT', hex: '11000000' }], fingerprint: false },
      undefined,
    ],
    ["WhatsApp's ping by message type", { message_type: '0x0801', attributes: [], fingerprint: true }, undefined],
    ['neither method nor type', { attributes: [], fingerprint: false }, /exactly one/],
    ['both', { method: 'binding', message_type: '0x0001', attributes: [], fingerprint: false }, /exactly one/],
    ['an unknown method', { method: 'flood', attributes: [], fingerprint: false }, /unknown STUN method/],
    [
      'an inherited name is not a method',
      { method: 'constructor', attributes: [], fingerprint: false },
      /unknown STUN method/,
    ],
    [
      'an unknown attribute',
      { method: 'binding', attributes: [{ type: 'NOPE' }], fingerprint: false },
      /unknown STUN attribute/,
    ],
    ['a type past 0x3fff', { message_type: '0xffff', attributes: [], fingerprint: false }, /out of range/],
    ['too large to send', { method: 'binding', attributes: attrs(8, 200), fingerprint: false }, /more than 1024/],
  ] as const)('%s', (_name, req, want) => {
    const got = checkExchangeRequest(req as unknown as ExchangeRequest);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(want);
  });
});
