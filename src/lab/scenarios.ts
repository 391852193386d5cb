// The censorship scenarios of the lab, as data shared by the loopback lab (src/lab/loopback.ts) and
// the namespace lab (src/lab/netns/): what the censor does, as abstract actions each lab knows how
// to produce (lab servers misbehaving on loopback; nftables/tc in the middlebox namespace), and the
// exact verdicts the probe must give. A service a scenario does not list must come out with every
// path `accessible` (or `others`, when set).
//
// The expected verdicts follow from the analysis rules in src/analysis (see the note on each
// scenario), applied to the lab catalogue written by src/lab/world.ts, in which every target counts
// (IP literals become lab stand-ins that the lab runs, so Viber's unverified ports are verified
// *in the lab*) and every relay answers a Binding request (`answers_binding: true`).

import type { ServicePath } from '../catalogue/schema.js';
import type { CallTechnique, CallTestVerdict } from '../model/call-test.js';
import type { ControlVerdict, EvidenceStrength, PathStatus, ServiceVerdict, Technique } from '../model/verdict.js';

/** What the censor does. Ports are the real catalogue ports (the loopback lab maps them). */
export type CensorAction =
  /** The network's resolver answers NXDOMAIN for the service's hostnames. */
  | { kind: 'dns_nxdomain'; service: string }
  /** The network's resolver answers the service's hostnames with the lab sinkhole address. */
  | { kind: 'dns_sinkhole'; service: string }
  /** An on-path injector answers the service's hostnames first (the block page address); the real reply follows. */
  | { kind: 'dns_inject'; service: string }
  /** Connections to the service's plain-TCP endpoints on these ports are reset after the first data segment (DPI on the preamble). */
  | { kind: 'tcp_reset_on_data'; service: string; ports: number[] }
  /** SYNs to every TCP endpoint (plain TCP and TLS) of the service are dropped. */
  | { kind: 'tcp_blackhole'; service: string }
  /** A ClientHello whose SNI names one of the service's hostnames is reset; other SNIs to the same address pass. */
  | { kind: 'sni_reset'; service: string }
  /** The WebSocket upgrade to host/path is reset; plain HTTPS to the same host works. */
  | { kind: 'ws_reset'; service: string; host: string; path: string }
  /** UDP to the call relays (STUN endpoints on the call path) of these services is dropped. */
  | { kind: 'udp_drop'; services: string[] }
  /** UDP to this destination port is dropped for every destination (controls included). */
  | { kind: 'stun_port_drop'; port: number }
  /** STUN is dropped on every port (a DPI match on the magic cookie 0x2112A442); other UDP (DNS) passes. */
  | { kind: 'stun_signature_drop' }
  /** Not censorship: the service's servers are down (TCP refused, ICMP port unreachable); DNS still answers. */
  | { kind: 'outage'; service: string }
  /** Not censorship: the uplink is dead; nothing answers, resolvers and controls included. */
  | { kind: 'uplink_down' }
  /** The service's addresses are shaped to a low rate (token bucket) while the controls are not. */
  | { kind: 'throttle'; service: string; kbit: number }
  /** SYNs to every TCP endpoint (plain TCP and TLS) of the service are answered with a reset (a refusal, as a closed port would). */
  | { kind: 'tcp_syn_reset'; service: string }
  /** SYNs to every TCP endpoint of the service are answered with ICMP "administratively prohibited" (host unreachable, as a dead host would). */
  | { kind: 'icmp_prohibited'; service: string }
  // Test calls: what the censor does to UDP between the client and the outside vantage (the helper).
  /** This share of the packets to the helper on the service's call ports is dropped at random. */
  | { kind: 'call_loss'; service: string; percent: number }
  /** UDP to and from the helper on the service's call ports is shaped to this rate (token bucket). */
  | { kind: 'call_shape'; service: string; kbit: number }
  /** Every UDP packet to the helper is dropped for `cutS` seconds every `everyS` seconds (a periodic cut). */
  | { kind: 'call_cut'; everyS: number; cutS: number }
  /** DPI: UDP to the helper carrying the test call's signature (the STUN magic cookie and a TURN Send indication) is dropped, on every port. */
  | { kind: 'call_signature_drop' }
  /** Every UDP packet to and from the helper is held for a random time up to `maxDelayMs` (a delaying reflector: jitter). */
  | { kind: 'call_jitter'; maxDelayMs: number };

/** The lab's helpers: the real one, and the ones that misbehave on purpose (namespace lab, src/lab/netns/fake-helper.ts). */
export type ScenarioHelper = 'honest' | 'garbage' | 'silent' | 'liar_works' | 'liar_fails';

/** What a test call must conclude (CallTestVerdict). */
export interface ExpectedCallTest {
  status: CallTestVerdict['status'];
  technique?: CallTechnique;
  /** The period the cut-offs recur with, seconds (within 10 %). */
  cutPeriodS?: number;
}

export interface ExpectedPath {
  status: PathStatus;
  /** Exactly these techniques (order ignored); default none. */
  techniques?: Technique[];
  /** The strength of a blocked or partially blocked path, when the scenario is about it. */
  strength?: EvidenceStrength;
  /** The path is (true) or is not (false) marked as an outage confirmed from outside. */
  outage?: boolean;
}

export interface ExpectedVerdict {
  status: PathStatus;
  /** A path the service has but that is not listed here must be `accessible` without techniques. */
  paths?: Partial<Record<ServicePath, ExpectedPath>>;
  /** Sub-labelled parts (e.g. skype's "skype-legacy" and "teams"); an unlisted group must be accessible. */
  groups?: Record<string, Omit<ExpectedVerdict, 'groups' | 'callTest'>>;
  /** The test call's own verdict (scenarios with `callTest`). */
  callTest?: ExpectedCallTest;
}

export interface Scenario {
  id: string;
  title: string;
  /** What is done and why the verdicts follow from the analysis rules. */
  notes: string;
  actions: CensorAction[];
  expect: Record<string, ExpectedVerdict>;
  /** Status of every service (and all its paths) not in `expect`; default `accessible`. */
  others?: PathStatus;
  controls: { network: ControlVerdict['network']; stun?: ControlVerdict['stun']['classification']; stunBlockedPorts?: number[] };
  /** A false-positive scenario: nothing at all may come out `blocked` or `partially_blocked`. */
  noCensorship?: boolean;
  /** Smallest per-step timeout (s) at which the effect is observable (throttling needs a slow request to finish). */
  minTimeoutS?: number;
  /** Ask this helper of the namespace lab's outside vantage (`--helper`). */
  helper?: ScenarioHelper;
  /** The same network measured again without a helper must give these verdicts (what the helper adds). */
  withoutHelper?: { expect: Record<string, ExpectedVerdict>; others?: PathStatus };
  /** `voipprobe call-test --seconds N` against the helper instead of a full run (the call path of `services` only). */
  callTest?: { seconds: number };
  /** Measure only these services (default: all). */
  services?: string[];
  loopback: { supported: true; emulation?: string } | { supported: false; reason: string };
}

const acc = (): ExpectedPath => ({ status: 'accessible' });
const blockedBy = (t: Technique): ExpectedPath => ({ status: 'blocked', techniques: [t] });
const partlyBy = (t: Technique): ExpectedPath => ({ status: 'partially_blocked', techniques: [t] });
const inconclusive = (): ExpectedPath => ({ status: 'inconclusive' });

export const SCENARIOS: Scenario[] = [
  {
    id: '1',
    title: 'no censorship',
    notes: 'Everything answers: every service and path accessible, the controls up with STUN open.',
    actions: [],
    expect: {},
    controls: { network: 'up', stun: 'open' },
    loopback: { supported: true },
  },
  {
    id: '2',
    title: 'DNS NXDOMAIN for Viber',
    notes:
      "The network's resolver says NXDOMAIN for Viber's names while the neutral resolvers (UDP and DoH) resolve them: dns.nxdomain (dns.ts) for every named target, so web is blocked. Viber's chat and call endpoints are dialled by address (IP literals in probes/viber.json, lab stand-ins here), which DNS blocking cannot touch: chat and call stay accessible and the service is partially_blocked, not blocked.",
    actions: [{ kind: 'dns_nxdomain', service: 'viber' }],
    expect: { viber: { status: 'partially_blocked', paths: { web: blockedBy('dns.nxdomain'), chat: acc(), call: acc() } } },
    controls: { network: 'up', stun: 'open' },
    loopback: { supported: true },
  },
  {
    id: '3',
    title: 'DNS sinkhole for Skype/Teams',
    notes:
      "The network's resolver answers Skype's and Teams' names with the lab sinkhole (listed in network.sinkholes): dns.bogus_answer for every named target, whose chains then run on the neutral resolvers' addresses and work (DNS-only blocking). The Teams relays are IP literals, so the call path stays accessible: skype partially_blocked; group skype-legacy (no call path) blocked; group teams partially_blocked.",
    actions: [{ kind: 'dns_sinkhole', service: 'skype' }],
    expect: {
      skype: {
        status: 'partially_blocked',
        paths: { chat: blockedBy('dns.bogus_answer'), web: blockedBy('dns.bogus_answer'), call: acc() },
        groups: {
          'skype-legacy': { status: 'blocked', paths: { chat: blockedBy('dns.bogus_answer'), web: blockedBy('dns.bogus_answer') } },
          teams: { status: 'partially_blocked', paths: { chat: blockedBy('dns.bogus_answer'), web: blockedBy('dns.bogus_answer'), call: acc() } },
        },
      },
    },
    controls: { network: 'up', stun: 'open' },
    loopback: { supported: true },
  },
  {
    id: '4',
    title: 'DNS injection for WhatsApp',
    notes:
      'A forged reply (the block page address) races the real one for every WhatsApp name: two different replies to one UDP query is dns.injection for every named target. The call relay is an IP literal and answers: chat and web blocked, call accessible, whatsapp partially_blocked.',
    actions: [{ kind: 'dns_inject', service: 'whatsapp' }],
    expect: { whatsapp: { status: 'partially_blocked', paths: { chat: blockedBy('dns.injection'), web: blockedBy('dns.injection'), call: acc() } } },
    controls: { network: 'up', stun: 'open' },
    loopback: { supported: true },
  },
  {
    id: '5',
    title: "TCP reset after WhatsApp's chat preamble",
    notes:
      'Connections to e1..e16 and g.whatsapp.net on 443 and 5222 are reset once the "WA" preamble is sent: tcp.reset (strong) on every chat connection, while registration (HTTPS) and media (TLS), also on the chat path, work: chat partially_blocked, web and call accessible.',
    actions: [{ kind: 'tcp_reset_on_data', service: 'whatsapp', ports: [443, 5222] }],
    expect: { whatsapp: { status: 'partially_blocked', paths: { chat: partlyBy('tcp.reset'), web: acc(), call: acc() } } },
    controls: { network: 'up', stun: 'open' },
    loopback: { supported: true },
  },
  {
    id: '6',
    title: 'TCP blackhole for WhatsApp',
    notes:
      "SYNs to every WhatsApp TCP endpoint are dropped: every connect times out while the neutral TLS host is reachable, tcp.timeout (weak, but nothing on the path works, so blocked): chat and web blocked. The call relay (UDP) answers: whatsapp partially_blocked.",
    actions: [{ kind: 'tcp_blackhole', service: 'whatsapp' }],
    expect: { whatsapp: { status: 'partially_blocked', paths: { chat: blockedBy('tcp.timeout'), web: blockedBy('tcp.timeout'), call: acc() } } },
    controls: { network: 'up', stun: 'open' },
    loopback: { supported: true },
  },
  {
    id: '7',
    title: 'TLS SNI filtering of Skype/Teams',
    notes:
      "A ClientHello naming any Skype or Teams host is reset; the neutral SNI to the same address completes, so SNI filtering: tls.reset (strong) for every TLS/HTTPS target. The Teams relays (UDP) answer: skype partially_blocked; skype-legacy blocked; teams partially_blocked.",
    actions: [{ kind: 'sni_reset', service: 'skype' }],
    expect: {
      skype: {
        status: 'partially_blocked',
        paths: { chat: blockedBy('tls.reset'), web: blockedBy('tls.reset'), call: acc() },
        groups: {
          'skype-legacy': { status: 'blocked', paths: { chat: blockedBy('tls.reset'), web: blockedBy('tls.reset') } },
          teams: { status: 'partially_blocked', paths: { chat: blockedBy('tls.reset'), web: blockedBy('tls.reset'), call: acc() } },
        },
      },
    },
    controls: { network: 'up', stun: 'open' },
    loopback: { supported: true },
  },
  {
    id: '8',
    title: 'WebSocket upgrade to WhatsApp Web reset',
    notes:
      'The upgrade request to wss://web.whatsapp.com/ws/chat is reset while plain HTTPS to the same host works: ws.upgrade_failed (strong: a reset, not a timeout); web-https works, so web partially_blocked; chat and call accessible.',
    actions: [{ kind: 'ws_reset', service: 'whatsapp', host: 'web.whatsapp.com', path: '/ws/chat' }],
    expect: { whatsapp: { status: 'partially_blocked', paths: { web: partlyBy('ws.upgrade_failed'), chat: acc(), call: acc() } } },
    controls: { network: 'up', stun: 'open' },
    loopback: { supported: true },
  },
  {
    id: '9',
    title: 'Morocco 2016: calls over UDP blocked on WhatsApp, Skype and Viber',
    notes:
      "UDP to the call relays of WhatsApp, Teams and Viber is dropped; chat and web over TCP/TLS work and the neutral STUN servers (3478 and 19302) answer. Lab relays answer Binding requests (answers_binding true), so their silence while neutral STUN answers is udp.no_response (strong): each call path blocked, chat and web accessible, each service partially_blocked. skype-legacy has no call path and stays accessible. Meet's relay is not on the 2016 list and answers.",
    actions: [{ kind: 'udp_drop', services: ['whatsapp', 'skype', 'viber'] }],
    expect: {
      whatsapp: { status: 'partially_blocked', paths: { call: blockedBy('udp.no_response'), chat: acc(), web: acc() } },
      skype: {
        status: 'partially_blocked',
        paths: { call: blockedBy('udp.no_response'), chat: acc(), web: acc() },
        groups: { teams: { status: 'partially_blocked', paths: { call: blockedBy('udp.no_response'), chat: acc(), web: acc() } }, 'skype-legacy': { status: 'accessible' } },
      },
      viber: { status: 'partially_blocked', paths: { call: blockedBy('udp.no_response'), chat: acc(), web: acc() } },
    },
    controls: { network: 'up', stun: 'open' },
    loopback: { supported: true },
  },
  {
    id: '10a',
    title: 'port-based UDP blocking: STUN dropped on 3478 only',
    notes:
      "UDP to port 3478 is dropped for every destination: the neutral STUN servers on 3478 are silent while the one on 19302 answers (controls: port_blocked [3478]). Relays on 3478 are blocked (udp.no_response, strong); relays on other ports answer. WhatsApp's only relay is on 3478: call blocked. Teams relays answer on 3479-3481: call partially_blocked. Meet's relay answers on 19302: call partially_blocked. Viber's call ports are not 3478: accessible.",
    actions: [{ kind: 'stun_port_drop', port: 3478 }],
    expect: {
      whatsapp: { status: 'partially_blocked', paths: { call: blockedBy('udp.no_response') } },
      skype: {
        status: 'partially_blocked',
        paths: { call: partlyBy('udp.no_response') },
        groups: { teams: { status: 'partially_blocked', paths: { call: partlyBy('udp.no_response') } } },
      },
      meet: { status: 'partially_blocked', paths: { call: partlyBy('udp.no_response') } },
    },
    controls: { network: 'up', stun: 'port_blocked', stunBlockedPorts: [3478] },
    loopback: { supported: true },
  },
  {
    id: '10b',
    title: 'signature-based UDP blocking: STUN dropped on every port',
    notes:
      'Every STUN message is dropped whatever the port (a DPI match on the magic cookie) while DNS over UDP passes: the neutral STUN servers are silent on every port and the neutral UDP resolver answers (controls: signature_blocked). Every relay is silent: udp.no_response (strong) on every call path: whatsapp, skype (teams), meet and viber calls blocked, each service partially_blocked.',
    actions: [{ kind: 'stun_signature_drop' }],
    expect: {
      whatsapp: { status: 'partially_blocked', paths: { call: blockedBy('udp.no_response') } },
      skype: {
        status: 'partially_blocked',
        paths: { call: blockedBy('udp.no_response') },
        groups: { teams: { status: 'partially_blocked', paths: { call: blockedBy('udp.no_response') } } },
      },
      meet: { status: 'partially_blocked', paths: { call: blockedBy('udp.no_response') } },
      viber: { status: 'partially_blocked', paths: { call: blockedBy('udp.no_response') } },
    },
    controls: { network: 'up', stun: 'signature_blocked' },
    loopback: { supported: true },
  },
  {
    id: '11a',
    title: "outage: WhatsApp's servers down (not censorship)",
    notes:
      "WhatsApp's servers are down: TCP connects are refused and the relay answers ICMP port unreachable; DNS still answers. Refused and unreachable are outage-like (layers.ts): every target failed, never blocked, so every path and the service are inconclusive.",
    actions: [{ kind: 'outage', service: 'whatsapp' }],
    expect: { whatsapp: { status: 'inconclusive', paths: { chat: inconclusive(), web: inconclusive(), call: inconclusive() } } },
    controls: { network: 'up', stun: 'open' },
    noCensorship: true,
    loopback: { supported: true },
  },
  {
    id: '11b',
    title: 'dead uplink (not censorship)',
    notes:
      'Nothing answers: the resolvers (UDP and DoH), the neutral TLS host, the STUN servers and every service. The controls say the network is down, so every service and path is inconclusive; nothing is blocked.',
    actions: [{ kind: 'uplink_down' }],
    expect: {},
    others: 'inconclusive',
    controls: { network: 'down' },
    noCensorship: true,
    loopback: { supported: true },
  },
  {
    id: '12',
    title: "throttling: Viber's addresses shaped to 16 kbit/s",
    notes:
      "Viber's addresses are shaped to a low rate while the controls are not. The HTTPS request to www.viber.com (connect, handshake, the first 4 KiB of a 64 KiB page) takes seconds while the neutral handshake takes milliseconds: at least 10x and 1 s slower (throttle.ts), so web is degraded (throttled). Viber's chat and call checks move no bulk data (a connect, a Binding request): accessible. Service: degraded.",
    actions: [{ kind: 'throttle', service: 'viber', kbit: 16 }],
    expect: { viber: { status: 'degraded', paths: { web: { status: 'degraded', techniques: ['throttled'] }, chat: acc(), call: acc() } } },
    controls: { network: 'up', stun: 'open' },
    minTimeoutS: 4,
    loopback: {
      supported: true,
      emulation:
        "loopback has no packet shaper without root (tc needs CAP_NET_ADMIN), so the lab's HTTPS servers for the service pace their response bodies at the same rate instead: HTTPS requests slow down as under a shaper, TLS handshakes do not (a real shaper slows both)",
    },
  },
];


const NEEDS_OUTSIDE = { supported: false as const, reason: "needs the namespace lab's outside vantage: on loopback the helper and the probe see the same servers through the same (absent) censor" };
const NEEDS_MIDDLEBOX_UDP = { supported: false as const, reason: "needs the namespace lab's middlebox between the client and the helper (nftables, tc)" };
const strongly = (p: ExpectedPath): ExpectedPath => ({ ...p, strength: 'strong' });

/** Scenarios with the outside vantage: a helper beyond the censor, and test calls against it. */
export const HELPER_SCENARIOS: Scenario[] = [
  {
    id: '13a',
    title: "reset to the SYN on WhatsApp's servers, with a helper",
    notes:
      "Every SYN to a WhatsApp TCP endpoint is answered with a reset (connection_refused, what a closed port does). Without a helper that is an outage-like failure: chat and web inconclusive. The helper, beyond the censor, connects to the same addresses: refused here and working from outside is blocked, strong, tcp.refused (outside-view.ts). The relay (UDP) answers: call accessible.",
    actions: [{ kind: 'tcp_syn_reset', service: 'whatsapp' }],
    helper: 'honest',
    expect: { whatsapp: { status: 'partially_blocked', paths: { chat: strongly(blockedBy('tcp.refused')), web: strongly(blockedBy('tcp.refused')), call: acc() } } },
    withoutHelper: { expect: { whatsapp: { status: 'inconclusive', paths: { chat: inconclusive(), web: inconclusive(), call: acc() } } } },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_OUTSIDE,
  },
  {
    id: '13b',
    title: "ICMP administratively prohibited for Viber's servers, with a helper",
    notes:
      "Every SYN to a Viber TCP endpoint is answered with ICMP type 3 code 13 (host_unreachable, what a dead host's last router says). Without a helper: outage-like, chat and web inconclusive. With one that connects from outside: blocked, strong, tcp.unreachable. The call relay (UDP) answers.",
    actions: [{ kind: 'icmp_prohibited', service: 'viber' }],
    helper: 'honest',
    expect: { viber: { status: 'partially_blocked', paths: { chat: strongly(blockedBy('tcp.unreachable')), web: strongly(blockedBy('tcp.unreachable')), call: acc() } } },
    withoutHelper: { expect: { viber: { status: 'inconclusive', paths: { chat: inconclusive(), web: inconclusive(), call: acc() } } } },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_OUTSIDE,
  },
  {
    id: '13c',
    title: "WhatsApp's servers down, with a helper: an outage, said so",
    notes:
      "WhatsApp's servers are down (refused, ICMP port unreachable); the helper sees the same from outside and reaches everything else: every WhatsApp path is an outage confirmed from outside (inconclusive, outage), nothing blocked.",
    actions: [{ kind: 'outage', service: 'whatsapp' }],
    helper: 'honest',
    expect: { whatsapp: { status: 'inconclusive', paths: { chat: { status: 'inconclusive', outage: true }, web: { status: 'inconclusive', outage: true }, call: { status: 'inconclusive', outage: true } } } },
    controls: { network: 'up', stun: 'open' },
    noCensorship: true,
    loopback: NEEDS_OUTSIDE,
  },
  {
    id: '13d',
    title: 'TCP blackhole for WhatsApp, with a helper',
    notes:
      'SYNs to every WhatsApp TCP endpoint are dropped (scenario 6): tcp.timeout, weak without a helper (a silent far end looks the same). The helper connects from outside: blocked, strong.',
    actions: [{ kind: 'tcp_blackhole', service: 'whatsapp' }],
    helper: 'honest',
    expect: { whatsapp: { status: 'partially_blocked', paths: { chat: strongly(blockedBy('tcp.timeout')), web: strongly(blockedBy('tcp.timeout')), call: acc() } } },
    withoutHelper: { expect: { whatsapp: { status: 'partially_blocked', paths: { chat: { ...blockedBy('tcp.timeout'), strength: 'weak' }, web: { ...blockedBy('tcp.timeout'), strength: 'weak' }, call: acc() } } } },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_OUTSIDE,
  },
  {
    id: '14a',
    title: 'a helper that lies "everything works", on a clean network',
    notes: 'A helper that says every step it was asked about worked changes nothing where everything works here: a helper\'s word alone never makes anything blocked.',
    actions: [],
    helper: 'liar_works',
    expect: {},
    controls: { network: 'up', stun: 'open' },
    noCensorship: true,
    loopback: NEEDS_OUTSIDE,
  },
  {
    id: '14b',
    title: 'a helper that lies "everything fails", with the WhatsApp blackhole',
    notes:
      'A helper that says everything fails (DNS included) shows it reaches nothing, so its failures confirm no outage: the blackhole stays blocked (weak, tcp.timeout), exactly as without a helper.',
    actions: [{ kind: 'tcp_blackhole', service: 'whatsapp' }],
    helper: 'liar_fails',
    expect: { whatsapp: { status: 'partially_blocked', paths: { chat: { ...blockedBy('tcp.timeout'), strength: 'weak' }, web: { ...blockedBy('tcp.timeout'), strength: 'weak' }, call: acc() } } },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_OUTSIDE,
  },
  {
    id: '14c',
    title: 'a helper that answers garbage, with the SYN reset',
    notes: "The helper's answers are not helper answers: it is not used, the line says why, and the verdicts are today's (13a without a helper).",
    actions: [{ kind: 'tcp_syn_reset', service: 'whatsapp' }],
    helper: 'garbage',
    expect: { whatsapp: { status: 'inconclusive', paths: { chat: inconclusive(), web: inconclusive(), call: acc() } } },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_OUTSIDE,
  },
  {
    id: '14d',
    title: 'a helper that never answers, with the SYN reset',
    notes: 'The helper accepts connections and never answers (its health check times out): not used, today\'s verdicts, the run one step timeout longer.',
    actions: [{ kind: 'tcp_syn_reset', service: 'whatsapp' }],
    helper: 'silent',
    expect: { whatsapp: { status: 'inconclusive', paths: { chat: inconclusive(), web: inconclusive(), call: acc() } } },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_OUTSIDE,
  },
  {
    id: '15a',
    title: "DPI drops WhatsApp's call signature; the scrambled twin passes",
    notes:
      "UDP to the helper that carries the test call's signature (the STUN magic cookie and a TURN Send indication) is dropped on every port; the same packets bit-inverted pass. The test call: blocked, call.signature (strong), on the neutral port too; the call path blocked although the relay answers its Binding (a Binding request is not a Send indication).",
    actions: [{ kind: 'call_signature_drop' }],
    helper: 'honest',
    callTest: { seconds: 10 },
    services: ['whatsapp'],
    expect: { whatsapp: { status: 'blocked', paths: { call: strongly(blockedBy('call.signature')) }, callTest: { status: 'blocked', technique: 'call.signature' } } },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_MIDDLEBOX_UDP,
  },
  {
    id: '15b',
    title: "5 % loss on WhatsApp's call port",
    notes:
      "5 % of the packets to the helper's UDP 3478 are dropped at random, both test flows on that port alike, the neutral port untouched: the port comparison is significant (two-proportion z-test, 5 points of loss): throttled, call.port; the call path degraded (throttled, call.port).",
    actions: [{ kind: 'call_loss', service: 'whatsapp', percent: 5 }],
    helper: 'honest',
    callTest: { seconds: 12 },
    services: ['whatsapp'],
    expect: { whatsapp: { status: 'degraded', paths: { call: { status: 'degraded', techniques: ['throttled', 'call.port'] } }, callTest: { status: 'throttled', technique: 'call.port' } } },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_MIDDLEBOX_UDP,
  },
  {
    id: '15c',
    title: "WhatsApp's call port shaped to 48 kbit/s",
    notes:
      'UDP to and from the helper on 3478 goes through a 48 kbit/s token bucket: the two test flows on that port (about 110 kbit/s together) lose packets and queue, the neutral port does not: throttled, call.port.',
    actions: [{ kind: 'call_shape', service: 'whatsapp', kbit: 48 }],
    helper: 'honest',
    callTest: { seconds: 10 },
    services: ['whatsapp'],
    expect: { whatsapp: { status: 'degraded', paths: { call: { status: 'degraded', techniques: ['throttled', 'call.port'] } }, callTest: { status: 'throttled', technique: 'call.port' } } },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_MIDDLEBOX_UDP,
  },
  {
    id: '15d',
    title: 'a periodic cut: UDP to the helper dropped 1 s in every 4 s',
    notes:
      'Every 4 s, every UDP packet to the helper is dropped for 1 s, whatever the port or content: cut-offs on every flow alike, found with their period: degraded, call.cutoff, every 4 s.',
    actions: [{ kind: 'call_cut', everyS: 4, cutS: 1 }],
    helper: 'honest',
    callTest: { seconds: 14 },
    services: ['whatsapp'],
    expect: { whatsapp: { status: 'degraded', paths: { call: { status: 'degraded', techniques: ['call.cutoff'] } }, callTest: { status: 'degraded', technique: 'call.cutoff', cutPeriodS: 4 } } },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_MIDDLEBOX_UDP,
  },
];

/** Every scenario of both sets. */
export const ALL_SCENARIOS: Scenario[] = [...SCENARIOS, ...HELPER_SCENARIOS];

export function scenarioById(id: string): Scenario | undefined {
  return ALL_SCENARIOS.find((s) => s.id === id);
}

/** Why a scenario cannot run in the loopback lab (undefined when it can). */
export function loopbackUnsupported(s: Scenario): string | undefined {
  return s.loopback.supported ? undefined : s.loopback.reason;
}

// --- comparing a run with a scenario ------------------------------------------------------------

const sameSet = (a: readonly string[], b: readonly string[]) => [...new Set(a)].sort().join(',') === [...new Set(b)].sort().join(',');

type Judged = Pick<ServiceVerdict, 'status' | 'paths'>;

function comparePart(where: string, got: Judged, want: Omit<ExpectedVerdict, 'groups'>, defaultPath: PathStatus): string[] {
  const out: string[] = [];
  if (got.status !== want.status) out.push(`${where}: status ${got.status}, expected ${want.status}`);
  for (const [p, pv] of Object.entries(got.paths) as [ServicePath, NonNullable<Judged['paths'][ServicePath]>][]) {
    const w = want.paths?.[p] ?? { status: defaultPath };
    if (pv.status !== w.status) out.push(`${where} ${p}: ${pv.status}, expected ${w.status} (${pv.reason})`);
    if (!sameSet(pv.techniques, w.techniques ?? [])) out.push(`${where} ${p}: techniques [${pv.techniques.join(', ')}], expected [${(w.techniques ?? []).join(', ')}]`);
    if (w.strength && pv.strength !== w.strength) out.push(`${where} ${p}: strength ${pv.strength ?? 'none'}, expected ${w.strength} (${pv.reason})`);
    if (w.outage !== undefined && Boolean(pv.outage) !== w.outage) out.push(`${where} ${p}: ${pv.outage ? 'an outage' : 'not an outage'}, expected ${w.outage ? 'an outage' : 'not an outage'} (${pv.reason})`);
  }
  for (const p of Object.keys(want.paths ?? {})) if (!(p in got.paths)) out.push(`${where}: expected a ${p} path, the service has none`);
  return out;
}

/**
 * Differences between a run and what the scenario expects (empty when the run matches exactly):
 * per service, path and group the status and the exact techniques, and the controls' summary.
 */
export function compareWithScenario(s: Scenario, verdicts: ServiceVerdict[], controls: ControlVerdict, variant: { expect: Record<string, ExpectedVerdict>; others?: PathStatus } = s): string[] {
  const out: string[] = [];
  if (controls.network !== s.controls.network) out.push(`controls: network ${controls.network}, expected ${s.controls.network} (${controls.reason})`);
  if (s.controls.stun && controls.stun.classification !== s.controls.stun) out.push(`controls: STUN ${controls.stun.classification}, expected ${s.controls.stun} (${controls.reason})`);
  if (s.controls.stunBlockedPorts && !sameSet(controls.stun.blocked_ports.map(String), s.controls.stunBlockedPorts.map(String))) {
    out.push(`controls: STUN blocked ports [${controls.stun.blocked_ports.join(', ')}], expected [${s.controls.stunBlockedPorts.join(', ')}]`);
  }
  const others = variant.others ?? 'accessible';
  for (const v of verdicts) {
    const want = variant.expect[v.service];
    const defaultPath = want ? 'accessible' : others;
    out.push(...comparePart(v.service, v, want ?? { status: others }, defaultPath));
    for (const [g, gv] of Object.entries(v.groups ?? {})) {
      const wg = want?.groups?.[g] ?? { status: want ? 'accessible' : others };
      out.push(...comparePart(`${v.service}/${g}`, gv, wg, want?.groups?.[g] ? 'accessible' : wg.status));
    }
    for (const g of Object.keys(want?.groups ?? {})) if (!v.groups?.[g]) out.push(`${v.service}: expected a group ${g}`);
    out.push(...compareCallTest(v, want?.callTest));
  }
  for (const name of Object.keys(variant.expect)) if (!verdicts.some((v) => v.service === name)) out.push(`${name}: expected a verdict, the run has none`);
  return out;
}

function compareCallTest(v: ServiceVerdict, want: ExpectedCallTest | undefined): string[] {
  const got = v.call_test;
  if (!want) return [];
  if (!got) return [`${v.service}: expected a test call, the run has none`];
  const out: string[] = [];
  if (got.status !== want.status) out.push(`${v.service} test call: ${got.status}, expected ${want.status} (${got.reason})`);
  if (got.technique !== want.technique) out.push(`${v.service} test call: technique ${got.technique ?? 'none'}, expected ${want.technique ?? 'none'} (${got.reason})`);
  if (want.cutPeriodS !== undefined && (got.cut_period_s === null || Math.abs(got.cut_period_s - want.cutPeriodS) > 0.1 * want.cutPeriodS)) {
    out.push(`${v.service} test call: cut period ${got.cut_period_s ?? 'none'} s, expected ${want.cutPeriodS} s (${got.reason})`);
  }
  return out;
}

/** Every `blocked`/`partially_blocked` anywhere in the verdicts (services, groups, paths, targets): the false positives of an outage. */
export function censorshipClaims(verdicts: ServiceVerdict[]): string[] {
  const out: string[] = [];
  const bad = (s: string) => s === 'blocked' || s === 'partially_blocked';
  for (const v of verdicts) {
    if (bad(v.status)) out.push(`${v.service}: ${v.status}`);
    for (const [p, pv] of Object.entries(v.paths)) if (pv && bad(pv.status)) out.push(`${v.service} ${p}: ${pv.status}`);
    for (const [g, gv] of Object.entries(v.groups ?? {})) if (bad(gv.status)) out.push(`${v.service}/${g}: ${gv.status}`);
    for (const t of v.targets) if (t.status === 'blocked') out.push(`${v.service} target ${t.target}${t.address ? ` ${t.address}:${t.port}` : ''}: blocked (${t.technique})`);
  }
  return out;
}
