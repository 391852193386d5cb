// How far an exchange got, from what was recorded. Pure.
//
// SNI filtering is read from a comparison: the handshake with the service's SNI and the same
// handshake with a neutral SNI to the same address. It is only SNI filtering when the neutral one got
// FURTHER. A server that speaks only TLS 1.0, wants a client certificate or sends a 1 MB chain
// answers both the same way and is not a censor; neither is a throttled path where both are slow.
//
// And a step that timed out while bytes were still arriving was slow, not stopped.

import type { Received, TlsHandshake } from '../model/observations.js';

/** The rungs a TLS handshake climbs, in order. */
export const TLS_STAGES = ['no_connection', 'connected', 'answered', 'completed', 'validated'] as const;
export type TlsStage = (typeof TLS_STAGES)[number];

const STAGE_WORDS: Record<TlsStage, string> = {
  no_connection: 'no TCP connection',
  connected: 'connected, nothing back from the server',
  answered: 'the server answered the ClientHello',
  completed: 'handshake completed, certificate received',
  validated: 'certificate validated',
};

export function stageWords(s: TlsStage): string {
  return STAGE_WORDS[s];
}

/** An alert the peer sent (OpenSSL names them ..._ALERT_...), as opposed to our side giving up. */
export function isPeerAlert(tlsError: string | undefined): boolean {
  return tlsError !== undefined && /_ALERT_/.test(tlsError);
}

/** Certificate failures: the handshake itself completed (the chain was captured), validation did not. */
const CERT_FAILURES = new Set(['ssl_unknown_authority', 'ssl_invalid_hostname', 'ssl_invalid_certificate']);

/**
 * How far a handshake got. `validated` means: for the service's SNI, the certificate is valid for
 * the name; for the neutral SNI (which no certificate there is expected to name), the chain is.
 * Lines written before `x_received` was recorded fall back to the failure string: a TLS-level
 * failure (`ssl_failed_handshake`) meant the server answered.
 */
export function tlsStage(h: TlsHandshake): TlsStage {
  if (h.x_failed_operation === 'connect') return 'no_connection';
  if (h.failure === null) return 'validated';
  if (CERT_FAILURES.has(h.failure) || h.tls_version !== null || h.peer_certificates.length > 0) return 'completed';
  if (h.x_received) return h.x_received.bytes > 0 || isPeerAlert(h.x_tls_error) ? 'answered' : 'connected';
  return h.failure === 'ssl_failed_handshake' ? 'answered' : 'connected';
}

export function stageRank(s: TlsStage): number {
  return TLS_STAGES.indexOf(s);
}

/**
 * Bytes counted as "still arriving" when the last of them came within this long of the end (or
 * within a quarter of the exchange's duration, if longer): a shaper at 12 kbit/s still delivers a
 * full-size packet every second, while a censor that stalls a connection sends nothing more.
 */
export const STILL_ARRIVING_S = 1;

/** True when a step that timed out was still receiving bytes when it was stopped: slowness, not a block. */
export function timedOutWhileArriving(x: {
  failure: string | null;
  t0: number;
  t: number;
  x_received?: Received;
}): boolean {
  const r = x.x_received;
  if (x.failure !== 'generic_timeout_error' || !r || r.bytes === 0 || r.t_last_byte === null) return false;
  return x.t - r.t_last_byte <= Math.max(STILL_ARRIVING_S, 0.25 * (x.t - x.t0));
}

/** "17 KB in 2.00 s, the last 0.05 s before the step ended": a received-bytes summary for reasons. */
export function describeReceived(x: { t0: number; t: number; x_received?: Received }): string {
  const r = x.x_received;
  if (!r || r.bytes === 0) return 'nothing received';
  const size = r.bytes >= 10_000 ? `${Math.round(r.bytes / 1000)} kB` : `${r.bytes} bytes`;
  const gap =
    r.t_last_byte === null ? '' : `, the last ${Math.max(0, x.t - r.t_last_byte).toFixed(2)} s before the step ended`;
  return `${size} received in ${(x.t - x.t0).toFixed(2)} s${gap}`;
}
