// One function per layer: a recorded observation (plus the controls) in, a LayerVerdict out. Pure.

import { X509Certificate } from 'node:crypto';
import type { Failure } from '../model/failure.js';
import type { HttpRequest, TcpConnect, TlsHandshake, WebSocketUpgrade } from '../model/observations.js';
import type {
  ControlVerdict,
  EvidenceRef,
  EvidenceStrength,
  LayerVerdict,
  TargetStatus,
  Technique,
} from '../model/verdict.js';
import { canonicalIp, splitHostPort } from '../util/ip.js';
import { describeReceived, isPeerAlert, stageRank, stageWords, timedOutWhileArriving, tlsStage } from './progress.js';

type Ref = EvidenceRef;

const blocked = (
  layer: LayerVerdict['layer'],
  technique: Technique,
  strength: EvidenceStrength,
  reason: string,
  evidence: Ref[],
  failure?: Failure,
): LayerVerdict => ({
  layer,
  status: 'blocked',
  technique,
  strength,
  ...(failure !== undefined ? { failure } : {}),
  reason,
  evidence,
});

const plain = (
  layer: LayerVerdict['layer'],
  status: Exclude<TargetStatus, 'blocked'>,
  reason: string,
  evidence: Ref[],
  failure?: Failure,
): LayerVerdict => ({
  layer,
  status,
  ...(failure !== undefined ? { failure } : {}),
  reason,
  evidence,
});

/** Failures that say the far end (or the route to it) is gone, not that someone interfered. */
export const OUTAGE_LIKE = new Set<string>([
  'connection_refused',
  'host_unreachable',
  'network_unreachable',
  'network_down',
  'address_family_not_supported',
  'address_not_available',
]);

export function judgeTcp(c: TcpConnect, ref: Ref, controls: ControlVerdict): LayerVerdict {
  const where = `${c.ip}:${c.port}`;
  const f = c.status.failure;
  if (c.status.success) {
    if (c.x_after_write?.failure === 'connection_reset') {
      return blocked(
        'tcp',
        'tcp.reset',
        'strong',
        `connected to ${where}, then reset right after the protocol preamble was written`,
        [ref],
        'connection_reset',
      );
    }
    const eof = c.x_after_write?.failure === 'eof_error' ? ' (closed after the preamble, without a reset)' : '';
    return plain('tcp', 'ok', `connected to ${where}${eof}`, [ref]);
  }
  if (f === 'interrupted') return plain('tcp', 'inconclusive', `connect to ${where} interrupted`, [ref], f);
  if (f === 'connection_reset') return blocked('tcp', 'tcp.reset', 'strong', `connect to ${where} reset`, [ref], f);
  if (f === 'generic_timeout_error') {
    if (!controls.tls.ok)
      return plain(
        'tcp',
        'inconclusive',
        `connect to ${where} timed out, and the neutral TLS host is unreachable too`,
        [ref],
        f,
      );
    return blocked(
      'tcp',
      'tcp.timeout',
      'weak',
      `connect to ${where} timed out (SYN unanswered) while the neutral host is reachable`,
      [ref],
      f,
    );
  }
  if (f && OUTAGE_LIKE.has(f)) {
    return plain(
      'tcp',
      'failed',
      `connect to ${where}: ${f} — what a closed port or a host that is down does; not counted as censorship`,
      [ref],
      f,
    );
  }
  return plain('tcp', 'failed', `connect to ${where}: ${f}`, [ref], f);
}

export interface TlsContext {
  controls: ControlVerdict;
  /** Addresses the neutral resolvers gave for this host (to judge a certificate mismatch). */
  controlAddrs: string[];
}

/** The leaf certificate's issuer, for a reason a person reads ("issued by CN=..."), when it parses. */
function issuerOf(h: TlsHandshake): string | undefined {
  const der = h.peer_certificates[0]?.data;
  if (!der) return undefined;
  try {
    return new X509Certificate(Buffer.from(der, 'base64')).issuer.replace(/\n/g, ', ');
  } catch {
    return undefined;
  }
}

/**
 * TLS with the service's SNI, compared with the same handshake to the same address with a neutral
 * SNI (`neutral`, recorded whenever the first one failed). A failure is SNI-specific, hence strong,
 * only when the neutral handshake got further (see progress.ts); when the server answered both the
 * same way, it is the server, not a censor.
 */
export function judgeTls(
  h: TlsHandshake,
  hRef: Ref,
  neutral: { h: TlsHandshake; ref: Ref } | undefined,
  ctx: TlsContext,
): LayerVerdict {
  const refs = neutral ? [hRef, neutral.ref] : [hRef];
  const f = h.failure;
  const sni = h.server_name;
  if (f === null)
    return plain(
      'tls',
      'ok',
      `${h.tls_version ?? 'TLS'} handshake with SNI ${sni} at ${h.address}, certificate valid`,
      refs,
    );
  if (f === 'interrupted') return plain('tls', 'inconclusive', `handshake with ${h.address} interrupted`, refs, f);
  const ip = canonicalIp(splitHostPort(h.address, 443).host) ?? h.address;
  const mine = tlsStage(h);
  const theirs = neutral && neutral.h.failure !== 'interrupted' ? tlsStage(neutral.h) : undefined;
  const neutralFurther = theirs !== undefined && stageRank(theirs) > stageRank(mine);
  const neutralWords = theirs ? `neutral SNI ${neutral!.h.server_name} to the same address: ${stageWords(theirs)}` : '';

  // The handshake completed but the certificate does not validate.
  if (f === 'ssl_unknown_authority') {
    if (!ctx.controls.tls.ok)
      return plain(
        'tls',
        'inconclusive',
        `certificate for ${sni} not trusted, and the neutral TLS host fails too (trust store?)`,
        refs,
        f,
      );
    const issuer = issuerOf(h);
    const by = issuer ? ` (issued by ${issuer})` : '';
    // The neutral SNI to the same address gets a chain that validates: the untrusted one is presented
    // for this name only, which is what an intercepting middlebox does, not a server's broken chain.
    if (neutralFurther) {
      return blocked(
        'tls',
        'tls.cert_invalid',
        'strong',
        `interception: the certificate presented for ${sni} at ${h.address}${by} is not trusted, while the ${neutralWords}: an intercepting middlebox for this name`,
        refs,
        f,
      );
    }
    // At an address the neutral resolvers do not give, an untrusted certificate is a redirection or an
    // interceptor. At a confirmed address it may also be the server's own fault (a chain missing its
    // intermediate certificate, which Node does not fetch), since the neutral SNI fares no better.
    if (!ctx.controlAddrs.includes(ip)) {
      return blocked(
        'tls',
        'tls.cert_invalid',
        'strong',
        `certificate presented for ${sni} at ${h.address}${by} is issued by an unknown authority, at an address the neutral resolvers do not give: interception or redirection`,
        refs,
        f,
      );
    }
    const also = theirs ? `; the ${neutralWords}` : '';
    return blocked(
      'tls',
      'tls.cert_invalid',
      'weak',
      `certificate presented for ${sni} at ${h.address}${by} is issued by an unknown authority${also}: a middlebox intercepting every name at this address, or a server chain missing its intermediate certificate`,
      refs,
      f,
    );
  }
  if (f === 'ssl_invalid_hostname') {
    if (ctx.controlAddrs.length > 0 && !ctx.controlAddrs.includes(ip)) {
      return blocked(
        'tls',
        'tls.cert_invalid',
        'strong',
        `${h.address} presents a certificate that is not for ${sni}, and neutral resolvers do not give that address: forged DNS answer or redirection`,
        refs,
        f,
      );
    }
    return plain(
      'tls',
      'failed',
      `certificate at ${h.address} does not name ${sni}, at an address the neutral resolvers confirm: a server misconfiguration, not censorship`,
      refs,
      f,
    );
  }
  if (f === 'ssl_invalid_certificate')
    return plain('tls', 'failed', `certificate for ${sni} at ${h.address} is invalid (expired or malformed)`, refs, f);

  // Still receiving when the step ran out: a slow path (throttling is judged per path), not a block.
  if (timedOutWhileArriving(h)) {
    return plain(
      'tls',
      'failed',
      `handshake with ${h.address} (SNI ${sni}) timed out while the server's answer was still arriving (${describeReceived(h)}): slow, not blocked`,
      refs,
      f,
    );
  }
  const technique: Technique =
    f === 'generic_timeout_error' ? 'tls.timeout' : f === 'ssl_failed_handshake' ? 'tls.failure' : 'tls.reset';
  const code = h.x_tls_error ? ` (${h.x_tls_error})` : '';
  if (neutralFurther) {
    return blocked(
      'tls',
      technique,
      'strong',
      `ClientHello with SNI ${sni} to ${h.address}: ${f}${code} (${stageWords(mine)}); the ${neutralWords}: SNI filtering`,
      refs,
      f,
    );
  }
  // The server spoke TLS to us and the handshake still failed, the same way (or worse) for the
  // neutral SNI: a server the probe cannot talk to (old protocol versions, a client certificate, an
  // oversized chain), not a censor, who would let the neutral SNI through.
  if (mine === 'answered') {
    return plain(
      'tls',
      'failed',
      `the server at ${h.address} answered the ClientHello but the handshake failed: ${f}${code}${theirs ? `, and the ${neutralWords} (no further)` : ''}: the server's TLS, not SNI filtering`,
      refs,
      f,
    );
  }
  if (!ctx.controls.tls.ok)
    return plain(
      'tls',
      'inconclusive',
      `handshake with ${h.address}: ${f}, and the neutral TLS host is unreachable too`,
      refs,
      f,
    );
  const alsoNeutral = neutral ? `; neutral SNI to the same address: ${neutral.h.failure ?? 'ok'}` : '';
  if (technique === 'tls.reset')
    return blocked(
      'tls',
      technique,
      'strong',
      `handshake with ${h.address} (SNI ${sni}) ${f === 'eof_error' ? 'closed' : 'reset'} after connect${alsoNeutral}`,
      refs,
      f,
    );
  return blocked('tls', technique, 'weak', `handshake with ${h.address} (SNI ${sni}): ${f}${alsoNeutral}`, refs, f);
}

export function judgeHttp(r: HttpRequest, ref: Ref, controls: ControlVerdict): LayerVerdict {
  const f = r.failure;
  // Any status is evidence that the server is reachable (a status is never a failure); a body that
  // then ran out of time is slowness, counted towards throttling by throttle.ts.
  if (r.response && r.response.code !== null) {
    const tail =
      f === null
        ? ''
        : timedOutWhileArriving(r)
          ? `; the body was still arriving when the step timed out (${describeReceived(r)}): slow`
          : `; the body then failed: ${f}`;
    return plain(
      'http',
      'ok',
      `HTTP ${r.response.code} from ${r.request.url}${r.request.x_address ? ` at ${r.request.x_address}` : ''}${tail}`,
      [ref],
      f,
    );
  }
  if (f === 'interrupted') return plain('http', 'inconclusive', `request to ${r.request.url} interrupted`, [ref], f);
  // A request that ran out of time while the answer was still coming in (a 16 KiB TLS record through
  // a 64 kbit/s shaper takes 2 s) was slow, not blocked.
  if (timedOutWhileArriving(r)) {
    return plain(
      'http',
      'failed',
      `request to ${r.request.url} timed out while data was still arriving (${describeReceived(r)}): slow, not blocked`,
      [ref],
      f,
    );
  }
  // Once a TLS session is up, an alert can only come from the server (a middlebox cannot forge one
  // inside the session without breaking it): the server refused us, e.g. for want of a client certificate.
  if (r.x_failed_operation === 'http_round_trip' && isPeerAlert(r.x_tls_error)) {
    return plain(
      'http',
      'failed',
      `the server ended the TLS session with an alert (${r.x_tls_error}) after a valid handshake: it refuses this client (a client certificate required?), not censorship`,
      [ref],
      f,
    );
  }
  if (!controls.tls.ok)
    return plain(
      'http',
      'inconclusive',
      `request to ${r.request.url}: ${f}, and the neutral host is unreachable too`,
      [ref],
      f,
    );
  return blocked(
    'http',
    'http.failure',
    'weak',
    `request to ${r.request.url} after a valid TLS handshake: ${f}`,
    [ref],
    f,
  );
}

/** `httpOk`: a plain HTTPS request to the same host worked, so the host itself is reachable. */
export function judgeWebSocket(
  w: WebSocketUpgrade,
  ref: Ref,
  expectStatus: number,
  httpOk: boolean,
  controls: ControlVerdict,
): LayerVerdict {
  if (w.status === expectStatus) return plain('websocket', 'ok', `upgrade to ${w.url} answered ${w.status}`, [ref]);
  const f = w.failure;
  if (f === 'interrupted') return plain('websocket', 'inconclusive', `upgrade to ${w.url} interrupted`, [ref], f);
  if (w.status !== null) {
    if (!httpOk)
      return plain(
        'websocket',
        'failed',
        `upgrade refused with HTTP ${w.status}, and plain HTTPS to the host failed too`,
        [ref],
        f,
      );
    return blocked(
      'websocket',
      'ws.upgrade_failed',
      'weak',
      `upgrade to ${w.url} refused with HTTP ${w.status} while plain HTTPS to the same host works (the server or an intercepting proxy refused; headers recorded)`,
      [ref],
      f,
    );
  }
  if (timedOutWhileArriving(w))
    return plain(
      'websocket',
      'failed',
      `upgrade to ${w.url} timed out while data was still arriving (${describeReceived(w)}): slow, not blocked`,
      [ref],
      f,
    );
  if (!httpOk)
    return plain(
      'websocket',
      'inconclusive',
      `upgrade to ${w.url}: ${f}, and plain HTTPS to the host failed too`,
      [ref],
      f,
    );
  if (!controls.tls.ok)
    return plain(
      'websocket',
      'inconclusive',
      `upgrade to ${w.url}: ${f}, and the neutral host is unreachable`,
      [ref],
      f,
    );
  const strength: EvidenceStrength = f === 'generic_timeout_error' ? 'weak' : 'strong';
  return blocked(
    'websocket',
    'ws.upgrade_failed',
    strength,
    `upgrade to ${w.url} failed (${f}) during ${w.x_failed_operation ?? 'the upgrade'} while plain HTTPS to the same host works`,
    [ref],
    f,
  );
}
