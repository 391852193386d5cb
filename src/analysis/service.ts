// From target verdicts to path verdicts (chat, web, call) and a service verdict. Pure.
// Paths are judged separately on purpose: in Morocco in 2016 chat worked while calls failed, and a
// reachable chat server must never hide a blocked call path.

import type { ServiceCatalogue } from '../catalogue/load.js';
import { PATHS, type ServicePath } from '../catalogue/schema.js';
import type { Observations } from '../model/observations.js';
import type { CallTestVerdict } from '../model/call-test.js';
import type { ControlVerdict, Layer, LayerSummary, PathStatus, PathVerdict, ServiceVerdict, TargetVerdict, Technique } from '../model/verdict.js';
import type { DnsJudgement } from './dns.js';
import { type AnalysisContext, judgeTarget } from './target.js';
import { callPathWithTest, judgeCallTest } from './call-test-verdict.js';
import { applyOutsideView, markOutage } from './outside-view.js';
import { detectThrottling } from './throttle.js';

const uniq = <T>(xs: T[]) => [...new Set(xs)];

export function countStatuses(vs: TargetVerdict[]): PathVerdict['counts'] {
  const c = { ok: 0, blocked: 0, failed: 0, inconclusive: 0, skipped: 0, total: vs.length };
  for (const v of vs) c[v.status]++;
  return c;
}

/** `targets`: the path's counted (non-informational) target verdicts. */
export function judgePath(path: ServicePath, targets: TargetVerdict[], controls: ControlVerdict, throttled?: string): PathVerdict {
  const counts = countStatuses(targets);
  const blockedOnes = targets.filter((t) => t.status === 'blocked');
  const techniques = uniq(blockedOnes.map((t) => t.technique).filter((x): x is Technique => x !== undefined));
  const strength = blockedOnes.some((t) => t.strength === 'strong') ? 'strong' : 'weak';
  const mk = (status: PathStatus, reason: string, extra: Technique[] = []): PathVerdict => ({
    path,
    status,
    techniques: uniq([...techniques, ...extra]),
    ...(status === 'blocked' || status === 'partially_blocked' ? { strength } : {}),
    counts,
    reason,
  });
  const tally = `${counts.ok}/${counts.total} ok`;

  if (controls.network === 'down') return mk('inconclusive', `network down (${controls.reason}): nothing can be judged`);
  if (counts.ok === 0 && counts.blocked === 0) {
    if (counts.failed > 0) return mk('inconclusive', `${counts.failed}/${counts.total} unreachable without a sign of censorship (outage or closed ports?); ${targets.find((t) => t.status === 'failed')?.reason ?? ''}`);
    return mk('inconclusive', targets[0]?.reason ?? 'nothing measured');
  }
  if (counts.blocked === 0) {
    if (throttled) return mk('degraded', `reachable but slow: ${throttled}`, ['throttled']);
    // Accessible means every target that could be judged works; unjudged ones leave the path open.
    if (counts.inconclusive > 0) return mk('inconclusive', `${tally}, ${counts.inconclusive} could not be judged: ${targets.find((t) => t.status === 'inconclusive')?.reason ?? ''}`);
    return mk('accessible', `${tally}${counts.failed > 0 ? ` (${counts.failed} failed without a sign of censorship, none blocked)` : ''}`);
  }
  const how = techniques.join(', ');
  if (counts.ok === 0) {
    const caveat = strength === 'weak' ? ' (weak evidence: only timeouts or refused upgrades, which a silent outage at the far end would also give)' : '';
    return mk('blocked', `${counts.blocked}/${counts.total} blocked (${how})${counts.inconclusive ? `, ${counts.inconclusive} inconclusive` : ''}${caveat}: ${blockedOnes[0]!.reason}`);
  }
  if (strength === 'strong') return mk('partially_blocked', `${counts.blocked}/${counts.total} blocked (${how}), ${counts.ok} working: ${blockedOnes.find((t) => t.strength === 'strong')!.reason}`);
  return mk('degraded', `${counts.blocked}/${counts.total} failing (${how}) while ${counts.ok} work; no censorship signature: ${blockedOnes[0]!.reason}`);
}

/** Service status from its paths: blocked only when every judged path is blocked. */
export function combinePaths(paths: PathVerdict[], controls: ControlVerdict): PathStatus {
  if (controls.network === 'down' || paths.length === 0) return 'inconclusive';
  const s = paths.map((p) => p.status);
  if (s.every((x) => x === 'blocked')) return 'blocked';
  if (s.some((x) => x === 'blocked' || x === 'partially_blocked')) return 'partially_blocked';
  if (s.some((x) => x === 'degraded')) return 'degraded';
  if (s.some((x) => x === 'inconclusive')) return 'inconclusive';
  return 'accessible';
}

export function summarizeLayers(targets: TargetVerdict[]): Partial<Record<Layer, LayerSummary>> {
  const out: Partial<Record<Layer, LayerSummary>> = {};
  for (const t of targets) {
    for (const l of t.layers) {
      const s = (out[l.layer] ??= { layer: l.layer, ok: 0, blocked: 0, failed: 0, inconclusive: 0, skipped: 0, techniques: [] });
      s[l.status]++;
      if (l.technique && !s.techniques.includes(l.technique)) s.techniques.push(l.technique);
    }
  }
  return out;
}

function describe(status: PathStatus, paths: PathVerdict[]): string {
  const by = (st: PathStatus[]) => paths.filter((p) => st.includes(p.status)).map((p) => p.path);
  const blocked = paths.filter((p) => p.status === 'blocked' || p.status === 'partially_blocked');
  const works = by(['accessible']);
  switch (status) {
    case 'accessible':
      return `every path works (${works.join(', ')})`;
    case 'inconclusive':
      return `could not judge ${by(['inconclusive']).join(', ')}${works.length ? `; ${works.join(', ')} work` : ''}`;
    case 'degraded':
      return `${by(['degraded']).join(', ')} degraded${works.length ? `; ${works.join(', ')} work` : ''}`;
    default: {
      const parts = blocked.map((p) => `${p.path} ${p.status === 'blocked' ? 'blocked' : 'partly blocked'} (${p.techniques.join(', ')})`);
      const rest = works.length ? ` while ${works.join(' and ')} work${works.length === 1 ? 's' : ''}` : '';
      const unk = by(['inconclusive']);
      return `${parts.join('; ')}${rest}${unk.length ? `; ${unk.join(', ')} inconclusive` : ''}`;
    }
  }
}

function judgeSubset(targets: TargetVerdict[], controls: ControlVerdict, throttledByPath: Partial<Record<ServicePath, string>>, callTest?: CallTestVerdict) {
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
  const outages = list.filter((p) => p.outage).map((p) => p.path);
  const reason = controls.network === 'down' ? controls.reason : `${describe(status, list)}${outages.length ? `; ${outages.join(' and ')}: an outage (failing from outside too), not censorship` : ''}`;
  return { status, paths, layers: summarizeLayers(counted), reason };
}

export function analyzeService(svc: ServiceCatalogue, obs: Observations, ctx: AnalysisContext): ServiceVerdict {
  const dnsCache = new Map<string, DnsJudgement>();
  const local = svc.targets.filter((t) => t.enabled).flatMap((t) => judgeTarget(t, obs, ctx, dnsCache));
  // The helpers' outside view, when the run asked for it (its own module: outside-view.ts).
  const { targets, helpers } = applyOutsideView(svc.targets, local, obs, ctx.controls);
  const throttled = detectThrottling(svc.targets, obs, ctx.controls);
  const callTest = obs.x_call_test ? judgeCallTest(obs.x_call_test) : undefined;
  const whole = judgeSubset(targets, ctx.controls, throttled, callTest);
  const groupNames = uniq(svc.targets.map((t) => t.group).filter((g): g is string => g !== undefined));
  const groups = groupNames.length
    ? Object.fromEntries(groupNames.map((g) => [g, { service: `${svc.service}/${g}`, ...judgeSubset(targets.filter((t) => t.group === g), ctx.controls, throttled, callTest) }]))
    : undefined;
  return { service: svc.service, ...whole, ...(groups ? { groups } : {}), targets, controls: ctx.controls, ...(helpers ? { helpers } : {}), ...(callTest ? { call_test: callTest } : {}) };
}
