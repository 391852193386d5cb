// The call path of one relay chain (an address and UDP port): what its exchanges got back, what the
// STUN controls say, and how far TTL-limited probes towards it travelled. Pure functions of recorded
// observations (docs/calls.md has the rules in words; test/unit/analysis/call.test.ts as tables).
//
// Evidence levels, strongest positive first: the relay answered; the path is open up to the relay's
// network (positive, weaker: the relay itself ignores strangers); blocked (technique, strength, where);
// inconclusive (why). Silence from the relay's own address is no evidence either way: what counts is
// how far the routers before it answer, compared with another protocol to the same address and with
// the same UDP port towards a neutral server.

import { answersKnown, exchangesOf, type StunTarget } from '../catalogue/schema.js';
import type { Failure } from '../model/failure.js';
import type { PathTrace, StunExchange, TraceHop } from '../model/observations.js';
import type {
  CallEvidence,
  ControlVerdict,
  EvidenceRef,
  EvidenceStrength,
  LayerVerdict,
  PathLocation,
  StatusFields,
  TargetStatus,
  Technique,
} from '../model/verdict.js';
import type { HelperTraceResult } from '../protocol/helper.js';
import { NOT_NEEDED } from '../protocol/helper-words.js';
import { portOf } from './controls.js';
import { describeAnswer, exchangeOutcomes } from './exchanges.js';
import { OUTAGE_LIKE } from './layers.js';

// --- where packets stop -----------------------------------------------------------------------------

/** What the probes towards one relay show. */
export type LocalisationFinding =
  /** UDP reached the relay's network (or the relay, or as far as any router answers on a way that reaches it). */
  | { kind: 'open'; reached: PathLocation; how: string }
  /** UDP stopped while another protocol to the same address went further: a block, located. */
  | { kind: 'stopped'; where: PathLocation; technique: Technique; strength: EvidenceStrength; how: string }
  /** Every protocol stops at the same place beyond the measuring network: the relay's network is unreachable (not a block by this network). */
  | { kind: 'unreachable'; where: PathLocation; how: string }
  | { kind: 'unknown'; where?: PathLocation; why: string };

export interface LocalisationInput {
  udp?: PathTrace;
  /** Another protocol to the same address (TCP or ICMP). */
  compare?: PathTrace;
  /** UDP on the same port towards a neutral server. */
  neutral?: PathTrace;
}

const destIp = (t: PathTrace) => t.address.replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/^([^:\]]+):\d+$/, '$1');
const answering = (t: PathTrace) => t.hops.filter((h) => h.address !== null);
/** Routers that answered (the destination's own answer excluded). */
const routers = (t: PathTrace) => answering(t).filter((h) => h.address !== destIp(t));
const lastRouter = (t: PathTrace): TraceHop | undefined => routers(t).at(-1);
const farthest = (t: PathTrace) => Math.max(0, ...answering(t).map((h) => h.ttl));
/** A trace that ran (a failed one with hops still says how far it got). */
const ran = (t: PathTrace) => !(t.failure !== null && t.hops.length === 0);
const usable = (t: PathTrace | undefined): t is PathTrace => t !== undefined && ran(t);

/** The measuring network's ASN: the first router with a known network, unless that is already the relay's. */
function vantageAsnOf(traces: PathTrace[], relayAsn: number | undefined): number | undefined {
  const first = traces
    .flatMap((t) => routers(t))
    .filter((h) => h.asn !== undefined)
    .sort((a, b) => a.ttl - b.ttl)[0];
  return first && first.asn !== relayAsn ? first.asn : undefined;
}

function locate(hop: TraceHop, traces: PathTrace[], relayAsn: number | undefined): PathLocation {
  const vantage = vantageAsnOf(traces, relayAsn);
  // A router without a known network (a private address) counts as the measuring network's until a
  // router of another network has been seen on the way.
  const leftAt = Math.min(
    ...traces
      .flatMap((t) => routers(t))
      .filter((h) => h.asn !== undefined && h.asn !== vantage)
      .map((h) => h.ttl),
    Infinity,
  );
  let network: PathLocation['network'];
  if (hop.asn !== undefined && hop.asn === relayAsn) network = 'relay';
  else if (hop.asn !== undefined && vantage !== undefined) network = hop.asn === vantage ? 'vantage' : 'beyond';
  else if (hop.asn === undefined && vantage !== undefined && hop.ttl < leftAt) network = 'vantage';
  else network = 'unknown';
  return {
    hop: hop.ttl,
    address: hop.address!,
    ...(hop.asn !== undefined ? { asn: hop.asn } : {}),
    ...(hop.as_name ? { as_name: hop.as_name } : {}),
    network,
  };
}

const NETWORK_WORDS: Record<PathLocation['network'], string> = {
  vantage: 'inside your network',
  beyond: 'beyond your network',
  relay: "in the relay's network",
  unknown: 'in a network the ASN database does not know',
};

/** "hop 3 (198.51.100.1, AS6713 Maroc Telecom), inside your network". */
export function describeLocation(l: PathLocation): string {
  const as = l.asn !== undefined ? `, AS${l.asn}${l.as_name ? ` ${l.as_name}` : ''}` : '';
  return `hop ${l.hop} (${l.address}${as}), ${NETWORK_WORDS[l.network]}`;
}

const flagsOf = (h: TraceHop | undefined) => (h?.flags?.length ? ` answering ${h.flags.join(' ')}` : '');

/** How far UDP towards a relay travels, compared with another protocol to the same address and with the same port elsewhere. */
export function judgeLocalisation(i: LocalisationInput): LocalisationFinding {
  const { udp, compare, neutral } = i;
  if (!udp) return { kind: 'unknown', why: 'no path probes were made' };
  if (!ran(udp))
    return {
      kind: 'unknown',
      why: `path localisation could not run: ${String(udp.failure).replace(/^unknown_failure: /, '')}`,
    };
  const relayAsn = udp.destination_asn;
  const traces = [udp, ...(usable(compare) ? [compare] : [])];
  const where = (h: TraceHop) => locate(h, traces, relayAsn);
  const cmpName = compare
    ? compare.protocol === 'tcp'
      ? `TCP to port ${portOf(compare.address)}`
      : compare.protocol === 'icmp'
        ? 'ICMP echo'
        : compare.protocol.toUpperCase()
    : '';

  const intoRelay = relayAsn !== undefined ? answering(udp).find((h) => h.asn === relayAsn) : undefined;
  if (udp.reached) {
    const h = answering(udp).find((x) => x.address === destIp(udp))!;
    return { kind: 'open', reached: where(h), how: `the relay's own address answered the UDP probes at hop ${h.ttl}` };
  }
  if (intoRelay)
    return { kind: 'open', reached: where(intoRelay), how: `UDP probes reach ${describeLocation(where(intoRelay))}` };

  const last = lastRouter(udp);
  const k = last?.ttl ?? 0;
  if (compare === undefined || !ran(compare)) {
    const why = compare ? String(compare.failure).replace(/^unknown_failure: /, '') : 'no comparison probes were made';
    if (k === 0) return { kind: 'unknown', why: `no router answered the UDP probes; ${why}` };
    return {
      kind: 'unknown',
      where: where(last!),
      why: `UDP probes stop after ${describeLocation(where(last!))}, and the relay's network was not seen; ${why}`,
    };
  }
  const cmpRouters = routers(compare);
  const cmpBeyond = cmpRouters.filter((h) => h.ttl > k);
  const cmpReaches = compare.reached || (relayAsn !== undefined && answering(compare).some((h) => h.asn === relayAsn));
  if (k === 0) {
    return {
      kind: 'unknown',
      why: cmpRouters.length
        ? `no router answered the UDP probes, while ${cmpRouters.length} answered ${cmpName} probes: too little to locate anything`
        : 'no router answered any probe (ICMP filtered on the way?)',
    };
  }
  const loc = where(last!);
  const neutralBeyond = usable(neutral) ? farthest(neutral) > k : undefined;
  if (cmpBeyond.length > 0) {
    const technique: Technique =
      neutralBeyond === undefined ? 'udp.no_response' : neutralBeyond ? 'udp.address_blocked' : 'udp.port_blocked';
    const portWords =
      neutralBeyond === undefined
        ? ''
        : neutralBeyond
          ? `, while UDP to port ${portOf(udp.address)} of a neutral server goes further (hop ${farthest(neutral!)})`
          : `; UDP to port ${portOf(udp.address)} of a neutral server stops there too (the port is dropped whatever the destination)`;
    return {
      kind: 'stopped',
      where: loc,
      technique,
      strength: 'strong',
      how: `UDP to the relay stops after ${describeLocation(loc)}${flagsOf(last)}, while ${cmpName} to the same address goes on to hop ${cmpBeyond.at(-1)!.ttl}${portWords}`,
    };
  }
  if (cmpReaches) {
    return {
      kind: 'open',
      reached: loc,
      how: `UDP probes go as far as any router on the way answers (${describeLocation(loc)}), and ${cmpName} probes reach the relay: open as far as can be seen`,
    };
  }
  const both = `UDP and ${cmpName} probes to the relay both stop after ${describeLocation(loc)}${flagsOf(last)}`;
  if (loc.network === 'vantage' && neutralBeyond) {
    return {
      kind: 'stopped',
      where: loc,
      technique: 'udp.address_blocked',
      strength: 'weak',
      how: `${both}, while UDP on the same port to a neutral server goes further: consistent with your network dropping all traffic to the relay's address (a routing hole would look the same)`,
    };
  }
  if (loc.network === 'beyond')
    return {
      kind: 'unreachable',
      where: loc,
      how: `${both}: the relay's network is unreachable from here (an outage or a routing problem beyond your network), not a block by your network`,
    };
  return { kind: 'unknown', where: loc, why: `${both}: cannot tell where the fault is` };
}

// --- the same probes from outside (a helper) ------------------------------------------------------

/** How far a helper's UDP probes towards the relay travel (its hops mapped to networks by the probe). */
export type OutsidePathFinding =
  /** Into the relay's network, or to the relay itself: nothing on the way from outside drops them. */
  | { kind: 'open'; hop: number; how: string }
  /**
   * Routers answered, none of the relay's network: from outside, too, they do not get there.
   * `unreachable`: the last router said so (an ICMP unreachable, traceroute's !H, !N...).
   */
  | { kind: 'closed'; how: string; unreachable: boolean }
  | { kind: 'unknown'; why: string };

/** What one helper trace shows; `relayAsn` is the relay's network as the probe's database knows it. */
export function judgeOutsideTrace(t: HelperTraceResult, relayAsn: number | undefined): OutsidePathFinding {
  const hops = t.hops ?? [];
  const answered = hops.filter((h) => h.address !== null);
  if (answered.length === 0)
    return {
      kind: 'unknown',
      why:
        t.failure === NOT_NEEDED
          ? 'it did not trace (the relay answered it)'
          : t.failure
            ? `its trace failed (${t.failure})`
            : 'no router answered its probes',
    };
  const words = (h: TraceHop | (typeof hops)[number]) =>
    `hop ${h.ttl} (${h.address}${h.asn !== undefined ? `, AS${h.asn}${h.as_name ? ` ${h.as_name}` : ''}` : ''})`;
  const dest = t.reached ? answered.at(-1) : undefined;
  if (dest)
    return { kind: 'open', hop: dest.ttl, how: `the relay's own address answered its UDP probes at ${words(dest)}` };
  if (relayAsn === undefined)
    return {
      kind: 'unknown',
      why: "the relay's network is not known (no ASN database), so how far it got says nothing",
    };
  const into = answered.find((h) => h.asn === relayAsn);
  if (into) return { kind: 'open', hop: into.ttl, how: `its UDP probes reach ${words(into)}, in the relay's network` };
  const last = answered.at(-1)!;
  return {
    kind: 'closed',
    how: `its UDP probes stop after ${words(last)}${last.flags?.length ? ` answering ${last.flags.join(' ')}` : ''} without entering the relay's network`,
    unreachable: (last.flags ?? []).some((f) => /^!(H|N|X|P|A|C|S)/.test(f)),
  };
}

/**
 * Whether UDP on the same port towards a neutral server goes beyond `hop` (undefined without a
 * neutral trace): false means the routers beyond that hop answer no UDP probe from here at all.
 */
export function neutralGoesBeyond(i: LocalisationInput, hop: number): boolean | undefined {
  return usable(i.neutral) ? farthest(i.neutral) > hop : undefined;
}

/** The local localisation of one relay chain, read back from the recorded traces. */
export function localisationOf(traces: PathTrace[], relay: string): LocalisationInput {
  const mine = traces.filter((t) => (t.x_purpose === 'relay_udp' ? t.address === relay : t.x_relay === relay));
  const by = (p: PathTrace['x_purpose']) => mine.find((t) => t.x_purpose === p);
  const out: LocalisationInput = {};
  const udp = by('relay_udp');
  const compare = by('relay_compare');
  const neutral = by('neutral_udp');
  if (udp) out.udp = udp;
  if (compare) out.compare = compare;
  if (neutral) out.neutral = neutral;
  return out;
}

// --- one relay chain --------------------------------------------------------------------------------

export interface CallChainInput {
  target: StunTarget;
  exchanges: { x: StunExchange; index: number }[];
  traces: { x: PathTrace; index: number }[];
  controls: ControlVerdict;
}

export interface CallChainJudgement {
  /** `stun`: the chain's verdict from its exchanges, the controls and the localisation; `path`: the localisation alone (when made). */
  layers: LayerVerdict[];
  call: CallEvidence;
}

/** Extra fields of a layer of status S: a block names its technique and strength (the compiler checks it). */
type LayerExtra<S extends TargetStatus> = S extends 'blocked'
  ? [StatusFields<S> & { failure?: Failure }]
  : [{ failure?: Failure }?];

function layer<S extends TargetStatus>(
  layerName: LayerVerdict['layer'],
  status: S,
  reason: string,
  evidence: EvidenceRef[],
  ...[extra]: LayerExtra<S>
): LayerVerdict {
  return { layer: layerName, status, ...extra, reason, evidence } as LayerVerdict;
}

function pathLayer(f: LocalisationFinding, refs: EvidenceRef[]): LayerVerdict {
  switch (f.kind) {
    case 'open':
      return layer('path', 'ok', f.how, refs);
    case 'stopped':
      return layer('path', 'blocked', f.how, refs, { technique: f.technique, strength: f.strength });
    case 'unreachable':
      return layer('path', 'inconclusive', f.how, refs);
    case 'unknown':
      return layer('path', 'inconclusive', f.why, refs);
    default:
      return f satisfies never;
  }
}

export function judgeCallChain(i: CallChainInput): CallChainJudgement {
  const specs = exchangesOf(i.target);
  const outcomes = exchangeOutcomes(specs, i.exchanges);
  const refs = outcomes.map((o) => o.ref);
  const address = i.exchanges[0]?.x.address ?? '?';
  const port = portOf(address);
  const traceRefs: EvidenceRef[] = i.traces.map((t) => ({ key: 'x_traces', index: t.index }));
  const byPurpose = (p: PathTrace['x_purpose']) => i.traces.find((t) => t.x.x_purpose === p)?.x;
  const finding = i.traces.length
    ? judgeLocalisation({
        udp: byPurpose('relay_udp'),
        compare: byPurpose('relay_compare'),
        neutral: byPurpose('neutral_udp'),
      })
    : undefined;
  const path = finding ? [pathLayer(finding, traceRefs)] : [];
  const allRefs = [...refs, ...traceRefs];
  // The `stun` layer carries the chain's verdict; the `path` layer only describes the localisation, so
  // it may never make the chain worse than that verdict (a stop seen on a network that is down, say).
  const stun = <S extends TargetStatus>(
    status: S,
    reason: string,
    call: CallEvidence,
    ...extra: LayerExtra<S>
  ): CallChainJudgement => ({
    layers: [
      layer('stun', status, reason, allRefs, ...extra),
      // An answer supersedes any localisation: its layer is left out then.
      ...(call.answered
        ? []
        : path.map((l) =>
            l.status === 'blocked' && status !== 'blocked'
              ? { ...layer('path', 'inconclusive', `${l.reason} (not counted: ${reason})`, l.evidence) }
              : l,
          )),
    ],
    call,
  });
  const where =
    finding?.kind === 'stopped' || finding?.kind === 'unreachable'
      ? finding.where
      : finding?.kind === 'open'
        ? finding.reached
        : finding?.where;
  const at = where ? { where } : {};

  // 1. Answers: the strongest evidence there is.
  const answered = outcomes.filter((o) => o.answered);
  if (answered.length) {
    const ids = answered.map((o) => o.spec.id);
    const plainAnswered = answered.filter((o) => !o.spec.marks);
    const marked = outcomes.find((o) => o.spec.marks && o.spec.answer && o.silent);
    if (marked && plainAnswered.length) {
      return stun(
        'blocked',
        `${address} answered ${plainAnswered.map((o) => `${o.spec.id} (${describeAnswer(o.x.response!)})`).join(', ')}, but not ${marked.spec.id}, which carries ${marked.spec.marks} and which a live relay answers (${marked.spec.source}): ${marked.x.sent.length} request(s) unanswered. STUN carrying the app's marks is dropped while plain STUN to the same relay passes`,
        { level: 'blocked', answered: ids },
        { technique: 'stun.app_signature', strength: 'strong', failure: marked.x.failure },
      );
    }
    const notes = answered
      .filter((o) => o.matches === false)
      .map((o) => `${o.spec.id} answered ${o.mismatch} (the catalogue may need updating)`);
    const what = answered.map((o) => `${o.spec.id}: ${describeAnswer(o.x.response!)}`).join('; ');
    return stun(
      'ok',
      `${address} answered (${what}): the UDP path to the relay works${notes.length ? `; ${notes.join('; ')}` : ''}`,
      { level: 'answered', answered: ids },
    );
  }

  // 2. No answer. What a plain silence means depends on the controls first, then on where packets stop.
  const first = outcomes[0];
  if (!first) return stun('inconclusive', 'no exchange was made', { level: 'inconclusive' });
  const sent = outcomes.reduce((n, o) => n + o.x.sent.length, 0);
  const kinds = outcomes.map((o) => o.spec.id).join(', ');
  const interrupted = outcomes.find((o) => o.interrupted);
  if (interrupted)
    return stun(
      'inconclusive',
      `exchanges with ${address} interrupted`,
      { level: 'inconclusive' },
      { failure: 'interrupted' },
    );
  const junk = outcomes.filter((o) => o.x.malformed.length > 0);
  if (junk.length) {
    return stun(
      'failed',
      `${address} sent ${junk.reduce((n, o) => n + o.x.malformed.length, 0)} datagram(s) that are not a valid answer: the path carries UDP`,
      { level: 'inconclusive' },
      { failure: first.x.failure },
    );
  }
  const refused = outcomes.find((o) => o.refused || (o.x.failure !== null && OUTAGE_LIKE.has(o.x.failure)));
  const what = refused
    ? refused.refused
      ? 'ICMP port unreachable'
      : `${refused.x.failure}`
    : `no answer to ${kinds} after ${sent} request(s)`;
  const technique: Technique = refused?.refused ? 'udp.refused' : 'udp.no_response';
  const st = i.controls.stun;
  const failure = refused?.x.failure ?? first.x.failure;
  const locWords =
    finding?.kind === 'stopped'
      ? `; ${finding.how}`
      : finding?.kind === 'open'
        ? `; UDP without the STUN header ${finding.how.replace(/^UDP probes /, '')}`
        : '';

  if (st.classification === 'udp_down' || !i.controls.udp.ok) {
    return stun(
      'inconclusive',
      `${address}: ${what}, but no neutral UDP server answers either`,
      { level: 'inconclusive' },
      { failure },
    );
  }
  if (st.classification === 'port_blocked' && st.blocked_ports.includes(port)) {
    return stun(
      'blocked',
      `${address}: ${what}; neutral STUN is silent on port ${port} too but answers on ${st.answered_ports.join(', ')}: UDP port ${port} blocked${locWords}`,
      { level: 'blocked', ...at },
      {
        technique: refused?.refused ? technique : 'udp.port_blocked',
        strength: 'strong',
        failure,
      },
    );
  }
  if (st.classification === 'signature_blocked' && !refused) {
    return stun(
      'blocked',
      `${address}: ${what}; neutral STUN is silent on every port while other UDP works: STUN blocked by signature${locWords}`,
      { level: 'blocked', ...at },
      {
        technique: 'stun.signature_blocked',
        strength: 'strong',
        failure,
      },
    );
  }
  // An ICMP error says something is there and refuses: a closed port or a host that is down.
  if (refused) {
    return stun(
      'failed',
      `${address}: ${what} — what a closed port or a host that is down does; not counted as censorship${finding && finding.kind !== 'open' ? `; ${finding.kind === 'unknown' ? finding.why : finding.how}` : ''}`,
      { level: 'inconclusive', ...at },
      { failure },
    );
  }

  const known = answersKnown(i.target);
  const expected = outcomes.filter((o) => o.spec.answer);
  const knownWords = known
    ? `the relay should answer ${expected.map((o) => o.spec.id).join(', ')} (${expected[0]!.spec.source}) and did not`
    : 'this relay is not known to answer strangers';
  if (!finding) {
    // Localisation was not attempted (an unverified relay, or a run without it).
    if (known && st.answered_ports.length > 0) {
      return stun(
        'blocked',
        `${address}: ${what}; ${knownWords}, while neutral STUN answers on port ${st.answered_ports.join(', ')}: consistent with UDP to the relay being dropped, also with the relay having changed (not localised)`,
        { level: 'blocked' },
        { technique, strength: 'weak', failure },
      );
    }
    return stun(
      'inconclusive',
      `${address}: ${what}; ${knownWords}, and where packets stop was not measured`,
      { level: 'inconclusive' },
      { failure },
    );
  }
  switch (finding.kind) {
    case 'open':
      if (known) {
        return stun(
          'inconclusive',
          `${address}: ${what}; ${knownWords}, while ${finding.how}: STUN towards it filtered, or the relay no longer answers (the catalogue may be out of date)`,
          { level: 'inconclusive', where: finding.reached },
          { failure },
        );
      }
      return stun(
        'ok',
        `${address}: ${what} (${knownWords}); ${finding.how}: path open up to the relay's network, a positive answer weaker than a reply from the relay itself`,
        { level: 'path_open', where: finding.reached },
      );
    case 'stopped':
      return stun(
        'blocked',
        `${address}: ${what}; ${finding.how}`,
        { level: 'blocked', where: finding.where },
        { technique: finding.technique, strength: finding.strength, failure },
      );
    case 'unreachable':
      // Not a block: an outage beyond this network; inconclusive (not `failed`), so that a call path
      // whose relay is unreachable never reads as working beside another call target that does.
      return stun(
        'inconclusive',
        `${address}: ${what}; ${finding.how}`,
        { level: 'inconclusive', where: finding.where },
        { failure },
      );
    case 'unknown':
      if (known && st.answered_ports.length > 0) {
        return stun(
          'blocked',
          `${address}: ${what}; ${knownWords}, while neutral STUN answers on port ${st.answered_ports.join(', ')}: consistent with UDP to the relay being dropped, also with the relay having changed; ${finding.why}`,
          { level: 'blocked', ...at },
          { technique, strength: 'weak', failure },
        );
      }
      return stun(
        'inconclusive',
        `${address}: ${what}; ${knownWords}; ${finding.why}`,
        { level: 'inconclusive', ...at },
        { failure },
      );
    default:
      return finding satisfies never;
  }
}
