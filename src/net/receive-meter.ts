// Counts what a TCP connection receives and when, below TLS: the socket's own byte counter, which
// also counts the TLS records node:tls reads through it, sampled on a short timer. A step that times
// out while bytes are still arriving was slow, not stopped (see Received in the model).

import type net from 'node:net';
import type { Received } from '../model/observations.js';
import type { Clock } from './types.js';

/** Sampling period: fine enough to tell "still arriving" (within a second of the end) from "stalled". */
export const RECEIVE_SAMPLE_MS = 100;

export interface ReceiveMeter {
  /** Takes a last sample, stops the timer and returns what was received. Idempotent. */
  stop(): Received;
}

export function meterReceived(socket: net.Socket, clock: Clock, everyMs = RECEIVE_SAMPLE_MS): ReceiveMeter {
  const r: Received = { bytes: 0, t_first_byte: null, t_last_byte: null };
  let stopped = false;
  const sample = () => {
    const b = socket.bytesRead;
    if (b > r.bytes) {
      const t = clock();
      r.t_first_byte ??= t;
      r.t_last_byte = t;
      r.bytes = b;
    }
  };
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    stop() {
      if (!stopped) {
        stopped = true;
        clearInterval(timer);
        sample();
      }
      return { ...r };
    },
  };
}
