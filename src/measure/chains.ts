// Turns one catalogue target into network steps: for each chosen address (and port), the layers in
// order (TCP, TLS, then HTTP or the WebSocket upgrade; or a STUN exchange). A later layer runs only if
// the one before worked; a failed TLS handshake is repeated with a neutral SNI to the same address.

import { performance } from 'node:perf_hooks';
import { exchangesOf, pathOf, type StunTarget, type Target } from '../catalogue/schema.js';
import type { Observations, TlsHandshake } from '../model/observations.js';
import { defaultPort, httpsGet, stunExchange, tcpConnect, tlsHandshake, urlHost, wsUpgrade } from '../net/index.js';
import type { StepOptions } from '../net/types.js';
import type { Localiser } from './localise.js';
import type { StepRunner } from './steps.js';

export interface ChainContext {
  steps: StepRunner;
  neutralSni: string;
  /** Path localisation for relays that stay silent; absent: exchanges only (the controls, tests). */
  localiser?: Localiser;
}

/** Why exchanges that no live relay is known to answer stop waiting once the path is seen open. */
export const PATH_OPEN_REASON = "path open: a router of the relay's network answered the UDP probes";

/**
 * True when every relay chain of a STUN target got positive evidence here (an answer, or the path
 * shown open by localisation): an outside view could change nothing then (a helper's word never
 * makes a working path blocked), so the question to the helpers may be withdrawn.
 */
export function relayPathsShownOpen(t: Target, obs: Observations): boolean {
  if (t.check !== 'stun') return false;
  const chains = new Map<number, boolean>();
  for (const x of obs.x_stun) {
    if (x.x_target !== t.id) continue;
    const positive = x.response !== null || x.x_ended_early === PATH_OPEN_REASON;
    chains.set(x.transaction_id, (chains.get(x.transaction_id) ?? false) || positive);
  }
  return chains.size > 0 && [...chains.values()].every(Boolean);
}

/**
 * Every exchange of a STUN target to one address and port, at once (each on its own socket), plus path
 * localisation when none is answered within the hedge. All of it shares the chain's transaction id.
 */
async function relayChain(
  o: StepOptions,
  ctx: ChainContext,
  obs: Observations,
  t: StunTarget,
  ip: string,
  port: number,
): Promise<void> {
  const cancel = new AbortController();
  const pathOpen = new AbortController();
  const exchanges = exchangesOf(t).map((e) =>
    stunExchange({
      ...o,
      ip,
      port,
      request: e.request,
      exchangeId: e.id,
      // Waiting for an answer nobody is known to give stops once the path is shown open.
      ...(e.answer ? {} : { endEarly: pathOpen.signal }),
    }).then((r) => {
      // An answer (or an ICMP refusal from the host) says more than any trace: no localisation needed.
      if (r.response || r.failure === 'connection_refused') cancel.abort();
      return r;
    }),
  );
  // Call relays are localised (the controls have their own rules); unverified ones too, so that their
  // exchanges also stop waiting once the path is seen open, though they are never counted.
  const located =
    ctx.localiser && pathOf(t) === 'call'
      ? ctx.localiser.locate({
          ip,
          port,
          target: t.id,
          transactionId: o.transactionId,
          cancel: cancel.signal,
          onRelayNetwork: () => pathOpen.abort(PATH_OPEN_REASON),
        })
      : Promise.resolve([]);
  const results = await Promise.all(exchanges);
  obs.x_stun.push(...results);
  const traces = await located;
  // A trace that raced an answer says nothing the answer does not: kept only when nothing answered.
  if (!results.some((r) => r.response)) obs.x_traces.push(...traces);
}

/**
 * TLS to one address with the target's SNI, and with the neutral SNI when the handshake itself failed.
 * The neutral handshake starts as soon as the target's has failed, or once the target's has been
 * pending for half the step timeout (a silent server, or DPI dropping the ClientHello): then both run
 * together and the neutral one gets the time the target's has left, so a silent address costs one
 * step timeout, not two. A hedged neutral handshake is kept only if the target's one then fails after
 * connecting; otherwise it is cancelled and not recorded.
 */
async function handshake(
  o: StepOptions,
  ctx: ChainContext,
  obs: Observations,
  ip: string,
  port: number,
  sni: string,
  alpn?: string[],
): Promise<TlsHandshake | null> {
  const started = performance.now();
  const neutral = (extra: Partial<StepOptions> = {}) =>
    tlsHandshake({ ...o, ...extra, ip, port, sni: ctx.neutralSni, ca: ctx.steps.ca, sniKind: 'neutral' });
  const cancel = new AbortController();
  let hedged: ReturnType<typeof neutral> | undefined;
  const hedgeAfterMs = Math.floor(o.timeoutMs / 2);
  const timer = setTimeout(() => {
    if (o.signal?.aborted) return;
    const left = Math.max(1, Math.round(o.timeoutMs - (performance.now() - started)));
    hedged = neutral({
      timeoutMs: left,
      signal: o.signal ? AbortSignal.any([o.signal, cancel.signal]) : cancel.signal,
    });
  }, hedgeAfterMs);
  const r = await tlsHandshake({ ...o, ip, port, sni, ...(alpn ? { alpn } : {}), ca: ctx.steps.ca, sniKind: 'target' });
  clearTimeout(timer);
  obs.tcp_connect.push(r.tcp);
  if (r.tls) obs.tls_handshakes.push(r.tls);
  if (
    r.tls &&
    r.tls.failure !== null &&
    r.tls.x_failed_operation === 'tls_handshake' &&
    r.tls.failure !== 'interrupted'
  ) {
    const n = await (hedged ?? neutral());
    obs.tcp_connect.push({ ...n.tcp, x_purpose: 'neutral_sni' });
    if (n.tls) obs.tls_handshakes.push(n.tls);
  } else if (hedged) {
    cancel.abort();
    await hedged;
  }
  return r.tls ?? null;
}

/** Runs every chain of a target against the given addresses, appending observations to `obs`. */
export async function measureTarget(
  t: Target,
  addresses: string[],
  ctx: ChainContext,
  obs: Observations,
): Promise<void> {
  const { steps } = ctx;
  const jobs: Promise<void>[] = [];
  for (const ip of addresses) {
    switch (t.check) {
      case 'tcp': {
        const preamble = t.preamble_hex ? Buffer.from(t.preamble_hex, 'hex') : undefined;
        for (const port of t.ports) {
          jobs.push(
            steps.chain(t.id, async (o) => {
              obs.tcp_connect.push(await tcpConnect({ ...o, ip, port, ...(preamble ? { preamble } : {}) }));
            }),
          );
        }
        break;
      }
      case 'tls':
        jobs.push(
          steps.chain(t.id, async (o) => {
            await handshake(o, ctx, obs, ip, t.port, t.sni ?? t.host, t.alpn);
          }),
        );
        break;
      case 'https':
      case 'websocket': {
        const u = new URL(t.url);
        const port = defaultPort(u);
        const host = urlHost(u);
        jobs.push(
          steps.chain(t.id, async (o) => {
            const h = await handshake(o, ctx, obs, ip, port, host, ['http/1.1']);
            if (!h || h.failure !== null) return;
            // For a WebSocket target, a plain HTTPS request to the same host comes first: if it works
            // and the upgrade does not, the upgrade itself is being interfered with.
            const url = t.check === 'https' ? t.url : `https://${u.host}/`;
            const req = await httpsGet({ ...o, url, ip, ca: steps.ca });
            obs.requests.push(req);
            if (t.check === 'websocket' && req.failure !== 'interrupted') {
              obs.x_websocket.push(
                await wsUpgrade({ ...o, url: t.url, ip, ca: steps.ca, ...(t.origin ? { origin: t.origin } : {}) }),
              );
            }
          }),
        );
        break;
      }
      case 'stun':
        for (const port of t.ports) jobs.push(steps.chain(t.id, (o) => relayChain(o, ctx, obs, t, ip, port)));
        break;
      // A dns check is its lookup (src/measure/resolve.ts); resolver checks are asked by every lookup.
      case 'dns':
      case 'resolver':
      case 'doh':
        break;
      default:
        t satisfies never;
    }
  }
  await Promise.all(jobs);
}
