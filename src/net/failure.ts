// Maps whatever Node, OpenSSL, c-ares, undici or ws threw to a df-007 failure string. Anything we
// do not recognise becomes `unknown_failure: <message>` with every IP address scrubbed, because an
// error message may carry the probe's own address.

import { isIP } from 'node:net';
import type { Failure, KnownFailure } from '../model/failure.js';

const BY_CODE: Record<string, KnownFailure> = {
  // syscall errno codes
  ECONNREFUSED: 'connection_refused',
  EPIPE: 'connection_reset',
  ETIMEDOUT: 'generic_timeout_error',
  EHOSTUNREACH: 'host_unreachable',
  ENETUNREACH: 'network_unreachable',
  ENETDOWN: 'network_down',
  EAFNOSUPPORT: 'address_family_not_supported',
  EADDRNOTAVAIL: 'address_not_available',
  EACCES: 'permission_denied',
  EPERM: 'permission_denied',
  ECONNABORTED: 'connection_aborted',
  // getaddrinfo / c-ares
  ENOTFOUND: 'dns_nxdomain_error',
  ENODATA: 'dns_no_answer',
  ESERVFAIL: 'dns_servfail_error',
  EREFUSED: 'dns_refused_error',
  EAI_AGAIN: 'dns_temporary_failure',
  EAI_FAIL: 'dns_non_recoverable_failure',
  ETIMEOUT: 'generic_timeout_error',
  EBADRESP: 'dns_server_misbehaving',
  EFORMERR: 'dns_server_misbehaving',
  // Node, undici
  ABORT_ERR: 'interrupted',
  UND_ERR_ABORTED: 'interrupted',
  ERR_TLS_HANDSHAKE_TIMEOUT: 'generic_timeout_error',
  UND_ERR_CONNECT_TIMEOUT: 'generic_timeout_error',
  UND_ERR_HEADERS_TIMEOUT: 'generic_timeout_error',
  UND_ERR_BODY_TIMEOUT: 'generic_timeout_error',
  UND_ERR_SOCKET: 'eof_error',
  EPROTO: 'ssl_failed_handshake',
  // certificate verification (Node's hostname check and OpenSSL's X509_V_ERR_* names)
  ERR_TLS_CERT_ALTNAME_INVALID: 'ssl_invalid_hostname',
  HOSTNAME_MISMATCH: 'ssl_invalid_hostname',
  IP_ADDRESS_MISMATCH: 'ssl_invalid_hostname',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'ssl_unknown_authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'ssl_unknown_authority',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'ssl_unknown_authority',
  UNABLE_TO_GET_ISSUER_CERT: 'ssl_unknown_authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'ssl_unknown_authority',
  CERT_UNTRUSTED: 'ssl_unknown_authority',
};

/** OpenSSL X509_V_ERR_* names not listed above: a certificate problem other than trust or name. */
const OTHER_CERT_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'CERT_REJECTED',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'UNABLE_TO_GET_CRL',
  'CRL_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_SIGNATURE_FAILURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_FORMAT',
]);

const EOF_MESSAGES = [/socket hang up/i, /other side closed/i, /unexpected eof/i, /disconnected before secure tls/i];

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  syscall?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function codeFailure(e: ErrorLike): KnownFailure | undefined {
  if (e.name === 'AbortError') return 'interrupted';
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (!code) return undefined;
  // A real RST surfaces from a syscall ("read ECONNRESET"). Node also uses ECONNRESET for a peer
  // that closed cleanly ("socket hang up", "disconnected before secure TLS..."): that is EOF.
  if (code === 'ECONNRESET') return e.syscall ? 'connection_reset' : 'eof_error';
  if (BY_CODE[code]) return BY_CODE[code];
  if (OTHER_CERT_CODES.has(code)) return 'ssl_invalid_certificate';
  if (code.startsWith('ERR_SSL_')) return 'ssl_failed_handshake';
  return undefined;
}

function known(err: unknown, depth: number): KnownFailure | undefined {
  if (depth > 4 || err === null || typeof err !== 'object') return undefined;
  const e = err as ErrorLike;
  const direct = codeFailure(e);
  if (direct) return direct;
  // Wrappers (fetch's TypeError, AggregateError from happy eyeballs) carry the real error inside.
  const inner = known(e.cause, depth + 1) ?? (Array.isArray(e.errors) ? known(e.errors[0], depth + 1) : undefined);
  if (inner) return inner;
  const msg = typeof e.message === 'string' ? e.message : '';
  if (EOF_MESSAGES.some((re) => re.test(msg))) return 'eof_error';
  if (/timed? ?out/i.test(msg)) return 'generic_timeout_error';
  return undefined;
}

export function classifyError(err: unknown): Failure {
  const f = known(err, 0);
  if (f) return f;
  const msg = err instanceof Error ? err.message : String(err);
  return `unknown_failure: ${scrubAddresses(msg.trim()) || 'no message'}`;
}

// Candidate tokens: runs of hex digits, colons and dots. Each is checked with isIP, so words and
// version numbers like "1.2" survive; "host:port" keeps its port.
const CANDIDATE = /[0-9A-Fa-f:.]*[0-9A-Fa-f][0-9A-Fa-f:.]*/g;

function scrubToken(tok: string): string {
  // Sentence punctuation may cling to an address ("at 10.0.0.1.", "error:10.0.0.1").
  const trimmed = tok.replace(/[.:]+$/, '');
  for (const core of [tok, trimmed, trimmed.replace(/^[.:]/, '')]) {
    if (isIP(core)) return tok.replace(core, '[scrubbed]');
  }
  const withPort = /^:?(.*?):\d{1,5}$/.exec(trimmed);
  if (withPort && isIP(withPort[1]!) === 4) return tok.replace(withPort[1]!, '[scrubbed]');
  return tok;
}

/** Replaces every IPv4 and IPv6 address in `text` with "[scrubbed]". */
export function scrubAddresses(text: string): string {
  return text.replace(CANDIDATE, scrubToken);
}
