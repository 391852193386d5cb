// One function per layer: a recorded observation (plus the controls) in, a LayerVerdict out. Pure.

import type { Failure } from '../model/failure.js';
import type { HttpRequest, TcpConnect, TlsHandshake, WebSocketUpgrade } from '../model/observations.js';
import type { ControlVerdict, EvidenceRef, EvidenceStrength, LayerVerdict, Technique } from '../model/verdict.js';
import { canonicalIp, splitHostPort } from '../util/ip.js';

type Ref = EvidenceRef;

const blocked = (layer: LayerVerdict['layer'], technique: Technique, strength: EvidenceStrength, reason: string, evidence: Ref[], failure?: Failure): LayerVerdict => ({
  layer,
  status: 'blocked',
  technique,
  strength,
  ...(failure !== undefined ? { failure } : {}),
  reason,
  evidence,
});

const plain = (layer: LayerVerdict['layer'], status: LayerVerdict['status'], reason: string, evidence: Ref[], failure?: Failure): LayerVerdict => ({
  layer,
  status,
  ...(failure !== undefined ? { failure } : {}),
  reason,
  evidence,
});

/** Failures that say the far end (or the route to it) is gone, not that someone interfered. */
export const OUTAGE_LIKE = new Set<string>(['connection_refused', 'host_unreachable', 'network_unreachable', 'network_down', 'address_family_not_supported', 'address_not_available']);

export function judgeTcp(c: TcpConnect, ref: Ref, controls: ControlVerdict): LayerVerdict {
  const where = `${c.ip}:${c.port}`;
  const f = c.status.failure;
  if (c.status.success) {
    if (c.x_after_write?.failure === 'connection_reset') {
      return blocked('tcp', 'tcp.reset', 'strong', `connected to ${where}, then reset right after the protocol preamble was written`, [ref], 'connection_reset');
    }
    const eof = c.x_after_write?.failure === 'eof_error' ? ' (closed after the preamble, without a reset)' : '';
    return plain('tcp', 'ok', `connected to ${where}${eof}`, [ref]);
  }
  if (f === 'interrupted') return plain('tcp', 'inconclusive', `connect to ${where} interrupted`, [ref], f);
  if (f === 'connection_reset') return blocked('tcp', 'tcp.reset', 'strong', `connect to ${where} reset`, [ref], f);
  if (f === 'generic_timeout_error') {
    if (!controls.tls.ok) return plain('tcp', 'inconclusive', `connect to ${where} timed out, and the neutral TLS host is unreachable too`, [ref], f);
    return blocked('tcp', 'tcp.timeout', 'weak', `connect to ${where} timed out (SYN unanswered) while the neutral host is reachable`, [ref], f);
  }
  if (f && OUTAGE_LIKE.has(f)) {
    return plain('tcp', 'failed', `connect to ${where}: ${f} — what a closed port or a host that is down does; not counted as censorship`, [ref], f);
  }
  return plain('tcp', 'failed', `connect to ${where}: ${f}`, [ref], f);
}

/** True when the server produced a TLS answer of any kind (a completed handshake, a certificate, an alert). */
export function serverAnswered(h: TlsHandshake): boolean {
  if (h.failure === null) return true;
  if (h.x_failed_operation === 'connect') return false;
  return h.failure === 'ssl_failed_handshake' || h.failure === 'ssl_invalid_hostname' || h.failure === 'ssl_unknown_authority' || h.failure === 'ssl_invalid_certificate' || h.peer_certificates.length > 0;
}

export interface TlsContext {
  controls: ControlVerdict;
  /** Addresses the neutral resolvers gave for this host (to judge a certificate mismatch). */
  controlAddrs: string[];
}

export function judgeTls(h: TlsHandshake, hRef: Ref, neutral: { h: TlsHandshake; ref: Ref } | undefined, ctx: TlsContext): LayerVerdict {
  const refs = neutral ? [hRef, neutral.ref] : [hRef];
  const f = h.failure;
  const sni = h.server_name;
  if (f === null) return plain('tls', 'ok', `${h.tls_version ?? 'TLS'} handshake with SNI ${sni} at ${h.address}, certificate valid`, refs);
  if (f === 'interrupted') return plain('tls', 'inconclusive', `handshake with ${h.address} interrupted`, refs, f);
  const ip = canonicalIp(splitHostPort(h.address, 443).host) ?? h.address;

  // The handshake completed but the certificate does not validate.
  if (f === 'ssl_unknown_authority') {
    if (!ctx.controls.tls.ok) return plain('tls', 'inconclusive', `certificate for ${sni} not trusted, and the neutral TLS host fails too (trust store?)`, refs, f);
    // At an address the neutral resolvers do not give, an untrusted certificate is a redirection or an
    // interceptor. At a confirmed address it may also be the server's own fault (a chain missing its
    // intermediate certificate, which Node does not fetch): still reported, as weak evidence.
    const confirmed = ctx.controlAddrs.includes(ip);
    return blocked(
      'tls',
      'tls.cert_invalid',
      confirmed ? 'weak' : 'strong',
      `certificate presented for ${sni} at ${h.address} is issued by an unknown authority while the neutral host validates: ${confirmed ? 'interception, or a server chain missing its intermediate certificate' : 'interception or redirection (neutral resolvers do not give this address)'}`,
      refs,
      f,
    );
  }
  if (f === 'ssl_invalid_hostname') {
    if (ctx.controlAddrs.length > 0 && !ctx.controlAddrs.includes(ip)) {
      return blocked('tls', 'tls.cert_invalid', 'strong', `${h.address} presents a certificate that is not for ${sni}, and neutral resolvers do not give that address: forged DNS answer or redirection`, refs, f);
    }
    return plain('tls', 'failed', `certificate at ${h.address} does not name ${sni}, at an address the neutral resolvers confirm: a server misconfiguration, not censorship`, refs, f);
  }
  if (f === 'ssl_invalid_certificate') return plain('tls', 'failed', `certificate for ${sni} at ${h.address} is invalid (expired or malformed)`, refs, f);

  const technique: Technique = f === 'generic_timeout_error' ? 'tls.timeout' : f === 'ssl_failed_handshake' ? 'tls.failure' : 'tls.reset';
  if (neutral && serverAnswered(neutral.h)) {
    return blocked('tls', technique, 'strong', `ClientHello with SNI ${sni} to ${h.address}: ${f}; the same handshake with neutral SNI ${neutral.h.server_name} got an answer: SNI filtering`, refs, f);
  }
  if (!ctx.controls.tls.ok) return plain('tls', 'inconclusive', `handshake with ${h.address}: ${f}, and the neutral TLS host is unreachable too`, refs, f);
  const alsoNeutral = neutral ? `; neutral SNI to the same address: ${neutral.h.failure}` : '';
  if (technique === 'tls.reset') return blocked('tls', technique, 'strong', `handshake with ${h.address} (SNI ${sni}) ${f === 'eof_error' ? 'closed' : 'reset'} after connect${alsoNeutral}`, refs, f);
  return blocked('tls', technique, 'weak', `handshake with ${h.address} (SNI ${sni}): ${f}${alsoNeutral}`, refs, f);
}

export function judgeHttp(r: HttpRequest, ref: Ref, controls: ControlVerdict): LayerVerdict {
  if (r.response && r.response.code !== null) {
    return plain('http', 'ok', `HTTP ${r.response.code} from ${r.request.url}${r.request.x_address ? ` at ${r.request.x_address}` : ''}`, [ref]);
  }
  const f = r.failure;
  if (f === 'interrupted') return plain('http', 'inconclusive', `request to ${r.request.url} interrupted`, [ref], f);
  if (!controls.tls.ok) return plain('http', 'inconclusive', `request to ${r.request.url}: ${f}, and the neutral host is unreachable too`, [ref], f);
  return blocked('http', 'http.failure', 'weak', `request to ${r.request.url} after a valid TLS handshake: ${f}`, [ref], f);
}

/** `httpOk`: a plain HTTPS request to the same host worked, so the host itself is reachable. */
export function judgeWebSocket(w: WebSocketUpgrade, ref: Ref, expectStatus: number, httpOk: boolean, controls: ControlVerdict): LayerVerdict {
  if (w.status === expectStatus) return plain('websocket', 'ok', `upgrade to ${w.url} answered ${w.status}`, [ref]);
  const f = w.failure;
  if (f === 'interrupted') return plain('websocket', 'inconclusive', `upgrade to ${w.url} interrupted`, [ref], f);
  if (w.status !== null) {
    if (!httpOk) return plain('websocket', 'failed', `upgrade refused with HTTP ${w.status}, and plain HTTPS to the host failed too`, [ref], f);
    return blocked('websocket', 'ws.upgrade_failed', 'weak', `upgrade to ${w.url} refused with HTTP ${w.status} while plain HTTPS to the same host works (the server or an intercepting proxy refused; headers recorded)`, [ref], f);
  }
  if (!httpOk) return plain('websocket', 'inconclusive', `upgrade to ${w.url}: ${f}, and plain HTTPS to the host failed too`, [ref], f);
  if (!controls.tls.ok) return plain('websocket', 'inconclusive', `upgrade to ${w.url}: ${f}, and the neutral host is unreachable`, [ref], f);
  const strength: EvidenceStrength = f === 'generic_timeout_error' ? 'weak' : 'strong';
  return blocked('websocket', 'ws.upgrade_failed', strength, `upgrade to ${w.url} failed (${f}) during ${w.x_failed_operation ?? 'the upgrade'} while plain HTTPS to the same host works`, [ref], f);
}
