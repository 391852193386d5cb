// STUN message codec (RFC 5389 / RFC 8489), hand-written and pure. Decoding never throws: a
// datagram from the network is untrusted, and one that is not STUN is evidence (a middlebox's junk,
// a captive portal) to record with the reason it was rejected.

import { randomBytes } from 'node:crypto';
import { isIP, SocketAddress } from 'node:net';
import { crc32 } from 'node:zlib';
import { attributeType, type ExchangeRequest, STUN_ATTRIBUTES, STUN_METHODS } from '../model/exchange.js';
import type { StunAddress } from '../model/observations.js';
import { ipToBytes } from '../util/ip.js';

export const MAGIC_COOKIE = 0x2112a442;
const HEADER_BYTES = 20;
const FINGERPRINT_XOR = 0x5354554e;

export const STUN_METHOD_BINDING = STUN_METHODS.binding;

/** The attributes the codec itself reads or writes (numbers from the one table in src/model/exchange.ts). */
export const STUN_ATTR = {
  MAPPED_ADDRESS: STUN_ATTRIBUTES['MAPPED-ADDRESS'],
  USERNAME: STUN_ATTRIBUTES.USERNAME,
  MESSAGE_INTEGRITY: STUN_ATTRIBUTES['MESSAGE-INTEGRITY'],
  ERROR_CODE: STUN_ATTRIBUTES['ERROR-CODE'],
  UNKNOWN_ATTRIBUTES: STUN_ATTRIBUTES['UNKNOWN-ATTRIBUTES'],
  REALM: STUN_ATTRIBUTES.REALM,
  NONCE: STUN_ATTRIBUTES.NONCE,
  XOR_MAPPED_ADDRESS: STUN_ATTRIBUTES['XOR-MAPPED-ADDRESS'],
  SOFTWARE: STUN_ATTRIBUTES.SOFTWARE,
  FINGERPRINT: STUN_ATTRIBUTES.FINGERPRINT,
} as const;

export type StunClass = 'request' | 'indication' | 'success' | 'error';
const CLASS_BITS: Record<StunClass, number> = { request: 0b00, indication: 0b01, success: 0b10, error: 0b11 };
const CLASS_NAMES: StunClass[] = ['request', 'indication', 'success', 'error'];

export interface StunAttributes {
  xorMappedAddress?: StunAddress;
  mappedAddress?: StunAddress;
  errorCode?: { code: number; reason: string };
  software?: string;
  /** True when a FINGERPRINT attribute was present (and matched: a mismatch rejects the message). */
  fingerprint?: boolean;
  realm?: string;
  /** Length of the NONCE: a 401 challenge carries one; its value is opaque and not kept. */
  nonceLength?: number;
  /** Every attribute type in the order it came (duplicates included), for the record. */
  types: number[];
  /** Every other attribute, undecoded: comprehension-required ones included. */
  unknown: { type: number; value: Buffer }[];
}

export interface StunMessage {
  /** The 14-bit message type (method and class interleaved). */
  type: number;
  class: StunClass;
  method: number;
  transactionId: Buffer;
  attributes: StunAttributes;
}

export type StunDecodeResult = { ok: true; message: StunMessage } | { ok: false; reason: string };

export function newTransactionId(): Buffer {
  return randomBytes(12);
}

/** RFC 5389 6: the class bits C1 C0 sit at bits 8 and 4, around the method bits. */
export function messageType(method: number, cls: StunClass): number {
  const c = CLASS_BITS[cls];
  return (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((c & 1) << 4) | ((c & 2) << 7);
}

function splitType(type: number): { method: number; cls: StunClass } {
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const cls = CLASS_NAMES[((type >> 4) & 1) | ((type >> 7) & 2)]!;
  return { method, cls };
}

const pad4 = (n: number) => (n + 3) & ~3;
/** A datagram holds at most ~16k attributes; the record keeps the first few. */
const MAX_RECORDED_TYPES = 32;

function checkTransactionId(txid: Buffer): void {
  if (txid.length !== 12) throw new RangeError(`a STUN transaction ID is 12 bytes, got ${txid.length}`);
}

// ---- encoding ----

export interface RawAttribute {
  type: number;
  value: Buffer;
}

/** Any STUN message: header, attributes (padded to 4 bytes), optionally a FINGERPRINT. */
export function encodeMessage(type: number, txid: Buffer, attrs: RawAttribute[], fingerprint = false): Buffer {
  checkTransactionId(txid);
  const parts: Buffer[] = [];
  for (const a of attrs) {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(a.type, 0);
    head.writeUInt16BE(a.value.length, 2);
    parts.push(head, a.value, Buffer.alloc(pad4(a.value.length) - a.value.length));
  }
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(body.length + (fingerprint ? 8 : 0), 2);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  txid.copy(header, 8);
  const msg = Buffer.concat([header, body]);
  if (!fingerprint) return msg;
  // The CRC covers the message with the length field already counting the FINGERPRINT attribute.
  const fp = Buffer.alloc(8);
  fp.writeUInt16BE(STUN_ATTR.FINGERPRINT, 0);
  fp.writeUInt16BE(4, 2);
  fp.writeUInt32BE((crc32(msg) ^ FINGERPRINT_XOR) >>> 0, 4);
  return Buffer.concat([msg, fp]);
}

/** XOR-MAPPED-ADDRESS value with `txid`, plain MAPPED-ADDRESS value with null. */
export function encodeAddress(addr: StunAddress, txid: Buffer | null): Buffer {
  const ip = ipToBytes(addr.address);
  const family = isIP(addr.address);
  if (!ip || (family === 4) !== (addr.family === 'IPv4'))
    throw new TypeError(`bad ${addr.family} address: ${addr.address}`);
  const value = Buffer.alloc(4 + ip.length);
  value[1] = family === 4 ? 0x01 : 0x02;
  value.writeUInt16BE(txid ? addr.port ^ (MAGIC_COOKIE >>> 16) : addr.port, 2);
  const mask = txid ? xorMask(txid) : Buffer.alloc(16);
  for (let i = 0; i < ip.length; i++) value[4 + i] = ip[i]! ^ mask[i]!;
  return value;
}

export function encodeBindingRequest(txid: Buffer, opts: { software?: string; fingerprint?: boolean } = {}): Buffer {
  const attrs = opts.software ? [{ type: STUN_ATTR.SOFTWARE, value: Buffer.from(opts.software, 'utf8') }] : [];
  return encodeMessage(messageType(STUN_METHOD_BINDING, 'request'), txid, attrs, opts.fingerprint);
}

/** The 14-bit message type of a request described as data (a method in the request class, or a raw type). */
export function requestType(req: Pick<ExchangeRequest, 'method' | 'message_type'>): number {
  if (req.method !== undefined) return messageType(STUN_METHODS[req.method], 'request');
  if (req.message_type !== undefined) return parseInt(req.message_type, 16);
  throw new TypeError('an exchange request needs a method or a message_type');
}

/** The largest request described as data that is sent (a relay's answer to it stays within one datagram). */
export const MAX_EXCHANGE_REQUEST_BYTES = 1024;

/**
 * Why a request described as data from outside (a helper's client) cannot be sent: an unknown method or
 * attribute, a message type out of range, both or neither of method and message type, or more than
 * MAX_EXCHANGE_REQUEST_BYTES encoded; undefined when it can.
 */
export function checkExchangeRequest(req: ExchangeRequest): string | undefined {
  if ((req.method === undefined) === (req.message_type === undefined))
    return 'give exactly one of method and message_type';
  if (req.method !== undefined && !Object.hasOwn(STUN_METHODS, req.method))
    return `unknown STUN method "${req.method}"`;
  try {
    const size = encodeExchangeRequest(req, Buffer.alloc(12)).length;
    return size > MAX_EXCHANGE_REQUEST_BYTES
      ? `${size} bytes encoded, more than ${MAX_EXCHANGE_REQUEST_BYTES}`
      : undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Encodes a request described as data (catalogue `exchanges[].request`); throws on a spec the schema would refuse. */
export function encodeExchangeRequest(req: ExchangeRequest, txid: Buffer): Buffer {
  const type = requestType(req);
  if (type < 0 || type > 0x3fff) throw new RangeError(`STUN message type out of range: ${type}`);
  const attrs: RawAttribute[] = req.attributes.map((a) => {
    const t = attributeType(a.type);
    if (t === undefined) throw new TypeError(`unknown STUN attribute "${a.type}"`);
    const value = a.hex !== undefined ? Buffer.from(a.hex, 'hex') : Buffer.from(a.text ?? '', 'utf8');
    return { type: t, value };
  });
  return encodeMessage(type, txid, attrs, req.fingerprint);
}

/** `mappedAddress` adds the RFC 3489 MAPPED-ADDRESS next to XOR-MAPPED-ADDRESS, as coturn does for old clients. */
export function encodeBindingSuccess(
  txid: Buffer,
  mapped: StunAddress,
  opts: { software?: string; mappedAddress?: boolean } = {},
): Buffer {
  const attrs: RawAttribute[] = [{ type: STUN_ATTR.XOR_MAPPED_ADDRESS, value: encodeAddress(mapped, txid) }];
  if (opts.mappedAddress) attrs.push({ type: STUN_ATTR.MAPPED_ADDRESS, value: encodeAddress(mapped, null) });
  if (opts.software) attrs.push({ type: STUN_ATTR.SOFTWARE, value: Buffer.from(opts.software, 'utf8') });
  return encodeMessage(messageType(STUN_METHOD_BINDING, 'success'), txid, attrs, true);
}

export function encodeBindingError(txid: Buffer, code: number, reason: string): Buffer {
  if (!Number.isInteger(code) || code < 300 || code > 699)
    throw new RangeError(`STUN error codes are 300-699, got ${code}`);
  const value = Buffer.concat([Buffer.from([0, 0, Math.floor(code / 100), code % 100]), Buffer.from(reason, 'utf8')]);
  return encodeMessage(messageType(STUN_METHOD_BINDING, 'error'), txid, [{ type: STUN_ATTR.ERROR_CODE, value }], true);
}

// ---- decoding ----

/** Magic cookie followed by the transaction ID: the XOR mask for addresses (IPv4 uses its first 4 bytes). */
function xorMask(txid: Buffer): Buffer {
  const m = Buffer.alloc(16);
  m.writeUInt32BE(MAGIC_COOKIE, 0);
  txid.copy(m, 4);
  return m;
}

function bytesToIp(b: Buffer): string {
  if (b.length === 4) return Array.from(b).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
}

function decodeAddress(value: Buffer, txid: Buffer | null, name: string): StunAddress | string {
  if (value.length < 4) return `${name}: value too short (${value.length} bytes)`;
  const family = value[1];
  const size = family === 0x01 ? 4 : family === 0x02 ? 16 : 0;
  if (size === 0) return `${name}: unknown address family 0x${family!.toString(16).padStart(2, '0')}`;
  if (value.length !== 4 + size)
    return `${name}: length ${value.length} does not fit family ${family === 1 ? 'IPv4' : 'IPv6'}`;
  const raw = Buffer.from(value.subarray(4));
  let port = value.readUInt16BE(2);
  if (txid) {
    const mask = xorMask(txid);
    port ^= MAGIC_COOKIE >>> 16;
    for (let i = 0; i < raw.length; i++) raw[i] = raw[i]! ^ mask[i]!;
  }
  return { family: size === 4 ? 'IPv4' : 'IPv6', address: bytesToIp(raw), port };
}

export function decodeStunMessage(buf: Buffer): StunDecodeResult {
  const bad = (reason: string): StunDecodeResult => ({ ok: false, reason });
  if (buf.length < HEADER_BYTES) return bad(`shorter than the ${HEADER_BYTES}-byte header (${buf.length} bytes)`);
  if ((buf[0]! & 0xc0) !== 0) return bad('first two bits are not zero');
  const type = buf.readUInt16BE(0);
  const length = buf.readUInt16BE(2);
  const cookie = buf.readUInt32BE(4);
  if (cookie !== MAGIC_COOKIE) return bad(`bad magic cookie 0x${cookie.toString(16).padStart(8, '0')}`);
  if (length % 4 !== 0) return bad(`length ${length} is not a multiple of 4`);
  if (HEADER_BYTES + length !== buf.length)
    return bad(`length field says ${length} bytes of attributes, datagram has ${buf.length - HEADER_BYTES}`);

  const transactionId = Buffer.from(buf.subarray(8, HEADER_BYTES));
  const { method, cls } = splitType(type);
  const attributes: StunAttributes = { unknown: [], types: [] };
  const seen = new Set<number>();
  let offset = HEADER_BYTES;
  while (offset < buf.length) {
    if (attributes.fingerprint) return bad('attribute after FINGERPRINT');
    // The total length is a multiple of 4 and every attribute is padded to 4, so a whole header
    // always fits here, and a value that fits also leaves room for its padding.
    const atype = buf.readUInt16BE(offset);
    const alen = buf.readUInt16BE(offset + 2);
    if (offset + 4 + alen > buf.length)
      return bad(`attribute 0x${atype.toString(16).padStart(4, '0')} length ${alen} overruns the message`);
    const value = buf.subarray(offset + 4, offset + 4 + alen);
    const start = offset;
    offset += 4 + pad4(alen);
    if (attributes.types.length < MAX_RECORDED_TYPES) attributes.types.push(atype);
    // RFC 5389 15: only the first occurrence of an attribute counts.
    if (seen.has(atype)) continue;
    seen.add(atype);
    switch (atype) {
      case STUN_ATTR.XOR_MAPPED_ADDRESS: {
        const a = decodeAddress(value, transactionId, 'XOR-MAPPED-ADDRESS');
        if (typeof a === 'string') return bad(a);
        attributes.xorMappedAddress = a;
        break;
      }
      case STUN_ATTR.MAPPED_ADDRESS: {
        const a = decodeAddress(value, null, 'MAPPED-ADDRESS');
        if (typeof a === 'string') return bad(a);
        attributes.mappedAddress = a;
        break;
      }
      case STUN_ATTR.ERROR_CODE: {
        if (value.length < 4) return bad(`ERROR-CODE: value too short (${alen} bytes)`);
        const errClass = value[2]! & 0x07;
        const number = value[3]!;
        if (errClass < 3 || errClass > 6 || number > 99) return bad(`ERROR-CODE: invalid code ${errClass}/${number}`);
        attributes.errorCode = { code: errClass * 100 + number, reason: value.subarray(4).toString('utf8') };
        break;
      }
      case STUN_ATTR.SOFTWARE:
        attributes.software = value.toString('utf8');
        break;
      case STUN_ATTR.REALM:
        attributes.realm = value.toString('utf8');
        break;
      case STUN_ATTR.NONCE:
        attributes.nonceLength = alen;
        break;
      case STUN_ATTR.FINGERPRINT: {
        if (alen !== 4) return bad(`FINGERPRINT: length ${alen}, expected 4`);
        const covered = Buffer.from(buf.subarray(0, start));
        covered.writeUInt16BE(offset - HEADER_BYTES, 2);
        if ((crc32(covered) ^ FINGERPRINT_XOR) >>> 0 !== value.readUInt32BE(0))
          return bad('FINGERPRINT does not match');
        attributes.fingerprint = true;
        break;
      }
      default:
        attributes.unknown.push({ type: atype, value: Buffer.from(value) });
    }
  }
  return { ok: true, message: { type, class: cls, method, transactionId, attributes } };
}
