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
  EvidenceStrength,
  HelperUse,
  Layer,
  LayerVerdict,
  OutsideView,
  PathVerdict,
  TargetOutcome,
  TargetVerdict,
  Technique,
} from '../model/verdict.js';
import type { HelperResponse } from '../protocol/helper.js';
import { NOT_SUPPORTED, WITHDRAWN } from '../protocol/helper-words.js';
import { hostPort } from '../util/ip.js';
import { judgeLocalisation, judgeOutsideTrace, localisationOf, neutralGoesBeyond } from './call.js';
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
    // A helper's traces speak through withOutsidePath (relays that ignore strangers), not step by step.
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
    Object.values(r.x_udp ?? {}).some((u) => u.response !== null) ||
    Object.values(r.x_trace ?? {}).some((t) => t.reached === true)
  );
}

/** Per helper: how many questions, how many valid answers, and whether its answers can decide anything. */
export function helperUse(exchanges: HelperExchange[]): HelperUse[] {
  const by = new Map<string, HelperExchange[]>();
  // A question the probe withdrew (its own chains settled it) is neither asked nor failed.
  for (const x of exchanges) if (x.x_reason !== WITHDRAWN) by.set(x.helper, [...(by.get(x.helper) ?? []), x]);
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
      // A technique the local evidence already named (an address- or port-based drop) stays.
      return l.technique ?? (failure === 'connection_refused' ? 'udp.refused' : 'udp.no_response');
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
  // Silence from a relay that ignores strangers is what a helper gets too: only how far its probes
  // travel can speak for such a relay (a refusal, `failed`, is judged like any step below).
  if (l.layer === 'stun' && t.check === 'stun' && !answersKnown(t) && l.status !== 'failed')
    return withOutsidePath(tv, l, obs, exchanges, ctx, { mayBlock: true });
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
  if (!mayRevise(failure, ctx)) return { ...tv, outside };
  const where = tv.address ? `${tv.address}${tv.port ? `:${tv.port}` : ''}` : (tv.host ?? tv.target);
  const replace = (nl: LayerVerdict, outcome: TargetOutcome) => revised(tv, l, nl, outcome, outside);

  if (outside.outcome === 'works') {
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
    if (controlsShowIt) return { ...tv, outside };
    // Not judged here (where packets stop says neither blocked nor open): only the helpers' traces can
    // tell an unreachable relay network from one that is merely silent.
    if (l.status === 'inconclusive' && t.check === 'stun')
      return withOutsidePath(tv, l, obs, exchanges, ctx, { mayBlock: false, outside });
    if (l.status === 'inconclusive') return { ...tv, outside };
  }
  const reason = `${l.reason}; from outside (${fails.map((o) => o.helper).join(', ')}) the same ${STEP_NAME[l.layer]} to ${where} fails too (${outside.failure}): the far end is down or refuses everyone — an outage, not censorship`;
  const nl: LayerVerdict = { layer: l.layer, status: 'failed', failure, reason, evidence: [...l.evidence, ...refs] };
  return replace(nl, { status: 'failed' });
}

/** A local failure an outside view may explain: one of the path, not of this machine, on a network that is up. */
function mayRevise(failure: string | null | undefined, ctx: OutsideContext): failure is string {
  return failure !== undefined && failure !== null && !LOCAL_ONLY.has(failure) && ctx.controls.network !== 'down';
}

/** The target verdict with its layer `l` replaced by `nl`, its status by `outcome` (`suffix` added to the reason). */
function revised(
  tv: TargetVerdict,
  l: LayerVerdict,
  nl: LayerVerdict,
  outcome: TargetOutcome,
  outside: OutsideView,
  suffix = '',
): TargetVerdict {
  const layers = tv.layers.map((x) => (x === l ? nl : x));
  const { technique: _t, strength: _s, ...rest } = tv;
  return { ...rest, ...outcome, layers, reason: `${nl.reason}${suffix}`, outside };
}

type Answer = { x: HelperExchange; index: number };

/**
 * A relay that ignores strangers, with the helpers' traces towards the same relay port. The local
 * localisation (call.ts) decides where packets stop here; a helper's probes entering the relay's
 * network show that nothing beyond this network stops them:
 * - stopped here (compared with another protocol) and open from outside: blocked, strong;
 * - stopped inside this network without a comparison, open from outside: blocked, strong (weak when
 *   the stopping router's network is unknown, or lies beyond this network);
 * - unreachable here beyond this network and from outside too: the relay's network is down, an outage;
 * - anything else keeps the local verdict and says what the helpers saw.
 * A helper's claim that the relay answered it contradicts the catalogue and decides nothing.
 */
function withOutsidePath(
  tv: TargetVerdict,
  l: LayerVerdict,
  obs: Observations,
  exchanges: Answer[],
  ctx: OutsideContext,
  o: {
    /** False for a relay known to answer that was silent for the helpers too: traces may only confirm an outage. */
    mayBlock: boolean;
    /** What the helpers' exchanges said, kept when their traces say nothing. */
    outside?: OutsideView;
  },
): TargetVerdict {
  const ep = tv.address && tv.port ? hostPort(tv.address, tv.port) : undefined;
  const unknown: TargetVerdict = { ...tv, outside: o.outside ?? { outcome: 'unknown', helpers: [] } };
  if (!ep) return unknown;
  const claims = exchanges.filter(({ x }) =>
    Object.entries(x.response!.x_udp ?? {}).some(([k, u]) => (k === ep || k.startsWith(`${ep}/`)) && u.response),
  );
  const note = claims.length
    ? `; a helper (${claims.map(({ x }) => x.helper).join(', ')}) says this relay answered it, though the catalogue says it ignores strangers: not used`
    : '';
  const local = localisationOf(
    (obs.x_traces ?? []).filter((t) => t.x_target === tv.target),
    ep,
  );
  const relayAsn =
    local.udp?.destination_asn ??
    exchanges.map(({ x }) => x.response!.x_trace?.[`udp:${ep}`]?.destination_asn).find((a) => a !== undefined);
  const seen = exchanges.flatMap(({ x, index }) => {
    const tr = x.response!.x_trace?.[`udp:${ep}`];
    return tr ? [{ helper: x.helper, index, f: judgeOutsideTrace(tr, relayAsn) }] : [];
  });
  const open = seen.filter((o) => o.f.kind === 'open');
  const closed = seen.filter((o) => o.f.kind === 'closed');
  const helpers = (xs: typeof seen) => xs.map((o) => o.helper).join(', ');
  const refs = (xs: typeof seen): EvidenceRef[] => xs.map((o) => ({ key: 'x_helper', index: o.index }));
  const how = (xs: typeof seen) => xs.map((o) => (o.f.kind === 'unknown' ? o.f.why : o.f.how)).join('; ');
  const keep = (outside: OutsideView, words: string): TargetVerdict => ({
    ...tv,
    outside,
    reason: `${tv.reason}${words}${note}`,
  });
  if (claims.length && seen.length === 0)
    return keep({ outcome: 'works', helpers: claims.map(({ x }) => x.helper) }, '');
  if (seen.length === 0) return { ...unknown, reason: `${tv.reason}${note}` };
  const unclear = seen.filter((o) => o.f.kind === 'unknown');
  if (open.length === 0 && closed.length === 0)
    return keep(
      o.outside ?? { outcome: 'unknown', helpers: [] },
      `; from outside (${helpers(unclear)}) ${how(unclear)}`,
    );

  const finding = local.udp ? judgeLocalisation(local) : undefined;
  const revise = (nl: LayerVerdict, outcome: TargetOutcome, outside: OutsideView) =>
    revised(tv, l, nl, outcome, outside, note);
  const eligible = mayRevise(l.failure, ctx) && ctx.controls.udp.ok;

  if (open.length) {
    const outside: OutsideView = { outcome: 'works', helpers: open.map((o) => o.helper) };
    const words = `; from outside (${helpers(open)}) ${how(open)}`;
    if (l.status === 'ok' || !eligible || !finding || !o.mayBlock) return keep(o.outside ?? outside, words);
    const block = (technique: Technique, strength: EvidenceStrength, why: string): TargetVerdict =>
      revise(
        {
          ...l,
          status: 'blocked',
          technique,
          strength,
          reason: `${l.reason}${words}: ${why}`,
          evidence: [...l.evidence, ...refs(open)],
        },
        { status: 'blocked', technique, strength },
        outside,
      );
    switch (finding.kind) {
      case 'stopped':
        return block(finding.technique, 'strong', 'the stop is on this side, blocked on this network');
      case 'unknown':
      case 'unreachable': {
        // The stop here means something only if UDP on the same port goes further elsewhere (else the
        // routers beyond it answer no probe from here at all).
        if (!finding.where || neutralGoesBeyond(local, finding.where.hop) !== true) break;
        if (finding.kind === 'unknown' && finding.where.network === 'vantage')
          return block(
            'udp.address_blocked',
            'strong',
            'UDP to the relay stops inside your network while UDP on the same port to a neutral server goes further: blocked on this network',
          );
        return block(
          'udp.address_blocked',
          'weak',
          finding.kind === 'unreachable'
            ? 'the relay is unreachable from here only: blocked beyond your network (an upstream filter), or a routing fault on the way from here'
            : 'UDP to the relay stops on the way from here only, in a network the ASN database does not place',
        );
      }
      case 'open':
        break;
      default:
        finding satisfies never;
    }
    return keep(outside, words);
  }

  // Closed from outside too.
  const words = `; from outside (${helpers(closed)}) ${how(closed)}`;
  // An outage only where a router said the relay's network is unreachable (silent routers prove nothing).
  if (finding?.kind === 'unreachable' && eligible && closed.some((o) => o.f.kind === 'closed' && o.f.unreachable)) {
    const outside: OutsideView = { outcome: 'fails', helpers: closed.map((o) => o.helper), failure: 'x_path_closed' };
    // Inconclusive, not `failed`: a relay that cannot be reached never reads as working beside another
    // call target that does (call.ts); markOutage says "outage" for a path where nothing else works.
    return revise(
      {
        ...l,
        reason: `${l.reason}${words}: the relay's network is unreachable from everywhere — an outage, not censorship`,
        evidence: [...l.evidence, ...refs(closed)],
      },
      { status: 'inconclusive' },
      outside,
    );
  }
  return keep(o.outside ?? { outcome: 'unknown', helpers: [] }, words);
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
  // Down: failed here, or unreachable here (inconclusive) and confirmed unreachable from outside.
  const failed = ts.filter(
    (t) => t.status === 'failed' || (t.status === 'inconclusive' && t.outside?.outcome === 'fails'),
  );
  if (failed.length === 0 || !failed.every((t) => t.outside?.outcome === 'fails')) return p;
  const helpers = [...new Set(failed.flatMap((t) => t.outside!.helpers))].join(', ');
  return {
    ...p,
    outage: true,
    reason: `outage: ${failed.length}/${ts.length} fail here and from outside too (${helpers}): the service is down or refusing everyone, not blocked`,
  };
}
