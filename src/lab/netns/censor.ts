// The censor of the namespace lab: each abstract action of src/lab/world/scenarios.ts turned into what a
// real censor's equipment does, on the wire, in the middlebox ("router") namespace:
//
//   dns_nxdomain, dns_sinkhole   the network's own resolver lies (resolver-level blocking, as ISPs do
//                                with DNS blocklists): the lab's DnsServer on the net side, told by the
//                                server process's control channel;
//   dns_inject                   nftables `dup` copies each query to the ISP resolver to an injector in
//                                its own namespace that owns a copy of the resolver's address; it
//                                answers first with the block page address, the real answer follows;
//                                with neutralUdp the same for the neutral resolver's plain-UDP queries,
//                                with genuineAfterMs the resolvers answer that much later, with
//                                dropGenuine never (dns_delay);
//   dns_delay                    the lab's resolvers answer the names late, or not at all (server side);
//   tcp_reset_on_data            nftables matches the protocol preamble in the first data segment
//                                (`@ih` raw payload) and answers with a TCP RST;
//   tcp_blackhole                nftables drops the SYNs to the service's TCP endpoints;
//   sni_reset                    iptables-nft `-m string` matches the server_name entry of the
//                                ClientHello (length-prefixed, so exact) and answers with a TCP RST;
//   tls_intercept                nftables redirects the host's address to a TLS-intercepting proxy in
//                                the router holding a certificate from an interceptor CA the probe does
//                                not trust, for that name only; other SNIs are spliced to the server;
//   ws_reset                     nftables redirects the host's HTTPS to a TLS-intercepting proxy in
//                                the router (certificate from a "censor CA" the client trusts) that
//                                forwards ordinary requests and resets any Upgrade request;
//   udp_drop                     nftables drops UDP to the call relays (address . port);
//   relay_udp_drop               nftables drops every UDP datagram to the call relays' addresses;
//   relay_address_drop           nftables drops every packet to the call relays' addresses (a blackhole);
//   stun_marks_drop              iptables-nft `-m string` drops UDP datagrams carrying one app's mark
//                                (e.g. the REALM "signal.org" of its relay's 401 challenge), either way;
//   relay_network_down (not censorship) the transit network cannot reach the relays' network and
//                                says so: its router answers ICMP host unreachable for the relay block
//                                (nftables in the transit namespace, not in the censor's);
//   stun_port_drop               nftables drops UDP to one port for every destination;
//   stun_signature_drop          nftables matches the STUN magic cookie 0x2112A442 at UDP payload
//                                offset 4 (`@th,96,32`) and drops it; other UDP (DNS) passes;
//   throttle                     tc htb: one 16 kbit/s-style class per service address, both ways;
//   tcp_syn_reset                nftables answers the SYNs to the service's TCP endpoints with a reset;
//   icmp_prohibited              ... or with ICMP type 3 code 13 (administratively prohibited);
//   call_loss                    nftables drops a random share (numgen) of the UDP to the outside
//                                vantage on the service's call ports;
//   call_shape                   tc htb: UDP to and from the outside vantage on those ports, one slow
//                                class each way;
//   call_cut                     nftables drops UDP to the outside vantage while its address is in a
//                                timeout set that a small process in the router fills for `cutS`
//                                seconds every `everyS` seconds (cut-controller.ts, which logs each cut);
//   call_signature_drop          nftables matches the test call's signature (TURN Send indication
//                                0x0016 and the magic cookie) at the start of the UDP payload to the
//                                outside vantage, on every port, and drops it;
//   outage (not censorship)      the service's servers are taken down on the net side (nothing
//                                listens: TCP refused, ICMP port unreachable);
//   uplink_down (not censorship) the router's link towards the transit network goes down (ICMP
//                                network unreachable for everything, controls included);
//   tls_quirk (not censorship)   the service's TLS servers on the net side speak only old TLS, want a
//                                client certificate or send a 1 MB chain (server side).
//
// planCensor() is pure (world + actions in, rulesets and commands out) so that the rules can be read
// and tested without root; lab.ts applies the plan.

import type { CensorAction } from '../world/scenarios.js';
import {
  callEndpointsOf,
  callPorts,
  endpointsOf,
  hostnamesOf,
  type LabEndpoint,
  type LabWorld,
  labAddressesOf,
  labPort,
  relayAddresses,
} from '../world/world.js';
import { IF, LAB_NEUTRAL_CALL_PORT, LINK } from './topology.js';

/** The UDP ports of a service's call relays (the ports a test call uses). */
function callPortsOf(world: LabWorld, service: string): number[] {
  const ports = [...new Set(callEndpointsOf(world, service).map((e) => e.port))].sort((a, b) => a - b);
  if (ports.length === 0) throw new Error(`${service} has no call relay`);
  return ports;
}

/** Where the delaying reflector listens in the router, one port per helper port. */
export const REFLECTOR_PORT_BASE = 40000;

/** nftables table of the censor in the router namespace (recreated for every scenario). */
export const CENSOR_TABLE = 'vplab_censor';
/** nftables table of an outage in the transit namespace (not censorship: not in the censor's router). */
export const OUTAGE_TABLE = 'vplab_outage';
/** Where the intercepting proxy listens in the router (nftables `redirect` sends the host's HTTPS there). */
export const PROXY_PORT = 8443;
/** Where the SNI-selective interceptor of tls_intercept listens in the router. */
export const TLS_INTERCEPT_PORT = 8444;
/** The STUN magic cookie (RFC 5389), at bytes 4..7 of the UDP payload. */
export const STUN_MAGIC_COOKIE = 0x2112a442;

export interface InterceptPlan {
  /** Hostname → real server address. */
  upstreams: Record<string, string>;
  upstreamPort: number;
  /** Paths whose Upgrade requests the censor is after (recorded; the proxy resets every Upgrade). */
  paths: string[];
}

export interface CensorPlan {
  /** Full nft script for the router (creates CENSOR_TABLE), or null when nftables has nothing to do. */
  nft: string | null;
  /** iptables-nft argv (without the `iptables` word) for the router's FORWARD chain. */
  iptables: string[][];
  /** tc argv lists (without `tc`) for the router. */
  tc: string[][];
  /** Resolver-level actions for the net side's ISP resolver (dns_nxdomain, dns_sinkhole). */
  resolver: CensorAction[];
  /** Server-side actions (outage): the net side's servers go down. */
  servers: CensorAction[];
  /** `also`: more resolvers (the neutral one) the injector answers as; its namespace must own their addresses. */
  injector: { names: string[]; A: string[]; also: { address: string; port: number }[] } | null;
  intercept: InterceptPlan | null;
  /** tls_intercept: the name intercepted (with an untrusted CA) and the real server other SNIs are spliced to. */
  tlsIntercept: { host: string; upstream: { address: string; port: number } } | null;
  uplinkDown: boolean;
  /** Full nft script for the transit router (an outage beyond the ISP), or null. */
  transitNft: string | null;
  /** The periodic cut's controller (call_cut): the nftables set it fills, how often and how long. */
  cutter: { set: string; address: string; everyS: number; cutS: number } | null;
  /** The delaying reflector (call_jitter): [local port, helper port] pairs and the largest delay. */
  reflector: { ports: [number, number][]; maxDelayMs: number } | null;
  /** One line per action: what was done, in words (printed by the CLI and the tests). */
  summary: string[];
}

const q = (s: string) => JSON.stringify(s);
const concatSet = (pairs: [string, number][]) => `{ ${pairs.map(([a, p]) => `${a} . ${p}`).join(', ')} }`;

/** The service's hostnames as DNS patterns an injector or resolver list holds. */
function namesOf(world: LabWorld, service: string): string[] {
  return hostnamesOf(world, service);
}

/** The preamble (hex) the catalogue's tcp targets behind these endpoints write, if they all agree. */
function preambleOf(world: LabWorld, eps: LabEndpoint[]): string | undefined {
  const ids = new Set(eps.flatMap((e) => e.users.map((u) => `${u.service}/${u.target}`)));
  const hexes = new Set<string>();
  for (const f of world.catalogue) {
    for (const t of f.content.targets) {
      if (!ids.has(`${f.content.service}/${t.id}`)) continue;
      hexes.add(t.check === 'tcp' && t.preamble_hex ? t.preamble_hex.toLowerCase() : '');
    }
  }
  if (hexes.size !== 1) return undefined;
  const h = [...hexes][0]!;
  return h === '' ? undefined : h.slice(0, 8); // up to 4 bytes: enough for a signature
}

/** The server_name entry of a ClientHello for `name`: type 0 (host_name), 2-byte length, the name. */
export function sniHexPattern(name: string): string {
  const len = Buffer.byteLength(name).toString(16).padStart(4, '0');
  return `|00${len}|${name}`;
}

export function planCensor(world: LabWorld, actions: CensorAction[]): CensorPlan {
  const port = (p: number) => labPort(world.kind, p);
  const pre: string[] = []; // raw prerouting (dup)
  const nat: string[] = []; // nat prerouting (redirect)
  const fwd: string[] = []; // filter forward (drop, reject)
  const plan: CensorPlan = {
    nft: null,
    iptables: [],
    tc: [],
    resolver: [],
    servers: [],
    injector: null,
    intercept: null,
    tlsIntercept: null,
    uplinkDown: false,
    transitNft: null,
    cutter: null,
    reflector: null,
    summary: [],
  };
  const post: string[] = []; // nat postrouting (snat)
  const sets: string[] = [];
  const fromClient = `iifname ${q(IF.routerToClient)}`;

  for (const a of actions) {
    switch (a.kind) {
      case 'dns_nxdomain':
      case 'dns_sinkhole':
        plan.resolver.push(a);
        plan.summary.push(
          `${a.kind}: the ISP resolver ${world.infra.ispResolver.server} answers ${a.kind === 'dns_nxdomain' ? 'NXDOMAIN' : `the sinkhole ${world.infra.sinkhole}`} for ${namesOf(world, a.service).length} ${a.service} names`,
        );
        break;
      case 'dns_inject': {
        const names = namesOf(world, a.service);
        const A = [world.infra.blockpage.address];
        const r = world.infra.ispResolver;
        const n = world.infra.neutralResolver;
        const also = a.neutralUdp ? [{ address: n.address, port: n.port }] : [];
        plan.injector = {
          names: [...(plan.injector?.names ?? []), ...names],
          A,
          also: [...(plan.injector?.also ?? []), ...also],
        };
        for (const to of [r, ...also])
          pre.push(
            `${fromClient} ip daddr ${to.address} udp dport ${to.port} dup to ${LINK.inj} device ${q(IF.routerToInj)}`,
          );
        // The genuine answers held back (or dropped, by an in-path box): the resolvers answer late (or never).
        if (a.genuineAfterMs || a.dropGenuine)
          plan.resolver.push({
            kind: 'dns_delay',
            service: a.service,
            ms: a.dropGenuine ? null : a.genuineAfterMs!,
            resolvers: a.neutralUdp ? ['isp', 'neutral'] : ['isp'],
          });
        const where = a.neutralUdp ? `${r.server} and to the neutral ${n.server}` : r.server;
        plan.summary.push(
          `dns_inject: nftables dup of every query to ${where} to the injector (${LINK.inj}, owning ${[r.address, ...also.map((x) => x.address)].join(', ')}), which forges ${A[0]} for ${names.length} ${a.service} names${a.dropGenuine ? '; the genuine answers are dropped' : a.genuineAfterMs ? `; the genuine answers leave the resolvers ${a.genuineAfterMs} ms late` : ''}`,
        );
        break;
      }
      case 'dns_delay':
        plan.resolver.push(a);
        plan.summary.push(
          `dns_delay: the ${a.resolvers.join(' and ')} resolver(s) answer ${namesOf(world, a.service).length} ${a.service} names ${a.ms === null ? 'never' : `${a.ms} ms late`}`,
        );
        break;
      case 'tls_intercept': {
        const eps = endpointsOf(
          world,
          a.service,
          (e) => e.kind === 'tls' && (e.host === a.host || e.tlsNames.includes(a.host.toLowerCase())),
        );
        if (eps.length === 0) throw new Error(`tls_intercept: no ${a.service} TLS endpoint serves ${a.host}`);
        if (new Set(eps.map((e) => `${e.address}:${e.port}`)).size > 1)
          throw new Error(
            `tls_intercept: ${a.host} is served at more than one address; the interceptor splices other SNIs to one`,
          );
        if (plan.tlsIntercept) throw new Error('tls_intercept: one intercepted name per scenario');
        const e = eps[0]!;
        nat.push(`${fromClient} ip daddr ${e.address} tcp dport ${e.port} redirect to :${TLS_INTERCEPT_PORT}`);
        plan.tlsIntercept = { host: a.host, upstream: { address: e.address, port: e.port } };
        plan.summary.push(
          `tls_intercept: nftables redirects ${e.address}:${e.port} to an interceptor in the router that presents an untrusted CA's certificate for SNI ${a.host} and splices every other SNI to the server`,
        );
        break;
      }
      case 'tcp_reset_on_data': {
        const ports = new Set(a.ports.map(port));
        const eps = endpointsOf(world, a.service, (e) => e.kind === 'tcp' && ports.has(e.port));
        if (eps.length === 0)
          throw new Error(`tcp_reset_on_data: ${a.service} has no plain TCP endpoint on ${[...ports].join(', ')}`);
        const pairs = eps.map((e) => [e.address, e.port] as [string, number]);
        const hex = preambleOf(world, eps);
        const match = hex
          ? `@ih,0,${hex.length * 4} 0x${hex}`
          : 'tcp flags & (syn | fin | rst) == 0 tcp flags & psh == psh';
        fwd.push(`${fromClient} ip daddr . tcp dport ${concatSet(pairs)} ${match} reject with tcp reset`);
        plan.summary.push(
          `tcp_reset_on_data: nftables resets ${eps.length} ${a.service} TCP endpoints when the first data segment ${hex ? `starts with 0x${hex} (the protocol preamble)` : 'arrives'}`,
        );
        break;
      }
      case 'tcp_syn_reset':
      case 'icmp_prohibited': {
        const eps = endpointsOf(world, a.service, (e) => e.kind === 'tcp' || e.kind === 'tls');
        const how = a.kind === 'tcp_syn_reset' ? 'reject with tcp reset' : 'reject with icmp type admin-prohibited';
        fwd.push(
          `${fromClient} ip daddr . tcp dport ${concatSet(eps.map((e) => [e.address, e.port]))} tcp flags & (syn | ack) == syn ${how}`,
        );
        plan.summary.push(
          `${a.kind}: nftables answers the SYNs to ${eps.length} ${a.service} TCP/TLS endpoints with ${a.kind === 'tcp_syn_reset' ? 'a TCP reset' : 'ICMP administratively prohibited'}`,
        );
        break;
      }
      case 'call_loss': {
        const ports = callPortsOf(world, a.service);
        fwd.push(
          `${fromClient} ip daddr ${LINK.out} udp dport { ${ports.join(', ')} } numgen random mod 100 < ${a.percent} counter drop`,
        );
        plan.summary.push(
          `call_loss: nftables drops ${a.percent} % of the UDP to the helper (${LINK.out}) on ${a.service}'s call port(s) ${ports.join(', ')}, at random`,
        );
        break;
      }
      case 'call_shape': {
        const ports = callPortsOf(world, a.service);
        const rate = `${a.kbit}kbit`;
        for (const [dev, dir, portDir] of [
          [IF.routerToTransit, 'dst', 'dport'],
          [IF.routerToClient, 'src', 'sport'],
        ] as const) {
          plan.tc.push(...htbRoot(dev), htbClass(dev, '1:10', rate));
          for (const p of ports)
            plan.tc.push(
              u32Filter(
                dev,
                [
                  ['ip', dir, `${LINK.out}/32`],
                  ['ip', 'protocol', '17', '0xff'],
                  ['ip', portDir, String(p), '0xffff'],
                ],
                '1:10',
              ),
            );
        }
        plan.summary.push(
          `call_shape: tc htb shapes UDP to and from the helper on ${a.service}'s call port(s) ${ports.join(', ')} to ${rate} each way`,
        );
        break;
      }
      case 'call_cut':
        sets.push('  set call_cut {', '    type ipv4_addr; flags timeout;', '  }');
        fwd.push(`${fromClient} ip daddr @call_cut meta l4proto udp drop`);
        plan.cutter = { set: 'call_cut', address: LINK.out, everyS: a.everyS, cutS: a.cutS };
        plan.summary.push(
          `call_cut: UDP to the helper (${LINK.out}) dropped for ${a.cutS} s every ${a.everyS} s (a timeout set filled by the cut controller)`,
        );
        break;
      case 'call_jitter': {
        // Every call port of the world and the neutral one: no comparison of the test call is favoured.
        const ports = [...callPorts(world), LAB_NEUTRAL_CALL_PORT];
        const pairs = ports.map((p) => [REFLECTOR_PORT_BASE + ports.indexOf(p), p] as [number, number]);
        for (const [local, p] of pairs)
          nat.push(`${fromClient} ip daddr ${LINK.out} udp dport ${p} redirect to :${local}`);
        post.push(
          `oifname ${q(IF.routerToTransit)} ip saddr ${LINK.router_transit} ip daddr ${LINK.out} meta l4proto udp snat to ${LINK.client}`,
        );
        plan.reflector = { ports: pairs, maxDelayMs: a.maxDelayMs };
        plan.summary.push(
          `call_jitter: UDP between the client and the helper on ${ports.join(', ')} goes through a delaying reflector in the router (0-${a.maxDelayMs} ms each way, uniformly)`,
        );
        break;
      }
      case 'call_signature_drop':
        fwd.push(
          `${fromClient} ip daddr ${LINK.out} udp length >= 28 @th,64,16 0x0016 @th,96,32 0x${STUN_MAGIC_COOKIE.toString(16)} drop`,
        );
        plan.summary.push(
          `call_signature_drop: nftables drops UDP to the helper whose payload starts like the test call's signature (TURN Send indication 0x0016, magic cookie), on every port`,
        );
        break;
      case 'tcp_blackhole': {
        const eps = endpointsOf(world, a.service, (e) => e.kind === 'tcp' || e.kind === 'tls');
        fwd.push(
          `${fromClient} ip daddr . tcp dport ${concatSet(eps.map((e) => [e.address, e.port]))} tcp flags & (syn | ack) == syn drop`,
        );
        plan.summary.push(`tcp_blackhole: nftables drops the SYNs to ${eps.length} ${a.service} TCP/TLS endpoints`);
        break;
      }
      case 'sni_reset': {
        const names = namesOf(world, a.service);
        for (const n of names) {
          plan.iptables.push([
            '-A',
            'FORWARD',
            '-i',
            IF.routerToClient,
            '-p',
            'tcp',
            '-m',
            'string',
            '--algo',
            'bm',
            '--hex-string',
            sniHexPattern(n),
            '-j',
            'REJECT',
            '--reject-with',
            'tcp-reset',
          ]);
        }
        plan.summary.push(
          `sni_reset: iptables-nft string match on the ClientHello server_name of ${names.length} ${a.service} names, answered with a TCP RST`,
        );
        break;
      }
      case 'ws_reset': {
        const eps = endpointsOf(
          world,
          a.service,
          (e) => e.kind === 'tls' && e.webSockets.some((w) => w.host === a.host && w.path === a.path),
        );
        if (eps.length === 0) throw new Error(`ws_reset: no ${a.service} endpoint serves wss://${a.host}${a.path}`);
        const upstreams: Record<string, string> = { ...(plan.intercept?.upstreams ?? {}) };
        for (const e of eps) upstreams[a.host] = e.address;
        plan.intercept = { upstreams, upstreamPort: eps[0]!.port, paths: [...(plan.intercept?.paths ?? []), a.path] };
        for (const e of eps)
          nat.push(`${fromClient} ip daddr ${e.address} tcp dport ${e.port} redirect to :${PROXY_PORT}`);
        plan.summary.push(
          `ws_reset: nftables redirects ${a.host}:${eps[0]!.port} (${eps.map((e) => e.address).join(', ')}) to the intercepting proxy in the router (censor CA), which resets Upgrade requests and forwards the rest`,
        );
        break;
      }
      case 'udp_drop': {
        const eps = a.services.flatMap((s) => callEndpointsOf(world, s));
        if (eps.length === 0) throw new Error(`udp_drop: no call relay for ${a.services.join(', ')}`);
        fwd.push(`${fromClient} ip daddr . udp dport ${concatSet(eps.map((e) => [e.address, e.port]))} drop`);
        plan.summary.push(
          `udp_drop: nftables drops UDP to ${eps.length} call relay endpoints of ${a.services.join(', ')}`,
        );
        break;
      }
      case 'relay_udp_drop': {
        const relays = relayAddresses(world);
        if (relays.length === 0) throw new Error('relay_udp_drop: the world has no call relay');
        fwd.push(`${fromClient} ip daddr { ${relays.join(', ')} } meta l4proto udp drop`);
        plan.summary.push(
          `relay_udp_drop: nftables drops every UDP datagram to the ${relays.length} call relay addresses (any port); TCP to them passes`,
        );
        break;
      }
      case 'relay_address_drop': {
        const relays = relayAddresses(world);
        if (relays.length === 0) throw new Error('relay_address_drop: the world has no call relay');
        fwd.push(`${fromClient} ip daddr { ${relays.join(', ')} } drop`);
        plan.summary.push(
          `relay_address_drop: nftables drops every packet to the ${relays.length} call relay addresses (UDP, TCP and ICMP alike)`,
        );
        break;
      }
      case 'stun_marks_drop':
        plan.iptables.push([
          '-A',
          'FORWARD',
          '-p',
          'udp',
          '-m',
          'string',
          '--algo',
          'bm',
          '--string',
          a.text,
          '-j',
          'DROP',
        ]);
        plan.summary.push(
          `stun_marks_drop: iptables-nft string match drops UDP datagrams carrying "${a.text}", either way; other STUN passes`,
        );
        break;
      case 'relay_network_down':
        plan.transitNft = `table ip ${OUTAGE_TABLE} {\n  chain forward_outage {\n    type filter hook forward priority filter; policy accept;\n    ip daddr ${world.relayPrefix} reject with icmp type host-unreachable\n  }\n}\n`;
        plan.summary.push(
          `relay_network_down: the transit router cannot reach the relays' network (${world.relayPrefix}) and answers ICMP host unreachable for it; no rule in the ISP`,
        );
        break;
      case 'stun_port_drop':
        fwd.push(`${fromClient} udp dport ${port(a.port)} drop`);
        plan.summary.push(`stun_port_drop: nftables drops UDP to port ${port(a.port)} for every destination`);
        break;
      case 'stun_signature_drop':
        fwd.push(`${fromClient} udp length >= 28 @th,96,32 0x${STUN_MAGIC_COOKIE.toString(16)} drop`);
        plan.summary.push(
          `stun_signature_drop: nftables drops UDP whose payload carries the STUN magic cookie 0x${STUN_MAGIC_COOKIE.toString(16)} at offset 4, on every port`,
        );
        break;
      case 'outage':
        plan.servers.push(a);
        plan.summary.push(
          `outage: ${a.service}'s servers on the net side are taken down (nothing listens); no rule in the middlebox`,
        );
        break;
      case 'tls_quirk':
        plan.servers.push(a);
        plan.summary.push(
          `tls_quirk: ${a.service}'s TLS servers on the net side ${a.quirk === 'legacy_versions' ? 'speak only TLS 1.0/1.1' : a.quirk === 'client_cert' ? 'require a client certificate' : 'send a 1 MB certificate chain'}; no rule in the middlebox`,
        );
        break;
      case 'uplink_down':
        plan.uplinkDown = true;
        plan.summary.push(`uplink_down: the router's link towards the transit network (${IF.routerToTransit}) is down`);
        break;
      case 'throttle': {
        const addrs = labAddressesOf(world, a.service);
        const rate = `${a.kbit}kbit`;
        // Downstream (towards the client) on the client-facing interface, upstream on the net-facing one.
        for (const [dev, dir] of [
          [IF.routerToClient, 'src'],
          [IF.routerToTransit, 'dst'],
        ] as const) {
          plan.tc.push(...htbRoot(dev));
          addrs.forEach((addr, i) => {
            const cls = `1:${(0x10 + i).toString(16)}`;
            plan.tc.push(htbClass(dev, cls, rate), u32Filter(dev, [['ip', dir, `${addr}/32`]], cls));
          });
        }
        plan.summary.push(
          `throttle: tc htb shapes each of ${addrs.length} ${a.service} addresses to ${rate} in both directions (one token bucket per address)`,
        );
        break;
      }
      default:
        a satisfies never;
    }
  }

  if (pre.length || nat.length || fwd.length || post.length) {
    const chain = (name: string, hook: string, rules: string[]) =>
      rules.length ? [`  chain ${name} {`, `    ${hook}; policy accept;`, ...rules.map((r) => `    ${r}`), '  }'] : [];
    const lines = [
      `table ip ${CENSOR_TABLE} {`,
      ...sets,
      ...chain('prerouting_raw', 'type filter hook prerouting priority raw', pre),
      ...chain('prerouting_nat', 'type nat hook prerouting priority dstnat', nat),
      ...chain('postrouting_nat', 'type nat hook postrouting priority srcnat', post),
      ...chain('forward_censor', 'type filter hook forward priority filter', fwd),
    ];
    lines.push('}');
    plan.nft = `${lines.join('\n')}\n`;
  }
  return plan;
}

// tc commands for the shaping actions: an htb root whose default class is unshaped, a shaped class, and
// a u32 filter steering matching packets into it.
const htbRoot = (dev: string): string[][] => [
  ['qdisc', 'add', 'dev', dev, 'root', 'handle', '1:', 'htb', 'default', '1'],
  ['class', 'add', 'dev', dev, 'parent', '1:', 'classid', '1:1', 'htb', 'rate', '10gbit'],
];
const htbClass = (dev: string, cls: string, rate: string): string[] => [
  ...['class', 'add', 'dev', dev, 'parent', '1:', 'classid', cls, 'htb', 'rate', rate, 'ceil', rate],
  ...['burst', '1600', 'cburst', '1600'],
];
/** Each match is u32's `match <selector...>`. */
const u32Filter = (dev: string, matches: string[][], cls: string): string[] => [
  ...['filter', 'add', 'dev', dev, 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32'],
  ...matches.flatMap((m) => ['match', ...m]),
  'flowid',
  cls,
];
