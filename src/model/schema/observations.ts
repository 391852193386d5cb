// Raw, timed observations: what each network step saw. Field names follow OONI's data formats
// (df-002 dnst, df-005 tcpconnect, df-006 tlshandshake, df-001 http, df-008 netevents); the ones OONI
// has no name for carry the `x_` prefix. `t0`/`t` are seconds since the measurement started.

import { z } from 'zod';
import { helperRequest, helperResponse } from '../../protocol/helper.js';
import { callTestObservationSchema } from './call-test.js';
import { failureSchema } from './failure.js';

const int = z.number().int();
/** Seconds since the measurement started. */
const seconds = z.number();
/** Per measurement, one number per network step, shared by the records of that step. */
const transactionId = int;

/**
 * What an exchange did not keep of what the network sent, past its limits (src/net/keep.ts): how many
 * entries (datagrams, replies, certificates, headers) and how many bytes of them.
 */
export const droppedSchema = z.object({ items: int.min(0), bytes: int.min(0) });

/** Which side of the comparison a resolver sits on: the network's own (`local`) or a neutral control. */
export const resolverRoleSchema = z.enum(['local', 'control']);

export const dnsAnswerSchema = z.object({
  answer_type: z.enum(['A', 'AAAA', 'CNAME']),
  ipv4: z.string().optional(),
  ipv6: z.string().optional(),
  /** CNAME target. */
  hostname: z.string().optional(),
  ttl: int.nullable(),
  /** Set on answers no public service can have: a bogon (private, loopback, reserved) or a known sinkhole. */
  x_bogus: z.enum(['bogon', 'sinkhole']).optional(),
});

/** One reply as it arrived on the wire. Every reply is kept: two different replies to one query is injection. */
export const dnsReplySchema = z.object({
  t: seconds,
  /** Address the reply came from ("ip:port"). */
  from: z.string(),
  rcode: int,
  answers: z.array(dnsAnswerSchema),
  /** Base64 of the raw reply; kept because a forged reply is evidence. */
  raw_response: z.string(),
  /** Set when the packet could not be decoded or did not match the query (id, question). */
  x_malformed: z.string().optional(),
});

/** df-002 `queries` entry. The top-level answers/rcode/failure describe the first valid reply. */
export const dnsQuerySchema = z.object({
  engine: z.enum(['getaddrinfo', 'udp', 'tcp', 'doh']),
  /** "ip:port" for udp/tcp, the URL for doh, "" for getaddrinfo. */
  resolver_address: z.string(),
  hostname: z.string(),
  query_type: z.enum(['A', 'AAAA', 'ANY']),
  answers: z.array(dnsAnswerSchema),
  failure: failureSchema,
  /** DNS rcode of the first reply (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED); absent when nothing came back. */
  rcode: int.optional(),
  raw_response: z.string().optional(),
  t0: seconds,
  t: seconds,
  transaction_id: transactionId,
  x_resolver_role: resolverRoleSchema,
  /** Every reply seen within the listening window after the first one (udp only). */
  x_replies: z.array(dnsReplySchema).optional(),
  /** getaddrinfo's own error code (e.g. "ENOTFOUND") when it failed. */
  x_getaddrinfo_error: z.string().optional(),
  /** True when the UDP reply was truncated and the query was repeated over TCP. */
  x_truncated: z.boolean().optional(),
  /** Replies not kept in x_replies (past the limits). */
  x_dropped: droppedSchema.optional(),
});

/** df-005 `tcp_connect` entry. */
export const tcpConnectSchema = z.object({
  ip: z.string(),
  port: int,
  status: z.object({ success: z.boolean(), failure: failureSchema }),
  t0: seconds,
  t: seconds,
  transaction_id: transactionId,
  x_target: z.string().optional(),
  /**
   * When the target asks for a preamble (bytes that provoke DPI, e.g. WhatsApp's "WA" header), what
   * happened after writing it: a reset here is `connection_reset` while connect itself succeeded.
   */
  x_after_write: z.object({ failure: failureSchema, bytes_received: int.min(0), t: seconds }).optional(),
  /** Set on the connect under the neutral-SNI handshake, so it is never read as the target's own connect. */
  x_purpose: z.literal('neutral_sni').optional(),
});

/**
 * What came back over a TCP connection during a step: the bytes the connection read (TLS records
 * included, counted below TLS) and when the first and the last of them arrived. A step that timed
 * out while bytes were still arriving was slow, not stopped: the evidence that tells throttling
 * from blocking. Times are sampled every few tens of milliseconds.
 */
export const receivedSchema = z.object({
  bytes: int.min(0),
  t_first_byte: seconds.nullable(),
  t_last_byte: seconds.nullable(),
});

export const peerCertificateSchema = z.object({ data: z.string(), format: z.literal('base64') });

/** df-006 `tls_handshakes` entry. */
export const tlsHandshakeSchema = z.object({
  network: z.literal('tcp'),
  address: z.string(),
  server_name: z.string(),
  alpn: z.array(z.string()).optional(),
  tls_version: z.string().nullable(),
  cipher_suite: z.string().nullable(),
  negotiated_protocol: z.string().nullable(),
  peer_certificates: z.array(peerCertificateSchema),
  /** The handshake itself never verifies; validation is recorded in `failure` afterwards. */
  no_tls_verify: z.boolean(),
  failure: failureSchema,
  t0: seconds,
  t: seconds,
  transaction_id: transactionId,
  x_target: z.string().optional(),
  /** `target`: the service's own SNI; `neutral`: the same address with a neutral SNI (separates SNI filtering from IP blocking). */
  x_sni_kind: z.enum(['target', 'neutral']),
  /** Certificate validation against the system store (+ --ca-file), recorded separately from handshake success. */
  x_validation: z.object({ ok: z.boolean(), failure: failureSchema, error: z.string().optional() }).optional(),
  /** Where the TCP connect under this handshake failed, if it did. */
  x_failed_operation: z.enum(['connect', 'tls_handshake']).nullable().optional(),
  /** Certificates of the presented chain not kept in peer_certificates (past the limits). */
  x_dropped: droppedSchema.optional(),
  /** What the server sent before the handshake ended (absent in lines written before it was recorded). */
  x_received: receivedSchema.optional(),
  /**
   * The TLS library's error code when the handshake failed inside TLS, e.g. `ERR_SSL_UNSUPPORTED_PROTOCOL`
   * (our side gave up) or `ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION` (the server sent an alert).
   */
  x_tls_error: z.string().optional(),
});

export const headerListSchema = z.array(z.tuple([z.string(), z.string()]));

/** df-001 `requests` entry (subset). An HTTP status is evidence, not a verdict. */
export const httpRequestSchema = z.object({
  request: z.object({
    method: z.string(),
    url: z.string(),
    headers_list: headerListSchema,
    x_address: z.string().optional(),
  }),
  response: z
    .object({
      code: int.nullable(),
      headers_list: headerListSchema,
      /** First bytes of the body, as text. */
      body: z.string(),
      body_is_truncated: z.boolean(),
    })
    .nullable(),
  failure: failureSchema,
  t0: seconds,
  t: seconds,
  transaction_id: transactionId,
  x_target: z.string().optional(),
  x_failed_operation: z.enum(['connect', 'tls_handshake', 'http_round_trip']).nullable().optional(),
  /** Response headers not kept in headers_list (past the limits); the body's cut is body_is_truncated. */
  x_dropped: droppedSchema.optional(),
  /** Bytes the connection received (handshake, headers and body, counted below TLS) and when. */
  x_received: receivedSchema.optional(),
  /** The TLS library's error code when TLS failed, e.g. `ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED` after the handshake. */
  x_tls_error: z.string().optional(),
});

/** WebSocket upgrade attempt (OONI has no format for it). */
export const webSocketUpgradeSchema = z.object({
  url: z.string(),
  address: z.string(),
  origin: z.string().nullable(),
  /** 101 when upgraded; the refused status otherwise; null when no HTTP response came back. */
  status: int.nullable(),
  /** Headers of the 101 or of the refused response. */
  headers_list: headerListSchema,
  /** First bytes of a refused response's body. */
  body: z.string().optional(),
  failure: failureSchema,
  t0: seconds,
  /** Time the socket opened (or the attempt ended). */
  t: seconds,
  transaction_id: transactionId,
  x_target: z.string().optional(),
  x_failed_operation: z.enum(['connect', 'tls_handshake', 'ws_upgrade']).nullable().optional(),
  /** Response headers not kept in headers_list (past the limits). */
  x_dropped: droppedSchema.optional(),
  /** Bytes the connection received (handshake and upgrade response, counted below TLS) and when. */
  x_received: receivedSchema.optional(),
});

export const stunAddressSchema = z.object({ family: z.enum(['IPv4', 'IPv6']), address: z.string(), port: int });

/**
 * One STUN-framed exchange over UDP (RFC 5389/8489): a Binding, a TURN Allocate, an app's own message
 * (catalogue `exchanges`), retransmitted until an answer or the timeout. OONI has no format for it.
 */
export const stunExchangeSchema = z.object({
  address: z.string(),
  transport: z.literal('udp'),
  /** Catalogue exchange id ("binding", "allocate", "wa-ping"...); absent in lines written before exchanges existed (a Binding). */
  x_exchange: z.string().optional(),
  /** Message type we sent (0x0001 Binding request, 0x0003 Allocate request, 0x0801...). */
  request_type: int.optional(),
  /** Hex of the 96-bit transaction ID we sent. */
  stun_transaction_id: z.string(),
  /** Times (t) each request was sent, following the retransmission schedule. */
  sent: z.array(seconds),
  /** The first valid answer, if any: a response with our transaction ID (or a message of the type the catalogue expects). */
  response: z
    .object({
      t: seconds,
      message_type: int,
      /** The RFC class of the answer; 'request'/'indication' only for an app's own answer type (e.g. WhatsApp's pong). */
      class: z.enum(['success', 'error', 'request', 'indication']),
      xor_mapped_address: stunAddressSchema.optional(),
      mapped_address: stunAddressSchema.optional(),
      error_code: int.optional(),
      error_reason: z.string().optional(),
      software: z.string().optional(),
      realm: z.string().optional(),
      /** Length of the NONCE of a 401 challenge (its value is opaque and not kept). */
      nonce_length: int.optional(),
      /** Attribute types of the answer, in order (at most 32). */
      attributes: z.array(int).optional(),
    })
    .nullable(),
  /** Datagrams that were not a valid answer to our request: recorded, never fatal. */
  malformed: z.array(z.object({ t: seconds, reason: z.string(), bytes_base64: z.string() })),
  /** Datagrams not kept in `malformed` (past the limits). */
  x_dropped: droppedSchema.optional(),
  /** `generic_timeout_error` for silence, `connection_refused` for ICMP port unreachable. */
  failure: failureSchema,
  /** Why we stopped waiting before the step timeout (e.g. "path open": localisation showed the way to the relay open). */
  x_ended_early: z.string().optional(),
  t0: seconds,
  t: seconds,
  transaction_id: transactionId,
  x_target: z.string().optional(),
});

/** One hop (TTL) of a TTL-limited probe series: who answered, if anyone. */
export const traceHopSchema = z.object({
  ttl: int,
  /** The router (or the destination) that answered the probes of this TTL; null when every probe went unanswered. */
  address: z.string().nullable(),
  /** Other addresses that answered probes of the same TTL (load balancing). */
  other_addresses: z.array(z.string()).optional(),
  /** Round-trip times in ms of the answered probes. */
  rtt_ms: z.array(z.number()),
  /** Probes of this TTL that went unanswered. */
  lost: int,
  /** traceroute's annotations of an ICMP error other than time exceeded: !H host, !N network, !P protocol unreachable, !X administratively prohibited... */
  flags: z.array(z.string()).optional(),
  /** The network of `address`, from the offline ASN database (absent when unknown). */
  asn: int.optional(),
  as_name: z.string().optional(),
});

/**
 * Why a path probe was made: `relay_udp` the relay's call port; `relay_compare` another protocol to the
 * same address (TCP SYN to 443, or ICMP echo), to tell a drop from a network that ignores probes;
 * `neutral_udp` the same UDP port to a neutral server, to tell an address-based block from a port-based one.
 */
export const tracePurposeSchema = z.enum(['relay_udp', 'relay_compare', 'neutral_udp']);

/**
 * TTL-limited probes towards one destination, every TTL at once (the traceroute principle, as in
 * Censored Planet's CenTrace): how far packets of one protocol and port travel. OONI has no format for it.
 */
export const pathTraceSchema = z.object({
  /** Destination "ip:port" ("ip" for ICMP). */
  address: z.string(),
  protocol: z.enum(['udp', 'tcp', 'icmp']),
  /** How the probes were made: "traceroute -U" (UDP to a fixed port), "traceroute -T" (TCP SYN), "traceroute -I" (ICMP echo); "none" when they could not be. */
  method: z.string(),
  x_purpose: tracePurposeSchema,
  /** For comparisons: the relay ("ip:port") this trace is compared with. */
  x_relay: z.string().optional(),
  max_ttl: int,
  /** One entry per TTL probed, in order (silent TTLs included, up to the last one probed). */
  hops: z.array(traceHopSchema),
  /** The destination itself answered (ICMP port unreachable, a SYN-ACK or a reset). */
  reached: z.boolean(),
  /** The network of the destination, from the offline ASN database. */
  destination_asn: int.optional(),
  /** Ended as soon as what it had seen was conclusive (packets entered the destination's network). */
  stopped_early: z.boolean().optional(),
  failure: failureSchema,
  t0: seconds,
  t: seconds,
  transaction_id: transactionId,
  x_target: z.string().optional(),
});

/** df-008 `network_events` entry. */
export const networkEventSchema = z.object({
  address: z.string().optional(),
  failure: failureSchema,
  num_bytes: int.optional(),
  operation: z.string(),
  proto: z.enum(['tcp', 'udp']).optional(),
  t0: seconds.optional(),
  t: seconds,
  transaction_id: transactionId.optional(),
  x_target: z.string().optional(),
});

/**
 * One question to a helper (a vantage outside this network) about one catalogue target, and its
 * answer: the outside view recorded beside the local one. OONI has no format for it; the request and
 * response are OONI's test-helper shapes with our `x_` additions (src/protocol/helper.ts).
 */
export const helperExchangeSchema = z.object({
  /** The helper's URL, without credentials or query. */
  helper: z.string(),
  request: helperRequest,
  /** HTTP status of the answer; null when none came. */
  status: int.nullable(),
  /** The answer, when it was a valid helper answer. */
  response: helperResponse.nullable(),
  /**
   * Null with a valid answer; a transport failure (df-007), `http_request_failed` for a non-200
   * status, or `x_invalid_response` for an answer that is not a helper's (see x_reason).
   */
  failure: z.union([failureSchema, z.literal('x_invalid_response')]),
  /** Why the answer was refused or the status it came with, in words. */
  x_reason: z.string().optional(),
  t0: seconds,
  t: seconds,
  transaction_id: transactionId,
  x_target: z.string(),
});

/** The observation lists of one measurement, under OONI's names: what an EvidenceRef points into. */
export const observationListsSchema = z.object({
  queries: z.array(dnsQuerySchema),
  tcp_connect: z.array(tcpConnectSchema),
  tls_handshakes: z.array(tlsHandshakeSchema),
  requests: z.array(httpRequestSchema),
  network_events: z.array(networkEventSchema),
  x_websocket: z.array(webSocketUpgradeSchema),
  x_stun: z.array(stunExchangeSchema),
  /** Where packets towards call relays stop (absent in lines written before localisation existed). */
  x_traces: z.array(pathTraceSchema),
  /** The helpers' answers (only when the run was given --helper). */
  x_helper: z.array(helperExchangeSchema).optional(),
});

/** All raw observations of one measurement. */
export const observationsSchema = observationListsSchema.extend({
  /** A test call against a helper (only with --call-test / `voipprobe call-test`). */
  x_call_test: callTestObservationSchema.optional(),
});
