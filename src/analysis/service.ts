// From target verdicts to path verdicts (chat, web, call) and a service verdict. Pure.
// Paths are judged separately on purpose: in Morocco in 2016 chat worked while calls failed, and a
// reachable chat server must never hide a blocked call path.

import type { ServiceCatalogue } from '../catalogue/load.js';
import { PATHS, pathOf, type ServicePath, type Target } from '../catalogue/schema.js';
import type { CallTestVerdict } from '../model/call-test.js';
import type { Observations } from '../model/observations.js';
import type {
  CallEvidence,
  ControlVerdict,
  EvidenceStrength,
  Layer,
  LayerSummary,
  PathStatus,
  PathVerdict,
  ServiceVerdict,
  TargetVerdict,
  Technique,
} from '../model/verdict.js';
import { describeLocation } from './call.js';
import { callPathWithTest, judgeCallTest } from './call-test-verdict.js';
import type { DnsJudgement } from './dns.js';
import { applyOutsideView, markOutage } from './outside-view.js';
import { type AnalysisContext, judgeTarget } from './target.js';
import { detectThrottling } from './throttle.js';

const uniq = <T>(xs: T[]) => [...new Set(xs)];

export function countStatuses(vs: TargetVerdict[]): PathVerdict['counts'] {
  const c = { ok: 0, blocked: 0, failed: 0, inconclusive: 0, skipped: 0, total: vs.length };
  for (const v of vs) c[v.status]++;
  return c;
}

/** Where a blocked target was blocked: its address, or its name when it never got one (DNS). */
const endpointOf = (t: TargetVerdict) => t.address ?? t.host ?? t.target;

/**
 * The evidence level of a call path with this status: an accessible path is `answered` only when every
 * relay that works answered (any relay known only by localisation makes it `path_open`, the weaker
 * level); a blocked path says where its first strong block is located.
 */
export function callEvidenceOf(status: PathStatus, targets: TargetVerdict[]): CallEvidence {
  const relays = targets.filter((t) => t.call);
  switch (status) {
    case 'accessible':
      return {
        level: relays.some((t) => t.status === 'ok' && t.call!.level === 'path_open') ? 'path_open' : 'answered',
      };
    case 'blocked':
    case 'partially_blocked': {
      const b = targets.filter((t) => t.status === 'blocked');
      const at = (b.find((t) => t.strength === 'strong' && t.call?.where) ?? b.find((t) => t.call?.where))?.call?.where;
      return { level: 'blocked', ...(at ? { where: at } : {}) };
    }
    case 'degraded':
    case 'inconclusive': {
      const at = targets.find((t) => (t.status === 'inconclusive' || t.status === 'failed') && t.call?.where)?.call
        ?.where;
      return { level: 'inconclusive', ...(at ? { where: at } : {}) };
    }
    default:
      return status satisfies never;
  }
}

const LEVEL_WORDS: Record<CallEvidence['level'], string> = {
  answered: 'answered by the relay',
  path_open: "path open up to the relay's network (the relay ignores strangers: weaker than an answer)",
  blocked: 'blocked',
  inconclusive: 'inconclusive',
};

/**
 * `targets`: the path's counted (non-informational) target verdicts; `throttled`: the throttling
 * evidence of the path (throttle.ts), if any. A throttled path is never `blocked`: its timeouts are
 * read as slowness, and only a censorship signature makes it `partially_blocked`.
 */
export function judgePath(
  path: ServicePath,
  targets: TargetVerdict[],
  controls: ControlVerdict,
  throttled?: string,
): PathVerdict {
  const counts = countStatuses(targets);
  const blockedOnes = targets.filter((t) => t.status === 'blocked');
  const strongOnes = blockedOnes.filter((t) => t.strength === 'strong');
  const techniques = uniq(blockedOnes.map((t) => t.technique).filter((x): x is Technique => x !== undefined));
  const strength = strongOnes.length > 0 ? 'strong' : 'weak';
  const mk = (
    status: PathStatus,
    reason: string,
    extra: Technique[] = [],
    base: Technique[] = techniques,
  ): PathVerdict => {
    const call = path === 'call' && targets.some((t) => t.call) ? callEvidenceOf(status, targets) : undefined;
    const level =
      call && (call.level === 'answered' || call.level === 'path_open') ? ` — ${LEVEL_WORDS[call.level]}` : '';
    const where = call?.where && call.level === 'blocked' ? `; packets stop after ${describeLocation(call.where)}` : '';
    const common = {
      path,
      techniques: uniq([...base, ...extra]),
      counts,
      ...(call ? { call } : {}),
      reason: `${reason}${level}${where}`,
    };
    return status === 'blocked' || status === 'partially_blocked'
      ? { ...common, status, strength, blocked_endpoints: new Set(blockedOnes.map(endpointOf)).size }
      : { ...common, status };
  };
  const tally = `${counts.ok}/${counts.total} ok`;

  if (controls.network === 'down')
    return mk('inconclusive', `network down (${controls.reason}): nothing can be judged`);
  if (throttled) {
    // Weak failures (timeouts) on a slow path are read as slowness: not listed as techniques.
    const weak = blockedOnes.length - strongOnes.length;
    const weakNote =
      weak > 0
        ? `; ${weak} failed only by timing out or being refused (${uniq(blockedOnes.filter((t) => t.strength !== 'strong').map((t) => t.technique)).join(', ')}), read as slowness, not blocking`
        : '';
    const signatures = uniq(strongOnes.map((t) => t.technique).filter((x): x is Technique => x !== undefined));
    if (strongOnes.length > 0) {
      return mk(
        'partially_blocked',
        `${strongOnes.length}/${counts.total} blocked (${signatures.join(', ')}) and the path is slow: ${throttled}${weakNote}: ${strongOnes[0]!.reason}`,
        ['throttled'],
        signatures,
      );
    }
    return mk('degraded', `reachable but slow: ${throttled}${weakNote}`, ['throttled'], []);
  }
  if (counts.ok === 0 && counts.blocked === 0) {
    if (counts.failed > 0)
      return mk(
        'inconclusive',
        `${counts.failed}/${counts.total} unreachable without a sign of censorship (outage or closed ports?); ${targets.find((t) => t.status === 'failed')?.reason ?? ''}`,
      );
    return mk('inconclusive', targets[0]?.reason ?? 'nothing measured');
  }
  if (counts.blocked === 0) {
    // Accessible means every target that could be judged works; unjudged ones leave the path open.
    if (counts.inconclusive > 0)
      return mk(
        'inconclusive',
        `${tally}, ${counts.inconclusive} could not be judged: ${targets.find((t) => t.status === 'inconclusive')?.reason ?? ''}`,
      );
    return mk(
      'accessible',
      `${tally}${counts.failed > 0 ? ` (${counts.failed} failed without a sign of censorship, none blocked)` : ''}`,
    );
  }
  const how = techniques.join(', ');
  if (counts.ok === 0) {
    const caveat =
      strength === 'weak'
        ? ' (weak evidence: failures such as timeouts that trouble at the far end would also give)'
        : '';
    return mk(
      'blocked',
      `${counts.blocked}/${counts.total} blocked (${how})${counts.inconclusive ? `, ${counts.inconclusive} inconclusive` : ''}${caveat}: ${blockedOnes[0]!.reason}`,
    );
  }
  if (strength === 'strong')
    return mk(
      'partially_blocked',
      `${counts.blocked}/${counts.total} blocked (${how}), ${counts.ok} working: ${strongOnes[0]!.reason}`,
    );
  return mk(
    'degraded',
    `${counts.blocked}/${counts.total} failing (${how}) while ${counts.ok} work; no censorship signature: ${blockedOnes[0]!.reason}`,
  );
}

/**
 * Weak evidence (timeouts, refused upgrades) from fewer endpoints than this is one silent server,
 * as likely dead as blocked: such a path does not make its service (partially) blocked. The same
 * reasoning as MIN_SILENT_SERVERS for the STUN controls.
 */
export const MIN_WEAK_ENDPOINTS = 2;

/** What a path contributes to its service: a blocked path on narrow weak evidence counts as degraded. */
export function serviceShare(p: PathVerdict): PathStatus {
  if (p.status !== 'blocked' && p.status !== 'partially_blocked') return p.status;
  return p.strength === 'strong' || (p.blocked_endpoints ?? 0) >= MIN_WEAK_ENDPOINTS ? p.status : 'degraded';
}

/**
 * Service status from its paths: blocked only when every path is blocked; partially_blocked when
 * some path is (blocked or partially), on a censorship signature or on weak evidence from at least
 * MIN_WEAK_ENDPOINTS endpoints; otherwise degraded, inconclusive, accessible in that order.
 */
export function combinePaths(paths: PathVerdict[], controls: ControlVerdict): PathStatus {
  if (controls.network === 'down' || paths.length === 0) return 'inconclusive';
  const s = paths.map(serviceShare);
  if (s.every((x) => x === 'blocked')) return 'blocked';
  if (s.some((x) => x === 'blocked' || x === 'partially_blocked')) return 'partially_blocked';
  if (s.some((x) => x === 'degraded')) return 'degraded';
  if (s.some((x) => x === 'inconclusive')) return 'inconclusive';
  return 'accessible';
}

/** `strong` when a path that made the service (partially) blocked rests on a censorship signature. */
/** The strength of a (partially) blocked service: that of the paths counted as blocked. */
function serviceStrength(paths: PathVerdict[]): EvidenceStrength {
  const counted = paths.filter((p) => serviceShare(p) === 'blocked' || serviceShare(p) === 'partially_blocked');
  return counted.some((p) => p.strength === 'strong') ? 'strong' : 'weak';
}

export function summarizeLayers(targets: TargetVerdict[]): Partial<Record<Layer, LayerSummary>> {
  const out: Partial<Record<Layer, LayerSummary>> = {};
  for (const t of targets) {
    for (const l of t.layers) {
      const s = (out[l.layer] ??= {
        layer: l.layer,
        ok: 0,
        blocked: 0,
        failed: 0,
        inconclusive: 0,
        skipped: 0,
        techniques: [],
      });
      s[l.status]++;
      if (l.technique && !s.techniques.includes(l.technique)) s.techniques.push(l.technique);
    }
  }
  return out;
}

/** `allTested`: false when some path went untested; then "every path works" would claim too much. */
function describe(status: PathStatus, paths: PathVerdict[], allTested: boolean): string {
  const by = (st: PathStatus[]) => paths.filter((p) => st.includes(p.status)).map((p) => p.path);
  const counted = paths.filter((p) => serviceShare(p) === 'blocked' || serviceShare(p) === 'partially_blocked');
  // Blocked paths that do not count (weak evidence from a single endpoint), said as such.
  const narrow = paths.filter(
    (p) => (p.status === 'blocked' || p.status === 'partially_blocked') && serviceShare(p) === 'degraded',
  );
  const narrowWords = narrow.map(
    (p) =>
      `${p.path} ${p.status === 'blocked' ? 'blocked' : 'partly blocked'} (${p.techniques.join(', ')}) on weak evidence from a single endpoint (one silent server may be a dead one)`,
  );
  const works = by(['accessible']);
  const call = paths.find((p) => p.path === 'call');
  const weakCall =
    call?.status === 'accessible' && call.call?.level === 'path_open'
      ? '; calls known by path localisation: the relays ignore strangers, and packets reach their network (weaker than an answer)'
      : '';
  switch (status) {
    case 'accessible':
      return allTested
        ? `every path works (${works.join(', ')})${weakCall}`
        : `${andList(works)} ${works.length === 1 ? 'works' : 'work'}${weakCall}`;
    case 'inconclusive':
      return by(['inconclusive']).length
        ? `could not judge ${by(['inconclusive']).join(', ')}${works.length ? `; ${works.join(', ')} work` : ''}`
        : 'nothing could be judged';
    case 'degraded': {
      const slow = by(['degraded']).map((p) => `${p} degraded`);
      return `${[...slow, ...narrowWords].join('; ')}${works.length ? `; ${works.join(', ')} work` : ''}`;
    }
    default: {
      const parts = counted.map(
        (p) =>
          `${p.path} ${p.status === 'blocked' ? 'blocked' : 'partly blocked'} (${p.techniques.join(', ')}${p.strength === 'weak' ? '; weak evidence' : ''}${p.call?.where ? `, after hop ${p.call.where.hop}${p.call.where.asn !== undefined ? ` in AS${p.call.where.asn}` : ''}` : ''})`,
      );
      const rest = works.length ? ` while ${works.join(' and ')} work${works.length === 1 ? 's' : ''}` : '';
      const unk = by(['inconclusive']);
      return `${[...parts, ...narrowWords].join('; ')}${rest}${unk.length ? `; ${unk.join(', ')} inconclusive` : ''}`;
    }
  }
}

/** Why a path was not tested, in a few words (the service's reason groups paths by it). */
export type UntestedCause =
  | 'unverified targets only'
  | 'target disabled in the catalogue'
  | 'no target in the catalogue'
  | 'no target in this group';

const UNTESTED_WORDS: Record<UntestedCause, (n: number) => string> = {
  'unverified targets only': (n) =>
    `its ${n === 1 ? 'target comes' : 'targets come'} from unverified sources (reported, never counted)`,
  'target disabled in the catalogue': (n) =>
    `its ${n === 1 ? 'target is' : 'targets are'} disabled in the catalogue (enable ${n === 1 ? 'it' : 'them'} to measure)`,
  'no target in the catalogue': () => 'the catalogue has no target for it',
  'no target in this group': () => 'this group has no target for it',
};

/**
 * Paths no counted target measured, and why: every target unverified (reported, never counted), every
 * target disabled, or none in the catalogue (`catalogued`: the service's, or its group's, targets). Said
 * plainly, never judged: a service tested only at its website must not read as if its calls worked.
 */
export function untestedPaths(
  targets: TargetVerdict[],
  catalogued: readonly Target[] = [],
  scope: 'catalogue' | 'group' = 'catalogue',
): { path: ServicePath; cause: UntestedCause; words: string }[] {
  const out: { path: ServicePath; cause: UntestedCause; words: string }[] = [];
  for (const p of PATHS) {
    const ts = targets.filter((t) => t.path === p);
    if (ts.some((t) => !t.informational)) continue;
    const disabled = catalogued.filter((t) => !t.enabled && pathOf(t) === p);
    const [cause, n]: [UntestedCause, number] = ts.length
      ? ['unverified targets only', ts.length]
      : disabled.length
        ? ['target disabled in the catalogue', disabled.length]
        : [scope === 'group' ? 'no target in this group' : 'no target in the catalogue', 0];
    out.push({ path: p, cause, words: `not tested: ${UNTESTED_WORDS[cause](n)}` });
  }
  return out;
}

/** "chat and call not tested (no target in the catalogue)", one phrase per cause. */
function untestedWords(untested: { path: ServicePath; cause: UntestedCause }[]): string[] {
  const causes = uniq(untested.map((u) => u.cause));
  return causes.map((c) => `${andList(untested.filter((u) => u.cause === c).map((u) => u.path))} not tested (${c})`);
}

const andList = (xs: string[]) => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);

function judgeSubset(
  targets: TargetVerdict[],
  catalogued: readonly Target[],
  scope: 'catalogue' | 'group',
  controls: ControlVerdict,
  throttledByPath: Partial<Record<ServicePath, string>>,
  callTest?: CallTestVerdict,
) {
  const counted = targets.filter((t) => !t.informational);
  const paths: Partial<Record<ServicePath, PathVerdict>> = {};
  for (const p of PATHS) {
    const ts = counted.filter((t) => t.path === p);
    if (ts.length) paths[p] = markOutage(judgePath(p, ts, controls, throttledByPath[p]), ts);
  }
  // A test call against a helper (its own module: call-test-verdict.ts).
  if (callTest && paths.call && controls.network !== 'down') paths.call = callPathWithTest(paths.call, callTest);
  const list = Object.values(paths);
  const status = combinePaths(list, controls);
  const notTested = untestedPaths(targets, catalogued, scope);
  const untested = Object.fromEntries(notTested.map((u) => [u.path, u.words])) as Partial<Record<ServicePath, string>>;
  const outages = list.filter((p) => p.outage).map((p) => p.path);
  const reason =
    controls.network === 'down'
      ? controls.reason
      : [
          describe(status, list, notTested.length === 0),
          ...(outages.length ? [`${outages.join(' and ')}: an outage (failing from outside too), not censorship`] : []),
          ...untestedWords(notTested),
        ].join('; ');
  const judged = { paths, layers: summarizeLayers(counted), ...(notTested.length ? { untested } : {}), reason };
  return status === 'blocked' || status === 'partially_blocked'
    ? { ...judged, status, strength: serviceStrength(list) }
    : { ...judged, status };
}

export function analyzeService(svc: ServiceCatalogue, obs: Observations, ctx: AnalysisContext): ServiceVerdict {
  const dnsCache = new Map<string, DnsJudgement>();
  const local = svc.targets.filter((t) => t.enabled).flatMap((t) => judgeTarget(t, obs, ctx, dnsCache));
  // The helpers' outside view, when the run asked for it (its own module: outside-view.ts).
  const { targets, helpers } = applyOutsideView(svc.targets, local, obs, ctx.controls);
  const throttled = detectThrottling(svc.targets, obs, ctx.controls);
  const callTest = obs.x_call_test ? judgeCallTest(obs.x_call_test) : undefined;
  const whole = judgeSubset(targets, svc.targets, 'catalogue', ctx.controls, throttled, callTest);
  const groupNames = uniq(svc.targets.map((t) => t.group).filter((g): g is string => g !== undefined));
  const groups = groupNames.length
    ? Object.fromEntries(
        groupNames.map((g) => [
          g,
          {
            service: `${svc.service}/${g}`,
            ...judgeSubset(
              targets.filter((t) => t.group === g),
              svc.targets.filter((t) => t.group === g),
              'group',
              ctx.controls,
              throttled,
              callTest,
            ),
          },
        ]),
      )
    : undefined;
  return {
    service: svc.service,
    ...whole,
    ...(groups ? { groups } : {}),
    targets,
    controls: ctx.controls,
    ...(helpers ? { helpers } : {}),
    ...(callTest ? { call_test: callTest } : {}),
  };
}
