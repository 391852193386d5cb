// The constant lists and patterns of the measurement line, without zod: the schema (src/model/schema/)
// builds on them, and code that needs only a list (the reporter's fast reader, its worker threads)
// takes it from here without building the whole schema.

/** OONI's base data format version (df-000) the envelope follows. */
export const DATA_FORMAT_VERSION = '0.2.0';
/**
 * Our own format version, stamped in every line (as RIPE Atlas stamps every result): the minor part
 * grows when a field is added, the major part when one changes meaning or goes (docs/measurement-format.md).
 */
export const MEASUREMENT_FORMAT_VERSION = '1.1';
export const MEASUREMENT_FORMAT_MAJOR = 1;

/** "YYYY-MM-DD HH:MM:SS", UTC, as OONI writes times. */
export const OONI_TIME_RE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;
/** "AS36925"; "AS0" when unknown. */
export const ASN_RE = /^AS\d+$/;
/** ISO 3166 alpha-2; "ZZ" when unknown. */
export const CC_RE = /^[A-Z]{2}$/;

export const ACCESS_LABELS = ['mobile', 'fixed', 'wifi', 'unknown'] as const;

// Failure strings from OONI's df-007 vocabulary.
export const FAILURES = [
  'dns_nxdomain_error',
  'dns_no_answer',
  'dns_servfail_error',
  'dns_refused_error',
  'dns_bogon_error',
  'dns_server_misbehaving',
  'dns_reply_with_wrong_query_id',
  'dns_temporary_failure',
  'dns_non_recoverable_failure',
  'connection_refused',
  'connection_reset',
  'connection_aborted',
  'generic_timeout_error',
  'eof_error',
  'host_unreachable',
  'network_unreachable',
  'network_down',
  'address_family_not_supported',
  'address_not_available',
  'permission_denied',
  'ssl_invalid_hostname',
  'ssl_unknown_authority',
  'ssl_invalid_certificate',
  'ssl_failed_handshake',
  'http_request_failed',
  'interrupted',
] as const;

export const TECHNIQUES = [
  'dns.nxdomain',
  'dns.no_answer',
  'dns.bogus_answer',
  'dns.injection',
  'dns.timeout',
  'dns.refused',
  'dns.servfail',
  'tcp.reset',
  'tcp.timeout',
  'tcp.refused',
  'tcp.unreachable',
  'tls.reset',
  'tls.timeout',
  'tls.cert_invalid',
  'tls.failure',
  'ws.upgrade_failed',
  'http.failure',
  'udp.no_response',
  'udp.refused',
  /** UDP to a call relay's address dropped while other traffic to it, and UDP on the same port elsewhere, go further (path localisation). */
  'udp.address_blocked',
  /** UDP to the call port dropped whatever the destination (the STUN controls, or path localisation). */
  'udp.port_blocked',
  /** Every STUN message dropped whatever the port, while other UDP passes (the STUN controls). */
  'stun.signature_blocked',
  /** STUN carrying one app's marks (its REALM, its message types) dropped while plain STUN to the same relay is answered. */
  'stun.app_signature',
  'throttled',
  // The test-call techniques (CALL_TECHNIQUES in call-test.ts):
  /** A test call's flow carrying the app's call signature fares worse than the same flow bit-inverted. */
  'call.signature',
  /** A test call fares worse on the service's call port than on a neutral port. */
  'call.port',
  /** A test call is cut off for seconds at a time (every flow alike). */
  'call.cutoff',
] as const;

/** The techniques a test call can name (also in TECHNIQUES). */
export const CALL_TECHNIQUES = [
  'call.signature',
  'call.port',
  'call.cutoff',
] as const satisfies readonly (typeof TECHNIQUES)[number][];

/** `path`: how far packets towards a call relay travel (TTL-limited probes). */
export const LAYERS = ['dns', 'tcp', 'tls', 'http', 'websocket', 'stun', 'path'] as const;

/**
 * Per target and layer: `ok`; `blocked` with a technique; `failed` (a failure the controls show is
 * not censorship, e.g. an outage); `skipped` (an earlier layer failed); `inconclusive` (could not be
 * judged: controls failed, or silence from a server not known to answer).
 */
export const TARGET_STATUSES = ['ok', 'blocked', 'failed', 'skipped', 'inconclusive'] as const;

/** Per path and per service. */
export const PATH_STATUSES = ['accessible', 'blocked', 'partially_blocked', 'degraded', 'inconclusive'] as const;

/** The statuses that claim a block: only they carry a technique and a strength. */
export const BLOCKED_PATH_STATUSES = [
  'blocked',
  'partially_blocked',
] as const satisfies readonly (typeof PATH_STATUSES)[number][];

/**
 * `strong`: a censorship signature (injection, forged answer, reset, SNI-specific failure, UDP dropped
 * while controls answer); `weak`: consistent with censorship but also with trouble at the far end
 * (timeouts, a refused upgrade status). A path with working targets and only weak failures is
 * `degraded`, not `partially_blocked`.
 */
export const STRENGTHS = ['strong', 'weak'] as const;

/**
 * How a call path verdict is known, strongest positive first (docs/calls.md):
 * `answered`: the relay answered an exchange; `path_open`: packets reach the relay's network (positive,
 * weaker than an answer); `blocked`; `inconclusive`.
 */
export const CALL_EVIDENCE_LEVELS = ['answered', 'path_open', 'blocked', 'inconclusive'] as const;

/** The user-facing paths a service verdict is split into. */
export const SERVICE_PATHS = ['chat', 'web', 'call'] as const;
