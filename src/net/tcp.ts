// TCP connect (df-005), optionally followed by writing a preamble: some DPI lets the handshake
// through and resets the connection only once it sees the first bytes of a protocol (WhatsApp's
// "WA" header, for example).

import net from 'node:net';
import type { Failure } from '../model/failure.js';
import type { TcpConnect } from '../model/observations.js';
import { requireIp, requirePort } from './address.js';
import { type StepDeadline, stepDeadline } from './deadline.js';
import { classifyError } from './failure.js';
import type { StepOptions } from './types.js';

const noop = () => {};

export interface TcpAddress {
  ip: string;
  port: number;
}

export interface OpenedTcp {
  observation: TcpConnect;
  /** The connected socket, null when the connect failed. The caller owns (and destroys) it. */
  socket: net.Socket | null;
}

/** Connects within `deadline`; the shared first step of tcpConnect and tlsHandshake. */
export function openTcp(o: StepOptions & TcpAddress, deadline: StepDeadline): Promise<OpenedTcp> {
  requireIp(o.ip);
  requirePort(o.port);
  const t0 = o.clock();
  const observation: TcpConnect = {
    ip: o.ip,
    port: o.port,
    status: { success: false, failure: null },
    t0,
    t: t0,
    transaction_id: o.transactionId,
    ...(o.target ? { x_target: o.target } : {}),
  };
  return new Promise((resolve) => {
    if (deadline.signal.aborted) {
      observation.status.failure = deadline.stopped();
      return resolve({ observation, socket: null });
    }
    const socket = net.connect({ host: o.ip, port: o.port });
    // Stays attached for the socket's life: a late error must never crash the process.
    socket.on('error', noop);
    const done = (failure: Failure) => {
      deadline.signal.removeEventListener('abort', onAbort);
      socket.off('connect', onConnect).off('error', onError);
      observation.t = o.clock();
      observation.status = { success: failure === null, failure };
      if (failure) socket.destroy();
      resolve({ observation, socket: failure ? null : socket });
    };
    const onConnect = () => done(null);
    const onError = (err: Error) => done(deadline.failureOf(err));
    const onAbort = () => done(deadline.stopped());
    socket.once('connect', onConnect).once('error', onError);
    deadline.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** After writing `preamble`, waits up to `windowMs` for the first reaction of the path. */
function watchAfterWrite(
  socket: net.Socket,
  preamble: Buffer,
  windowMs: number,
  o: StepOptions,
  signal: AbortSignal,
): Promise<NonNullable<TcpConnect['x_after_write']>> {
  return new Promise((resolve) => {
    let bytes = 0;
    const done = (failure: Failure) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onError);
      resolve({ failure, bytes_received: bytes, t: o.clock() });
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      done(null);
    };
    const onEnd = () => done(bytes > 0 ? null : 'eof_error');
    const onError = (err: Error) => done(classifyError(err));
    const onAbort = () => done('interrupted');
    const timer = setTimeout(() => done(null), windowMs);
    socket.on('data', onData).on('end', onEnd).on('close', onEnd).on('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) return onAbort();
    socket.write(preamble);
  });
}

export async function tcpConnect(
  o: StepOptions & TcpAddress & { preamble?: Buffer; readWindowMs?: number },
): Promise<TcpConnect> {
  const windowMs = o.readWindowMs ?? 300;
  if (!Number.isFinite(windowMs) || windowMs < 0) throw new RangeError(`invalid readWindowMs: ${windowMs}`);
  const deadline = stepDeadline(o);
  try {
    const { observation, socket } = await openTcp(o, deadline);
    if (socket && o.preamble) {
      // Only the caller's abort cuts the read window: it is measured on its own, after the connect.
      const callerSignal = o.signal ?? new AbortController().signal;
      observation.x_after_write = await watchAfterWrite(socket, o.preamble, windowMs, o, callerSignal);
    }
    socket?.destroy();
    return observation;
  } finally {
    deadline.dispose();
  }
}
