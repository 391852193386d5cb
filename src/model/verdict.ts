// Verdicts: pure conclusions drawn from observations (src/analysis). They sit next to the raw
// observations in every measurement, each citing the observations it rests on.

import type { ServicePath } from './paths.js';
import type { CallTestVerdict } from './call-test.js';
import type { Failure } from './failure.js';
import type { ObservationKey } from './observations.js';

export const TECHNIQUES = [
  'dns.nxdomain',
  'dns.no_answer',
  'dns.bogus_answer',
  'dns.injection',
  'dns.timeout',
  'dns.refused',
  'dns.servfail',
  'tcp.reset',
  'tcp.timeout',
  'tcp.refused',
  'tcp.unreachable',
  'tls.reset',
  'tls.timeout',
  'tls.cert_invalid',
  'tls.failure',
  'ws.upgrade_failed',
  'http.failure',
  'udp.no_response',
  'udp.refused',
  /** UDP to a call relay's address dropped while other traffic to it, and UDP on the same port elsewhere, go further (path localisation). */
  'udp.address_blocked',
  /** UDP to the call port dropped whatever the destination (the STUN controls, or path localisation). */
  'udp.port_blocked',
  /** Every STUN message dropped whatever the port, while other UDP passes (the STUN controls). */
  'stun.signature_blocked',
  /** STUN carrying one app's marks (its REALM, its message types) dropped while plain STUN to the same relay is answered. */
  'stun.app_signature',
  'throttled',
  // The test-call techniques (CallTechnique in call-test.ts):
  /** A test call's flow carrying the app's call signature fares worse than the same flow bit-inverted. */
  'call.signature',
  /** A test call fares worse on the service's call port than on a neutral port. */
  'call.port',
  /** A test call is cut off for seconds at a time (every flow alike). */
  'call.cutoff',
] as const;
export type Technique = (typeof TECHNIQUES)[number];

/** `path`: how far packets towards a call relay travel (TTL-limited probes). */
export type Layer = 'dns' | 'tcp' | 'tls' | 'http' | 'websocket' | 'stun' | 'path';

/**
 * Per target and layer: `ok`; `blocked` with a technique; `failed` (a failure the controls show is
 * not censorship, e.g. an outage); `skipped` (an earlier layer failed); `inconclusive` (could not be
 * judged: controls failed, or silence from a server not known to answer).
 */
export type TargetStatus = 'ok' | 'blocked' | 'failed' | 'skipped' | 'inconclusive';

/** Per path and per service. */
export type PathStatus = 'accessible' | 'blocked' | 'partially_blocked' | 'degraded' | 'inconclusive';

/** Points into the measurement's test_keys arrays, e.g. {key: 'tcp_connect', index: 3}. */
export interface EvidenceRef {
  key: ObservationKey;
  index: number;
}

/**
 * `strong`: a censorship signature (injection, forged answer, reset, SNI-specific failure, UDP dropped
 * while controls answer); `weak`: consistent with censorship but also with trouble at the far end
 * (timeouts, a refused upgrade status). A path with working targets and only weak failures is
 * `degraded`, not `partially_blocked`.
 */
export type EvidenceStrength = 'strong' | 'weak';

export interface LayerVerdict {
  layer: Layer;
  status: TargetStatus;
  technique?: Technique;
  strength?: EvidenceStrength;
  failure?: Failure;
  /** One sentence a person can read, e.g. "ClientHello with SNI web.whatsapp.com reset; neutral SNI to the same address completed". */
  reason: string;
  evidence: EvidenceRef[];
}

/**
 * How a call path verdict is known, strongest positive first (docs/calls.md):
 * `answered`: the relay answered an exchange; `path_open`: packets reach the relay's network (positive,
 * weaker than an answer); `blocked`; `inconclusive`.
 */
export const CALL_EVIDENCE_LEVELS = ['answered', 'path_open', 'blocked', 'inconclusive'] as const;
export type CallEvidenceLevel = (typeof CALL_EVIDENCE_LEVELS)[number];

/** A place on the path towards a relay: the last router that answered before packets stopped, or the farthest one reached. */
export interface PathLocation {
  /** TTL of that router (1 = the first router from here). */
  hop: number;
  address: string;
  asn?: number;
  as_name?: string;
  /** `vantage`: the measuring network (or a private address before it); `relay`: the relay's own network; `beyond`: in between. */
  network: 'vantage' | 'beyond' | 'relay' | 'unknown';
}

/** The call-path evidence of one relay chain (address, port). */
export interface CallEvidence {
  level: CallEvidenceLevel;
  /** Catalogue ids of the exchanges the relay answered. */
  answered?: string[];
  /** Where packets stop (blocked, or unreachable); for path_open, the farthest router of the way that answered. */
  where?: PathLocation;
}

/** One target (one catalogue entry, possibly on one address/port) judged layer by layer. */
export interface TargetVerdict {
  target: string;
  role: string;
  path: ServicePath | null;
  group?: string;
  host?: string;
  address?: string;
  port?: number;
  status: TargetStatus;
  technique?: Technique;
  strength?: EvidenceStrength;
  /** From an "unverified" source: shown, never counted towards a path verdict. */
  informational: boolean;
  layers: LayerVerdict[];
  /** Call relays: how the verdict is known and where packets stop. */
  call?: CallEvidence;
  reason: string;
  /** What the helpers saw of the deciding step from outside this network, when they were asked. */
  outside?: OutsideView;
}

/**
 * The outside view of a target's deciding step (the first that did not work here, or the last one):
 * `works` when a helper completed the same step, `fails` when every helper that could tell failed it
 * too, `unknown` when no usable helper answered about it.
 */
export interface OutsideView {
  outcome: 'works' | 'fails' | 'unknown';
  /** Helpers whose answers decided it. */
  helpers: string[];
  /** The helpers' failure for `fails`. */
  failure?: string;
}

/** Whether a helper's answers were used for a service, and if not why (said in every line that asked one). */
export interface HelperUse {
  helper: string;
  /** Questions asked and valid answers received. */
  asked: number;
  answered: number;
  /** Whether its answers could decide anything (valid answers, and at least one step that worked from there). */
  used: boolean;
  reason: string;
}

export interface PathVerdict {
  path: ServicePath;
  status: PathStatus;
  techniques: Technique[];
  /**
   * For blocked/partially_blocked: `strong` when at least one blocked target shows a censorship
   * signature; `weak` when every one rests on timeouts or refusals of an upgrade, which a silent
   * outage at the far end would also produce.
   */
  strength?: EvidenceStrength;
  /**
   * For blocked/partially_blocked: distinct endpoints (addresses; names when DNS failed) among the
   * blocked targets. Weak evidence from a single endpoint is one silent server, which may be a dead
   * one: it does not make the service (partially) blocked (docs/verdicts.md, the weak-evidence rule).
   */
  blocked_endpoints?: number;
  counts: { ok: number; blocked: number; failed: number; inconclusive: number; skipped: number; total: number };
  /** The call path: its evidence level (the weakest that holds for the status) and, when blocked, where. */
  call?: CallEvidence;
  reason: string;
  /** Every target of the path fails from outside too (a helper said so): an outage, not censorship. */
  outage?: true;
}

/** The table's columns: one summary per layer across the service's targets. */
export interface LayerSummary {
  layer: Layer;
  ok: number;
  blocked: number;
  failed: number;
  inconclusive: number;
  skipped: number;
  techniques: Technique[];
}

export interface ServiceVerdict {
  service: string;
  status: PathStatus;
  /** For blocked/partially_blocked: `strong` when a path counted as blocked rests on a censorship signature. */
  strength?: EvidenceStrength;
  paths: Partial<Record<ServicePath, PathVerdict>>;
  layers: Partial<Record<Layer, LayerSummary>>;
  /** Paths not judged, and why: every target on them unverified or disabled, or none in the catalogue. */
  untested?: Partial<Record<ServicePath, string>>;
  /** Sub-labelled parts of a service (e.g. "skype-legacy" and "teams"), each judged like a service. */
  groups?: Record<string, Omit<ServiceVerdict, 'groups' | 'targets' | 'controls'>>;
  targets: TargetVerdict[];
  /** Whether the controls allowed anything to be called blocked at all. */
  controls: ControlVerdict;
  reason: string;
  /** The helpers asked about this service's targets and whether their answers were used. */
  helpers?: HelperUse[];
  /** The test call's quality and verdict (with --call-test); the call path already reflects it. */
  call_test?: CallTestVerdict;
}

/** What the control measurements say about the network as a whole (pure summary of control observations). */
export interface ControlVerdict {
  /** `down`: nothing neutral answered, every verdict is inconclusive. */
  network: 'up' | 'partial' | 'down';
  /** ok: a neutral resolver (DoH or UDP) answered; local_ok: the network's own resolver answered for neutral names. */
  dns: { ok: boolean; doh_ok: boolean; udp_ok: boolean; local_ok: boolean };
  /** median_handshake_s: median duration of the neutral handshakes, the yardstick for throttling. */
  tls: { ok: boolean; median_handshake_s?: number };
  /** Some UDP exchange with a neutral server (DNS or STUN) got an answer. */
  udp: { ok: boolean };
  stun: {
    answered_ports: number[];
    silent_ports: number[];
    /**
     * `open`: neutral STUN answers; `port_blocked`: silent on some ports, answered on others (blocked_ports);
     * `signature_blocked`: STUN silent on every port while other UDP works; `udp_down`; `unknown`: no STUN control.
     */
    classification: 'open' | 'port_blocked' | 'signature_blocked' | 'udp_down' | 'unknown';
    blocked_ports: number[];
  };
  reason: string;
}
