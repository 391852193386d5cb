// Throttling shows as handshakes that complete, but far slower than the neutral host's. A TLS
// server flight carries a few kilobytes of certificates, so a token-bucket shaper at a low rate
// stretches it to seconds while the control stays at milliseconds. Conservative thresholds: at least
// ten times the control's median and at least one second slower, so distance alone never trips it.

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
  const byPath = new Map<ServicePath, number[]>();
  for (const h of obs.tls_handshakes) {
    if (h.x_sni_kind !== 'target' || h.failure !== null || !h.x_target) continue;
    const p = pathByTarget.get(h.x_target);
    if (!p) continue;
    const list = byPath.get(p) ?? [];
    list.push(h.t - h.t0);
    byPath.set(p, list);
  }
  const out: Partial<Record<ServicePath, string>> = {};
  for (const [p, ds] of byPath) {
    const m = median(ds)!;
    if (m >= base * THROTTLE_RATIO && m - base >= THROTTLE_MIN_EXTRA_S) {
      out[p] = `median TLS handshake ${m.toFixed(2)} s over ${ds.length} handshake(s) vs ${base.toFixed(3)} s for the neutral host`;
    }
  }
  return out;
}
