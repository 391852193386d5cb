// The probe's side of a test call: paced UDP flows to a helper, one socket per flow (as a real call
// uses one per media stream), each packet stamped with the session's trailer just before it leaves,
// and every reply recorded with its arrival time. Like every primitive it never throws on a network
// failure: ICMP errors are counted, an abort ends the call early, and the trace says what happened.
//
// The flows are interleaved: flow k sends at start + seq*interval + k*interval/n, so that whatever
// the network does at any moment it does to every flow alike.

import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { Failure } from '../model/failure.js';
import { DIR, invert, NO_ECHO, readTrailer, writeTrailer } from '../protocol/call.js';
import { requireIp, requirePort } from './address.js';
import { classifyError } from './failure.js';

export interface CallFlowPlan {
  id: number;
  port: number;
  scrambled: boolean;
  /** Packet `seq` in the clear, trailer space included (see measure/call-signature.ts). */
  packet(seq: number): Buffer;
}

export interface CallFlowOptions {
  ip: string;
  tag: bigint;
  intervalMs: number;
  /** Packets per flow. */
  count: number;
  flows: CallFlowPlan[];
  /** How long to keep listening for late replies after the last packet. */
  drainMs: number;
  signal?: AbortSignal;
}

export interface SentPacket {
  seq: number;
  /** µs since the call started (the probe's clock). */
  tUs: number;
  size: number;
}

export interface ReceivedReply {
  /** The helper's own sequence number of this reply. */
  seq: number;
  /** The probe packet this reply answers, and how long the helper held it (µs). */
  echoSeq: number;
  echoHoldUs: number;
  /** When the helper sent it (µs since its session opened, the helper's clock). */
  tSendUs: number;
  /** When it arrived here (µs since the call started). */
  tRecvUs: number;
  size: number;
}

export interface CallFlowTrace {
  id: number;
  port: number;
  sent: SentPacket[];
  replies: ReceivedReply[];
  /** Datagrams that arrived on the flow's socket but are not replies of this session (recorded by count). */
  strays: number;
  icmpErrors: number;
  /** The first socket error (e.g. connection_refused for ICMP port unreachable). */
  failure: Failure;
}

export interface CallFlowsResult {
  /** performance.now() at the call's start, for the caller to place it on the measurement clock. */
  startedAtMs: number;
  /** The wall clock at the call's start (ms since the epoch), to line the call up with other records. */
  startedAtWallMs: number;
  durationMs: number;
  interrupted: boolean;
  flows: CallFlowTrace[];
}

export async function runCallFlows(o: CallFlowOptions): Promise<CallFlowsResult> {
  const family = requireIp(o.ip);
  for (const f of o.flows) requirePort(f.port);
  if (!(o.intervalMs > 0) || !Number.isInteger(o.count) || o.count < 1) throw new RangeError('invalid call plan');
  const n = o.flows.length;
  const traces: CallFlowTrace[] = o.flows.map((f) => ({
    id: f.id,
    port: f.port,
    sent: [],
    replies: [],
    strays: 0,
    icmpErrors: 0,
    failure: null,
  }));
  // Room for a second of replies should this process stall (the kernel caps it at net.core.rmem_max).
  const sockets = o.flows.map(() =>
    dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', recvBufferSize: 1024 * 1024 }),
  );
  const start = performance.now();
  const startWall = Date.now();
  const us = () => Math.round((performance.now() - start) * 1000);
  let interrupted = false;

  sockets.forEach((s, i) => {
    const f = o.flows[i]!;
    const tr = traces[i]!;
    s.on('message', (msg) => {
      const tRecvUs = us();
      const t = readTrailer(msg, f.scrambled);
      if (!t || t.tag !== o.tag || t.flow !== f.id || t.dir !== DIR.down) {
        tr.strays++;
        return;
      }
      tr.replies.push({
        seq: t.seq,
        echoSeq: t.echoSeq,
        echoHoldUs: t.echoHoldUs,
        tSendUs: t.tSendUs,
        tRecvUs,
        size: msg.length,
      });
    });
    // On a connected socket an ICMP port unreachable comes back as ECONNREFUSED: count it, keep calling.
    s.on('error', (err) => {
      tr.icmpErrors++;
      tr.failure ??= classifyError(err);
    });
  });
  await Promise.all(
    sockets.map((s, i) => new Promise<void>((resolve) => s.connect(o.flows[i]!.port, o.ip, () => resolve()))),
  );

  const total = o.count * n;
  const dueAt = (j: number) => start + Math.floor(j / n) * o.intervalMs + (j % n) * (o.intervalMs / n);
  let j = 0;
  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      interrupted = true;
      clearTimeout(timer);
      resolve();
    };
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const tick = () => {
      const now = performance.now();
      // Packets that are due go now (a stalled event loop sends its backlog at once, as a real app would).
      while (j < total && dueAt(j) <= now) {
        const k = j % n;
        const seq = Math.floor(j / n);
        const f = o.flows[k]!;
        const tr = traces[k]!;
        const pkt = f.packet(seq);
        const last = tr.replies.at(-1);
        const tUs = us();
        writeTrailer(pkt, {
          tag: o.tag,
          flow: f.id,
          dir: DIR.up,
          seq,
          tSendUs: tUs,
          echoSeq: last ? last.seq : NO_ECHO,
          echoHoldUs: 0,
        });
        if (f.scrambled) invert(pkt);
        sockets[k]!.send(pkt);
        tr.sent.push({ seq, tUs, size: pkt.length });
        j++;
      }
      if (j >= total) {
        o.signal?.removeEventListener('abort', onAbort);
        timer = setTimeout(resolve, o.drainMs);
        return;
      }
      timer = setTimeout(tick, Math.max(0, dueAt(j) - performance.now()));
    };
    tick();
  });
  const durationMs = performance.now() - start;
  for (const s of sockets) s.close();
  return { startedAtMs: start, startedAtWallMs: startWall, durationMs, interrupted, flows: traces };
}
