// Throttling shows as exchanges that complete, but far slower than the neutral host's handshake.
// Two yardsticks per path: TLS handshakes (a few kilobytes of certificates) and HTTPS requests
// (connect, handshake and the first 4 KiB of the body). A token-bucket shaper at a low rate
// stretches them to seconds while the control stays at milliseconds. Conservative thresholds: at
// least ten times the control's median and at least one second slower, so distance alone never
// trips it.

import { pathOf, type ServicePath, type Target } from '../catalogue/schema.js';
import type { Observations } from '../model/observations.js';
import type { ControlVerdict } from '../model/verdict.js';
import { median } from './controls.js';

export const THROTTLE_RATIO = 10;
export const THROTTLE_MIN_EXTRA_S = 1;

export function detectThrottling(targets: Target[], obs: Observations, controls: ControlVerdict): Partial<Record<ServicePath, string>> {
  const base = controls.tls.median_handshake_s;
  if (base === undefined) return {};
  const pathByTarget = new Map(targets.map((t) => [t.id, pathOf(t)]));
  const samples = new Map<ServicePath, { tls: number[]; http: number[] }>();
  const add = (target: string | undefined, kind: 'tls' | 'http', d: number) => {
    const p = target ? pathByTarget.get(target) : undefined;
    if (!p) return;
    const s = samples.get(p) ?? { tls: [], http: [] };
    s[kind].push(d);
    samples.set(p, s);
  };
  for (const h of obs.tls_handshakes) if (h.x_sni_kind === 'target' && h.failure === null) add(h.x_target, 'tls', h.t - h.t0);
  for (const r of obs.requests) if (r.response && r.failure === null) add(r.x_target, 'http', r.t - r.t0);

  const slow = (m: number | undefined) => m !== undefined && m >= base * THROTTLE_RATIO && m - base >= THROTTLE_MIN_EXTRA_S;
  const out: Partial<Record<ServicePath, string>> = {};
  for (const [p, s] of samples) {
    const tls = median(s.tls);
    const http = median(s.http);
    const parts: string[] = [];
    if (slow(tls)) parts.push(`median TLS handshake ${tls!.toFixed(2)} s over ${s.tls.length}`);
    if (slow(http)) parts.push(`median HTTPS request ${http!.toFixed(2)} s over ${s.http.length}`);
    if (parts.length) out[p] = `${parts.join('; ')} vs ${base.toFixed(3)} s for the neutral host's handshake`;
  }
  return out;
}
