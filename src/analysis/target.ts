// Judges one catalogue target: its DNS, then each address/port chain layer by layer. The measure
// layer gives every chain its own transaction_id, shared by all observations of that chain.

import { CHECKS } from '../catalogue/checks.js';
import type { ControlNetwork, Target } from '../catalogue/schema.js';
import { hostOf, isInformational, pathOf } from '../catalogue/schema.js';
import type { Observations } from '../model/observations.js';
import type {
  CallEvidence,
  ControlVerdict,
  EvidenceRef,
  Layer,
  LayerVerdict,
  TargetOutcome,
  TargetVerdict,
} from '../model/verdict.js';
import { splitHostPort } from '../util/ip.js';
import { judgeCallChain } from './call.js';
import { type DnsJudgement, judgeDns } from './dns.js';
import { judgeHttp, judgeTcp, judgeTls, judgeWebSocket } from './layers.js';

export interface AnalysisContext {
  controls: ControlVerdict;
  network: Pick<ControlNetwork, 'public_ranges' | 'sinkholes'>;
}

/** The layers a target's chain goes through, in order (the catalogue's table of check types). */
export function layersOf(t: Target): Layer[] {
  const { layers } = CHECKS[t.check];
  // The lookup is a layer when there is a name to look up; a dns check is nothing but its lookup.
  return hostOf(t) || t.check === 'dns' ? [...layers] : layers.filter((l) => l !== 'dns');
}

interface Chain {
  transactionId: number;
  address?: string;
  port?: number;
  layers: LayerVerdict[];
  call?: CallEvidence;
}

function chainsOf(t: Target, obs: Observations, ctx: AnalysisContext, dns: DnsJudgement | undefined): Chain[] {
  const ids = new Set<number>();
  const mine = <T extends { x_target?: string; transaction_id: number }>(xs: T[]) =>
    xs.flatMap((x, index) => (x.x_target === t.id ? [{ x, index }] : []));
  // The connect under a neutral-SNI handshake is evidence for the TLS layer, not the target's own connect.
  const tcp = mine(obs.tcp_connect).filter((e) => e.x.x_purpose !== 'neutral_sni');
  const tls = mine(obs.tls_handshakes);
  const http = mine(obs.requests);
  const ws = mine(obs.x_websocket);
  const stun = mine(obs.x_stun);
  const traces = mine(obs.x_traces ?? []);
  for (const group of [tcp, tls, http, ws, stun]) for (const { x } of group) ids.add(x.transaction_id);

  const chains: Chain[] = [];
  for (const id of [...ids].sort((a, b) => a - b)) {
    const layers: LayerVerdict[] = [];
    const ref = (key: EvidenceRef['key'], index: number): EvidenceRef => ({ key, index });
    const c = tcp.find((e) => e.x.transaction_id === id);
    const st = stun.filter((e) => e.x.transaction_id === id);
    let address: string | undefined;
    let port: number | undefined;
    let call: CallEvidence | undefined;
    if (st.length && t.check === 'stun') {
      ({ host: address, port } = splitHostPort(st[0]!.x.address, 0));
      const j = judgeCallChain({
        target: t,
        exchanges: st,
        traces: traces.filter((e) => e.x.transaction_id === id),
        controls: ctx.controls,
      });
      layers.push(...j.layers);
      call = j.call;
    }
    if (c) {
      address = c.x.ip;
      port = c.x.port;
      layers.push(judgeTcp(c.x, ref('tcp_connect', c.index), ctx.controls));
    }
    const hs = tls.find((e) => e.x.transaction_id === id && e.x.x_sni_kind === 'target');
    const neutral = tls.find((e) => e.x.transaction_id === id && e.x.x_sni_kind === 'neutral');
    if (hs && c?.x.status.success) {
      layers.push(
        judgeTls(
          hs.x,
          ref('tls_handshakes', hs.index),
          neutral && { h: neutral.x, ref: ref('tls_handshakes', neutral.index) },
          { controls: ctx.controls, controlAddrs: dns?.controlAddrs ?? [] },
        ),
      );
    }
    const req = http.find((e) => e.x.transaction_id === id);
    if (req) layers.push(judgeHttp(req.x, ref('requests', req.index), ctx.controls));
    const up = ws.find((e) => e.x.transaction_id === id);
    if (up && t.check === 'websocket') {
      const httpOk = req?.x.response != null;
      layers.push(judgeWebSocket(up.x, ref('x_websocket', up.index), t.expect_status, httpOk, ctx.controls));
    }
    chains.push({ transactionId: id, address, port, layers, ...(call ? { call } : {}) });
  }
  return chains;
}

/** Status of a chain: the first blocked layer decides; otherwise failed, then inconclusive, then ok. */
function combine(layers: LayerVerdict[]): TargetOutcome & { reason: string } {
  const b = layers.find((l) => l.status === 'blocked');
  if (b) {
    const after = layers.slice(layers.indexOf(b) + 1).filter((l) => l.status === 'ok');
    const dnsOnly =
      b.layer === 'dns' && after.length > 0 ? ' — the address from the neutral resolvers works: DNS-only blocking' : '';
    return { status: 'blocked', technique: b.technique, strength: b.strength, reason: b.reason + dnsOnly };
  }
  for (const s of ['failed', 'inconclusive'] as const) {
    const l = layers.find((x) => x.status === s);
    if (l) return { status: s, reason: l.reason };
  }
  const last = layers[layers.length - 1];
  return { status: 'ok', reason: last ? last.reason : 'ok' };
}

/** Fills in the layers a chain did not reach as `skipped`, so every verdict shows the full ladder. */
function withSkipped(expected: Layer[], layers: LayerVerdict[]): LayerVerdict[] {
  const have = new Set(layers.map((l) => l.layer));
  const out = [...layers];
  for (const l of expected)
    if (!have.has(l))
      out.push({ layer: l, status: 'skipped', reason: 'not reached: an earlier layer failed', evidence: [] });
  const order = new Map(expected.map((l, i) => [l, i]));
  return out.sort((a, b) => (order.get(a.layer) ?? 99) - (order.get(b.layer) ?? 99));
}

export function judgeTarget(
  t: Target,
  obs: Observations,
  ctx: AnalysisContext,
  dnsCache = new Map<string, DnsJudgement>(),
): TargetVerdict[] {
  const host = hostOf(t);
  let dns: DnsJudgement | undefined;
  if (host) {
    dns = dnsCache.get(host) ?? judgeDns(host, obs, ctx.controls, ctx.network);
    dnsCache.set(host, dns);
  }
  const expected = layersOf(t);
  const base = {
    target: t.id,
    role: t.role,
    path: pathOf(t),
    ...(t.group ? { group: t.group } : {}),
    ...(host ? { host } : {}),
    informational: isInformational(t),
  };
  const chains = t.check === 'dns' ? [] : chainsOf(t, obs, ctx, dns);
  if (chains.length === 0) {
    const layers = withSkipped(expected, dns ? [dns.verdict] : []);
    const dnsOk = !dns || dns.verdict.status === 'ok';
    const notReached = t.check !== 'dns' && dnsOk;
    const c = combine(layers.filter((l) => l.status !== 'skipped'));
    if (notReached) {
      return [
        {
          ...base,
          status: 'inconclusive',
          layers,
          reason: 'no connection was attempted (run interrupted or no usable address)',
        },
      ];
    }
    return [{ ...base, ...c, layers }];
  }
  return chains.map((ch) => {
    const layers = withSkipped(expected, [...(dns ? [dns.verdict] : []), ...ch.layers]);
    return {
      ...base,
      ...(ch.address ? { address: ch.address } : {}),
      ...(ch.port ? { port: ch.port } : {}),
      ...combine(layers.filter((l) => l.status !== 'skipped')),
      layers,
      ...(ch.call ? { call: ch.call } : {}),
    };
  });
}
