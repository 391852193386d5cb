// The censorship scenarios of the lab, as data shared by the loopback lab (src/lab/loopback/lab.ts) and
// the namespace lab (src/lab/netns/): what the censor does, as abstract actions each lab knows how
// to produce (lab servers misbehaving on loopback; nftables/tc in the middlebox namespace), and the
// exact verdicts the probe must give. A service a scenario does not list must come out with every
// path `accessible` (or `others`, when set).
//
// The expected verdicts follow from the analysis rules in src/analysis (see the note on each
// scenario), applied to the lab catalogue written by src/lab/world/world.ts, which keeps what the shipped
// catalogue knows: unverified targets (Viber's call and chat ports) are reported and never counted,
// and the lab's relays answer exactly the exchanges the catalogue says real ones answer (Signal's and
// Telegram's answer a Binding and challenge an Allocate; WhatsApp's, Teams' and Meet's ignore
// strangers). A call path that works is therefore `accessible` at the evidence level the catalogue
// allows: `answered` where the relays answer, `path_open` (by path localisation) where they do not.
// The loopback lab has no routers, so it cannot localise: there a call path known only by
// localisation comes out `inconclusive` (loopbackExpectation() applies that rule).

import type { Catalogue } from '../../catalogue/load.js';
import { answersKnown, isInformational, pathOf, type ServicePath } from '../../catalogue/schema.js';
import type { CallTechnique, CallTestVerdict } from '../../model/call-test.js';
import type {
  CallEvidenceLevel,
  ControlVerdict,
  EvidenceStrength,
  PathStatus,
  PathVerdict,
  ServiceVerdict,
  Technique,
} from '../../model/verdict.js';
import type { TlsQuirk } from './servers/tls-server.js';

/** What the censor does. Ports are the real catalogue ports (the loopback lab maps them). */
export type CensorAction =
  /** The network's resolver answers NXDOMAIN for the service's hostnames. */
  | { kind: 'dns_nxdomain'; service: string }
  /** The network's resolver answers the service's hostnames with the lab sinkhole address. */
  | { kind: 'dns_sinkhole'; service: string }
  /**
   * An on-path injector answers the service's hostnames first (the block page address); the real reply
   * follows, `genuineAfterMs` later when set (the censor holds it back), or never with `dropGenuine`
   * (an in-path box). With `neutralUdp`, the injector also forges the answers to plain-UDP queries
   * sent to the neutral resolver (a censor on the path sees those too); DoH it cannot touch.
   */
  | { kind: 'dns_inject'; service: string; genuineAfterMs?: number; dropGenuine?: boolean; neutralUdp?: boolean }
  /** The named resolvers answer the service's hostnames truthfully but `ms` late (a slow or distant resolver), or never (`ms` null). */
  | { kind: 'dns_delay'; service: string; ms: number | null; resolvers: ('isp' | 'neutral')[] }
  /** Connections to the service's plain-TCP endpoints on these ports are reset after the first data segment (DPI on the preamble). */
  | { kind: 'tcp_reset_on_data'; service: string; ports: number[] }
  /** SYNs to every TCP endpoint (plain TCP and TLS) of the service are dropped. */
  | { kind: 'tcp_blackhole'; service: string }
  /** A ClientHello whose SNI names one of the service's hostnames is reset; other SNIs to the same address pass. */
  | { kind: 'sni_reset'; service: string }
  /**
   * A middlebox intercepts TLS whose SNI is `host` (one of the service's names) with a certificate from
   * its own CA, which the probe does not trust; other SNIs to the same address pass through untouched.
   */
  | { kind: 'tls_intercept'; service: string; host: string }
  /** The WebSocket upgrade to host/path is reset; plain HTTPS to the same host works. */
  | { kind: 'ws_reset'; service: string; host: string; path: string }
  /** UDP to the call relays (STUN endpoints on the call path) of these services is dropped. */
  | { kind: 'udp_drop'; services: string[] }
  /** Every UDP datagram to the call relays' addresses (any port) is dropped inside the ISP; TCP to them passes. */
  | { kind: 'relay_udp_drop' }
  /** Every packet to the call relays' addresses (UDP, TCP and ICMP alike) is dropped inside the ISP: an address blackhole. */
  | { kind: 'relay_address_drop' }
  /** Not censorship: the relays' own network is unreachable beyond the ISP (its transit link is down). */
  | { kind: 'relay_network_down' }
  /** A DPI drops UDP datagrams that carry one app's mark (this text, e.g. its REALM), either way; other STUN passes. */
  | { kind: 'stun_marks_drop'; text: string }
  /** UDP to this destination port is dropped for every destination (controls included). */
  | { kind: 'stun_port_drop'; port: number }
  /** STUN is dropped on every port (a DPI match on the magic cookie 0x2112A442); other UDP (DNS) passes. */
  | { kind: 'stun_signature_drop' }
  /** Not censorship: the service's servers are down (TCP refused, ICMP port unreachable); DNS still answers. */
  | { kind: 'outage'; service: string }
  /** Not censorship: the uplink is dead; nothing answers, resolvers and controls included. */
  | { kind: 'uplink_down' }
  /** Not censorship: the service's own TLS servers defeat a current client, whatever the SNI (old versions, a client certificate, a 1 MB chain). */
  | { kind: 'tls_quirk'; service: string; quirk: TlsQuirk }
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
  /** The path's evidence strength, when the scenario is about it. */
  strength?: EvidenceStrength;
  /**
   * Call paths: the evidence level. Default for an accessible call path: the level the catalogue allows
   * (callLevelsOf); for other statuses it is not checked unless given.
   */
  level?: CallEvidenceLevel;
  /** Call paths: the network (ASN) of the router after which packets stop. */
  stoppedInAsn?: number;
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
  controls: {
    network: ControlVerdict['network'];
    stun?: ControlVerdict['stun']['classification'];
    stunBlockedPorts?: number[];
  };
  /** A false-positive scenario: nothing at all may come out `blocked` or `partially_blocked`. */
  noCensorship?: boolean;
  /** Smallest per-step timeout (s) at which the effect is observable (throttling needs a slow request to finish). */
  minTimeoutS?: number;
  /** The per-step timeout (s) the scenario runs with in both labs, when the effect depends on it exactly. */
  timeoutS?: number;
  /**
   * Whether the loopback lab can make it, and how: `emulation` says what it does instead of the real
   * thing; `expect` replaces the expectation of the services it names there (see expectationFor).
   */
  /** Ask this helper of the namespace lab's outside vantage (`--helper`). */
  helper?: ScenarioHelper;
  /** The same network measured again without a helper must give these verdicts (what the helper adds). */
  withoutHelper?: { expect: Record<string, ExpectedVerdict>; others?: PathStatus };
  /** `voipprobe call-test --seconds N` against the helper instead of a full run (the call path of `services` only). */
  callTest?: { seconds: number };
  /** Measure only these services (default: all). */
  services?: string[];
  loopback:
    | { supported: true; emulation?: string; expect?: Record<string, ExpectedVerdict> }
    | { supported: false; reason: string };
}

/** The ASNs of the namespace lab's networks (src/lab/netns/topology.ts LAB_NETWORKS), for `stoppedInAsn`. */
export const LAB_ASN = { isp: 64500, transit: 64510, relay: 64520, hosting: 64530 } as const;

const NEEDS_ROUTERS =
  'locating where packets towards a relay stop needs routers between the client and the relays (TTL-limited probes): namespace lab only';

const acc = (): ExpectedPath => ({ status: 'accessible' });
const blockedBy = (t: Technique, extra: Partial<ExpectedPath> = {}): ExpectedPath => ({
  status: 'blocked',
  techniques: [t],
  ...extra,
});
const partlyBy = (t: Technique, extra: Partial<ExpectedPath> = {}): ExpectedPath => ({
  status: 'partially_blocked',
  techniques: [t],
  ...extra,
});
const inconclusive = (extra: Partial<ExpectedPath> = {}): ExpectedPath => ({ status: 'inconclusive', ...extra });

export const SCENARIOS: Scenario[] = [
  {
    id: '1',
    title: 'no censorship',
    notes:
      "Everything works: every service and path accessible, the controls up with STUN open. The call paths say how they are known: Signal's and Telegram's relays answer a Binding and challenge an Allocate (answered); WhatsApp's, Teams' and Meet's relays ignore strangers, and UDP towards them reaches the relays' network (path open, by path localisation). Viber's calls are not tested (no sourced relay).",
    actions: [],
    expect: {},
    controls: { network: 'up', stun: 'open' },
    loopback: { supported: true },
  },
  {
    id: '2',
    title: 'DNS NXDOMAIN for Viber',
    notes:
      "The network's resolver says NXDOMAIN for Viber's names while the neutral resolvers (UDP and DoH) resolve them: dns.nxdomain (dns.ts) for every named target, so web is blocked. Viber's chat and call targets are unverified (reported, never counted): web is the only path judged, so the service is blocked, its chat and calls not tested.",
    actions: [{ kind: 'dns_nxdomain', service: 'viber' }],
    expect: { viber: { status: 'blocked', paths: { web: blockedBy('dns.nxdomain') } } },
    controls: { network: 'up', stun: 'open' },
    loopback: { supported: true },
  },
  {
    id: '3',
    title: 'DNS sinkhole for Skype/Teams',
    notes:
      "The network's resolver answers Skype's and Teams' names with the lab sinkhole (listed in network.sinkholes): dns.bogus_answer for every named target, whose chains then run on the neutral resolvers' addresses and work (DNS-only blocking). The Teams relay is a name too (worldaz.tr.teams.microsoft.com), so the call path is blocked by DNS as well: skype blocked on every path; groups skype-legacy and teams blocked.",
    actions: [{ kind: 'dns_sinkhole', service: 'skype' }],
    expect: {
      skype: {
        status: 'blocked',
        paths: {
          chat: blockedBy('dns.bogus_answer'),
          web: blockedBy('dns.bogus_answer'),
          call: blockedBy('dns.bogus_answer'),
        },
        groups: {
          'skype-legacy': {
            status: 'blocked',
            paths: { chat: blockedBy('dns.bogus_answer'), web: blockedBy('dns.bogus_answer') },
          },
          teams: {
            status: 'blocked',
            paths: {
              chat: blockedBy('dns.bogus_answer'),
              web: blockedBy('dns.bogus_answer'),
              call: blockedBy('dns.bogus_answer'),
            },
          },
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
      'A forged reply (the block page address) races the real one for every WhatsApp name: two different replies to one UDP query is dns.injection for every named target. The call relay is an IP literal and its path is open: chat and web blocked, call accessible, whatsapp partially_blocked.',
    actions: [{ kind: 'dns_inject', service: 'whatsapp' }],
    expect: {
      whatsapp: {
        status: 'partially_blocked',
        paths: { chat: blockedBy('dns.injection'), web: blockedBy('dns.injection'), call: acc() },
      },
    },
    controls: { network: 'up', stun: 'open' },
    loopback: { supported: true },
  },
  {
    id: '5',
    title: "TCP reset after WhatsApp's chat preamble",
    notes:
      'Connections to e1..e16 and g.whatsapp.net on 443 and 5222 are reset once the "WA" preamble is sent: tcp.reset (strong) on every chat connection, while registration (HTTPS) and media (TLS), also on the chat path, work: chat partially_blocked, web and call accessible.',
    actions: [{ kind: 'tcp_reset_on_data', service: 'whatsapp', ports: [443, 5222] }],
    expect: {
      whatsapp: { status: 'partially_blocked', paths: { chat: partlyBy('tcp.reset'), web: acc(), call: acc() } },
    },
    controls: { network: 'up', stun: 'open' },
    loopback: { supported: true },
  },
  {
    id: '6',
    title: 'TCP blackhole for WhatsApp',
    notes:
      'SYNs to every WhatsApp TCP endpoint are dropped: every connect times out while the neutral TLS host is reachable, tcp.timeout (weak, but nothing on the path works, so blocked): chat and web blocked. The call path (UDP) is open: whatsapp partially_blocked.',
    actions: [{ kind: 'tcp_blackhole', service: 'whatsapp' }],
    expect: {
      whatsapp: {
        status: 'partially_blocked',
        paths: { chat: blockedBy('tcp.timeout'), web: blockedBy('tcp.timeout'), call: acc() },
      },
    },
    controls: { network: 'up', stun: 'open' },
    loopback: { supported: true },
  },
  {
    id: '7',
    title: 'TLS SNI filtering of Skype/Teams',
    notes:
      'A ClientHello naming any Skype or Teams host is reset; the neutral SNI to the same address completes, so SNI filtering: tls.reset (strong) for every TLS/HTTPS target. The Teams relay (UDP, and its plain TCP 443 connect, which sends no SNI) works: skype partially_blocked; skype-legacy blocked; teams partially_blocked.',
    actions: [{ kind: 'sni_reset', service: 'skype' }],
    expect: {
      skype: {
        status: 'partially_blocked',
        paths: { chat: blockedBy('tls.reset'), web: blockedBy('tls.reset'), call: acc() },
        groups: {
          'skype-legacy': { status: 'blocked', paths: { chat: blockedBy('tls.reset'), web: blockedBy('tls.reset') } },
          teams: {
            status: 'partially_blocked',
            paths: { chat: blockedBy('tls.reset'), web: blockedBy('tls.reset'), call: acc() },
          },
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
    expect: {
      whatsapp: {
        status: 'partially_blocked',
        paths: { web: partlyBy('ws.upgrade_failed'), chat: acc(), call: acc() },
      },
    },
    controls: { network: 'up', stun: 'open' },
    loopback: { supported: true },
  },
  {
    id: '9',
    title: 'Morocco 2016: calls over UDP blocked on WhatsApp, Skype and Viber',
    notes:
      "UDP to the call relays of WhatsApp, Teams and Viber (address and call port) is dropped in the ISP; chat and web over TCP/TLS work and the neutral STUN servers (3478 and 19302) answer. These relays ignore strangers, so their silence alone proves nothing; path localisation does: UDP to each relay stops after hop 1 (the ISP, AS64500) while TCP to the same address goes on into the relays' network and UDP on the same port to a neutral server goes further: udp.address_blocked (strong), located in the ISP. WhatsApp: call blocked. Teams: its relay's TCP 443 fallback still connects, so the call path is partially_blocked. Viber's calls are not tested (no sourced relay), so Viber stays accessible. On loopback there are no routers to locate anything: the silent relays are inconclusive there, as in a real run that cannot localise.",
    actions: [{ kind: 'udp_drop', services: ['whatsapp', 'skype', 'viber'] }],
    expect: {
      whatsapp: {
        status: 'partially_blocked',
        paths: {
          call: blockedBy('udp.address_blocked', { level: 'blocked', stoppedInAsn: LAB_ASN.isp }),
          chat: acc(),
          web: acc(),
        },
      },
      skype: {
        status: 'partially_blocked',
        paths: { call: partlyBy('udp.address_blocked', { stoppedInAsn: LAB_ASN.isp }), chat: acc(), web: acc() },
        groups: {
          teams: {
            status: 'partially_blocked',
            paths: { call: partlyBy('udp.address_blocked'), chat: acc(), web: acc() },
          },
          'skype-legacy': { status: 'accessible' },
        },
      },
    },
    controls: { network: 'up', stun: 'open' },
    loopback: {
      supported: true,
      emulation:
        'loopback has no routers: UDP dropped towards relays that ignore strangers cannot be told from their usual silence, so the WhatsApp and Teams call paths are inconclusive there (the namespace lab shows the block)',
      expect: {
        whatsapp: { status: 'inconclusive', paths: { call: inconclusive() } },
        skype: {
          status: 'inconclusive',
          paths: { call: inconclusive() },
          groups: {
            teams: { status: 'inconclusive', paths: { call: inconclusive() } },
            'skype-legacy': { status: 'accessible' },
          },
        },
      },
    },
  },
  {
    id: '10a',
    title: 'port-based UDP blocking: STUN dropped on 3478 only',
    notes:
      "UDP to port 3478 is dropped for every destination: the neutral STUN servers on 3478 are silent while the one on 19302 answers (controls: port_blocked [3478]). Relays on 3478 are blocked (udp.port_blocked, strong); relays on other ports work. WhatsApp's only relay is on 3478: call blocked. Teams' relay works on 3479-3481 and TCP 443: call partially_blocked. Meet's relay works on 19302: call partially_blocked. Signal's relay is on 3478 while its SFU (TLS) works: call partially_blocked. Telegram's reflectors are on 1400: accessible.",
    actions: [{ kind: 'stun_port_drop', port: 3478 }],
    expect: {
      whatsapp: { status: 'partially_blocked', paths: { call: blockedBy('udp.port_blocked') } },
      skype: {
        status: 'partially_blocked',
        paths: { call: partlyBy('udp.port_blocked') },
        groups: { teams: { status: 'partially_blocked', paths: { call: partlyBy('udp.port_blocked') } } },
      },
      meet: { status: 'partially_blocked', paths: { call: partlyBy('udp.port_blocked') } },
      signal: { status: 'partially_blocked', paths: { call: partlyBy('udp.port_blocked') } },
    },
    controls: { network: 'up', stun: 'port_blocked', stunBlockedPorts: [3478] },
    loopback: {
      supported: true,
      emulation:
        "loopback cannot localise: Meet's relay on 19302 stays inconclusive beside its blocked 3478, so Meet's call path is blocked there rather than partially blocked",
      expect: { meet: { status: 'partially_blocked', paths: { call: blockedBy('udp.port_blocked') } } },
    },
  },
  {
    id: '10b',
    title: 'signature-based UDP blocking: STUN dropped on every port',
    notes:
      'Every STUN message is dropped whatever the port (a DPI match on the magic cookie) while DNS over UDP passes: the neutral STUN servers are silent on every port and the neutral UDP resolver answers (controls: signature_blocked). Every relay is silent: stun.signature_blocked (strong) on every call relay. WhatsApp, Meet and Telegram calls blocked; Teams (TCP 443 fallback) and Signal (SFU over TLS) calls partially_blocked.',
    actions: [{ kind: 'stun_signature_drop' }],
    expect: {
      whatsapp: { status: 'partially_blocked', paths: { call: blockedBy('stun.signature_blocked') } },
      skype: {
        status: 'partially_blocked',
        paths: { call: partlyBy('stun.signature_blocked') },
        groups: { teams: { status: 'partially_blocked', paths: { call: partlyBy('stun.signature_blocked') } } },
      },
      meet: { status: 'partially_blocked', paths: { call: blockedBy('stun.signature_blocked') } },
      signal: { status: 'partially_blocked', paths: { call: partlyBy('stun.signature_blocked') } },
      telegram: { status: 'partially_blocked', paths: { call: blockedBy('stun.signature_blocked') } },
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
    expect: {
      whatsapp: { status: 'inconclusive', paths: { chat: inconclusive(), web: inconclusive(), call: inconclusive() } },
    },
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
      "Viber's addresses are shaped to a low rate while the controls are not. The HTTPS request to www.viber.com (connect, handshake, the first 4 KiB of a 64 KiB page) takes seconds while the neutral handshake takes milliseconds: at least 10x and 1 s slower (throttle.ts), so web is degraded (throttled). Viber's chat and call targets are unverified (not counted). Service: degraded.",
    actions: [{ kind: 'throttle', service: 'viber', kbit: 16 }],
    expect: { viber: { status: 'degraded', paths: { web: { status: 'degraded', techniques: ['throttled'] } } } },
    controls: { network: 'up', stun: 'open' },
    minTimeoutS: 4,
    loopback: {
      supported: true,
      emulation:
        "loopback has no packet shaper without root (tc needs CAP_NET_ADMIN), so each of the service's TLS servers sends everything through one token bucket at the same rate instead (below TLS): handshakes and whole TLS records arrive late, as through a shaper",
    },
  },
  // --- attacks on the verdicts (issue 10): what must NOT be called blocked, and what must be ----------
  {
    id: '13a',
    title: 'not censorship: Skype/Teams servers speak only TLS 1.0/1.1',
    notes:
      "Every Skype and Teams TLS server speaks only TLS 1.0 and 1.1 and answers the probe's ClientHello (TLS 1.2/1.3) with a protocol_version alert, for the service's SNI and the neutral SNI alike. The handshake failed after the server answered, and the neutral SNI got no further: the server's TLS, not SNI filtering (layers.ts, progress.ts). Every TLS/HTTPS target failed without a censorship signature: chat and web inconclusive; the relays (UDP) answer: call accessible; skype and both groups inconclusive, nothing blocked.",
    actions: [{ kind: 'tls_quirk', service: 'skype', quirk: 'legacy_versions' }],
    expect: {
      skype: {
        status: 'inconclusive',
        paths: { chat: inconclusive(), web: inconclusive(), call: acc() },
        groups: {
          'skype-legacy': { status: 'inconclusive', paths: { chat: inconclusive(), web: inconclusive() } },
          teams: { status: 'inconclusive', paths: { chat: inconclusive(), web: inconclusive(), call: acc() } },
        },
      },
    },
    controls: { network: 'up', stun: 'open' },
    noCensorship: true,
    loopback: { supported: true },
  },
  {
    id: '13b',
    title: "not censorship: Meet's servers require a client certificate",
    notes:
      "Every Meet TLS server asks for a client certificate and ends the session without one. In TLS 1.3 the handshake completes on the client's side and the server's certificate_required alert arrives with the first request: the TLS targets (chat) work; the HTTPS request ends with an alert inside an established session, which only the server can send (layers.ts): failed, not http.failure. Web inconclusive, chat and call accessible, meet inconclusive; nothing blocked.",
    actions: [{ kind: 'tls_quirk', service: 'meet', quirk: 'client_cert' }],
    expect: { meet: { status: 'inconclusive', paths: { web: inconclusive(), chat: acc(), call: acc() } } },
    controls: { network: 'up', stun: 'open' },
    noCensorship: true,
    loopback: { supported: true },
  },
  {
    id: '13c',
    title: "not censorship: WhatsApp's TLS servers send a 1 MB certificate chain",
    notes:
      "Every WhatsApp TLS server sends a chain of about 1 MB; the probe gives up on the oversized certificate message (ERR_SSL_EXCESSIVE_MESSAGE_SIZE) for the service's SNI and the neutral SNI alike: the same progress, so not SNI filtering (progress.ts), failed. Chat: e1..e16 and g (plain TCP) work, registration and media failed: accessible. Web (HTTPS and WebSocket) failed: inconclusive. Call accessible. whatsapp inconclusive; nothing blocked.",
    actions: [{ kind: 'tls_quirk', service: 'whatsapp', quirk: 'huge_chain' }],
    expect: { whatsapp: { status: 'inconclusive', paths: { chat: acc(), web: inconclusive(), call: acc() } } },
    controls: { network: 'up', stun: 'open' },
    noCensorship: true,
    loopback: { supported: true },
  },
  {
    id: '13d',
    title: 'TLS interception of web.whatsapp.com by a middlebox',
    notes:
      "A middlebox intercepts TLS naming web.whatsapp.com with a certificate from its own CA, which the probe does not trust; the neutral SNI to the same address passes through to the real server and validates. An untrusted chain for the service's SNI only, at an address the neutral resolvers confirm: an SNI-specific signature, tls.cert_invalid (strong), the reason says interception (layers.ts). Web (HTTPS and WebSocket, both on web.whatsapp.com) blocked; chat and call accessible; whatsapp partially_blocked.",
    actions: [{ kind: 'tls_intercept', service: 'whatsapp', host: 'web.whatsapp.com' }],
    expect: {
      whatsapp: {
        status: 'partially_blocked',
        paths: {
          web: { status: 'blocked', techniques: ['tls.cert_invalid'], strength: 'strong' },
          chat: acc(),
          call: acc(),
        },
      },
    },
    controls: { network: 'up', stun: 'open' },
    loopback: { supported: true },
  },
  {
    id: '13e',
    title: 'DNS injection with a late genuine answer, neutral UDP resolver forged too',
    notes:
      'An on-path injector answers every WhatsApp name first with the block page address and lets the genuine answer through 300 ms later; it forges the answers to the plain-UDP queries sent to the neutral resolver the same way. DoH (encrypted) gives the genuine address. The UDP queries keep listening while DoH does not vouch for their first reply (dns-udp.ts), so they see both replies; the encrypted control outranks the forged UDP control (dns.ts): dns.injection (strong) for every named target, whatever the chains to the forged address do. Chat and web blocked, the call relay (IP literal) accessible: partially_blocked.',
    actions: [{ kind: 'dns_inject', service: 'whatsapp', genuineAfterMs: 300, neutralUdp: true }],
    expect: {
      whatsapp: {
        status: 'partially_blocked',
        paths: {
          chat: { status: 'blocked', techniques: ['dns.injection'], strength: 'strong' },
          web: { status: 'blocked', techniques: ['dns.injection'], strength: 'strong' },
          call: acc(),
        },
      },
    },
    controls: { network: 'up', stun: 'open' },
    loopback: { supported: true },
  },
  {
    id: '13f',
    title: 'throttling read as slowness: WhatsApp shaped to 64 kbit/s, requests cut by the step timeout',
    notes:
      "WhatsApp's addresses are shaped to 64 kbit/s (one token bucket per address) and the step timeout is 4 s: the two HTTPS requests to web.whatsapp.com (the web page and the WebSocket target's plain request, a 64 KiB page whose first 16 KiB TLS record alone takes 2 s) share a bucket and are cut by the timeout while bytes are still arriving, or just finish. Slowness, not a block (layers.ts); throttling is judged from every timed exchange, cut ones included (throttle.ts): web degraded (throttled), never blocked. Chat (small exchanges on other addresses) and call accessible; whatsapp degraded.",
    actions: [{ kind: 'throttle', service: 'whatsapp', kbit: 64 }],
    expect: {
      whatsapp: {
        status: 'degraded',
        paths: { web: { status: 'degraded', techniques: ['throttled'] }, chat: acc(), call: acc() },
      },
    },
    controls: { network: 'up', stun: 'open' },
    timeoutS: 4,
    loopback: {
      supported: true,
      emulation:
        "no packet shaper without root, so each of the service's TLS servers sends everything through one token bucket at the same rate (below TLS: handshakes and whole records arrive late, as through a shaper)",
    },
  },
  {
    id: '13g',
    title: 'in-path DNS forgery for Skype/Teams: one forged answer, no genuine one, neutral UDP forged too',
    notes:
      "An in-path box answers every Skype and Teams name with the block page address (not a known sinkhole, a public-looking address) and drops the genuine answers; it rewrites the neutral resolver's plain-UDP answers the same way. Only DoH gives the genuine addresses. One reply per query, so no two-reply evidence; the answer differing from DoH's is not forgery by itself (a CDN), but the chains also go to DoH's addresses (run.ts), and TLS with each name fails at the block page address while it validates at DoH's: the local answer is forged, and since the neutral resolver's plain-UDP answer carries the same address, an on-path box forged it: dns.injection (strong) for every named target (dns.ts), whatever the block page then does. The Teams relays are named (worldaz.tr.teams.microsoft.com) and have no TLS target, but their forged answer is the block page address the run proved a forgery for the other names (forgedBySibling in dns.ts): dns.injection (strong) for the call targets too. Every path blocked: skype, skype-legacy and teams blocked.",
    actions: [{ kind: 'dns_inject', service: 'skype', dropGenuine: true, neutralUdp: true }],
    expect: {
      skype: {
        status: 'blocked',
        paths: {
          chat: { status: 'blocked', techniques: ['dns.injection'], strength: 'strong' },
          web: { status: 'blocked', techniques: ['dns.injection'], strength: 'strong' },
          call: { status: 'blocked', techniques: ['dns.injection'], strength: 'strong' },
        },
        groups: {
          'skype-legacy': {
            status: 'blocked',
            paths: { chat: blockedBy('dns.injection'), web: blockedBy('dns.injection') },
          },
          teams: {
            status: 'blocked',
            paths: {
              chat: blockedBy('dns.injection'),
              web: blockedBy('dns.injection'),
              call: blockedBy('dns.injection'),
            },
          },
        },
      },
    },
    controls: { network: 'up', stun: 'open' },
    loopback: { supported: true },
  },
  {
    id: 'c1',
    title: "UDP to every call relay's address dropped inside the ISP; TCP and chat work",
    notes:
      "The ISP drops every UDP datagram to the call relays' addresses (any port), as the documents say Skype was blocked 'by its servers' addresses at the operators' gateways'; TCP to the same addresses, chat and web pass. Relays that ignore strangers (WhatsApp, Teams, Meet) and relays that answer (Signal, Telegram) are all silent; path localisation shows UDP stopping after hop 1 (the ISP, AS64500) while TCP probes to the same addresses go on into the relays' network and UDP on the same ports to a neutral server goes further: udp.address_blocked (strong), located inside the ISP. Calls blocked where the relay is the only call target (WhatsApp, Meet, Telegram), partially blocked where another call target works (Teams' TCP 443 fallback, Signal's SFU).",
    actions: [{ kind: 'relay_udp_drop' }],
    expect: {
      whatsapp: {
        status: 'partially_blocked',
        paths: { call: blockedBy('udp.address_blocked', { level: 'blocked', stoppedInAsn: LAB_ASN.isp }) },
      },
      skype: {
        status: 'partially_blocked',
        paths: { call: partlyBy('udp.address_blocked', { stoppedInAsn: LAB_ASN.isp }) },
        groups: { teams: { status: 'partially_blocked', paths: { call: partlyBy('udp.address_blocked') } } },
      },
      meet: {
        status: 'partially_blocked',
        paths: { call: blockedBy('udp.address_blocked', { stoppedInAsn: LAB_ASN.isp }) },
      },
      signal: {
        status: 'partially_blocked',
        paths: { call: partlyBy('udp.address_blocked', { stoppedInAsn: LAB_ASN.isp }) },
      },
      telegram: {
        status: 'partially_blocked',
        paths: { call: blockedBy('udp.address_blocked', { stoppedInAsn: LAB_ASN.isp }) },
      },
    },
    controls: { network: 'up', stun: 'open' },
    loopback: { supported: false, reason: NEEDS_ROUTERS },
  },
  {
    id: 'c2',
    title: "the relays' network down beyond the ISP (not censorship)",
    notes:
      "The relays' network is cut off from the transit network (its link is down; the transit router answers 'host unreachable'). Every exchange with a relay goes unanswered, and every probe towards a relay, UDP and TCP alike, stops at hop 2 (the transit network, AS64510), beyond the ISP: the relays' network is unreachable, an outage, not a block. Every call path is inconclusive and says where packets stop; nothing is blocked.",
    actions: [{ kind: 'relay_network_down' }],
    expect: {
      whatsapp: { status: 'inconclusive', paths: { call: inconclusive({ stoppedInAsn: LAB_ASN.transit }) } },
      skype: {
        status: 'inconclusive',
        paths: { call: inconclusive({ stoppedInAsn: LAB_ASN.transit }) },
        groups: { teams: { status: 'inconclusive', paths: { call: inconclusive() } } },
      },
      meet: { status: 'inconclusive', paths: { call: inconclusive({ stoppedInAsn: LAB_ASN.transit }) } },
      signal: { status: 'inconclusive', paths: { call: inconclusive({ stoppedInAsn: LAB_ASN.transit }) } },
      telegram: { status: 'inconclusive', paths: { call: inconclusive({ stoppedInAsn: LAB_ASN.transit }) } },
    },
    controls: { network: 'up', stun: 'open' },
    noCensorship: true,
    loopback: { supported: false, reason: NEEDS_ROUTERS },
  },
  {
    id: 'c3',
    title: "DPI drops STUN carrying Signal's marks; other STUN passes",
    notes:
      "A DPI drops UDP datagrams carrying 'signal.org' (what nDPI reads as Signal VoIP: the REALM of the relay's 401 challenge), either way. Signal's relay still answers the Binding, but its answer to the Allocate never arrives: the exchange carrying Signal's marks is dropped while plain STUN to the same relay passes: stun.app_signature (strong). Signal's SFU (TLS) works: call partially_blocked. Telegram's relays (REALM telegram.org) and everything else are untouched.",
    actions: [{ kind: 'stun_marks_drop', text: 'signal.org' }],
    expect: { signal: { status: 'partially_blocked', paths: { call: partlyBy('stun.app_signature') } } },
    controls: { network: 'up', stun: 'open' },
    loopback: {
      supported: true,
      emulation:
        "no DPI on loopback: the lab's relays leave unanswered the exchanges whose answer would carry the mark",
    },
  },
];

const NEEDS_OUTSIDE = {
  supported: false as const,
  reason:
    "needs the namespace lab's outside vantage: on loopback the helper and the probe see the same servers through the same (absent) censor",
};
const NEEDS_MIDDLEBOX_UDP = {
  supported: false as const,
  reason: "needs the namespace lab's middlebox between the client and the helper (nftables, tc)",
};
const strongly = (p: ExpectedPath): ExpectedPath => ({ ...p, strength: 'strong' });

/** Scenarios with the outside vantage: a helper beyond the censor, and test calls against it. */
export const HELPER_SCENARIOS: Scenario[] = [
  {
    id: 'h1a',
    title: "reset to the SYN on WhatsApp's servers, with a helper",
    notes:
      'Every SYN to a WhatsApp TCP endpoint is answered with a reset (connection_refused, what a closed port does). Without a helper that is an outage-like failure: chat and web inconclusive. The helper, beyond the censor, connects to the same addresses: refused here and working from outside is blocked, strong, tcp.refused (outside-view.ts). The relay (UDP) answers: call accessible.',
    actions: [{ kind: 'tcp_syn_reset', service: 'whatsapp' }],
    helper: 'honest',
    expect: {
      whatsapp: {
        status: 'partially_blocked',
        paths: { chat: strongly(blockedBy('tcp.refused')), web: strongly(blockedBy('tcp.refused')), call: acc() },
      },
    },
    withoutHelper: {
      expect: {
        whatsapp: { status: 'inconclusive', paths: { chat: inconclusive(), web: inconclusive(), call: acc() } },
      },
    },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_OUTSIDE,
  },
  {
    id: 'h1b',
    title: "ICMP administratively prohibited for Viber's servers, with a helper",
    notes:
      "Every SYN to a Viber TCP endpoint is answered with ICMP type 3 code 13 (host_unreachable, what a dead host's last router says). Viber's chat and call targets are unverified (not tested, never counted), so only its web path is judged. Without a helper: outage-like, web inconclusive. With one that connects from outside: blocked, strong, tcp.unreachable.",
    actions: [{ kind: 'icmp_prohibited', service: 'viber' }],
    helper: 'honest',
    expect: { viber: { status: 'blocked', paths: { web: strongly(blockedBy('tcp.unreachable')) } } },
    withoutHelper: { expect: { viber: { status: 'inconclusive', paths: { web: inconclusive() } } } },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_OUTSIDE,
  },
  {
    id: 'h1c',
    title: "WhatsApp's servers down, with a helper: an outage, said so",
    notes:
      "WhatsApp's servers are down (refused, ICMP port unreachable); the helper sees the same from outside and reaches everything else: every WhatsApp path is an outage confirmed from outside (inconclusive, outage), nothing blocked.",
    actions: [{ kind: 'outage', service: 'whatsapp' }],
    helper: 'honest',
    expect: {
      whatsapp: {
        status: 'inconclusive',
        paths: {
          chat: { status: 'inconclusive', outage: true },
          web: { status: 'inconclusive', outage: true },
          call: { status: 'inconclusive', outage: true },
        },
      },
    },
    controls: { network: 'up', stun: 'open' },
    noCensorship: true,
    loopback: NEEDS_OUTSIDE,
  },
  {
    id: 'h1d',
    title: 'TCP blackhole for WhatsApp, with a helper',
    notes:
      'SYNs to every WhatsApp TCP endpoint are dropped (scenario 6): tcp.timeout, weak without a helper (a silent far end looks the same). The helper connects from outside: blocked, strong.',
    actions: [{ kind: 'tcp_blackhole', service: 'whatsapp' }],
    helper: 'honest',
    expect: {
      whatsapp: {
        status: 'partially_blocked',
        paths: { chat: strongly(blockedBy('tcp.timeout')), web: strongly(blockedBy('tcp.timeout')), call: acc() },
      },
    },
    withoutHelper: {
      expect: {
        whatsapp: {
          status: 'partially_blocked',
          paths: {
            chat: { ...blockedBy('tcp.timeout'), strength: 'weak' },
            web: { ...blockedBy('tcp.timeout'), strength: 'weak' },
            call: acc(),
          },
        },
      },
    },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_OUTSIDE,
  },
  {
    id: 'h1e',
    title: "every packet to the call relays' addresses dropped in the ISP, with a helper",
    notes:
      "The ISP drops every packet to the call relays' addresses, UDP and TCP alike (an address blackhole); chat, web and the neutral STUN servers pass. Here, UDP and TCP probes to a relay both stop after hop 1 (the ISP, AS64500) while UDP on the same port to a neutral server goes further: consistent with the ISP dropping the address, but a routing hole looks the same, so without a helper every call path rests on weak evidence (udp.address_blocked, weak; Teams' TCP fallback tcp.timeout, weak) and each service is only degraded. The helper traces from outside: its UDP probes enter the relays' network (AS64520), so nothing beyond the ISP stops them: blocked, strong. The relays that answer strangers (Signal, Telegram) answer the helper: strong too (the technique the local localisation named stays). Teams' TCP 443 fallback to the relay address times out here and connects from outside: tcp.timeout, strong.",
    actions: [{ kind: 'relay_address_drop' }],
    helper: 'honest',
    expect: {
      whatsapp: {
        status: 'partially_blocked',
        paths: { call: strongly(blockedBy('udp.address_blocked', { stoppedInAsn: LAB_ASN.isp })) },
      },
      skype: {
        status: 'partially_blocked',
        paths: { call: strongly({ status: 'blocked', techniques: ['udp.address_blocked', 'tcp.timeout'] }) },
        groups: {
          teams: {
            status: 'partially_blocked',
            paths: { call: strongly({ status: 'blocked', techniques: ['udp.address_blocked', 'tcp.timeout'] }) },
          },
        },
      },
      meet: { status: 'partially_blocked', paths: { call: strongly(blockedBy('udp.address_blocked')) } },
      signal: { status: 'partially_blocked', paths: { call: strongly(partlyBy('udp.address_blocked')) } },
      telegram: { status: 'partially_blocked', paths: { call: strongly(blockedBy('udp.address_blocked')) } },
    },
    // Weak evidence from single endpoints leaves each service degraded (docs/verdicts.md).
    withoutHelper: {
      expect: {
        whatsapp: { status: 'degraded', paths: { call: { ...blockedBy('udp.address_blocked'), strength: 'weak' } } },
        skype: {
          status: 'degraded',
          paths: { call: { status: 'blocked', techniques: ['udp.address_blocked', 'tcp.timeout'], strength: 'weak' } },
          groups: {
            teams: {
              status: 'degraded',
              paths: {
                call: { status: 'blocked', techniques: ['udp.address_blocked', 'tcp.timeout'], strength: 'weak' },
              },
            },
          },
        },
        meet: { status: 'degraded', paths: { call: { ...blockedBy('udp.address_blocked'), strength: 'weak' } } },
        signal: { status: 'degraded', paths: { call: { status: 'degraded', techniques: ['udp.address_blocked'] } } },
        // Two reflectors at two addresses: weak evidence from more than one address is a (partial) block.
        telegram: {
          status: 'partially_blocked',
          paths: { call: { ...blockedBy('udp.address_blocked'), strength: 'weak' } },
        },
      },
    },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_OUTSIDE,
  },
  {
    id: 'h1f',
    title: "the relays' network down beyond the ISP, with a helper: an outage, said so",
    notes:
      "Scenario c2 with the helper: the transit router answers 'host unreachable' for the relays' network, to the client and to the outside vantage alike. The relays that ignore strangers: here UDP and TCP probes stop at the transit router, and the helper's own probes are told 'host unreachable' by it too: the relays' network is unreachable from everywhere, an outage. The relays that answer strangers are silent for the helper too, and Teams' TCP fallback is unreachable from both sides: outages. Every call path is inconclusive and, where nothing else works (all but Signal, whose SFU works), an outage confirmed from outside; nothing is blocked.",
    actions: [{ kind: 'relay_network_down' }],
    helper: 'honest',
    expect: {
      whatsapp: { status: 'inconclusive', paths: { call: { status: 'inconclusive', outage: true } } },
      skype: {
        status: 'inconclusive',
        paths: { call: { status: 'inconclusive', outage: true } },
        groups: { teams: { status: 'inconclusive', paths: { call: { status: 'inconclusive', outage: true } } } },
      },
      meet: { status: 'inconclusive', paths: { call: { status: 'inconclusive', outage: true } } },
      // Signal's SFU still works: not an outage of the whole call path, and its relay keeps it inconclusive.
      signal: { status: 'inconclusive', paths: { call: { status: 'inconclusive', outage: false } } },
      telegram: { status: 'inconclusive', paths: { call: { status: 'inconclusive', outage: true } } },
    },
    controls: { network: 'up', stun: 'open' },
    noCensorship: true,
    loopback: NEEDS_OUTSIDE,
  },
  {
    id: 'h2a',
    title: 'a helper that lies "everything works", on a clean network',
    notes:
      "A helper that says every step it was asked about worked changes nothing where everything works here: a helper's word alone never makes anything blocked.",
    actions: [],
    helper: 'liar_works',
    expect: {},
    controls: { network: 'up', stun: 'open' },
    noCensorship: true,
    loopback: NEEDS_OUTSIDE,
  },
  {
    id: 'h2b',
    title: 'a helper that lies "everything fails", with the WhatsApp blackhole',
    notes:
      'A helper that says everything fails (DNS included) shows it reaches nothing, so its failures confirm no outage: the blackhole stays blocked (weak, tcp.timeout), exactly as without a helper.',
    actions: [{ kind: 'tcp_blackhole', service: 'whatsapp' }],
    helper: 'liar_fails',
    expect: {
      whatsapp: {
        status: 'partially_blocked',
        paths: {
          chat: { ...blockedBy('tcp.timeout'), strength: 'weak' },
          web: { ...blockedBy('tcp.timeout'), strength: 'weak' },
          call: acc(),
        },
      },
    },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_OUTSIDE,
  },
  {
    id: 'h2c',
    title: 'a helper that answers garbage, with the SYN reset',
    notes:
      "The helper's answers are not helper answers: it is not used, the line says why, and the verdicts are today's (13a without a helper).",
    actions: [{ kind: 'tcp_syn_reset', service: 'whatsapp' }],
    helper: 'garbage',
    expect: { whatsapp: { status: 'inconclusive', paths: { chat: inconclusive(), web: inconclusive(), call: acc() } } },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_OUTSIDE,
  },
  {
    id: 'h2d',
    title: 'a helper that never answers, with the SYN reset',
    notes:
      "The helper accepts connections and never answers (its health check times out): not used, today's verdicts, the run one step timeout longer.",
    actions: [{ kind: 'tcp_syn_reset', service: 'whatsapp' }],
    helper: 'silent',
    expect: { whatsapp: { status: 'inconclusive', paths: { chat: inconclusive(), web: inconclusive(), call: acc() } } },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_OUTSIDE,
  },
  {
    id: 'h3a',
    title: "DPI drops WhatsApp's call signature; the scrambled twin passes",
    notes:
      "UDP to the helper that carries the test call's signature (the STUN magic cookie and a TURN Send indication) is dropped on every port; the same packets bit-inverted pass. The test call: blocked, call.signature (strong), on the neutral port too; the call path blocked although the relay answers its Binding (a Binding request is not a Send indication).",
    actions: [{ kind: 'call_signature_drop' }],
    helper: 'honest',
    callTest: { seconds: 10 },
    services: ['whatsapp'],
    expect: {
      whatsapp: {
        status: 'blocked',
        paths: { call: strongly(blockedBy('call.signature')) },
        callTest: { status: 'blocked', technique: 'call.signature' },
      },
    },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_MIDDLEBOX_UDP,
  },
  {
    id: 'h3b',
    title: "5 % loss on WhatsApp's call port",
    notes:
      "5 % of the packets to the helper's UDP 3478 are dropped at random, both test flows on that port alike, the neutral port untouched: the port comparison is significant (two-proportion z-test, 5 points of loss): throttled, call.port; the call path degraded (throttled, call.port).",
    actions: [{ kind: 'call_loss', service: 'whatsapp', percent: 5 }],
    helper: 'honest',
    callTest: { seconds: 12 },
    services: ['whatsapp'],
    expect: {
      whatsapp: {
        status: 'degraded',
        paths: { call: { status: 'degraded', techniques: ['throttled', 'call.port'] } },
        callTest: { status: 'throttled', technique: 'call.port' },
      },
    },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_MIDDLEBOX_UDP,
  },
  {
    id: 'h3c',
    title: "WhatsApp's call port shaped to 48 kbit/s",
    notes:
      'UDP to and from the helper on 3478 goes through a 48 kbit/s token bucket: the two test flows on that port (about 110 kbit/s together) lose packets and queue, the neutral port does not: throttled, call.port.',
    actions: [{ kind: 'call_shape', service: 'whatsapp', kbit: 48 }],
    helper: 'honest',
    callTest: { seconds: 10 },
    services: ['whatsapp'],
    expect: {
      whatsapp: {
        status: 'degraded',
        paths: { call: { status: 'degraded', techniques: ['throttled', 'call.port'] } },
        callTest: { status: 'throttled', technique: 'call.port' },
      },
    },
    controls: { network: 'up', stun: 'open' },
    loopback: NEEDS_MIDDLEBOX_UDP,
  },
  {
    id: 'h3d',
    title: 'a periodic cut: UDP to the helper dropped 1 s in every 4 s',
    notes:
      'Every 4 s, every UDP packet to the helper is dropped for 1 s, whatever the port or content: cut-offs on every flow alike, found with their period: degraded, call.cutoff, every 4 s.',
    actions: [{ kind: 'call_cut', everyS: 4, cutS: 1 }],
    helper: 'honest',
    callTest: { seconds: 14 },
    services: ['whatsapp'],
    expect: {
      whatsapp: {
        status: 'degraded',
        paths: { call: { status: 'degraded', techniques: ['call.cutoff'] } },
        callTest: { status: 'degraded', technique: 'call.cutoff', cutPeriodS: 4 },
      },
    },
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

const sameSet = (a: readonly string[], b: readonly string[]) =>
  [...new Set(a)].sort().join(',') === [...new Set(b)].sort().join(',');

type Judged = Pick<ServiceVerdict, 'status' | 'paths'>;

/** Call evidence level of a working call path, per service and group ("service" or "service/group"), as the catalogue allows it. */
export type CallLevels = Record<string, CallEvidenceLevel>;

/**
 * How a working call path is known, from the catalogue alone: `answered` when every counted call relay
 * of the service (or group) is known to answer an exchange, else `path_open` (by path localisation).
 */
export function callLevelsOf(catalogue: Pick<Catalogue, 'services'>): CallLevels {
  const out: CallLevels = {};
  for (const svc of catalogue.services) {
    const relays = svc.targets.filter(
      (t) => t.enabled && t.check === 'stun' && pathOf(t) === 'call' && !isInformational(t),
    );
    const level = (ts: typeof relays): CallEvidenceLevel =>
      ts.every((t) => t.check === 'stun' && answersKnown(t)) ? 'answered' : 'path_open';
    if (relays.length) out[svc.service] = level(relays);
    for (const g of new Set(relays.map((t) => t.group).filter((x): x is string => x !== undefined)))
      out[`${svc.service}/${g}`] = level(relays.filter((t) => t.group === g));
  }
  return out;
}

export interface CompareOptions {
  /** The lab that ran (default `netns`): the loopback lab cannot localise and has its own expectations. */
  lab?: 'netns' | 'loopback';
  /** Levels of working call paths (callLevelsOf the lab catalogue); without it, levels are checked only where a scenario states them. */
  callLevels?: CallLevels;
  /** Hold the run against this expectation instead of the scenario's own (the run without the helper). */
  variant?: { expect: Record<string, ExpectedVerdict>; others?: PathStatus };
}

/**
 * The expectation of one service in one lab: the scenario's, its loopback override, and on loopback
 * the rule that a call path known only by localisation (`path_open`) is inconclusive there.
 */
function expectationFor(s: Scenario, service: string, hasGroups: string[], o: CompareOptions): ExpectedVerdict {
  const others: PathStatus = s.others ?? 'accessible';
  const base: ExpectedVerdict = (o.lab === 'loopback' && s.loopback.supported && s.loopback.expect?.[service]) ||
    s.expect[service] || { status: others };
  if (o.lab !== 'loopback' || (s.loopback.supported && s.loopback.expect?.[service])) return base;
  const downgrade = (
    key: string,
    v: Omit<ExpectedVerdict, 'groups'>,
    listed: boolean,
  ): Omit<ExpectedVerdict, 'groups'> => {
    if (o.callLevels?.[key] !== 'path_open') return v;
    const call = v.paths?.call ?? { status: listed ? 'accessible' : v.status };
    if (call.status !== 'accessible') return v;
    return {
      ...v,
      status: v.status === 'accessible' ? 'inconclusive' : v.status,
      paths: { ...v.paths, call: { status: 'inconclusive' } },
    };
  };
  const top = downgrade(service, base, s.expect[service] !== undefined);
  const groups: Record<string, Omit<ExpectedVerdict, 'groups'>> = {};
  for (const g of hasGroups) {
    const wg = base.groups?.[g] ?? { status: s.expect[service] ? 'accessible' : others };
    groups[g] = downgrade(`${service}/${g}`, wg, base.groups?.[g] !== undefined);
  }
  return { ...top, ...(hasGroups.length ? { groups } : {}) };
}

function comparePart(
  where: string,
  got: Judged,
  want: Omit<ExpectedVerdict, 'groups'>,
  defaultPath: PathStatus,
  level: CallEvidenceLevel | undefined,
): string[] {
  const out: string[] = [];
  if (got.status !== want.status) out.push(`${where}: status ${got.status}, expected ${want.status}`);
  for (const [p, pv] of Object.entries(got.paths) as [ServicePath, PathVerdict][]) {
    const w = want.paths?.[p] ?? { status: defaultPath };
    if (pv.status !== w.status) out.push(`${where} ${p}: ${pv.status}, expected ${w.status} (${pv.reason})`);
    if (!sameSet(pv.techniques, w.techniques ?? []))
      out.push(
        `${where} ${p}: techniques [${pv.techniques.join(', ')}], expected [${(w.techniques ?? []).join(', ')}]`,
      );
    if (w.strength && pv.strength !== w.strength)
      out.push(`${where} ${p}: ${pv.strength ?? 'no'} evidence, expected ${w.strength} (${pv.reason})`);
    if (p !== 'call') continue;
    const wantLevel = w.level ?? (w.status === 'accessible' ? level : undefined);
    if (wantLevel !== undefined && pv.call?.level !== wantLevel)
      out.push(`${where} call: evidence ${pv.call?.level ?? 'none'}, expected ${wantLevel} (${pv.reason})`);
    if (w.stoppedInAsn !== undefined && pv.call?.where?.asn !== w.stoppedInAsn)
      out.push(
        `${where} call: packets stop in AS${pv.call?.where?.asn ?? '?'} (hop ${pv.call?.where?.hop ?? '?'}), expected AS${w.stoppedInAsn}`,
      );
    if (w.outage !== undefined && Boolean(pv.outage) !== w.outage)
      out.push(
        `${where} ${p}: ${pv.outage ? 'an outage' : 'not an outage'}, expected ${w.outage ? 'an outage' : 'not an outage'} (${pv.reason})`,
      );
  }
  for (const p of Object.keys(want.paths ?? {}))
    if (!(p in got.paths)) out.push(`${where}: expected a ${p} path, the service has none`);
  return out;
}

/**
 * Differences between a run and what the scenario expects (empty when the run matches exactly):
 * per service, path and group the status, the exact techniques and, for call paths, the evidence
 * level and where packets stop; and the controls' summary.
 */
export function compareWithScenario(
  scenario: Scenario,
  verdicts: ServiceVerdict[],
  controls: ControlVerdict,
  o: CompareOptions = {},
): string[] {
  // The run without the helper is held against its own expectation.
  const s: Scenario = o.variant
    ? { ...scenario, expect: o.variant.expect, ...(o.variant.others ? { others: o.variant.others } : {}) }
    : scenario;
  const out: string[] = [];
  if (controls.network !== s.controls.network)
    out.push(`controls: network ${controls.network}, expected ${s.controls.network} (${controls.reason})`);
  if (s.controls.stun && controls.stun.classification !== s.controls.stun)
    out.push(`controls: STUN ${controls.stun.classification}, expected ${s.controls.stun} (${controls.reason})`);
  if (
    s.controls.stunBlockedPorts &&
    !sameSet(controls.stun.blocked_ports.map(String), s.controls.stunBlockedPorts.map(String))
  ) {
    out.push(
      `controls: STUN blocked ports [${controls.stun.blocked_ports.join(', ')}], expected [${s.controls.stunBlockedPorts.join(', ')}]`,
    );
  }
  const others = s.others ?? 'accessible';
  // On loopback, working call paths known only by localisation are inconclusive instead (see expectationFor).
  const levelOf = (key: string) => {
    const l = o.callLevels?.[key];
    return o.lab === 'loopback' && l === 'path_open' ? undefined : l;
  };
  for (const v of verdicts) {
    const listed =
      s.expect[v.service] !== undefined ||
      (o.lab === 'loopback' && s.loopback.supported && s.loopback.expect?.[v.service] !== undefined);
    const want = expectationFor(s, v.service, Object.keys(v.groups ?? {}), o);
    const defaultPath = listed ? 'accessible' : others;
    out.push(...comparePart(v.service, v, want, defaultPath, levelOf(v.service)));
    const stated =
      (o.lab === 'loopback' && s.loopback.supported && s.loopback.expect?.[v.service]) || s.expect[v.service];
    for (const [g, gv] of Object.entries(v.groups ?? {})) {
      const wg = want.groups?.[g] ?? { status: listed ? 'accessible' : others };
      // A group the scenario states has its other paths accessible; an unstated one has them all at its status.
      const groupDefault = stated?.groups?.[g] ? 'accessible' : listed ? 'accessible' : others;
      out.push(...comparePart(`${v.service}/${g}`, gv, wg, groupDefault, levelOf(`${v.service}/${g}`)));
    }
    for (const g of Object.keys(s.expect[v.service]?.groups ?? {}))
      if (!v.groups?.[g]) out.push(`${v.service}: expected a group ${g}`);
    out.push(...compareCallTest(v, want.callTest));
  }
  for (const name of Object.keys(s.expect))
    if (!verdicts.some((v) => v.service === name)) out.push(`${name}: expected a verdict, the run has none`);
  return out;
}

function compareCallTest(v: ServiceVerdict, want: ExpectedCallTest | undefined): string[] {
  const got = v.call_test;
  if (!want) return [];
  if (!got) return [`${v.service}: expected a test call, the run has none`];
  const out: string[] = [];
  if (got.status !== want.status)
    out.push(`${v.service} test call: ${got.status}, expected ${want.status} (${got.reason})`);
  if (got.technique !== want.technique)
    out.push(
      `${v.service} test call: technique ${got.technique ?? 'none'}, expected ${want.technique ?? 'none'} (${got.reason})`,
    );
  if (
    want.cutPeriodS !== undefined &&
    (got.cut_period_s === null || Math.abs(got.cut_period_s - want.cutPeriodS) > 0.1 * want.cutPeriodS)
  ) {
    out.push(
      `${v.service} test call: cut period ${got.cut_period_s ?? 'none'} s, expected ${want.cutPeriodS} s (${got.reason})`,
    );
  }
  return out;
}

/** Every `blocked`/`partially_blocked` anywhere in the verdicts (services, groups, paths, targets): the false positives of an outage. */
export function censorshipClaims(verdicts: ServiceVerdict[]): string[] {
  const out: string[] = [];
  const bad = (s: string) => s === 'blocked' || s === 'partially_blocked';
  for (const v of verdicts) {
    if (bad(v.status)) out.push(`${v.service}: ${v.status}`);
    for (const [p, pv] of Object.entries(v.paths))
      if (pv && bad(pv.status)) out.push(`${v.service} ${p}: ${pv.status}`);
    for (const [g, gv] of Object.entries(v.groups ?? {}))
      if (bad(gv.status)) out.push(`${v.service}/${g}: ${gv.status}`);
    for (const t of v.targets)
      if (t.status === 'blocked')
        out.push(
          `${v.service} target ${t.target}${t.address ? ` ${t.address}:${t.port}` : ''}: blocked (${t.technique})`,
        );
  }
  return out;
}
