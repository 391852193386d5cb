// Asking the helpers about a target: the question is built from what the probe is about to measure
// locally (the same addresses, ports, SNI, preamble, upgrade and UDP exchange), sent to every helper
// at once while the local chains run, and every answer is validated and recorded as it came. An
// answer that is not a helper's is recorded with the reason and never used.

import pLimit from 'p-limit';
import { exchangesOf, type Target } from '../catalogue/schema.js';
import type { ExchangeSpec } from '../model/exchange.js';
import type { HelperExchange } from '../model/observations.js';
import { BROWSER_USER_AGENT, callHelper, defaultPort, helperLabel, urlHost } from '../net/index.js';
import type { TrustStore } from '../net/types.js';
import {
  HELPER_LIMITS,
  HELPER_PROTOCOL_VERSION,
  type HelperRequest,
  type HelperRequestInput,
  type HelperResponse,
  helperResponse,
  type UdpExchangeRequest,
  WITHDRAWN,
} from '../protocol/helper.js';
import { hostPort, splitHostPort } from '../util/ip.js';
import { type AsnOf, annotateHop } from './localise.js';
import type { StepRunner } from './steps.js';

export interface HelperEndpoint {
  url: string;
  token?: string;
}

/** Requests in flight per helper (the helper's default per-client cap is higher). */
const IN_FLIGHT = 64;

const BROWSER_HEADERS: Record<string, string[]> = {
  'User-Agent': [BROWSER_USER_AGENT],
  Accept: ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
  'Accept-Language': ['en-US,en;q=0.9'],
};

const cap = <T>(xs: T[]) => xs.slice(0, HELPER_LIMITS.endpoints);

/** How one catalogue exchange is asked of a helper. */
function udpQuestion(e: ExchangeSpec): UdpExchangeRequest {
  const r = e.request;
  if (r.method === 'binding' && r.attributes.length === 0 && !r.fingerprint) return { kind: 'stun_binding' };
  return {
    kind: 'described',
    id: e.id,
    request: {
      ...(r.method ? { method: r.method } : {}),
      ...(r.message_type ? { message_type: r.message_type } : {}),
      attributes: r.attributes,
      fingerprint: r.fingerprint,
    },
  };
}

/**
 * The question for one target at the addresses the probe chose, or null for a target the helper has
 * nothing to add to (the neutral controls). OONI's fields carry what OONI's protocol covers, so an
 * OONI helper answers them too.
 */
export function helperQuestion(
  t: Target,
  addresses: string[],
  timeoutMs: number,
  o: { traces?: boolean } = {},
): HelperRequest | null {
  const common = {
    x_voipprobe: { version: HELPER_PROTOCOL_VERSION },
    x_timeout_ms: Math.min(HELPER_LIMITS.maxStepTimeoutMs, Math.max(HELPER_LIMITS.minStepTimeoutMs, timeoutMs)),
    x_quic_enabled: false,
  };
  const hostUrl = (host: string, port?: number) =>
    `https://${host.includes(':') ? `[${host}]` : host}${port && port !== 443 ? `:${port}` : ''}/`;
  let q: HelperRequestInput;
  switch (t.check) {
    case 'dns':
      q = { ...common, http_request: hostUrl(t.host), x_http: false };
      break;
    case 'tcp':
      q = {
        ...common,
        http_request: hostUrl(t.host, t.ports[0]),
        tcp_connect: cap(addresses.flatMap((a) => t.ports.map((p) => hostPort(a, p)))),
        x_http: false,
        ...(t.preamble_hex ? { x_tcp_preamble_hex: t.preamble_hex } : {}),
      };
      break;
    case 'tls': {
      const eps = cap(addresses.map((a) => hostPort(a, t.port)));
      q = {
        ...common,
        http_request: hostUrl(t.host, t.port),
        tcp_connect: eps,
        x_http: false,
        x_tls: eps.map((endpoint) => ({ endpoint, sni: t.sni ?? t.host, ...(t.alpn ? { alpn: t.alpn } : {}) })),
      };
      break;
    }
    case 'https':
    case 'websocket': {
      const u = new URL(t.url);
      const port = defaultPort(u);
      const eps = cap(addresses.map((a) => hostPort(a, port)));
      const tls = eps.map((endpoint) => ({ endpoint, sni: urlHost(u), alpn: ['http/1.1'] }));
      q = {
        ...common,
        // For a WebSocket target the plain request goes to the host's root, as the local chain does.
        http_request: t.check === 'https' ? t.url : `https://${u.host}/`,
        http_request_headers: BROWSER_HEADERS,
        tcp_connect: eps,
        x_tls: tls,
        ...(t.check === 'websocket'
          ? { x_websocket: { url: t.url, ...(t.origin ? { origin: t.origin } : {}), addresses: cap(addresses) } }
          : {}),
      };
      break;
    }
    case 'stun': {
      // The catalogue's exchanges, as the probe sends them (a plain Binding as OONI-style stun_binding),
      // every endpoint's first exchange before any endpoint's second, within the helper's bound.
      const udp = exchangesOf(t)
        .flatMap((e) =>
          addresses.flatMap((a) => t.ports.map((p) => ({ endpoint: hostPort(a, p), exchange: udpQuestion(e) }))),
        )
        .slice(0, HELPER_LIMITS.udpExchanges);
      // A relay that is silent for the helper too (one that ignores strangers, or one that is down):
      // how far UDP from outside travels towards it is what can confirm where it stops here
      // (analysis/outside-view.ts). Only then: a relay that answers the helper costs no trace.
      const traces =
        o.traces === false
          ? []
          : [...new Set(udp.map((u) => u.endpoint))]
              .slice(0, HELPER_LIMITS.traces)
              .map((endpoint) => ({ endpoint, protocol: 'udp' as const, if_unanswered: true }));
      q = {
        ...common,
        http_request: hostUrl(t.host),
        x_http: false,
        x_udp: udp,
        ...(traces.length ? { x_trace: traces } : {}),
      };
      break;
    }
    case 'resolver':
    case 'doh':
      return null;
    default:
      return t satisfies never;
  }
  // Built here within the protocol's bounds (test/unit/helper/protocol.test.ts validates every question
  // the shipped catalogue makes); only its two defaults are filled, not a schema pass per target.
  return { http_request_headers: {}, tcp_connect: [], ...q } as HelperRequest;
}

/** Turns a helper's HTTP answer into the recorded exchange: a validated response, or the reason it is not one. */
export function readHelperAnswer(call: {
  status: number | null;
  body: string;
  truncated: boolean;
  failure: HelperExchange['failure'];
}): Pick<HelperExchange, 'status' | 'response' | 'failure' | 'x_reason'> {
  const base = { status: call.status, response: null };
  if (call.failure === 'http_request_failed') {
    let why = call.body.trim().slice(0, 300);
    try {
      const j = JSON.parse(call.body) as { error?: unknown };
      if (typeof j.error === 'string') why = j.error.slice(0, 300);
    } catch {
      /* plain text */
    }
    return { ...base, failure: 'http_request_failed', x_reason: `HTTP ${call.status}${why ? `: ${why}` : ''}` };
  }
  if (call.failure !== null) return { ...base, failure: call.failure };
  if (call.truncated)
    return { ...base, failure: 'x_invalid_response', x_reason: 'the answer is larger than any helper answer can be' };
  let json: unknown;
  try {
    json = JSON.parse(call.body);
  } catch {
    return { ...base, failure: 'x_invalid_response', x_reason: `not JSON: ${JSON.stringify(call.body.slice(0, 80))}` };
  }
  const r = helperResponse.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    return {
      ...base,
      failure: 'x_invalid_response',
      x_reason: `not a helper answer: ${i.path.map(String).join('.') || '(body)'}: ${i.message}`,
    };
  }
  return { status: call.status, response: r.data, failure: null };
}

/**
 * Maps the routers of a helper's traces to their networks with the probe's own ASN database, as the
 * local traces are (a helper's own `asn` fields are not trusted and are replaced).
 */
export async function annotateTraces(traces: NonNullable<HelperResponse['x_trace']>, asnOf?: AsnOf): Promise<void> {
  for (const [key, tr] of Object.entries(traces)) {
    delete tr.destination_asn;
    const dest = await asnOf?.(splitHostPort(key.replace(/^(udp|tcp):/, ''), 0).host);
    if (dest) tr.destination_asn = dest.asn;
    for (const h of tr.hops ?? []) await annotateHop(h, asnOf);
  }
}

/** Why a helper is not asked at all: its health check (OONI's GET) failed. */
interface Health {
  ok: boolean;
  failure: HelperExchange['failure'];
  reason?: string;
}

export class HelperAsker {
  private readonly limits = new Map<string, ReturnType<typeof pLimit>>();
  private readonly health = new Map<string, Promise<Health>>();

  /** Starts each helper's health check at once, in parallel with the run's first steps. */
  constructor(
    private readonly helpers: HelperEndpoint[],
    private readonly steps: StepRunner,
    private readonly o: {
      timeoutMs: number;
      ca?: TrustStore;
      asnOf?: AsnOf;
      /** Ask for path traces (false when the run does not localise). */
      traces?: boolean;
    },
  ) {
    for (const h of helpers) {
      this.limits.set(h.url, pLimit(IN_FLIGHT));
      this.health.set(h.url, this.check(h));
    }
  }

  /**
   * A helper that does not answer its health check within one step timeout is not asked about the
   * targets: a dead or blackholed helper costs the run one step timeout, not one per question.
   */
  private async check(h: HelperEndpoint): Promise<Health> {
    const call = await this.steps.aside((o) =>
      callHelper({ ...o, url: h.url, method: 'GET', ...this.auth(h), maxBytes: 64 * 1024 }),
    );
    if (call.failure === null) return { ok: true, failure: null };
    const read = readHelperAnswer(call);
    return {
      ok: false,
      failure: read.failure,
      reason: `health check failed${read.x_reason ? `: ${read.x_reason}` : ` (${call.failure})`}`,
    };
  }

  private auth(h: HelperEndpoint) {
    return { ...(h.token ? { token: h.token } : {}), ...(this.o.ca ? { ca: this.o.ca } : {}) };
  }

  /**
   * Asks every helper about `t` at `addresses`; resolves with one exchange per helper (none for
   * controls). `notNeeded` withdraws questions still unanswered (the local chains settled it).
   */
  async ask(t: Target, addresses: string[], notNeeded?: AbortSignal): Promise<HelperExchange[]> {
    const request = helperQuestion(t, addresses, this.o.timeoutMs, { traces: this.o.traces !== false });
    if (!request) return [];
    // The helper runs at most two steps in a row (connect and TLS, then the request), plus the trip.
    const budgetMs = 2 * this.o.timeoutMs + 1000;
    return Promise.all(
      this.helpers.map(async (h) => {
        const base = { helper: helperLabel(h.url), request, x_target: t.id };
        const failed = (health: Health): HelperExchange => {
          const now = this.steps.clock();
          return {
            ...base,
            status: null,
            response: null,
            failure: health.failure,
            ...(health.reason ? { x_reason: health.reason } : {}),
            t0: now,
            t: now,
            transaction_id: 0,
          };
        };
        const health = this.health.get(h.url)!;
        // The question goes at once, racing the health check (waiting for it would delay every answer by
        // a round trip); a failed health check withdraws the questions still waiting.
        const withdraw = new AbortController();
        void health.then((x) => !x.ok && withdraw.abort());
        const stop = notNeeded ? AbortSignal.any([withdraw.signal, notNeeded]) : withdraw.signal;
        const asked = this.limits.get(h.url)!(async () => {
          if (withdraw.signal.aborted) return undefined;
          return this.steps.aside(async (o) => {
            const call = await callHelper({
              ...o,
              signal: o.signal ? AbortSignal.any([o.signal, stop]) : stop,
              url: h.url,
              method: 'POST',
              idempotent: true,
              body: request,
              ...this.auth(h),
            });
            const read = readHelperAnswer(call);
            if (read.response?.x_trace) await annotateTraces(read.response.x_trace, this.o.asnOf);
            return {
              ...base,
              ...read,
              t0: call.t0,
              t: call.t,
              transaction_id: o.transactionId,
            } satisfies HelperExchange;
          }, budgetMs);
        });
        const answer = await asked;
        if (answer?.failure === 'interrupted' && notNeeded?.aborted && !withdraw.signal.aborted)
          return { ...answer, x_reason: WITHDRAWN };
        const hx = await health;
        // A question withdrawn because the helper failed its health check is recorded with that reason.
        if (!hx.ok && (answer === undefined || answer.failure === 'interrupted')) return failed(hx);
        return answer ?? failed(hx);
      }),
    );
  }
}
