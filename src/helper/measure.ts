// What the helper measures for one request, from where it sits, with the probe's own network
// primitives (so that a failure outside is named exactly like the same failure inside).
//
// Two modes:
// - OONI's (a request without `x_voipprobe`): resolve the URL's host, then connect to every address
//   (the probe's and the helper's own, bogons skipped) on the URL's port (80 and 443 for http://),
//   TLS on 443 with the URL's host as SNI, and GET the URL, as oohelperd does.
// - Ours (`x_voipprobe`): measure exactly what was asked (the listed endpoints, TLS where `x_tls`
//   asks, the GET unless `x_http` is false, the WebSocket upgrades and UDP exchanges), all at once
//   and without waiting for DNS, so that the outside view arrives as fast as the inside one; path
//   traces (`x_trace`) only towards endpoints the same request measures.
//
// Every address passes the target policy first; a refused one is listed in `x_refused`, never
// measured and never silently dropped.

import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ExchangeRequest } from '../model/exchange.js';
import type { DnsQuery, HttpRequest, StunExchange } from '../model/observations.js';
import {
  checkExchangeRequest,
  httpsGet,
  lookupSystem,
  queryDoh,
  queryUdp,
  stunBinding,
  stunExchange,
  tcpConnect,
  tlsHandshake,
  urlHost,
  wsUpgrade,
} from '../net/index.js';
import type { StepOptions, TrustStore } from '../net/types.js';
import {
  HELPER_PROTOCOL_VERSION,
  type HelperHttpResult,
  type HelperRequest,
  type HelperResponse,
  type HelperTcpResult,
  type HelperTlsResult,
  type HelperUdpResult,
  IP_FLAG,
  NOT_SUPPORTED,
  TH_DNS_FAILURE,
} from '../protocol/helper.js';
import { canonicalIp, hostPort, isBogon, splitHostPort } from '../util/ip.js';
import { HELPER_SOFTWARE } from '../version.js';
import type { TargetPolicy } from './policy.js';
import { type TraceSlots, traceForClient, traceKey } from './trace.js';

export interface HelperMeasureOptions {
  policy: TargetPolicy;
  /** The helper's own resolvers: DoH URLs, else UDP "ip:port", else the system resolver. */
  dns: { doh: string[]; udp: string[] };
  ca?: TrustStore;
  /** Step timeout when the request does not give one; requests are capped at HELPER_LIMITS. */
  defaultTimeoutMs: number;
  /** Body bytes read per GET (OONI's body_length counts what was read; x_body_truncated says more followed). */
  maxBodyBytes: number;
  /** The request was abandoned (client gone, server stopping). */
  signal: AbortSignal;
  /** Path traces (x_trace); absent: answered `x_not_supported`. */
  traces?: TraceSlots;
}

const seconds = (x: { t0: number; t: number }) => Math.round((x.t - x.t0) * 1000) / 1000;

/** OONI's legacy names for DNS failures (oohelperd's dnsMapFailure); "no answer" is an empty success. */
export function thDnsFailure(f: string | null): string | null {
  switch (f) {
    case null:
    case 'dns_no_answer':
      return null;
    case 'dns_nxdomain_error':
      return TH_DNS_FAILURE.nxdomain;
    case 'dns_refused_error':
    case 'dns_servfail_error':
    case 'dns_server_misbehaving':
    case 'dns_temporary_failure':
    case 'dns_non_recoverable_failure':
      return TH_DNS_FAILURE.server;
    default:
      return TH_DNS_FAILURE.other;
  }
}

/** The first <title> of a page, as oohelperd reports it. */
export function pageTitle(body: string): string {
  const m = /<title[^>]*>([^<]{0,1024})/i.exec(body.slice(0, 64 * 1024));
  return m ? m[1]!.trim() : '';
}

function headersMap(list: [string, string][]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of list) {
    if (Object.keys(out).length >= 64) break;
    if (!(k in out)) out[k] = v.slice(0, 4096);
  }
  return out;
}

const NO_HTTP = (failure: string): HelperHttpResult => ({
  body_length: -1,
  discovered_h3_endpoint: '',
  failure,
  title: '',
  headers: {},
  status_code: -1,
});

function httpResult(r: HttpRequest): HelperHttpResult {
  if (!r.response) return { ...NO_HTTP(r.failure ?? 'unknown_failure: no response'), x_duration_s: seconds(r) };
  return {
    body_length: Buffer.byteLength(r.response.body),
    discovered_h3_endpoint: '',
    failure: r.failure,
    title: pageTitle(r.response.body),
    headers: headersMap(r.response.headers_list),
    status_code: r.response.code ?? -1,
    x_body_truncated: r.response.body_is_truncated,
    x_duration_s: seconds(r),
  };
}

function udpResult(s: StunExchange, exchange: string): HelperUdpResult {
  const r = s.response;
  return {
    exchange,
    sent: s.sent.length,
    response: r
      ? {
          class: r.class === 'success' || r.class === 'error' ? r.class : 'other',
          message_type: r.message_type,
          ...(r.error_code !== undefined ? { error_code: r.error_code } : {}),
        }
      : null,
    failure: s.failure,
    x_duration_s: seconds(s),
  };
}

interface Resolved {
  failure: string | null;
  /** The df-007 failure behind `failure` (OONI's names are coarser). */
  x_failure: string | null;
  addrs: string[];
}

async function resolveName(host: string, o: HelperMeasureOptions, step: () => StepOptions): Promise<Resolved> {
  let queries: Promise<DnsQuery>[];
  if (o.dns.doh.length)
    queries = o.dns.doh.flatMap((url) =>
      (['A', 'AAAA'] as const).map((type) => queryDoh({ ...step(), url, hostname: host, type, ca: o.ca })),
    );
  else if (o.dns.udp.length)
    queries = o.dns.udp.flatMap((server) =>
      (['A', 'AAAA'] as const).map((type) =>
        queryUdp({ ...step(), server, hostname: host, type, role: 'control', listenWindowMs: 0 }),
      ),
    );
  else queries = [lookupSystem({ ...step(), hostname: host })];
  const done = await Promise.all(queries);
  const addrs = [
    ...new Set(
      done
        .filter((q) => q.failure === null)
        .flatMap((q) => q.answers.flatMap((a) => ((a.ipv4 ?? a.ipv6) ? [(a.ipv4 ?? a.ipv6)!] : []))),
    ),
  ];
  if (addrs.length) return { failure: null, x_failure: null, addrs };
  // The most telling failure: an explicit answer over silence.
  const order = ['dns_nxdomain_error', 'dns_refused_error', 'dns_servfail_error', 'dns_no_answer'];
  const failures = done.map((q) => q.failure).filter((f): f is NonNullable<typeof f> => f !== null);
  const chosen = order.find((f) => failures.includes(f as never)) ?? failures[0] ?? 'dns_no_answer';
  return { failure: thDnsFailure(chosen), x_failure: chosen, addrs: [] };
}

/** Ports OONI's helper measures for a URL: its explicit port, else 443 for https and 80 + 443 for http. */
export function ooniPorts(u: URL): number[] {
  if (u.port) return [Number(u.port)];
  return u.protocol === 'https:' ? [443] : [80, 443];
}

export async function measureForClient(req: HelperRequest, o: HelperMeasureOptions): Promise<HelperResponse> {
  const start = performance.now();
  const clock = () => Math.round(performance.now() - start) / 1000;
  const timeoutMs = req.x_timeout_ms ?? o.defaultTimeoutMs;
  let nextId = 1;
  const step = (): StepOptions => ({ clock, timeoutMs, signal: o.signal, transactionId: nextId++ });
  const ours = req.x_voipprobe !== undefined;
  const url = new URL(req.http_request);
  const host = urlHost(url);
  const hostIsIp = isIP(host) !== 0;
  const refused: NonNullable<HelperResponse['x_refused']> = [];
  const allowed = (ip: string, what: string): boolean => {
    const why = o.policy.refuse(ip);
    if (why) refused.push({ what, reason: why });
    return why === null;
  };

  const dnsP: Promise<Resolved> = hostIsIp
    ? Promise.resolve({ failure: null, x_failure: null, addrs: [] })
    : resolveName(host, o, step);

  // The endpoints and what to do at each: TLS with which SNI, or a plain connect (with a preamble).
  const plan = new Map<string, { ip: string; port: number; tls?: { sni: string; alpn?: string[] } }>();
  const add = (ip: string, port: number, tls?: { sni: string; alpn?: string[] }) => {
    const key = hostPort(ip, port);
    const have = plan.get(key);
    if (have) {
      if (tls && !have.tls) have.tls = tls;
      return;
    }
    if (allowed(ip, key)) plan.set(key, { ip, port, ...(tls ? { tls } : {}) });
  };
  const probeIps: string[] = [];
  for (const e of req.tcp_connect) {
    const { host: ip } = splitHostPort(e, 0);
    probeIps.push(ip);
  }
  if (ours) {
    for (const e of req.tcp_connect) {
      const { host: ip, port } = splitHostPort(e, 0);
      add(ip, port);
    }
    for (const t of req.x_tls ?? []) {
      const { host: ip, port } = splitHostPort(t.endpoint, 0);
      add(ip, port, { sni: t.sni, ...(t.alpn ? { alpn: t.alpn } : {}) });
    }
  } else {
    const dns = await dnsP;
    const ips = [...new Set([...probeIps, ...dns.addrs])].filter((ip) => isIP(ip) !== 0);
    for (const ip of ips) {
      // Like oohelperd: bogons are skipped (and said so); the policy may refuse more.
      for (const port of ooniPorts(url)) add(ip, port, port === 443 && !hostIsIp ? { sni: host } : undefined);
    }
  }

  const preamble = ours && req.x_tcp_preamble_hex ? Buffer.from(req.x_tcp_preamble_hex, 'hex') : undefined;
  const tcp: Record<string, HelperTcpResult> = {};
  const tls: Record<string, HelperTlsResult> = {};
  const validIps = new Set<string>();

  // The GET: in our mode at the probe's own address on the URL's port (the comparison is about that
  // address), else at an address the helper resolved itself.
  const getPort = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const getAt = hostIsIp
    ? host
    : ours
      ? req.tcp_connect.map((e) => splitHostPort(e, 0)).find((e) => e.port === getPort)?.host
      : undefined;
  const wantGet = !(ours && req.x_http === false);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.http_request_headers)) if (v[0] !== undefined) headers[k] = v[0];
  const getP = (async (): Promise<HttpRequest | HelperHttpResult> => {
    if (!wantGet) return NO_HTTP('x_not_requested');
    let ip = getAt;
    if (!ip) {
      const dns = await dnsP;
      if (!dns.addrs.length) return NO_HTTP(dns.x_failure ?? 'dns_lookup_error');
      ip = dns.addrs.find((a) => o.policy.refuse(a) === null);
      if (!ip) {
        refused.push({ what: `GET ${url.href}`, reason: 'every address of the host is refused by the target policy' });
        return NO_HTTP('x_refused');
      }
    } else if (!allowed(ip, `GET ${url.href} at ${ip}`)) return NO_HTTP('x_refused');
    return httpsGet({ ...step(), url: url.href, ip, ca: o.ca, headers, maxBodyBytes: o.maxBodyBytes });
  })();
  // In our mode the GET at an endpoint asked for TLS with the URL's host is that endpoint's connect and
  // handshake too (it validates the certificate the same way): one handshake instead of two.
  const coveredByGet = ours && wantGet && getAt && url.protocol === 'https:' ? hostPort(getAt, getPort) : undefined;

  const endpointJobs = [...plan.entries()].map(async ([key, p]) => {
    if (p.tls && key === coveredByGet && p.tls.sni === host) {
      const g = await getP;
      if ('request' in g) {
        const op = g.x_failed_operation;
        tcp[key] = { status: op !== 'connect', failure: op === 'connect' ? g.failure : null };
        if (op !== 'connect') {
          const ok = op !== 'tls_handshake';
          tls[key] = { server_name: p.tls.sni, status: ok, failure: ok ? null : g.failure };
          if (ok) validIps.add(p.ip);
        }
        return;
      }
    }
    if (p.tls) {
      const r = await tlsHandshake({
        ...step(),
        ip: p.ip,
        port: p.port,
        sni: p.tls.sni,
        ...(p.tls.alpn ? { alpn: p.tls.alpn } : {}),
        ca: o.ca,
        sniKind: 'target',
      });
      tcp[key] = { status: r.tcp.status.success, failure: r.tcp.status.failure, x_duration_s: seconds(r.tcp) };
      if (r.tls) {
        tls[key] = {
          server_name: p.tls.sni,
          status: r.tls.failure === null,
          failure: r.tls.failure,
          x_tls_version: r.tls.tls_version,
          x_duration_s: seconds(r.tls),
        };
        if (r.tls.failure === null) validIps.add(p.ip);
      }
      return;
    }
    const c = await tcpConnect({ ...step(), ip: p.ip, port: p.port, ...(preamble ? { preamble } : {}) });
    tcp[key] = {
      status: c.status.success,
      failure: c.status.failure,
      ...(c.x_after_write ? { x_after_write: c.x_after_write } : {}),
      x_duration_s: seconds(c),
    };
  });
  const httpP = getP.then((g) => ('request' in g ? httpResult(g) : g));

  const wsP = (async (): Promise<HelperResponse['x_websocket']> => {
    const w = req.x_websocket;
    if (!w) return undefined;
    const out: NonNullable<HelperResponse['x_websocket']> = {};
    await Promise.all(
      w.addresses.map(async (ip) => {
        if (!allowed(ip, `WebSocket ${w.url} at ${ip}`)) return;
        const r = await wsUpgrade({ ...step(), url: w.url, ip, ca: o.ca, ...(w.origin ? { origin: w.origin } : {}) });
        out[canonicalIp(ip) ?? ip] = {
          status: r.status,
          failure: r.failure,
          x_failed_operation: r.x_failed_operation ?? null,
          x_duration_s: seconds(r),
        };
      }),
    );
    return out;
  })();

  // Aborted once any exchange at an endpoint is answered: a trace asked "if unanswered" is not needed then.
  const answeredAt = new Map<string, AbortController>();
  const answered = (key: string) => {
    let c = answeredAt.get(key);
    if (!c) answeredAt.set(key, (c = new AbortController()));
    return c;
  };
  const noteAnswer = (key: string, r: HelperUdpResult): HelperUdpResult => {
    if (r.response) answered(key).abort();
    return r;
  };

  const udpP = (async (): Promise<HelperResponse['x_udp']> => {
    if (!req.x_udp) return undefined;
    const out: NonNullable<HelperResponse['x_udp']> = {};
    await Promise.all(
      req.x_udp.map(async (u) => {
        const { host: ip, port } = splitHostPort(u.endpoint, 0);
        const key = hostPort(ip, port);
        if (!allowed(ip, `UDP ${key}`)) return;
        switch (u.exchange.kind) {
          case 'stun_binding':
            out[key] = noteAnswer(key, udpResult(await stunBinding({ ...step(), ip, port }), 'stun_binding'));
            return;
          case 'described': {
            // One exchange of the call-path catalogue, sent as the probe sent it; one it cannot encode
            // (an unknown attribute, too large a message) is refused, never guessed at.
            const request = { ...u.exchange.request, attributes: u.exchange.request.attributes } as ExchangeRequest;
            const dkey = `${key}/${u.exchange.id}`;
            const problem = checkExchangeRequest(request);
            if (problem)
              out[dkey] = {
                exchange: u.exchange.id,
                sent: 0,
                response: null,
                failure: `x_invalid_exchange: ${problem}`,
              };
            else
              out[dkey] = noteAnswer(
                key,
                udpResult(
                  await stunExchange({ ...step(), ip, port, request, exchangeId: u.exchange.id }),
                  u.exchange.id,
                ),
              );
            return;
          }
          default:
            u.exchange satisfies never;
        }
      }),
    );
    return out;
  })();

  const traceP = (async (): Promise<HelperResponse['x_trace']> => {
    if (!req.x_trace) return undefined;
    const out: NonNullable<HelperResponse['x_trace']> = {};
    // Traces go only where this request measures: never a tracing service of its own.
    const measured = {
      udp: new Set((req.x_udp ?? []).map((u) => u.endpoint)),
      tcp: new Set([...req.tcp_connect, ...(req.x_tls ?? []).map((t) => t.endpoint)]),
    };
    await Promise.all(
      req.x_trace.map(async (t) => {
        const key = traceKey(t);
        const { host: ip } = splitHostPort(t.endpoint, 0);
        if (!measured[t.protocol].has(t.endpoint)) {
          refused.push({ what: `trace ${key}`, reason: 'a trace goes only to an endpoint the same request measures' });
          return;
        }
        if (!allowed(ip, `trace ${key}`)) return;
        if (!o.traces) {
          out[key] = { failure: NOT_SUPPORTED };
          return;
        }
        out[key] = await traceForClient(t, o.traces, step, {
          timeoutMs,
          ...(t.if_unanswered ? { answered: answered(hostPort(ip, splitHostPort(t.endpoint, 0).port)).signal } : {}),
        });
      }),
    );
    return out;
  })();

  const [dns, http, ws, udp, trace] = await Promise.all([dnsP, httpP, wsP, udpP, traceP, Promise.all(endpointJobs)]);

  const ipInfo: NonNullable<HelperResponse['ip_info']> = {};
  for (const ip of new Set([...probeIps, ...dns.addrs])) {
    if (isIP(ip) === 0) continue;
    let flags = 0;
    if (probeIps.includes(ip)) flags |= IP_FLAG.resolvedByProbe;
    if (dns.addrs.includes(ip)) flags |= IP_FLAG.resolvedByHelper;
    if (isBogon(ip)) flags |= IP_FLAG.bogon;
    if (validIps.has(ip)) flags |= IP_FLAG.validForDomain;
    ipInfo[ip] = { asn: 0, flags };
  }

  return {
    tcp_connect: tcp,
    tls_handshake: tls,
    quic_handshake: {},
    http_request: http,
    http3_request: null,
    dns: { failure: dns.failure, addrs: dns.addrs, ...(dns.x_failure ? { x_failure: dns.x_failure } : {}) },
    ip_info: ipInfo,
    x_voipprobe: { version: HELPER_PROTOCOL_VERSION, software: HELPER_SOFTWARE },
    ...(ws ? { x_websocket: ws } : {}),
    ...(udp ? { x_udp: udp } : {}),
    ...(trace ? { x_trace: trace } : {}),
    ...(refused.length ? { x_refused: refused } : {}),
  };
}
