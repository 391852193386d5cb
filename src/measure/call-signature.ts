// What a test call's packets look like: a service's call signature (its STUN/TURN framing and marks)
// around an RTP-like media packet, at voice or video sizes, and the bit-inverted ("scrambled") twin
// with the same sizes and timing. Pure.
//
// The signature is data. Until the catalogue describes a service's own STUN-framed messages (issue
// "Calls": `exchanges` on call targets, with the app's marks), every service uses the framing relayed
// call media has when it travels through a TURN server without a channel (RFC 8656 11: a Send
// indication whose DATA attribute holds the RTP packet; the relay answers with Data indications):
// what a DPI matching "STUN on the call port" or "TURN-relayed media" sees. `signatureFromExchange`
// is the extension point that turns a catalogue exchange into a signature once those exist.

import type { ServiceCatalogue } from '../catalogue/load.js';
import { isInformational, pathOf } from '../catalogue/schema.js';
import type { CallProfile, CallSignatureRecord } from '../model/call-test.js';
import { TRAILER_BYTES } from '../protocol/call.js';

export interface CallSignature extends CallSignatureRecord {
  /** Attributes placed before the media (the app's marks), as [type, value]. */
  attributes: { type: number; value: Buffer }[];
}

export const STUN_MAGIC_COOKIE = 0x2112a442;
/** RFC 8656: Send indication (method 0x006, indication class) and Data indication (0x007). */
export const TURN_SEND_INDICATION = 0x0016;
export const TURN_DATA_INDICATION = 0x0017;
const ATTR_DATA = 0x0013;
const RTP_HEADER_BYTES = 12;
/** RTP payload type of Opus as WebRTC clients negotiate it. */
const RTP_PT_OPUS = 111;

export const TURN_MEDIA_SIGNATURE: CallSignature = {
  message_type: TURN_SEND_INDICATION,
  reply_message_type: TURN_DATA_INDICATION,
  marks: 'STUN magic cookie; TURN Send/Data indication carrying RTP (no app-specific attribute)',
  source:
    'RFC 8656 section 11 (TURN Send and Data indications); RFC 3550 (RTP header); Opus payload type 111 as WebRTC negotiates it',
  attributes: [],
};

/**
 * A catalogue exchange (an app's own STUN-framed message, with its marks) as a media signature:
 * its message type and attributes around the media, the known answer's type for the replies.
 */
export function signatureFromExchange(e: {
  message_type: number;
  reply_message_type: number;
  attributes: { type: number; value: Buffer }[];
  marks: string;
  source: string;
}): CallSignature {
  return { ...e };
}

/** The signature a service's test call carries. Every service: TURN-relayed media until the catalogue describes its own. */
export function signatureFor(_svc: ServiceCatalogue): CallSignature {
  return TURN_MEDIA_SIGNATURE;
}

/** The service's call port for a test call: the first port of its first counted call target over UDP. */
export function callPortOf(svc: ServiceCatalogue): number | undefined {
  for (const t of svc.targets)
    if (t.enabled && t.check === 'stun' && pathOf(t) === 'call' && !isInformational(t)) return t.ports[0];
  return undefined;
}

export const PROFILES: Record<CallProfile['name'], CallProfile> = {
  // Opus at 20 ms frames, variable rate, plus RTP, SRTP tag and TURN framing: 120-172 bytes a packet,
  // about 50 kbit/s each way.
  voice: { name: 'voice', interval_ms: 20, min_bytes: 120, max_bytes: 172 },
  // A 720p video stream's packets near the MTU, every 10 ms: about 850 kbit/s each way.
  video: { name: 'video', interval_ms: 10, min_bytes: 900, max_bytes: 1200 },
};

/** The size of packet `seq` of a flow: deterministic, spread over the profile's range, a multiple of 4 (STUN attributes are 4-aligned). */
export function packetSize(p: CallProfile, seq: number): number {
  // A Weyl sequence: an even spread without a random generator, the same for every flow.
  const frac = (seq * 0.6180339887498949) % 1;
  const size = p.min_bytes + Math.floor(frac * (p.max_bytes - p.min_bytes + 1));
  return size - (size % 4);
}

/** Smallest packet a signature fits in, with the RTP header and the trailer. */
export function minPacketBytes(sig: CallSignature): number {
  const marks = sig.attributes.reduce((n, a) => n + 4 + a.value.length + ((4 - (a.value.length % 4)) % 4), 0);
  return 20 + marks + 4 + RTP_HEADER_BYTES + TRAILER_BYTES;
}

/**
 * Packet `seq` of a flow, in the clear, with room for the trailer at its end (written by the sender
 * just before it leaves). `fill` is the media payload source (random bytes: encrypted media looks
 * random, and so does its inverse).
 */
export function buildPacket(sig: CallSignature, size: number, seq: number, ssrc: number, fill: Buffer): Buffer {
  if (size % 4 !== 0) throw new RangeError(`a signature packet is a multiple of 4 bytes, got ${size}`);
  if (size < minPacketBytes(sig))
    throw new RangeError(`a ${size}-byte packet cannot hold the signature (${minPacketBytes(sig)} bytes at least)`);
  const buf = Buffer.alloc(size);
  buf.writeUInt16BE(sig.message_type, 0);
  buf.writeUInt16BE(size - 20, 2);
  buf.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  // Transaction ID: 12 bytes from the flow's SSRC and the sequence number (unique per packet).
  buf.writeUInt32BE(ssrc >>> 0, 8);
  buf.writeUInt32BE(seq >>> 0, 12);
  buf.writeUInt32BE(0x766f6970, 16);
  let o = 20;
  for (const a of sig.attributes) {
    buf.writeUInt16BE(a.type, o);
    buf.writeUInt16BE(a.value.length, o + 2);
    a.value.copy(buf, o + 4);
    o += 4 + a.value.length + ((4 - (a.value.length % 4)) % 4);
  }
  // DATA: the rest of the packet (RTP header, payload, trailer); its length keeps the packet 4-aligned.
  buf.writeUInt16BE(ATTR_DATA, o);
  buf.writeUInt16BE(size - o - 4, o + 2);
  o += 4;
  buf[o] = 0x80; // RTP version 2
  buf[o + 1] = RTP_PT_OPUS;
  buf.writeUInt16BE(seq & 0xffff, o + 2);
  buf.writeUInt32BE((seq * 960) >>> 0, o + 4); // 48 kHz clock, 20 ms frames
  buf.writeUInt32BE(ssrc >>> 0, o + 8);
  o += RTP_HEADER_BYTES;
  fill.copy(buf, o, 0, Math.min(fill.length, size - o - TRAILER_BYTES));
  return buf;
}
