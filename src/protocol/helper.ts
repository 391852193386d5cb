// The wire contract between the probe and a helper (a vantage outside the censored network), one zod
// source for both sides: the helper validates what it is asked, the probe validates what it is told.
//
// The base is OONI's test-helper protocol (oohelperd, ooni/spec nettests/ts-017-web-connectivity.md):
// POST a JSON request {http_request, http_request_headers, tcp_connect, x_quic_enabled} and get
// {tcp_connect, tls_handshake, quic_handshake, http_request, http3_request, dns, ip_info}; GET is a
// health check. What OONI's protocol does not cover (a preamble after connect, TLS with another SNI or
// port, the WebSocket upgrade, UDP exchanges, path traces) travels in `x_` fields, which an OONI
// helper ignores: the probe then simply has no outside view of those steps.
//
// Limits are part of the contract: a request larger than these bounds is refused whole (400), so
// one request can never make the helper a scanner of many addresses.

import { isIP } from 'node:net';
import { z } from 'zod';

/** Version of our `x_` extension; a helper answering it says so in `x_voipprobe`. */
export const HELPER_PROTOCOL_VERSION = 1;

export const HELPER_LIMITS = {
  /** Largest request body, bytes. */
  requestBytes: 64 * 1024,
  /** Endpoints (ip:port) per request: TCP connects, TLS handshakes, WebSocket addresses and UDP exchanges each. */
  endpoints: 16,
  udpExchanges: 8,
  /** Path traces per request; each goes only to an endpoint the same request measures over UDP or TCP. */
  traces: 4,
  /** Bytes written after a connect (a protocol preamble that provokes DPI). */
  preambleBytes: 64,
  /** Per-step timeout the probe may ask for, ms. */
  maxStepTimeoutMs: 15_000,
  minStepTimeoutMs: 100,
  /** Headers the probe may ask the helper to send, and their size. */
  headerCount: 16,
  headerValueChars: 1024,
  urlChars: 2048,
} as const;

/** OONI's failure strings are df-007 strings or null; the helper never sends anything longer. */
const failure = z.string().max(512).nullable();

/** "ip:port" or "[ipv6]:port" with a literal address and a port. */
export const endpoint = z.string().max(64).refine(isEndpoint, 'must be "ip:port" or "[ipv6]:port"');

/** "ip:port" or "[ipv6]:port", nothing else (no name, no missing port, no unbracketed IPv6). */
export function isEndpoint(s: string): boolean {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/.exec(s);
  if (!m) return false;
  const port = Number(m[3]);
  return port >= 1 && port <= 65535 && (m[1] !== undefined ? isIP(m[1]) === 6 : isIP(m[2]!) === 4);
}

const hex = (maxBytes: number) =>
  z
    .string()
    .regex(/^([0-9a-fA-F]{2})+$/, 'must be hex bytes')
    .max(maxBytes * 2);
const url = (schemes: string[]) =>
  z
    .string()
    .max(HELPER_LIMITS.urlChars)
    .refine(
      (u) => {
        try {
          return schemes.includes(new URL(u).protocol);
        } catch {
          return false;
        }
      },
      `must be a ${schemes.join(' or ')} URL`,
    );

// ---- UDP exchanges -------------------------------------------------------------------------------

/**
 * What the helper sends to a UDP endpoint and what counts as an answer: a STUN Binding request
 * (RFC 5389), or one exchange of the call-path catalogue as data (`described`: a TURN Allocate, a
 * service's STUN-framed message; src/model/exchange.ts). Its shape is bounded here; the helper checks
 * its meaning (attribute names, the encoded size) when it encodes it, and answers `x_invalid_exchange`
 * for one it cannot send. Any answer of any class proves the relay heard it.
 */
export const udpExchange = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('stun_binding') }).strict(),
  z
    .object({
      kind: z.literal('described'),
      /** The catalogue's exchange id ("allocate", "wa-ping"); the answer is keyed `endpoint/id`. */
      id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,31}$/),
      request: z
        .object({
          method: z.string().max(32).optional(),
          message_type: z
            .string()
            .regex(/^0x[0-9a-fA-F]{1,4}$/)
            .optional(),
          attributes: z
            .array(
              z
                .object({
                  type: z.string().max(32),
                  hex: z
                    .string()
                    .regex(/^([0-9a-fA-F]{2}){0,256}$/)
                    .optional(),
                  text: z.string().max(256).optional(),
                })
                .strict(),
            )
            .max(16),
          fingerprint: z.boolean(),
        })
        .strict(),
    })
    .strict(),
]);
export type UdpExchangeRequest = z.infer<typeof udpExchange>;

// ---- the request ---------------------------------------------------------------------------------

export const helperRequest = z.object({
  // OONI's fields.
  http_request: url(['http:', 'https:']),
  http_request_headers: z
    .record(z.string().max(64), z.array(z.string().max(HELPER_LIMITS.headerValueChars)).max(4))
    .refine((h) => Object.keys(h).length <= HELPER_LIMITS.headerCount, `at most ${HELPER_LIMITS.headerCount} headers`)
    .default({}),
  tcp_connect: z.array(endpoint).max(HELPER_LIMITS.endpoints).default([]),
  x_quic_enabled: z.boolean().optional(),

  // Ours. `x_voipprobe` announces the extension: the helper then measures only what is asked (the
  // listed endpoints, TLS where x_tls asks, HTTP when x_http is not false) instead of OONI's
  // "every address times the URL's port".
  x_voipprobe: z
    .object({ version: z.number().int().min(1) })
    .strict()
    .optional(),
  /** The probe's per-step timeout, so that a silent endpoint costs both sides the same. */
  x_timeout_ms: z.number().int().min(HELPER_LIMITS.minStepTimeoutMs).max(HELPER_LIMITS.maxStepTimeoutMs).optional(),
  /** False: skip OONI's HTTP GET of http_request (the target is not a web page). */
  x_http: z.boolean().optional(),
  /** Bytes to write after each TCP connect, and watch what the path does then (a DPI reset). */
  x_tcp_preamble_hex: hex(HELPER_LIMITS.preambleBytes).optional(),
  /** TLS handshakes with a given SNI on any port (OONI does TLS on port 443 with the URL's host only). */
  x_tls: z
    .array(
      z
        .object({
          endpoint,
          sni: z.string().min(1).max(253),
          alpn: z.array(z.string().min(1).max(32)).max(4).optional(),
        })
        .strict(),
    )
    .max(HELPER_LIMITS.endpoints)
    .optional(),
  /** A WebSocket upgrade at each listed address (ip only; the port comes from the URL). */
  x_websocket: z
    .object({
      url: url(['wss:', 'ws:']),
      origin: z.string().max(HELPER_LIMITS.urlChars).optional(),
      addresses: z.array(z.string().refine((a) => isIP(a) !== 0, 'must be an IP address')).max(HELPER_LIMITS.endpoints),
    })
    .strict()
    .optional(),
  /** UDP exchanges with call relays (STUN today). */
  x_udp: z
    .array(z.object({ endpoint, exchange: udpExchange }).strict())
    .max(HELPER_LIMITS.udpExchanges)
    .optional(),
  /**
   * Path localisation from outside (TTL-limited probes, docs/calls.md): how far UDP (or TCP SYN) probes
   * from the helper towards an endpoint travel. Only towards an endpoint this request also measures
   * (`x_udp` for UDP, `tcp_connect` for TCP): the helper is never a tracing service of its own.
   */
  x_trace: z
    .array(
      z
        .object({
          endpoint,
          protocol: z.enum(['udp', 'tcp']),
          max_ttl: z.number().int().min(1).max(32).optional(),
          /**
           * Trace only if no `x_udp` exchange at the endpoint is answered within half the step timeout
           * (an answer says more, and a clean network costs no trace): else `x_not_needed`.
           */
          if_unanswered: z.boolean().optional(),
        })
        .strict(),
    )
    .max(HELPER_LIMITS.traces)
    .optional(),
});
export type HelperRequest = z.output<typeof helperRequest>;
export type HelperRequestInput = z.input<typeof helperRequest>;

// ---- the response --------------------------------------------------------------------------------

const afterWrite = z.object({ failure, bytes_received: z.number().int().min(0), t: z.number() }).strict();

export const tcpResult = z.object({
  status: z.boolean(),
  failure,
  /** What happened after the preamble was written (x_tcp_preamble_hex). */
  x_after_write: afterWrite.optional(),
  /** Seconds the connect took. */
  x_duration_s: z.number().min(0).optional(),
});

export const tlsResult = z.object({
  server_name: z.string().max(253),
  status: z.boolean(),
  failure,
  x_tls_version: z.string().max(32).nullable().optional(),
  x_duration_s: z.number().min(0).optional(),
});

export const httpResult = z.object({
  body_length: z.number().int(),
  discovered_h3_endpoint: z.string().max(300).optional(),
  failure,
  title: z.string().max(1024),
  headers: z
    .record(z.string().max(256), z.string().max(4096))
    .refine((h) => Object.keys(h).length <= 64, 'at most 64 headers'),
  status_code: z.number().int(),
  x_body_truncated: z.boolean().optional(),
  x_duration_s: z.number().min(0).optional(),
});

/** `x_failure`: the df-007 failure behind OONI's coarser legacy name in `failure`. */
export const dnsResult = z.object({
  failure,
  addrs: z.array(z.string().max(64)).max(64),
  x_failure: failure.optional(),
});

export const wsResult = z
  .object({
    status: z.number().int().nullable(),
    failure,
    x_failed_operation: z.string().max(32).nullable().optional(),
    x_duration_s: z.number().min(0).optional(),
  })
  .strict();

export const udpResult = z
  .object({
    exchange: z.string().max(32),
    /** Datagrams sent (the retransmission schedule). */
    sent: z.number().int().min(0).max(64),
    response: z
      .object({
        class: z.enum(['success', 'error', 'other']),
        message_type: z.number().int().min(0).max(0xffff),
        error_code: z.number().int().optional(),
      })
      .strict()
      .nullable(),
    failure,
    x_duration_s: z.number().min(0).optional(),
  })
  .strict();

const ipAddress = z
  .string()
  .max(64)
  .refine((a) => isIP(a) !== 0, 'must be an IP address');

/** One TTL of a trace (the shape of the probe's own TraceHop, bounded). */
export const traceHop = z
  .object({
    ttl: z.number().int().min(1).max(64),
    address: ipAddress.nullable(),
    other_addresses: z.array(ipAddress).max(4).optional(),
    rtt_ms: z.array(z.number().min(0)).max(8),
    lost: z.number().int().min(0).max(8),
    flags: z.array(z.string().max(8)).max(4).optional(),
    /** The router's network: added by the probe from its own ASN database when it records the answer. */
    asn: z.number().int().optional(),
    as_name: z.string().max(200).optional(),
  })
  .strict();

/** A trace from the helper; a helper that cannot trace answers with a failure and no hops. */
export const traceResult = z
  .object({
    failure,
    hops: z.array(traceHop).max(64).optional(),
    /** The destination itself answered (ICMP port unreachable, a SYN-ACK or a reset). */
    reached: z.boolean().optional(),
    /** "traceroute -U", "traceroute -T". */
    method: z.string().max(32).optional(),
    max_ttl: z.number().int().min(0).max(64).optional(),
    x_duration_s: z.number().min(0).optional(),
    /** The destination's network: added by the probe, like the hops' `asn`. */
    destination_asn: z.number().int().optional(),
  })
  .strict();

/** What the helper refused to measure and why (policy, limits): never silently dropped. */
export const refusal = z.object({ what: z.string().max(300), reason: z.string().max(300) }).strict();

const mapOf = <T extends z.ZodType>(v: T, max = 64) =>
  z.record(z.string().max(300), v).refine((m) => Object.keys(m).length <= max, `at most ${max} entries`);

export const helperResponse = z.object({
  tcp_connect: mapOf(tcpResult),
  tls_handshake: mapOf(tlsResult).optional(),
  quic_handshake: mapOf(z.unknown()).optional(),
  http_request: httpResult,
  http3_request: z.unknown().optional(),
  dns: dnsResult,
  ip_info: mapOf(z.object({ asn: z.number().int(), flags: z.number().int() }), 128).optional(),

  x_voipprobe: z
    .object({ version: z.number().int(), software: z.string().max(100) })
    .strict()
    .optional(),
  x_websocket: mapOf(wsResult).optional(),
  x_udp: mapOf(udpResult).optional(),
  x_trace: mapOf(traceResult).optional(),
  x_refused: z.array(refusal).max(64).optional(),
});
export type HelperResponse = z.output<typeof helperResponse>;
export type HelperTcpResult = z.output<typeof tcpResult>;
export type HelperTlsResult = z.output<typeof tlsResult>;
export type HelperHttpResult = z.output<typeof httpResult>;
export type HelperUdpResult = z.output<typeof udpResult>;
export type HelperWsResult = z.output<typeof wsResult>;
export type HelperTraceResult = z.output<typeof traceResult>;

/** OONI's ip_info flags. */
export const IP_FLAG = { resolvedByProbe: 1, resolvedByHelper: 2, bogon: 4, validForDomain: 8 } as const;

/** OONI's legacy TH names for DNS failures (oohelperd maps its own errors to these). */
export const TH_DNS_FAILURE = {
  nxdomain: 'dns_name_error',
  server: 'dns_server_failure',
  other: 'unknown_error',
} as const;

export { NOT_NEEDED, NOT_SUPPORTED, WITHDRAWN } from './helper-words.js';
