// Raw, timed observations: what each network step saw. Field names follow OONI's data formats
// (df-002 dnst, df-005 tcpconnect, df-006 tlshandshake, df-001 http, df-008 netevents); the ones OONI
// has no name for carry the `x_` prefix. `t0`/`t` are seconds since the measurement started.

import type { HelperRequest, HelperResponse } from '../protocol/helper.js';
import type { CallTestObservation } from './call-test.js';
import type { Failure } from './failure.js';

/**
 * What an exchange did not keep of what the network sent, past its limits (src/net/keep.ts): how many
 * entries (datagrams, replies, certificates, headers) and how many bytes of them.
 */
export interface Dropped {
  items: number;
  bytes: number;
}

/** Which side of the comparison a resolver sits on: the network's own (`local`) or a neutral control. */
export type ResolverRole = 'local' | 'control';

export interface DnsAnswer {
  answer_type: 'A' | 'AAAA' | 'CNAME';
  ipv4?: string;
  ipv6?: string;
  /** CNAME target. */
  hostname?: string;
  ttl: number | null;
  /** Set on answers no public service can have: a bogon (private, loopback, reserved) or a known sinkhole. */
  x_bogus?: 'bogon' | 'sinkhole';
}

/** One reply as it arrived on the wire. Every reply is kept: two different replies to one query is injection. */
export interface DnsReply {
  t: number;
  /** Address the reply came from ("ip:port"). */
  from: string;
  rcode: number;
  answers: DnsAnswer[];
  /** Base64 of the raw reply; kept because a forged reply is evidence. */
  raw_response: string;
  /** Set when the packet could not be decoded or did not match the query (id, question). */
  x_malformed?: string;
}

/** df-002 `queries` entry. The top-level answers/rcode/failure describe the first valid reply. */
export interface DnsQuery {
  engine: 'getaddrinfo' | 'udp' | 'tcp' | 'doh';
  /** "ip:port" for udp/tcp, the URL for doh, "" for getaddrinfo. */
  resolver_address: string;
  hostname: string;
  query_type: 'A' | 'AAAA' | 'ANY';
  answers: DnsAnswer[];
  failure: Failure;
  /** DNS rcode of the first reply (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED); absent when nothing came back. */
  rcode?: number;
  raw_response?: string;
  t0: number;
  t: number;
  transaction_id: number;
  x_resolver_role: ResolverRole;
  /** Every reply seen within the listening window after the first one (udp only). */
  x_replies?: DnsReply[];
  /** getaddrinfo's own error code (e.g. "ENOTFOUND") when it failed. */
  x_getaddrinfo_error?: string;
  /** True when the UDP reply was truncated and the query was repeated over TCP. */
  x_truncated?: boolean;
  /** Replies not kept in x_replies (past the limits). */
  x_dropped?: Dropped;
}

/** df-005 `tcp_connect` entry. */
export interface TcpConnect {
  ip: string;
  port: number;
  status: { success: boolean; failure: Failure };
  t0: number;
  t: number;
  transaction_id: number;
  x_target?: string;
  /**
   * When the target asks for a preamble (bytes that provoke DPI, e.g. WhatsApp's "WA" header), what
   * happened after writing it: a reset here is `connection_reset` while connect itself succeeded.
   */
  x_after_write?: { failure: Failure; bytes_received: number; t: number };
  /** Set on the connect under the neutral-SNI handshake, so it is never read as the target's own connect. */
  x_purpose?: 'neutral_sni';
}

/**
 * What came back over a TCP connection during a step: the bytes the connection read (TLS records
 * included, counted below TLS) and when the first and the last of them arrived. A step that timed
 * out while bytes were still arriving was slow, not stopped: the evidence that tells throttling
 * from blocking. Times are sampled every few tens of milliseconds.
 */
export interface Received {
  bytes: number;
  t_first_byte: number | null;
  t_last_byte: number | null;
}

export interface PeerCertificate {
  data: string;
  format: 'base64';
}

/** df-006 `tls_handshakes` entry. */
export interface TlsHandshake {
  network: 'tcp';
  address: string;
  server_name: string;
  alpn?: string[];
  tls_version: string | null;
  cipher_suite: string | null;
  negotiated_protocol: string | null;
  peer_certificates: PeerCertificate[];
  /** The handshake itself never verifies; validation is recorded in `failure` afterwards. */
  no_tls_verify: boolean;
  failure: Failure;
  t0: number;
  t: number;
  transaction_id: number;
  x_target?: string;
  /** `target`: the service's own SNI; `neutral`: the same address with a neutral SNI (separates SNI filtering from IP blocking). */
  x_sni_kind: 'target' | 'neutral';
  /** Certificate validation against the system store (+ --ca-file), recorded separately from handshake success. */
  x_validation?: { ok: boolean; failure: Failure; error?: string };
  /** Where the TCP connect under this handshake failed, if it did. */
  x_failed_operation?: 'connect' | 'tls_handshake' | null;
  /** Certificates of the presented chain not kept in peer_certificates (past the limits). */
  x_dropped?: Dropped;
  /** What the server sent before the handshake ended (absent in lines written before it was recorded). */
  x_received?: Received;
  /**
   * The TLS library's error code when the handshake failed inside TLS, e.g. `ERR_SSL_UNSUPPORTED_PROTOCOL`
   * (our side gave up) or `ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION` (the server sent an alert).
   */
  x_tls_error?: string;
}

export type HeaderList = [string, string][];

/** df-001 `requests` entry (subset). An HTTP status is evidence, not a verdict. */
export interface HttpRequest {
  request: { method: string; url: string; headers_list: HeaderList; x_address?: string };
  response: {
    code: number | null;
    headers_list: HeaderList;
    /** First bytes of the body, as text. */
    body: string;
    body_is_truncated: boolean;
  } | null;
  failure: Failure;
  t0: number;
  t: number;
  transaction_id: number;
  x_target?: string;
  x_failed_operation?: 'connect' | 'tls_handshake' | 'http_round_trip' | null;
  /** Response headers not kept in headers_list (past the limits); the body's cut is body_is_truncated. */
  x_dropped?: Dropped;
  /** Bytes the connection received (handshake, headers and body, counted below TLS) and when. */
  x_received?: Received;
  /** The TLS library's error code when TLS failed, e.g. `ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED` after the handshake. */
  x_tls_error?: string;
}

/** WebSocket upgrade attempt (OONI has no format for it). */
export interface WebSocketUpgrade {
  url: string;
  address: string;
  origin: string | null;
  /** 101 when upgraded; the refused status otherwise; null when no HTTP response came back. */
  status: number | null;
  /** Headers of the 101 or of the refused response. */
  headers_list: HeaderList;
  /** First bytes of a refused response's body. */
  body?: string;
  failure: Failure;
  t0: number;
  /** Time the socket opened (or the attempt ended). */
  t: number;
  transaction_id: number;
  x_target?: string;
  x_failed_operation?: 'connect' | 'tls_handshake' | 'ws_upgrade' | null;
  /** Response headers not kept in headers_list (past the limits). */
  x_dropped?: Dropped;
  /** Bytes the connection received (handshake and upgrade response, counted below TLS) and when. */
  x_received?: Received;
}

export interface StunAddress {
  family: 'IPv4' | 'IPv6';
  address: string;
  port: number;
}

/**
 * One STUN-framed exchange over UDP (RFC 5389/8489): a Binding, a TURN Allocate, an app's own message
 * (catalogue `exchanges`), retransmitted until an answer or the timeout. OONI has no format for it.
 */
export interface StunExchange {
  address: string;
  transport: 'udp';
  /** Catalogue exchange id ("binding", "allocate", "wa-ping"...); absent in lines written before exchanges existed (a Binding). */
  x_exchange?: string;
  /** Message type we sent (0x0001 Binding request, 0x0003 Allocate request, 0x0801...). */
  request_type?: number;
  /** Hex of the 96-bit transaction ID we sent. */
  stun_transaction_id: string;
  /** Times (t) each request was sent, following the retransmission schedule. */
  sent: number[];
  /** The first valid answer, if any: a response with our transaction ID (or a message of the type the catalogue expects). */
  response: null | {
    t: number;
    message_type: number;
    /** The RFC class of the answer; 'request'/'indication' only for an app's own answer type (e.g. WhatsApp's pong). */
    class: 'success' | 'error' | 'request' | 'indication';
    xor_mapped_address?: StunAddress;
    mapped_address?: StunAddress;
    error_code?: number;
    error_reason?: string;
    software?: string;
    realm?: string;
    /** Length of the NONCE of a 401 challenge (its value is opaque and not kept). */
    nonce_length?: number;
    /** Attribute types of the answer, in order (at most 32). */
    attributes?: number[];
  };
  /** Datagrams that were not a valid answer to our request: recorded, never fatal. */
  malformed: { t: number; reason: string; bytes_base64: string }[];
  /** Datagrams not kept in `malformed` (past the limits). */
  x_dropped?: Dropped;
  /** `generic_timeout_error` for silence, `connection_refused` for ICMP port unreachable. */
  failure: Failure;
  /** Why we stopped waiting before the step timeout (e.g. "path open": localisation showed the way to the relay open). */
  x_ended_early?: string;
  t0: number;
  t: number;
  transaction_id: number;
  x_target?: string;
}

/** One hop (TTL) of a TTL-limited probe series: who answered, if anyone. */
export interface TraceHop {
  ttl: number;
  /** The router (or the destination) that answered the probes of this TTL; null when every probe went unanswered. */
  address: string | null;
  /** Other addresses that answered probes of the same TTL (load balancing). */
  other_addresses?: string[];
  /** Round-trip times in ms of the answered probes. */
  rtt_ms: number[];
  /** Probes of this TTL that went unanswered. */
  lost: number;
  /** traceroute's annotations of an ICMP error other than time exceeded: !H host, !N network, !P protocol unreachable, !X administratively prohibited... */
  flags?: string[];
  /** The network of `address`, from the offline ASN database (absent when unknown). */
  asn?: number;
  as_name?: string;
}

/**
 * Why a path probe was made: `relay_udp` the relay's call port; `relay_compare` another protocol to the
 * same address (TCP SYN to 443, or ICMP echo), to tell a drop from a network that ignores probes;
 * `neutral_udp` the same UDP port to a neutral server, to tell an address-based block from a port-based one.
 */
export type TracePurpose = 'relay_udp' | 'relay_compare' | 'neutral_udp';

/**
 * TTL-limited probes towards one destination, every TTL at once (the traceroute principle, as in
 * Censored Planet's CenTrace): how far packets of one protocol and port travel. OONI has no format for it.
 */
export interface PathTrace {
  /** Destination "ip:port" ("ip" for ICMP). */
  address: string;
  protocol: 'udp' | 'tcp' | 'icmp';
  /** How the probes were made: "traceroute -U" (UDP to a fixed port), "traceroute -T" (TCP SYN), "traceroute -I" (ICMP echo); "none" when they could not be. */
  method: string;
  x_purpose: TracePurpose;
  /** For comparisons: the relay ("ip:port") this trace is compared with. */
  x_relay?: string;
  max_ttl: number;
  /** One entry per TTL probed, in order (silent TTLs included, up to the last one probed). */
  hops: TraceHop[];
  /** The destination itself answered (ICMP port unreachable, a SYN-ACK or a reset). */
  reached: boolean;
  /** The network of the destination, from the offline ASN database. */
  destination_asn?: number;
  /** Ended as soon as what it had seen was conclusive (packets entered the destination's network). */
  stopped_early?: boolean;
  failure: Failure;
  t0: number;
  t: number;
  transaction_id: number;
  x_target?: string;
}

/** df-008 `network_events` entry. */
export interface NetworkEvent {
  address?: string;
  failure: Failure;
  num_bytes?: number;
  operation: string;
  proto?: 'tcp' | 'udp';
  t0?: number;
  t: number;
  transaction_id?: number;
  x_target?: string;
}

/**
 * One question to a helper (a vantage outside this network) about one catalogue target, and its
 * answer: the outside view recorded beside the local one. OONI has no format for it; the request and
 * response are OONI's test-helper shapes with our `x_` additions (src/protocol/helper.ts).
 */
export interface HelperExchange {
  /** The helper's URL, without credentials or query. */
  helper: string;
  request: HelperRequest;
  /** HTTP status of the answer; null when none came. */
  status: number | null;
  /** The answer, when it was a valid helper answer. */
  response: HelperResponse | null;
  /**
   * Null with a valid answer; a transport failure (df-007), `http_request_failed` for a non-200
   * status, or `x_invalid_response` for an answer that is not a helper's (see x_reason).
   */
  failure: Failure | 'x_invalid_response';
  /** Why the answer was refused or the status it came with, in words. */
  x_reason?: string;
  t0: number;
  t: number;
  transaction_id: number;
  x_target: string;
}

/** All raw observations of one measurement, under OONI's names. */
export interface Observations {
  queries: DnsQuery[];
  tcp_connect: TcpConnect[];
  tls_handshakes: TlsHandshake[];
  requests: HttpRequest[];
  network_events: NetworkEvent[];
  x_websocket: WebSocketUpgrade[];
  x_stun: StunExchange[];
  /** Where packets towards call relays stop (absent in lines written before localisation existed). */
  x_traces: PathTrace[];
  /** The helpers' answers (only when the run was given --helper). */
  x_helper?: HelperExchange[];
  /** A test call against a helper (only with --call-test / `voipprobe call-test`). */
  x_call_test?: CallTestObservation;
}

/** The names of the arrays of records in Observations (all but the test call, which is one record). */
export type ObservationKey = { [K in keyof Observations]-?: NonNullable<Observations[K]> extends readonly unknown[] ? K : never }[keyof Observations];

/** Keyed by the type: an array added to Observations does not compile until it is named here. */
const OBSERVATION_ARRAYS: Record<ObservationKey, true> = {
  queries: true,
  tcp_connect: true,
  tls_handshakes: true,
  requests: true,
  network_events: true,
  x_websocket: true,
  x_stun: true,
  x_traces: true,
  x_helper: true,
};

/**
 * Every array of records, once, in the order of Observations: what an evidence reference points into
 * (EvidenceRef.key) and what a run sorts by time.
 */
export const OBSERVATION_KEYS = Object.keys(OBSERVATION_ARRAYS) as readonly ObservationKey[];

export function emptyObservations(): Observations {
  return {
    queries: [],
    tcp_connect: [],
    tls_handshakes: [],
    requests: [],
    network_events: [],
    x_websocket: [],
    x_stun: [],
    x_traces: [],
  };
}
