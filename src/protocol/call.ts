// The test-call contract between the probe and a helper: the session opened over HTTPS, and the
// 28-byte trailer every UDP test packet ends with. Shared by both sides; pure.
//
// A test call is a few paced UDP flows (one packet every `interval_ms`), each on one of the helper's
// UDP ports, each either carrying a service's call signature or the same bytes bit-inverted
// ("scrambled"). The helper answers every packet it receives with exactly one packet of the same size
// (so it can never amplify), and records what arrived; the probe records what it sent and what came
// back. The trailer sits at the very end of the packet, inside the signature's framing, so that the
// helper can find it without knowing the signature; in a scrambled packet it is inverted with the rest.

import { z } from 'zod';

export const CALL_LIMITS = {
  maxFlows: 4,
  minIntervalMs: 10,
  maxIntervalMs: 200,
  maxDurationS: 600,
  minPacketBytes: 28,
  maxPacketBytes: 1200,
  /** Bytes the probe may ask the helper to put at the start of its replies (a reply message type). */
  replyHeaderBytes: 16,
} as const;

const port = z.number().int().min(1).max(65535);

export const callSessionRequest = z
  .object({
    duration_s: z.number().min(1).max(CALL_LIMITS.maxDurationS),
    interval_ms: z.number().int().min(CALL_LIMITS.minIntervalMs).max(CALL_LIMITS.maxIntervalMs),
    max_packet_bytes: z.number().int().min(CALL_LIMITS.minPacketBytes).max(CALL_LIMITS.maxPacketBytes),
    flows: z
      .array(
        z
          .object({
            id: z.number().int().min(0).max(255),
            /** One of the helper's call ports (it lists them in its health answer and refuses others). */
            port,
            scrambled: z.boolean(),
            /** Written over the first bytes of each reply (before inversion), e.g. a STUN pong's message type. */
            reply_header_hex: z
              .string()
              .regex(/^([0-9a-fA-F]{2})*$/)
              .max(CALL_LIMITS.replyHeaderBytes * 2)
              .optional(),
          })
          .strict(),
      )
      .min(1)
      .max(CALL_LIMITS.maxFlows)
      .refine((fs) => new Set(fs.map((f) => f.id)).size === fs.length, 'flow ids must be distinct'),
  })
  .strict();
export type CallSessionRequest = z.output<typeof callSessionRequest>;

export const callSessionOpened = z
  .object({
    session_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    /** 8 random bytes (hex) that every packet of this session carries in its trailer. */
    tag_hex: z.string().regex(/^[0-9a-f]{16}$/),
    /** Seconds the helper keeps the session open (duration plus a grace period). */
    expires_in_s: z.number().positive(),
  })
  .strict();
export type CallSessionOpened = z.output<typeof callSessionOpened>;

/** [seq, arrival µs since the session opened (helper's clock), bytes]. */
const arrival = z.tuple([z.number().int().min(0), z.number().int().min(0), z.number().int().min(0).max(65535)]);

export const callFlowReport = z
  .object({
    id: z.number().int(),
    port,
    /** Packets that arrived from the client, first copies (every one is also in `arrivals`). */
    received: z.number().int().min(0),
    duplicates: z.number().int().min(0),
    bytes_in: z.number().int().min(0),
    /** Replies sent (one per packet received, the same size). */
    replies: z.number().int().min(0),
    bytes_out: z.number().int().min(0),
    /** Packets not answered: from another address, over the flow's rate, or after the session ended. */
    refused: z.number().int().min(0),
    /** Every arrival, in arrival order (duplicates included). */
    arrivals: z.array(arrival).max(200_000),
  })
  .strict();
export type CallFlowReport = z.output<typeof callFlowReport>;

export const callSessionReport = z
  .object({
    session_id: z.string(),
    state: z.enum(['open', 'ended']),
    flows: z.array(callFlowReport).max(CALL_LIMITS.maxFlows),
  })
  .strict();
export type CallSessionReport = z.output<typeof callSessionReport>;

// ---- the packet trailer --------------------------------------------------------------------------

export const TRAILER_BYTES = 28;
/** Direction byte: the probe's packets and the helper's replies. */
export const DIR = { up: 0, down: 1 } as const;
/** `echo_seq` of a packet that answers nothing yet. */
export const NO_ECHO = 0xffffffff;

export interface Trailer {
  tag: bigint;
  flow: number;
  dir: 0 | 1;
  /** The sender's own sequence number in this flow (replies count their own). */
  seq: number;
  /** Sender's clock, µs since its session start, modulo 2^32. */
  tSendUs: number;
  /** Up: the last helper seq the probe received; down: the probe seq this reply answers. */
  echoSeq: number;
  /** Down: µs between the arrival of echoSeq at the helper and this reply leaving. */
  echoHoldUs: number;
}

/** Flips every bit of `buf` in place (the scrambled flows). */
export function invert(buf: Buffer, from = 0, to = buf.length): void {
  for (let i = from; i < to; i++) buf[i] = ~buf[i]! & 0xff;
}

/** Writes the trailer at the end of `buf` (in the clear; invert the whole packet afterwards for a scrambled flow). */
export function writeTrailer(buf: Buffer, t: Trailer): void {
  const o = buf.length - TRAILER_BYTES;
  if (o < 0) throw new RangeError(`a test packet needs at least ${TRAILER_BYTES} bytes`);
  buf.writeBigUInt64BE(t.tag, o);
  buf[o + 8] = t.flow;
  buf[o + 9] = t.dir;
  buf.writeUInt16BE(0, o + 10);
  buf.writeUInt32BE(t.seq >>> 0, o + 12);
  buf.writeUInt32BE(t.tSendUs >>> 0, o + 16);
  buf.writeUInt32BE(t.echoSeq >>> 0, o + 20);
  buf.writeUInt32BE(t.echoHoldUs >>> 0, o + 24);
}

/** Reads the trailer; `inverted` reads a scrambled packet's trailer without touching the packet. */
export function readTrailer(buf: Buffer, inverted: boolean): Trailer | null {
  const o = buf.length - TRAILER_BYTES;
  if (o < 0) return null;
  let b = buf.subarray(o);
  if (inverted) {
    b = Buffer.from(b);
    invert(b);
  }
  const dir = b[9];
  if ((dir !== DIR.up && dir !== DIR.down) || b.readUInt16BE(10) !== 0) return null;
  return {
    tag: b.readBigUInt64BE(0),
    flow: b[8]!,
    dir: dir as 0 | 1,
    seq: b.readUInt32BE(12),
    tSendUs: b.readUInt32BE(16),
    echoSeq: b.readUInt32BE(20),
    echoHoldUs: b.readUInt32BE(24),
  };
}
