// Raw, timed observations: what each network step saw. Field names follow OONI's data formats
// (df-002 dnst, df-005 tcpconnect, df-006 tlshandshake, df-001 http, df-008 netevents); the ones OONI
// has no name for carry the `x_` prefix. `t0`/`t` are seconds since the measurement started.

import type { HelperRequest, HelperResponse } from '../protocol/helper.js';
import type { CallTestObservation } from './call-test.js';
import type { Failure } from './failure.js';

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
}

export interface StunAddress {
  family: 'IPv4' | 'IPv6';
  address: string;
  port: number;
}

/** STUN Binding exchange over UDP (RFC 5389/8489), OONI has no format for it. */
export interface StunExchange {
  address: string;
  transport: 'udp';
  /** Hex of the 96-bit transaction ID we sent. */
  stun_transaction_id: string;
  /** Times (t) each request was sent, following the retransmission schedule. */
  sent: number[];
  /** The first valid response, if any. */
  response: null | {
    t: number;
    message_type: number;
    /** 'success' | 'error' response class. */
    class: 'success' | 'error';
    xor_mapped_address?: StunAddress;
    mapped_address?: StunAddress;
    error_code?: number;
    software?: string;
  };
  /** Datagrams that were not a valid answer to our request: recorded, never fatal. */
  malformed: { t: number; reason: string; bytes_base64: string }[];
  /** `generic_timeout_error` for silence, `connection_refused` for ICMP port unreachable. */
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
  /** The helpers' answers (only when the run was given --helper). */
  x_helper?: HelperExchange[];
  /** A test call against a helper (only with --call-test / `voipprobe call-test`). */
  x_call_test?: CallTestObservation;
}

export function emptyObservations(): Observations {
  return {
    queries: [],
    tcp_connect: [],
    tls_handshakes: [],
    requests: [],
    network_events: [],
    x_websocket: [],
    x_stun: [],
  };
}
