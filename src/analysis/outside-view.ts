// The verdict rules that use a helper's outside view. Pure: target verdicts (judged from the local
// observations alone, by target.ts) plus the recorded helper exchanges in, revised verdicts out.
//
// The rules:
// - A step that failed here and worked from outside is blocked on this network, strong, and the
//   technique names the local failure (a reset or refusal of the SYN, ICMP unreachable or
//   prohibited, a timeout, a DNS failure, a reset handshake...).
// - A step that failed here and fails from outside too is an outage (the far end is down or refuses
//   everyone): `failed`, never blocked, and said plainly. Only a helper that showed it can reach
//   something (one step of the same measurement worked from there) may confirm an outage; a helper
//   for which nothing works proves nothing.
// - A helper's word alone never makes anything blocked: a step that worked here stays `ok` whatever a
//   helper says, and only a failure observed here can become `blocked`.
// - A helper that cannot be reached or answers nonsense changes nothing; the service verdict says why
//   it was not used (`helpers`).
// - Local evidence that does not rest on a step failing (a forged DNS answer, two replies to one query;
//   STUN silence on a port or for STUN as a whole that the neutral controls show) is not overturned
//   by a helper that fails too.

import { answersKnown, type Target } from '../catalogue/schema.js';
import type { Failure } from '../model/failure.js';
import type { HelperExchange, Observations } from '../model/observations.js';
import type {
  ControlVerdict,
  EvidenceRef,
  HelperUse,
  Layer,
  LayerVerdict,
  OutsideView,
  PathVerdict,
  TargetOutcome,
  TargetVerdict,
  Technique,
} from '../model/verdict.js';
import { type HelperResponse, NOT_SUPPORTED } from '../protocol/helper.js';
import { hostPort } from '../util/ip.js';
import { portOf } from './controls.js';

/** Failures that come from this machine itself, not from the path: no helper can explain them. */
const LOCAL_ONLY = new Set([
  'interrupted',
  'address_family_not_supported',
  'address_not_available',
  'permission_denied',
  'network_down',
]);

/** DNS verdicts that rest on what came back (a forged or injected answer), not on a lookup failing. */
const DNS_SIGNATURES = new Set<Technique | undefined>(['dns.injection', 'dns.bogus_answer']);

const TCP_TECHNIQUE: Record<string, Technique> = {
  connection_refused: 'tcp.refused',
  host_unreachable: 'tcp.unreachable',
  network_unreachable: 'tcp.unreachable',
  generic_timeout_error: 'tcp.timeout',
  connection_reset: 'tcp.reset',
};

interface StepOutcome {
  outcome: 'works' | 'fails';
  failure?: string;
  helper: string;
  index: number;
}

/** What one helper's answer says about one step of one chain; undefined when it says nothing. */
function stepOutcome(
  layer: Layer,
  tv: TargetVerdict,
  r: HelperResponse,
  expectStatus: number,
): Omit<StepOutcome, 'helper' | 'index'> | undefined {
  const ep = tv.address && tv.port ? hostPort(tv.address, tv.port) : undefined;
  const works = { outcome: 'works' as const };
  const fails = (failure: string | null | undefined) => ({
    outcome: 'fails' as const,
    failure: failure ?? 'unknown_failure: no failure given',
  });
  switch (layer) {
    case 'dns':
      if (r.dns.addrs.length > 0) return works;
      return fails(r.dns.x_failure ?? r.dns.failure ?? 'dns_no_answer');
    case 'tcp': {
      const c = ep ? r.tcp_connect[ep] : undefined;
      if (!c) return undefined;
      if (!c.status) return fails(c.failure);
      // The local failure may be a reset after the preamble: compare with what happened there after it.
      if (c.x_after_write?.failure === 'connection_reset') return fails('connection_reset');
      return works;
    }
    case 'tls': {
      const h = ep ? r.tls_handshake?.[ep] : undefined;
      if (h) return h.status ? works : fails(h.failure);
      const c = ep ? r.tcp_connect[ep] : undefined;
      return c && !c.status ? fails(c.failure) : undefined;
    }
    case 'http': {
      const h = r.http_request;
      if (h.failure === 'x_not_requested' || h.failure === 'x_refused') return undefined;
      return h.status_code > 0 && h.failure === null ? works : fails(h.failure);
    }
    case 'websocket': {
      const w = tv.address ? r.x_websocket?.[tv.address] : undefined;
      if (!w) return undefined;
      return w.status === expectStatus ? works : fails(w.failure ?? `http status ${w.status}`);
    }
    case 'stun': {
      // Every exchange asked at this endpoint (`endpoint`, or `endpoint/id` for a described one): any
      // answer proves the relay heard; fails only when every exchange the helper could make failed.
      const us = ep
        ? Object.entries(r.x_udp ?? {}).filter(
            ([k, u]) =>
              (k === ep || k.startsWith(`${ep}/`)) &&
              u.failure !== NOT_SUPPORTED &&
              !u.failure?.startsWith('x_invalid_exchange'),
          )
        : [];
      if (us.length === 0) return undefined;
      if (us.some(([, u]) => u.response)) return works;
      return fails(us[0]![1].failure);
    }
    // Helpers do not trace paths yet (they answer x_trace "not supported").
    case 'path':
      return undefined;
    default:
      return layer satisfies never;
  }
}

/** True when at least one step of this answer worked from the helper: it can reach the world. */
export function answerShowsReach(r: HelperResponse): boolean {
  return (
    r.dns.addrs.length > 0 ||
    Object.values(r.tcp_connect).some((c) => c.status) ||
    Object.values(r.tls_handshake ?? {}).some((h) => h.status) ||
    (r.http_request.status_code > 0 && r.http_request.failure === null) ||
    Object.values(r.x_websocket ?? {}).some((w) => w.status !== null) ||
    Object.values(r.x_udp ?? {}).some((u) => u.response !== null)
  );
}

/** Per helper: how many questions, how many valid answers, and whether its answers can decide anything. */
export function helperUse(exchanges: HelperExchange[]): HelperUse[] {
  const by = new Map<string, HelperExchange[]>();
  for (const x of exchanges) by.set(x.helper, [...(by.get(x.helper) ?? []), x]);
  return [...by].map(([helper, xs]) => {
    const valid = xs.filter((x) => x.response !== null);
    const reach = valid.some((x) => answerShowsReach(x.response!));
    let reason: string;
    if (valid.length === 0) {
      const first = xs[0]!;
      reason = `not used: no valid answer (${first.failure}${first.x_reason ? `: ${first.x_reason}` : ''})`;
    } else if (!reach)
      reason = `not used: ${valid.length} answer(s), but nothing worked from there either, so its failures prove nothing`;
    else
      reason = `used: ${valid.length} of ${xs.length} answered${valid.length < xs.length ? ` (${xs.length - valid.length} failed: ${xs.find((x) => x.response === null)!.failure})` : ''}`;
    return { helper, asked: xs.length, answered: valid.length, used: valid.length > 0 && reach, reason };
  });
}

/** The deciding layer: the first that is not ok (blocked, failed or inconclusive), else none. */
function decidingLayer(tv: TargetVerdict): LayerVerdict | undefined {
  return tv.layers.find((l) => l.status === 'blocked' || l.status === 'failed' || l.status === 'inconclusive');
}

/** The failure behind a local layer verdict, for the DNS layer read back from the queries. */
function localFailure(l: LayerVerdict, tv: TargetVerdict, obs: Observations): NonNullable<Failure> | undefined {
  if (l.failure) return l.failure;
  if (l.layer !== 'dns' || !tv.host) return undefined;
  const local = obs.queries.filter((q) => q.hostname === tv.host && q.x_resolver_role === 'local');
  const failures = local.map((q) => q.failure).filter((f): f is NonNullable<typeof f> => f !== null);
  if (local.length === 0 || failures.length < local.length) return undefined;
  return failures.find((f) => f !== 'interrupted') ?? failures[0];
}

function techniqueFor(l: LayerVerdict, failure: string): Technique | undefined {
  switch (l.layer) {
    case 'tcp':
      return TCP_TECHNIQUE[failure] ?? l.technique;
    case 'dns':
      return (
        l.technique ??
        (
          {
            dns_nxdomain_error: 'dns.nxdomain',
            dns_no_answer: 'dns.no_answer',
            dns_refused_error: 'dns.refused',
            dns_servfail_error: 'dns.servfail',
            generic_timeout_error: 'dns.timeout',
          } as Record<string, Technique>
        )[failure]
      );
    case 'tls':
      return (
        l.technique ??
        (failure === 'generic_timeout_error'
          ? 'tls.timeout'
          : failure === 'ssl_failed_handshake'
            ? 'tls.failure'
            : failure.startsWith('ssl_')
              ? 'tls.cert_invalid'
              : 'tls.reset')
      );
    case 'http':
      return 'http.failure';
    case 'websocket':
      return 'ws.upgrade_failed';
    case 'stun':
      return failure === 'connection_refused' ? 'udp.refused' : 'udp.no_response';
    // Never reached: no helper answers about the path layer (stepOutcome).
    case 'path':
      return undefined;
    default:
      return l.layer satisfies never;
  }
}

const STEP_NAME: Record<Layer, string> = {
  dns: 'lookup',
  tcp: 'connect',
  tls: 'TLS handshake',
  http: 'request',
  websocket: 'upgrade',
  stun: 'STUN exchange',
  path: 'path trace',
};

export interface OutsideContext {
  controls: ControlVerdict;
  /** The helpers whose answers may decide (see helperUse). */
  usable: Set<string>;
}

/** One target verdict (one chain) revised with the outside view. */
export function withOutsideView(t: Target, tv: TargetVerdict, obs: Observations, ctx: OutsideContext): TargetVerdict {
  const exchanges = (obs.x_helper ?? [])
    .map((x, index) => ({ x, index }))
    .filter(({ x }) => x.x_target === tv.target && x.response !== null && ctx.usable.has(x.helper));
  if (!obs.x_helper?.some((x) => x.x_target === tv.target)) return tv;
  const l = decidingLayer(tv) ?? tv.layers.filter((x) => x.status === 'ok').at(-1);
  const unknown: TargetVerdict = { ...tv, outside: { outcome: 'unknown', helpers: [] } };
  if (!l) return unknown;
  const expectStatus = t.check === 'websocket' ? t.expect_status : 101;
  const outcomes: StepOutcome[] = [];
  for (const { x, index } of exchanges) {
    const o = stepOutcome(l.layer, tv, x.response!, expectStatus);
    if (o && !(o.outcome === 'fails' && o.failure === 'interrupted')) outcomes.push({ ...o, helper: x.helper, index });
  }
  const works = outcomes.filter((o) => o.outcome === 'works');
  const fails = outcomes.filter((o) => o.outcome === 'fails');
  const refs: EvidenceRef[] = outcomes.map((o) => ({ key: 'x_helper', index: o.index }));
  if (works.length === 0 && fails.length === 0) return unknown;
  const outside: OutsideView = works.length
    ? { outcome: 'works', helpers: works.map((o) => o.helper) }
    : { outcome: 'fails', helpers: fails.map((o) => o.helper), failure: fails[0]!.failure! };
  if (l.status === 'ok') return { ...tv, outside };

  // The step did not work here. Only a failure observed on this network may become blocked.
  const failure = localFailure(l, tv, obs);
  const eligible = failure !== undefined && !LOCAL_ONLY.has(failure) && ctx.controls.network !== 'down';
  if (!eligible) return { ...tv, outside };
  const where = tv.address ? `${tv.address}${tv.port ? `:${tv.port}` : ''}` : (tv.host ?? tv.target);
  const replace = (nl: LayerVerdict, outcome: TargetOutcome): TargetVerdict => {
    const layers = tv.layers.map((x) => (x === l ? nl : x));
    const { technique: _t, strength: _s, ...rest } = tv;
    return { ...rest, ...outcome, layers, reason: nl.reason, outside };
  };

  if (outside.outcome === 'works') {
    // A relay the catalogue says ignores strangers cannot answer a helper either: such a claim is a
    // stale catalogue or a helper that lies, and decides nothing (localisation, not the helper, speaks for it).
    if (l.layer === 'stun' && t.check === 'stun' && !answersKnown(t)) {
      return {
        ...tv,
        outside,
        reason: `${tv.reason}; a helper (${works.map((o) => o.helper).join(', ')}) says this relay answered it, though the catalogue says it ignores strangers: not used`,
      };
    }
    const technique = techniqueFor(l, failure);
    if (!technique) return { ...tv, outside };
    const reason = `${l.reason}; from outside (${works.map((o) => o.helper).join(', ')}) the same ${STEP_NAME[l.layer]} to ${where} worked: blocked on this network`;
    const nl: LayerVerdict = {
      ...l,
      status: 'blocked',
      technique,
      strength: 'strong',
      failure,
      reason,
      evidence: [...l.evidence, ...refs],
    };
    return replace(nl, { status: 'blocked', technique, strength: 'strong' });
  }

  // Fails from outside too: an outage, unless the local evidence does not rest on the step failing.
  if (l.layer === 'dns' && (DNS_SIGNATURES.has(l.technique) || l.status === 'blocked')) return { ...tv, outside };
  if (l.layer === 'stun' && l.status !== 'failed') {
    const port = tv.port ?? (tv.address ? portOf(tv.address) : 0);
    const st = ctx.controls.stun;
    const controlsShowIt =
      st.classification === 'signature_blocked' ||
      (st.classification === 'port_blocked' && st.blocked_ports.includes(port));
    // Silence from a relay not known to answer strangers is what everyone gets: nothing to confirm.
    if (controlsShowIt || l.status === 'inconclusive') return { ...tv, outside };
  }
  const reason = `${l.reason}; from outside (${fails.map((o) => o.helper).join(', ')}) the same ${STEP_NAME[l.layer]} to ${where} fails too (${outside.failure}): the far end is down or refuses everyone — an outage, not censorship`;
  const nl: LayerVerdict = { layer: l.layer, status: 'failed', failure, reason, evidence: [...l.evidence, ...refs] };
  return replace(nl, { status: 'failed' });
}

/** Revises every target verdict of a service with the outside view; the helpers' use goes beside them. */
export function applyOutsideView(
  targets: Target[],
  verdicts: TargetVerdict[],
  obs: Observations,
  controls: ControlVerdict,
): { targets: TargetVerdict[]; helpers: HelperUse[] | undefined } {
  if (!obs.x_helper) return { targets: verdicts, helpers: undefined };
  const helpers = helperUse(obs.x_helper);
  const ctx: OutsideContext = { controls, usable: new Set(helpers.filter((h) => h.used).map((h) => h.helper)) };
  const byId = new Map(targets.map((t) => [t.id, t]));
  return {
    targets: verdicts.map((tv) => (byId.has(tv.target) ? withOutsideView(byId.get(tv.target)!, tv, obs, ctx) : tv)),
    helpers,
  };
}

/** Marks a path whose every counted target fails from outside too: an outage, said in its reason. */
export function markOutage(p: PathVerdict, targets: TargetVerdict[]): PathVerdict {
  const ts = targets.filter((t) => !t.informational && t.path === p.path);
  if (p.counts.ok > 0 || p.counts.blocked > 0 || ts.length === 0) return p;
  const failed = ts.filter((t) => t.status === 'failed');
  if (failed.length === 0 || !failed.every((t) => t.outside?.outcome === 'fails')) return p;
  const helpers = [...new Set(failed.flatMap((t) => t.outside!.helpers))].join(', ');
  return {
    ...p,
    outage: true,
    reason: `outage: ${failed.length}/${ts.length} fail here and from outside too (${helpers}): the service is down or refusing everyone, not blocked`,
  };
}
