// Throttling shows as exchanges that complete, or are still receiving when the step ends, far slower
// than the neutral host's handshake. Every timed exchange of a path is a yardstick: TCP connects, TLS
// handshakes (a few kilobytes of certificates), HTTPS requests (connect, handshake and the first
// 4 KiB of the body) and WebSocket upgrades; one that timed out while bytes were still arriving
// counts with its full duration (a lower bound of what it would have taken). A token-bucket shaper at
// a low rate stretches them to seconds while the control stays at milliseconds. Conservative
// thresholds: per kind of exchange, the median at least ten times the control's median and at least
// one second slower, so distance alone never trips it. Judged whatever else the path shows: a
// throttled path is never called blocked (service.ts).

import { pathOf, type ServicePath, type Target } from '../catalogue/schema.js';
import type { Observations } from '../model/observations.js';
import type { ControlVerdict } from '../model/verdict.js';
import { median } from './controls.js';
import { timedOutWhileArriving } from './progress.js';

export const THROTTLE_RATIO = 10;
export const THROTTLE_MIN_EXTRA_S = 1;

type Kind = 'tcp' | 'tls' | 'http' | 'ws';

const KIND_WORDS: Record<Kind, string> = {
  tcp: 'TCP connect',
  tls: 'TLS handshake',
  http: 'HTTPS request',
  ws: 'WebSocket upgrade',
};

interface Sample {
  d: number;
  /** Timed out while still receiving: `d` is a lower bound. */
  cut: boolean;
}

export function detectThrottling(
  targets: Target[],
  obs: Observations,
  controls: ControlVerdict,
): Partial<Record<ServicePath, string>> {
  const base = controls.tls.median_handshake_s;
  if (base === undefined) return {};
  const pathByTarget = new Map(targets.map((t) => [t.id, pathOf(t)]));
  const samples = new Map<ServicePath, Record<Kind, Sample[]>>();
  const add = (target: string | undefined, kind: Kind, x: { t0: number; t: number }, cut = false) => {
    const p = target ? pathByTarget.get(target) : undefined;
    if (!p) return;
    const s = samples.get(p) ?? { tcp: [], tls: [], http: [], ws: [] };
    s[kind].push({ d: x.t - x.t0, cut });
    samples.set(p, s);
  };
  for (const c of obs.tcp_connect) if (c.status.success && c.x_purpose !== 'neutral_sni') add(c.x_target, 'tcp', c);
  for (const h of obs.tls_handshakes) {
    if (h.x_sni_kind !== 'target') continue;
    // Completed handshakes, whether or not the certificate validates (the time is the same).
    if (h.tls_version !== null || h.failure === null) add(h.x_target, 'tls', h);
    else if (timedOutWhileArriving(h)) add(h.x_target, 'tls', h, true);
  }
  for (const r of obs.requests) {
    if (r.response && r.failure === null) add(r.x_target, 'http', r);
    else if (timedOutWhileArriving(r)) add(r.x_target, 'http', r, true);
  }
  for (const w of obs.x_websocket) {
    if (w.status !== null) add(w.x_target, 'ws', w);
    else if (timedOutWhileArriving(w)) add(w.x_target, 'ws', w, true);
  }

  const slow = (m: number | undefined) =>
    m !== undefined && m >= base * THROTTLE_RATIO && m - base >= THROTTLE_MIN_EXTRA_S;
  const out: Partial<Record<ServicePath, string>> = {};
  for (const [p, byKind] of samples) {
    const parts: string[] = [];
    for (const kind of Object.keys(KIND_WORDS) as Kind[]) {
      const s = byKind[kind];
      const m = median(s.map((x) => x.d));
      if (!slow(m)) continue;
      const cut = s.filter((x) => x.cut).length;
      parts.push(
        `median ${KIND_WORDS[kind]} ${m!.toFixed(2)} s over ${s.length}${cut ? ` (${cut} still receiving when the step timed out)` : ''}`,
      );
    }
    if (parts.length) out[p] = `${parts.join('; ')} vs ${base.toFixed(3)} s for the neutral host's handshake`;
  }
  return out;
}
