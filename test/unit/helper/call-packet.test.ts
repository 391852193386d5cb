import { describe, expect, it } from 'vitest';
import {
  buildPacket,
  minPacketBytes,
  PROFILES,
  packetSize,
  TURN_MEDIA_SIGNATURE,
} from '../../../src/measure/call-signature.js';
import { decodeStunMessage } from '../../../src/net/index.js';
import { DIR, invert, readTrailer, TRAILER_BYTES, writeTrailer } from '../../../src/protocol/call.js';

const trailer = {
  tag: 0x0123456789abcdefn,
  flow: 2,
  dir: DIR.up,
  seq: 77,
  tSendUs: 123456,
  echoSeq: 0xffffffff,
  echoHoldUs: 0,
} as const;

describe('the test-packet trailer', () => {
  it('round-trips in the clear and inverted, without touching the packet when reading', () => {
    const p = Buffer.alloc(100, 0xaa);
    writeTrailer(p, trailer);
    expect(readTrailer(p, false)).toEqual(trailer);
    invert(p);
    const copy = Buffer.from(p);
    expect(readTrailer(p, true)).toEqual(trailer);
    expect(p).toEqual(copy);
    expect(readTrailer(p, false)).toBeNull(); // an inverted trailer does not read as a clear one
  });
  it('refuses a packet too short for it', () => {
    expect(() => writeTrailer(Buffer.alloc(TRAILER_BYTES - 1), trailer)).toThrow(RangeError);
    expect(readTrailer(Buffer.alloc(10), false)).toBeNull();
  });
});

describe('signature packets', () => {
  it('a voice packet is a well-formed TURN Send indication with RTP inside DATA, its trailer at the very end', () => {
    const fill = Buffer.alloc(1200, 0x5a);
    for (const seq of [0, 1, 2, 499]) {
      const size = packetSize(PROFILES.voice, seq);
      expect(size % 4).toBe(0);
      expect(size).toBeGreaterThanOrEqual(PROFILES.voice.min_bytes - 3);
      expect(size).toBeLessThanOrEqual(PROFILES.voice.max_bytes);
      const p = buildPacket(TURN_MEDIA_SIGNATURE, size, seq, 0xdeadbeef, fill);
      writeTrailer(p, { ...trailer, seq });
      const d = decodeStunMessage(p);
      expect(d.ok, d.ok ? '' : d.reason).toBe(true);
      if (!d.ok) return;
      expect(d.message.type).toBe(0x0016);
      const data = d.message.attributes.unknown.find((a) => a.type === 0x0013)!;
      expect(data.value[0]).toBe(0x80); // RTP version 2
      expect(data.value.readUInt16BE(2)).toBe(seq & 0xffff);
      expect(readTrailer(p, false)!.seq).toBe(seq);
    }
  });
  it('the scrambled twin has the same size and no STUN framing', () => {
    const p = buildPacket(TURN_MEDIA_SIGNATURE, 160, 5, 1, Buffer.alloc(1200, 1));
    const s = Buffer.from(p);
    invert(s);
    expect(s.length).toBe(p.length);
    expect(decodeStunMessage(s).ok).toBe(false);
  });
  it('refuses sizes that cannot hold the signature', () => {
    expect(() =>
      buildPacket(TURN_MEDIA_SIGNATURE, minPacketBytes(TURN_MEDIA_SIGNATURE) - 4, 0, 1, Buffer.alloc(10)),
    ).toThrow(/cannot hold/);
    expect(() => buildPacket(TURN_MEDIA_SIGNATURE, 161, 0, 1, Buffer.alloc(10))).toThrow(/multiple of 4/);
  });
});
