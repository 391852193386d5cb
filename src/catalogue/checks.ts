// Every check type a catalogue target can name, in one table: what it measures, which layers its
// chains go through, which observations they write, how it is judged, what a helper is asked and
// what the labs serve for it. The table is keyed by the catalogue's own union (schema.ts), and every
// switch on a check type ends in `default: ... satisfies never`: a check type added to schema.ts does
// not compile until it has an entry here and a case in each of those switches. docs/architecture.md
// ("Adding a check type") lists the places; test/unit/catalogue/checks.test.ts holds the list true.

import type { ObservationKey } from '../model/observations.js';
import type { Layer } from '../model/verdict.js';
import type { Target } from './schema.js';

export type CheckType = Target['check'];

export interface CheckSpec {
  /** What one target of this type measures. */
  measures: string;
  /**
   * `target`: measured as a catalogue target, in chains of network steps. `resolver`: names a neutral
   * resolver the run's DNS comparison asks (controls file only); never measured as a target itself.
   */
  kind: 'target' | 'resolver';
  /**
   * The layers of one chain, in order (src/analysis/target.ts); a layer a chain did not reach is
   * shown as skipped. `dns` comes first when the target names a host (not an IP literal).
   */
  layers: readonly Layer[];
  /**
   * The observation arrays its own steps write, each record naming the target (`x_target`); besides
   * these, a named host's lookup writes `queries` and a helper's answer `x_helper`.
   */
  writes: readonly ObservationKey[];
  /** How its layers are judged (src/analysis). */
  judged: string;
  /** What a helper (the outside view) is asked about it (src/measure/helper.ts). */
  helper: string;
  /** What the labs serve for it (src/lab/world.ts). */
  lab: string;
}

export const CHECKS: Record<CheckType, CheckSpec> = {
  dns: {
    measures: "the host's lookup alone: the network's resolvers against the neutral ones",
    kind: 'target',
    layers: ['dns'],
    writes: [],
    judged:
      'judgeDns (analysis/dns.ts): NXDOMAIN, no answer, bogus or injected answers, timeouts, against the encrypted control',
    helper: 'the same lookup from outside',
    lab: 'the name in the lab zone (every lab resolver answers it)',
  },
  tcp: {
    measures: 'a TCP connect to each port, and what follows the preamble when one is given (a DPI reset)',
    kind: 'target',
    layers: ['dns', 'tcp'],
    writes: ['tcp_connect'],
    judged: 'judgeTcp (analysis/layers.ts): reset, refused, timeout, unreachable, against the network controls',
    helper: 'the same connects (and preamble) from outside',
    lab: 'a TCP listener per port',
  },
  tls: {
    measures: "a TLS handshake with the target's SNI, repeated with the neutral SNI to the same address when it fails",
    kind: 'target',
    layers: ['dns', 'tcp', 'tls'],
    writes: ['tcp_connect', 'tls_handshakes'],
    judged:
      "judgeTcp, then judgeTls (analysis/layers.ts): the target's SNI against the neutral SNI (SNI filtering or IP blocking), certificate validation",
    helper: 'the same handshakes from outside',
    lab: 'a TLS server with a certificate for the SNI',
  },
  https: {
    measures: 'a TLS handshake, then an HTTPS GET of the URL',
    kind: 'target',
    layers: ['dns', 'tcp', 'tls', 'http'],
    writes: ['tcp_connect', 'tls_handshakes', 'requests'],
    judged:
      'judgeTcp, judgeTls, then judgeHttp (analysis/layers.ts): a status is evidence, not a verdict; bytes still arriving at a timeout are throttling (analysis/throttle.ts)',
    helper: 'the same handshakes and request from outside',
    lab: 'a TLS server with a page at the path',
  },
  websocket: {
    measures: "a TLS handshake, an HTTPS GET of the host's root, then the WebSocket upgrade",
    kind: 'target',
    layers: ['dns', 'tcp', 'tls', 'http', 'websocket'],
    writes: ['tcp_connect', 'tls_handshakes', 'requests', 'x_websocket'],
    judged:
      'judgeTcp, judgeTls, judgeHttp, then judgeWebSocket (analysis/layers.ts): an upgrade refused while the plain request works is interference with the upgrade',
    helper: 'the same handshakes, request and upgrade from outside',
    lab: 'a TLS server with a page at / and a WebSocket route (checking the Origin)',
  },
  stun: {
    measures:
      'each STUN-framed exchange with a call relay over UDP, and where packets stop when it stays silent (path localisation)',
    kind: 'target',
    layers: ['dns', 'stun'],
    writes: ['x_stun', 'x_traces'],
    judged:
      'judgeCallChain (analysis/call.ts): answers against what a live relay answers, the STUN controls and the traces: answered, path open, blocked (and where), inconclusive',
    helper: 'the same exchanges to the same addresses and ports from outside',
    lab: 'a STUN server per port that answers the exchanges the catalogue knows an answer to',
  },
  resolver: {
    measures: 'nothing itself: a neutral UDP resolver that every lookup also asks',
    kind: 'resolver',
    layers: [],
    writes: [],
    judged:
      'summarizeControls (analysis/controls.ts): whether a neutral resolver answered; the DNS verdicts compare with its answers',
    helper: 'nothing',
    lab: "the lab's neutral resolver in its place",
  },
  doh: {
    measures: 'nothing itself: a DNS-over-HTTPS resolver (the encrypted control) that every lookup also asks',
    kind: 'resolver',
    layers: [],
    writes: [],
    judged: 'summarizeControls (analysis/controls.ts); its answers outrank the plain-UDP controls in judgeDns',
    helper: 'nothing',
    lab: "the lab's DoH server in its place",
  },
};

/** A resolver check (`kind: 'resolver'`) names a resolver for the DNS comparison; it is not measured as a target. */
export function isResolverCheck(t: Pick<Target, 'check'>): boolean {
  return CHECKS[t.check].kind === 'resolver';
}
