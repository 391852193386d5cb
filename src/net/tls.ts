// TLS handshake (df-006) over a fresh TCP connection to a given address. The handshake never
// rejects a certificate, so the chain the server (or a middlebox) presented is always captured;
// validation runs afterwards and is recorded next to it. With a neutral SNI the question is only
// "does this address answer a ClientHello", which separates SNI filtering from IP blocking.

import type net from 'node:net';
import tls from 'node:tls';
import type { Failure } from '../model/failure.js';
import type { PeerCertificate, TcpConnect, TlsHandshake } from '../model/observations.js';
import { hostPort } from '../util/ip.js';
import { sniFor } from './address.js';
import { type StepDeadline, stepDeadline } from './deadline.js';
import { classifyError } from './failure.js';
import { KEEP_LIMITS, Keeper } from './keep.js';
import { meterReceived } from './receive-meter.js';
import { openTcp, type TcpAddress } from './tcp.js';
import { tlsErrorCode } from './tls-error.js';
import type { StepOptions, TrustStore } from './types.js';

export interface TlsHandshakeOptions extends StepOptions, TcpAddress {
  sni: string;
  alpn?: string[];
  ca?: TrustStore;
  sniKind: 'target' | 'neutral';
  /** Name the certificate is validated against; default `sni`. */
  verifyName?: string;
}

/** System roots plus extra CA certificates (`--ca-file` adds to the roots instead of replacing them). */
export function trustStore(extraCaPems: string[]): string[] {
  return [...tls.rootCertificates, ...extraCaPems];
}

const contexts = new WeakMap<readonly string[], tls.SecureContext>();

/**
 * TLS options trusting `ca`, with one SecureContext per trust store: building a context parses every
 * root certificate (~150 PEMs, about 50 ms of CPU), far too much to repeat for each connection of a run.
 */
export function trustOptions(ca: TrustStore): { secureContext?: tls.SecureContext } {
  if (!ca) return {};
  let secureContext = contexts.get(ca);
  if (!secureContext) contexts.set(ca, (secureContext = tls.createSecureContext({ ca })));
  return { secureContext };
}

/** The presented chain, leaf first, as base64 DER, within the keep limits (the rest is counted). */
function peerChain(socket: tls.TLSSocket): { chain: PeerCertificate[]; keeper: Keeper } {
  const chain: PeerCertificate[] = [];
  const keeper = new Keeper(KEEP_LIMITS.certificates);
  const seen = new Set<string>();
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (cert?.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    if (keeper.admit(cert.raw.length)) chain.push({ data: cert.raw.toString('base64'), format: 'base64' });
    cert = cert.issuerCertificate;
  }
  return { chain, keeper };
}

function validate(
  socket: tls.TLSSocket,
  verifyName: string,
): { result: NonNullable<TlsHandshake['x_validation']>; chainFailure: Failure } {
  // authorizationError is OpenSSL's verdict on the chain (hostname checking was switched off below).
  const chainCode = socket.authorizationError ? String(socket.authorizationError) : undefined;
  const chainFailure = chainCode ? classifyError({ code: chainCode, message: chainCode }) : null;
  const nameError = tls.checkServerIdentity(verifyName, socket.getPeerCertificate());
  const failure = chainFailure ?? (nameError ? 'ssl_invalid_hostname' : null);
  const errors = [chainCode, nameError?.message].filter((e): e is string => Boolean(e));
  return {
    result: { ok: failure === null, failure, ...(errors.length ? { error: errors.join('; ') } : {}) },
    chainFailure,
  };
}

function handshake(socket: net.Socket, o: TlsHandshakeOptions, deadline: StepDeadline): Promise<TlsHandshake> {
  const t0 = o.clock();
  const obs: TlsHandshake = {
    network: 'tcp',
    address: hostPort(o.ip, o.port),
    server_name: o.sni,
    ...(o.alpn ? { alpn: o.alpn } : {}),
    tls_version: null,
    cipher_suite: null,
    negotiated_protocol: null,
    peer_certificates: [],
    no_tls_verify: false,
    failure: null,
    t0,
    t: t0,
    transaction_id: o.transactionId,
    ...(o.target ? { x_target: o.target } : {}),
    x_sni_kind: o.sniKind,
    x_failed_operation: null,
  };
  // Bytes from the server below TLS: how far the handshake got, and whether it was still arriving.
  const meter = meterReceived(socket, o.clock);
  return new Promise((resolve) => {
    const secure = tls.connect({
      socket,
      servername: sniFor(o.sni),
      ALPNProtocols: o.alpn,
      ...trustOptions(o.ca),
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
    let settled = false;
    const settle = (record: () => void) => {
      if (settled) return;
      settled = true;
      deadline.signal.removeEventListener('abort', onAbort);
      obs.x_received = meter.stop();
      obs.t = o.clock();
      record();
      secure.destroy();
      socket.destroy();
      resolve(obs);
    };
    const fail = (failure: Failure, err?: unknown) =>
      settle(() => {
        obs.failure = failure;
        obs.x_failed_operation = 'tls_handshake';
        const code = tlsErrorCode(err);
        if (code) obs.x_tls_error = code;
      });
    const onAbort = () => fail(deadline.stopped());
    secure.on('error', (err) => fail(deadline.failureOf(err), err));
    secure.on('close', () => fail('eof_error'));
    secure.once('secureConnect', () =>
      settle(() => {
        obs.tls_version = secure.getProtocol();
        obs.cipher_suite = secure.getCipher()?.standardName ?? null;
        obs.negotiated_protocol = secure.alpnProtocol || null;
        const { chain, keeper } = peerChain(secure);
        obs.peer_certificates = chain;
        if (keeper.dropped) obs.x_dropped = keeper.dropped;
        const { result, chainFailure } = validate(secure, o.verifyName ?? o.sni);
        obs.x_validation = result;
        // A neutral SNI is expected not to match the certificate: only the chain can fail it.
        obs.failure = o.sniKind === 'neutral' ? chainFailure : result.failure;
        if (obs.failure) obs.x_failed_operation = 'tls_handshake';
      }),
    );
    if (deadline.signal.aborted) return onAbort();
    deadline.signal.addEventListener('abort', onAbort, { once: true });
  });
}

export async function tlsHandshake(o: TlsHandshakeOptions): Promise<{ tcp: TcpConnect; tls: TlsHandshake | null }> {
  if (!o.sni) throw new TypeError('sni is required');
  const deadline = stepDeadline(o);
  try {
    const { observation: tcp, socket } = await openTcp(o, deadline);
    if (!socket) return { tcp, tls: null };
    return { tcp, tls: await handshake(socket, o, deadline) };
  } finally {
    deadline.dispose();
  }
}
