// Builders for recorded observations, so verdict tables read as data.

import type { Failure } from '../../src/model/failure.js';
import type {
  DnsAnswer,
  DnsQuery,
  DnsReply,
  HttpRequest,
  Observations,
  PathTrace,
  Received,
  StunExchange,
  TcpConnect,
  TlsHandshake,
  TraceHop,
  WebSocketUpgrade,
} from '../../src/model/observations.js';
import { emptyObservations } from '../../src/model/observations.js';
import type { ControlVerdict } from '../../src/model/verdict.js';

let tid = 1000;

export const a = (ip: string): DnsAnswer =>
  ip.includes(':') ? { answer_type: 'AAAA', ipv6: ip, ttl: 60 } : { answer_type: 'A', ipv4: ip, ttl: 60 };

const RCODE: Record<string, number> = {
  dns_nxdomain_error: 3,
  dns_servfail_error: 2,
  dns_refused_error: 5,
  dns_no_answer: 0,
};

export function query(
  hostname: string,
  role: 'local' | 'control',
  ips: string[] | Failure,
  extra: Partial<DnsQuery> = {},
): DnsQuery {
  const ok = Array.isArray(ips);
  const failure = ok ? null : (ips as Failure);
  const rcode = ok ? 0 : failure !== null && failure in RCODE ? RCODE[failure] : undefined;
  return {
    engine: role === 'local' ? 'udp' : 'doh',
    resolver_address: role === 'local' ? '192.0.2.53:53' : 'https://198.18.0.53/dns-query',
    hostname,
    query_type: 'A',
    answers: ok ? (ips as string[]).map(a) : [],
    failure,
    ...(rcode !== undefined ? { rcode } : {}),
    t0: 0.01,
    t: 0.02,
    transaction_id: tid++,
    x_resolver_role: role,
    ...extra,
  };
}

export function reply(ips: string[], rcode = 0, extra: Partial<DnsReply> = {}): DnsReply {
  return { t: 0.02, from: '192.0.2.53:53', rcode, answers: ips.map(a), raw_response: '', ...extra };
}

export function tcp(
  target: string,
  ip: string,
  port: number,
  failure: Failure,
  extra: Partial<TcpConnect> = {},
  id = tid++,
): TcpConnect {
  return {
    ip,
    port,
    status: { success: failure === null, failure },
    t0: 0.1,
    t: 0.11,
    transaction_id: id,
    x_target: target,
    ...extra,
  };
}

export function tls(
  target: string,
  ip: string,
  sni: string,
  failure: Failure,
  kind: 'target' | 'neutral',
  id: number,
  extra: Partial<TlsHandshake> = {},
): TlsHandshake {
  const handshakeDone = failure === null || failure.startsWith('ssl_invalid') || failure === 'ssl_unknown_authority';
  return {
    network: 'tcp',
    address: `${ip}:443`,
    server_name: sni,
    tls_version: handshakeDone ? 'TLSv1.3' : null,
    cipher_suite: handshakeDone ? 'TLS_AES_128_GCM_SHA256' : null,
    negotiated_protocol: null,
    peer_certificates: handshakeDone ? [{ data: 'MIIB', format: 'base64' }] : [],
    no_tls_verify: false,
    failure,
    t0: 0.12,
    t: 0.14,
    transaction_id: id,
    x_target: target,
    x_sni_kind: kind,
    x_failed_operation: handshakeDone ? null : 'tls_handshake',
    ...extra,
  };
}

export function http(
  target: string,
  url: string,
  code: number | null,
  failure: Failure,
  id: number,
  extra: Partial<HttpRequest> = {},
): HttpRequest {
  return {
    request: { method: 'GET', url, headers_list: [] },
    response: code === null ? null : { code, headers_list: [], body: '', body_is_truncated: false },
    failure,
    t0: 0.2,
    t: 0.21,
    transaction_id: id,
    x_target: target,
    ...extra,
  };
}

/** What a connection received: `bytes`, the first at `first`, the last at `last` (seconds since the start). */
export const received = (
  bytes: number,
  first: number | null = bytes ? 0.15 : null,
  last: number | null = first,
): Received => ({ bytes, t_first_byte: first, t_last_byte: last });

export function ws(
  target: string,
  url: string,
  status: number | null,
  failure: Failure,
  id: number,
  op: WebSocketUpgrade['x_failed_operation'] = null,
): WebSocketUpgrade {
  return {
    url,
    address: '198.18.1.1:443',
    origin: null,
    status,
    headers_list: [],
    failure,
    t0: 0.3,
    t: 0.31,
    transaction_id: id,
    x_target: target,
    x_failed_operation: op,
  };
}

export function stun(
  target: string,
  address: string,
  outcome: 'answer' | 'error' | 'silent' | 'refused' | 'malformed',
  id = tid++,
): StunExchange {
  const response =
    outcome === 'answer'
      ? {
          t: 0.05,
          message_type: 0x0101,
          class: 'success' as const,
          xor_mapped_address: { family: 'IPv4' as const, address: '198.18.0.2', port: 40000 },
        }
      : outcome === 'error'
        ? { t: 0.05, message_type: 0x0111, class: 'error' as const, error_code: 401 }
        : null;
  return {
    address,
    transport: 'udp',
    stun_transaction_id: '00'.repeat(12),
    sent: outcome === 'silent' ? [0, 0.5, 1.5] : [0],
    response,
    malformed: outcome === 'malformed' ? [{ t: 0.05, reason: 'bad magic cookie', bytes_base64: 'AAAA' }] : [],
    failure: response ? null : outcome === 'refused' ? 'connection_refused' : 'generic_timeout_error',
    t0: 0,
    t: 2,
    transaction_id: id,
    x_target: target,
  };
}

/** One exchange of a relay chain, by catalogue id ("binding", "allocate"...), with an optional answer. */
export function exchange(
  target: string,
  address: string,
  id: string,
  outcome: 'silent' | 'refused' | NonNullable<StunExchange['response']>,
  tx: number,
): StunExchange {
  const answered = typeof outcome === 'object';
  return {
    ...stun(target, address, answered ? 'answer' : outcome, tx),
    x_exchange: id,
    response: answered ? outcome : null,
    failure: answered ? null : outcome === 'refused' ? 'connection_refused' : 'generic_timeout_error',
  };
}

/**
 * A path trace from a compact hop list: each entry is "address/asn" (asn optional), "*" for a silent
 * TTL, or "address/asn!H" with a flag. `reached`: the last entry is the destination's own answer.
 */
export function trace(
  purpose: PathTrace['x_purpose'],
  address: string,
  hops: string[],
  o: {
    tx?: number;
    target?: string;
    protocol?: PathTrace['protocol'];
    destinationAsn?: number;
    reached?: boolean;
    failure?: PathTrace['failure'];
  } = {},
): PathTrace {
  const parsed: TraceHop[] = hops.map((h, i) => {
    if (h === '*') return { ttl: i + 1, address: null, rtt_ms: [], lost: 2 };
    const [main, flag] = h.split('!');
    const [addr, asn] = main!.split('/');
    return {
      ttl: i + 1,
      address: addr!,
      rtt_ms: [1, 1],
      lost: 0,
      ...(asn ? { asn: Number(asn), as_name: `AS${asn} test` } : {}),
      ...(flag ? { flags: [`!${flag}`] } : {}),
    };
  });
  return {
    address,
    protocol: o.protocol ?? (purpose === 'relay_compare' ? 'tcp' : 'udp'),
    method: 'traceroute',
    x_purpose: purpose,
    max_ttl: 30,
    hops: parsed,
    reached: o.reached ?? false,
    ...(o.destinationAsn !== undefined ? { destination_asn: o.destinationAsn } : {}),
    failure: o.failure ?? null,
    t0: 0.3,
    t: 0.5,
    transaction_id: o.tx ?? 1,
    x_target: o.target ?? 'relay',
  };
}

export function obs(parts: Partial<Observations>): Observations {
  return { ...emptyObservations(), ...parts };
}

export function nextId(): number {
  return tid++;
}

export const CONTROLS_UP: ControlVerdict = {
  network: 'up',
  dns: { ok: true, doh_ok: true, udp_ok: true, local_ok: true },
  tls: { ok: true, median_handshake_s: 0.02 },
  udp: { ok: true },
  stun: { answered_ports: [3478, 19302], silent_ports: [], classification: 'open', blocked_ports: [] },
  reason: 'all controls answered',
};

export const CONTROLS_DOWN: ControlVerdict = {
  network: 'down',
  dns: { ok: false, doh_ok: false, udp_ok: false, local_ok: false },
  tls: { ok: false },
  udp: { ok: false },
  stun: { answered_ports: [], silent_ports: [3478, 19302], classification: 'udp_down', blocked_ports: [] },
  reason: 'nothing answered',
};

export const CONTROLS_3478_BLOCKED: ControlVerdict = {
  ...CONTROLS_UP,
  stun: { answered_ports: [19302], silent_ports: [3478], classification: 'port_blocked', blocked_ports: [3478] },
};

export const CONTROLS_STUN_SIGNATURE: ControlVerdict = {
  ...CONTROLS_UP,
  stun: { answered_ports: [], silent_ports: [3478, 19302], classification: 'signature_blocked', blocked_ports: [] },
};
