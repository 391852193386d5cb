// The lab's world, planned from the catalogue: an address for every hostname of every service and
// of the controls, a stand-in address for every IP-literal target, the lab's own infrastructure (the
// network's "ISP" resolver, a neutral resolver, a DoH server, a sinkhole, a block page), a port
// mapping, the endpoints the lab servers must provide, and the lab copy of the catalogue that the
// probe is pointed at with --targets. Pure: the same catalogue and addressing give the same world.
// Both labs use it: the loopback lab (127.0.0.0/8, no root) and the namespace lab (198.18.0.0/15).
//
// Because the world is derived from the catalogue, every target in probes/ is in the lab, and a new
// probes/ file is in it automatically.
//
// Address layout (offsets inside the lab block; the same for both kinds):
//   .0.1 - .0.15    infrastructure (see INFRA_OFFSETS)
//   .1.1 - .7.254   one address per hostname, in catalogue order (controls first, then services by name)
//   .8.1 - .11.254  one stand-in per IP-literal target (chat servers dialled by address)
//   .12.1 - .15.254 the call relays (hostnames and IP literals of call-path STUN targets): the relay
//                   block, which the namespace lab puts in a network of its own behind one more router
//
// The lab copy of the catalogue keeps what the shipped one knows: which exchanges a live relay answers
// (so a silent lab relay proves no more than a silent real one) and which targets are unverified (so
// the lab never shows a detection the shipped catalogue cannot make). The lab's STUN responders answer
// exactly the exchanges the catalogue says a live relay answers, and ignore the rest.
// loopback: block 127.<octet>.0.0/16 (octet 77 by default; another octet lets two labs run at once).
// netns:    block 198.18.16.0/20 (hosts, on the "net" side). 198.18.0.0/20 is reserved for the
//           namespace links (veth pairs between client, middlebox and net) and never used here.

import { mkdirSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { isResolverCheck } from '../../catalogue/checks.js';
import type { Catalogue, ServiceCatalogue } from '../../catalogue/load.js';
import {
  type CatalogueFile,
  exchangesOf,
  isInformational,
  pathOf,
  type Role,
  type ServicePath,
  type Target,
  targetHost,
} from '../../catalogue/schema.js';
import type { ExchangeAnswer } from '../../model/exchange.js';
import { requestType } from '../../net/stun-codec.js';
import { hostPort } from '../../util/ip.js';

export type LabKind = 'loopback' | 'netns';

export type LabAddressing =
  /** 127.<octet>.0.0/16; octet 1..254, default 77. */
  | { kind: 'loopback'; octet?: number }
  /** 198.18.16.0/20 for hosts; 198.18.0.0/20 stays free for the namespace links. */
  | { kind: 'netns' };

export const LOOPBACK_DEFAULT_OCTET = 77;
/** Reserved for the namespace lab's links (client <-> middlebox <-> net); planWorld never uses it. */
export const NETNS_LINK_BLOCK = '198.18.0.0/20';
/** Where the namespace lab's servers (and every address of the lab catalogue) live. */
export const NETNS_HOST_BLOCK = '198.18.16.0/20';
/** The call relays' block inside it (behind the relay network's router in the namespace lab). */
export const NETNS_RELAY_BLOCK = '198.18.28.0/22';
/** Loopback ports below this move up by LOOPBACK_PORT_SHIFT (443 -> 10443, 53 -> 10053): no root needed. */
export const LOOPBACK_PORT_SHIFT = 10_000;
/** The size of the HTML pages the lab serves: big enough for a token-bucket shaper to bite. */
export const LAB_PAGE_BYTES = 64 * 1024;

export const INFRA_OFFSETS = {
  /** The network's own resolver (what DHCP would hand out): the censor's lists apply here. */
  ispResolver: 1,
  /** A neutral UDP resolver (the control; plays 8.8.8.8 and 1.1.1.1). */
  neutralResolver: 2,
  /** A DNS-over-HTTPS server reached by an IP-literal URL (plays https://1.1.1.1/dns-query). */
  doh: 3,
  /** An address the censor's resolver answers with instead of the real one; listed in network.sinkholes. */
  sinkhole: 4,
  /** A block page server; DNS injection forges answers pointing here. */
  blockpage: 5,
} as const;
const HOST_FIRST_OFFSET = 1 * 256 + 1;
const HOST_LAST_OFFSET = 7 * 256 + 254;
const STANDIN_FIRST_OFFSET = 8 * 256 + 1;
const STANDIN_LAST_OFFSET = 11 * 256 + 254;
const RELAY_FIRST_OFFSET = 12 * 256 + 1;
const RELAY_LAST_OFFSET = 15 * 256 + 254;
/** The relay block: offset 12*256 with a /22 (four /24s) inside the lab block. */
const RELAY_BLOCK_OFFSET = 12 * 256;
const RELAY_BLOCK_LEN = 22;

export type EndpointKind = 'tcp' | 'tls' | 'stun';

/** A catalogue target behind an endpoint. */
export interface EndpointUser {
  service: string;
  target: string;
  check: Target['check'];
  role: Role;
  path: ServicePath | null;
  group?: string;
}

export interface LabHttpRoute {
  host: string;
  path: string;
  status: number;
  contentType: string;
  /** The start of the body; HTML pages are padded to `size` bytes by the server. */
  body: string;
  size: number;
}

export interface LabWebSocketRoute {
  host: string;
  path: string;
  /** The Origin the service's web client sends; other origins are refused with 403. */
  origin?: string;
}

/** One STUN-framed exchange a lab STUN endpoint may receive, and what a live server answers (absent: nothing known, so the lab stays silent). */
export interface LabStunExchange {
  /** Message type of the request. */
  request: number;
  answer?: ExchangeAnswer;
}

export interface LabEndpoint {
  /** "kind:address:port", unique in a world. */
  id: string;
  kind: EndpointKind;
  address: string;
  /** Port in the lab (after mapping). */
  port: number;
  /** Port in the real catalogue. */
  realPort: number;
  /** The hostname whose address this is; absent for an IP-literal stand-in. */
  host?: string;
  /** The real IP literal this address stands in for. */
  standInFor?: string;
  /** Names to hold certificates for (tls). */
  tlsNames: string[];
  routes: LabHttpRoute[];
  webSockets: LabWebSocketRoute[];
  /** Services owning this endpoint ("controls" for the neutral controls). */
  services: string[];
  users: EndpointUser[];
  /** STUN endpoints: the exchanges of the catalogue targets behind it (what the responder answers, and what it ignores). */
  exchanges?: LabStunExchange[];
  /** Who plays this endpoint instead of the lab's own servers (the namespace lab runs coturn where it can). */
  player?: 'coturn';
}

export interface LabHost {
  name: string;
  address: string;
  services: string[];
  /** In the relay block (a call relay's name). */
  relay?: boolean;
}

export interface LabStandIn {
  /** The IP literal in probes/. */
  real: string;
  address: string;
  services: string[];
  /** In the relay block (a call relay's address). */
  relay?: boolean;
}

export interface LabInfra {
  ispResolver: { address: string; port: number; server: string };
  neutralResolver: { address: string; port: number; server: string };
  doh: { address: string; port: number; url: string };
  sinkhole: string;
  blockpage: { address: string; port: number };
}

export interface LabCatalogueFileSpec {
  /** File name inside the catalogue directory, e.g. "whatsapp.json". */
  file: string;
  content: CatalogueFile;
}

export interface LabWorld {
  kind: LabKind;
  /** The lab block: every address of the world is inside it (network.public_ranges of the lab catalogue). */
  prefix: string;
  /** The call relays' block inside it (their own network in the namespace lab). */
  relayPrefix: string;
  infra: LabInfra;
  neutralSni: string;
  hosts: LabHost[];
  standIns: LabStandIn[];
  endpoints: LabEndpoint[];
  /** Services of the catalogue (controls excluded), in catalogue order. */
  services: string[];
  /** The lab catalogue: write it with writeLabCatalogue() and pass the directory with --targets. */
  catalogue: LabCatalogueFileSpec[];
}

// --- addressing -------------------------------------------------------------------------------

interface Block {
  prefix: string;
  base: number;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

function blockOf(a: LabAddressing): Block {
  if (a.kind === 'netns') return { prefix: NETNS_HOST_BLOCK, base: ipv4ToInt(NETNS_HOST_BLOCK.split('/')[0]!) };
  const octet = a.octet ?? LOOPBACK_DEFAULT_OCTET;
  if (!Number.isInteger(octet) || octet < 1 || octet > 254)
    throw new RangeError(`loopback lab octet must be 1..254, got ${octet}`);
  return { prefix: `127.${octet}.0.0/16`, base: ipv4ToInt(`127.${octet}.0.0`) };
}

/** Next usable offset at or after `o` (skips .0 and .255 in every /24). */
function usable(o: number): number {
  while (o % 256 === 0 || o % 256 === 255) o++;
  return o;
}

/** The lab port for a real port: identity in netns; ports below 1024 move up on loopback. */
export function labPort(kind: LabKind, port: number): number {
  return kind === 'loopback' && port < 1024 ? port + LOOPBACK_PORT_SHIFT : port;
}

// --- planning ---------------------------------------------------------------------------------

const stripBrackets = (h: string) => h.replace(/^\[|\]$/g, '');

function urlPort(u: URL): number {
  return u.port ? Number(u.port) : 443;
}

/** What one enabled target needs from the lab, with real host and ports. */
interface Need {
  kind: EndpointKind;
  host: string;
  port: number;
  tlsName?: string;
  route?: { host: string; path: string };
  webSocket?: LabWebSocketRoute;
}

function needsOf(t: Target): Need[] {
  switch (t.check) {
    case 'tcp':
      return t.ports.map((port) => ({ kind: 'tcp' as const, host: t.host, port }));
    case 'tls':
      return [{ kind: 'tls', host: t.host, port: t.port, tlsName: t.sni ?? t.host }];
    case 'https': {
      const u = new URL(t.url);
      const host = stripBrackets(u.hostname);
      return [
        {
          kind: 'tls',
          host,
          port: urlPort(u),
          ...(isIP(host) ? {} : { tlsName: host }),
          route: { host, path: u.pathname || '/' },
        },
      ];
    }
    case 'websocket': {
      const u = new URL(t.url);
      const host = stripBrackets(u.hostname);
      // The probe first asks https://host/ (plain HTTPS to the same host), then upgrades.
      return [
        {
          kind: 'tls',
          host,
          port: urlPort(u),
          ...(isIP(host) ? {} : { tlsName: host }),
          route: { host, path: '/' },
          webSocket: { host, path: u.pathname || '/', ...(t.origin ? { origin: t.origin } : {}) },
        },
      ];
    }
    case 'stun':
      return t.ports.map((port) => ({ kind: 'stun' as const, host: t.host, port }));
    // A dns check needs its name in the lab zone only (namesOf); the lab's own resolvers replace the controls' ones.
    case 'dns':
    case 'resolver':
    case 'doh':
      return [];
    default:
      return t satisfies never;
  }
}

/** Every hostname or IP literal a target names (enabled or not). */
function namesOf(t: Target): string[] {
  const h = targetHost(t);
  return h === undefined ? [] : [h];
}

/** A realistic answer for a lab HTTPS route. */
function routeFor(host: string, path: string): LabHttpRoute {
  if (host === 'v.whatsapp.net' && path.startsWith('/v2/')) {
    // What the registration server says to a request without parameters.
    const body = JSON.stringify({ login: null, status: 'fail', reason: 'missing_param', param: 'cc' });
    return { host, path, status: 200, contentType: 'application/json', body, size: Buffer.byteLength(body) };
  }
  const body = `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${host}</title></head>\n<body><h1>${host}${path}</h1><p>voipprobe lab stand-in: this page is served inside the lab, not by the real service.</p>\n`;
  return { host, path, status: 200, contentType: 'text/html; charset=utf-8', body, size: LAB_PAGE_BYTES };
}

const isLiteral = (h: string) => isIP(h) !== 0;

export function planWorld(catalogue: Catalogue, addressing: LabAddressing): LabWorld {
  const kind = addressing.kind;
  const block = blockOf(addressing);
  const at = (offset: number) => intToIpv4(block.base + offset);
  const port = (p: number) => labPort(kind, p);

  const files: ServiceCatalogue[] = [catalogue.controls, ...catalogue.services];
  const serviceOf = (f: ServiceCatalogue) => (f === catalogue.controls ? 'controls' : f.service);

  // The names call relays answer on: they get addresses in the relay block.
  const relayNames = new Set<string>();
  for (const f of files)
    for (const t of f.targets)
      if (t.check === 'stun' && pathOf(t) === 'call') for (const n of namesOf(t)) relayNames.add(n.toLowerCase());

  // Addresses: hostnames first (in catalogue order), then stand-ins for IP literals; relays in their block.
  const hosts = new Map<string, LabHost>();
  const standIns = new Map<string, LabStandIn>();
  let nextHost = HOST_FIRST_OFFSET;
  let nextStandIn = STANDIN_FIRST_OFFSET;
  let nextRelay = RELAY_FIRST_OFFSET;
  const relayAddress = () => {
    nextRelay = usable(nextRelay);
    if (nextRelay > RELAY_LAST_OFFSET) throw new RangeError('lab world: too many call relays for the relay block');
    return at(nextRelay++);
  };
  for (const f of files) {
    for (const t of f.targets) {
      for (const name of namesOf(t)) {
        const svc = serviceOf(f);
        const relay = relayNames.has(name.toLowerCase());
        if (isLiteral(name)) {
          let s = standIns.get(name);
          if (!s) {
            if (relay) s = { real: name, address: relayAddress(), services: [], relay: true };
            else {
              nextStandIn = usable(nextStandIn);
              if (nextStandIn > STANDIN_LAST_OFFSET)
                throw new RangeError('lab world: too many IP-literal targets for the stand-in block');
              s = { real: name, address: at(nextStandIn++), services: [] };
            }
            standIns.set(name, s);
          }
          if (!s.services.includes(svc)) s.services.push(svc);
        } else {
          const key = name.toLowerCase();
          let h = hosts.get(key);
          if (!h) {
            if (relay) h = { name: key, address: relayAddress(), services: [], relay: true };
            else {
              nextHost = usable(nextHost);
              if (nextHost > HOST_LAST_OFFSET) throw new RangeError('lab world: too many hostnames for the host block');
              h = { name: key, address: at(nextHost++), services: [] };
            }
            hosts.set(key, h);
          }
          if (!h.services.includes(svc)) h.services.push(svc);
        }
      }
    }
  }
  const addressOf = (name: string): string =>
    isLiteral(name) ? standIns.get(name)!.address : hosts.get(name.toLowerCase())!.address;

  const infra: LabInfra = {
    ispResolver: {
      address: at(INFRA_OFFSETS.ispResolver),
      port: port(53),
      server: hostPort(at(INFRA_OFFSETS.ispResolver), port(53)),
    },
    neutralResolver: {
      address: at(INFRA_OFFSETS.neutralResolver),
      port: port(53),
      server: hostPort(at(INFRA_OFFSETS.neutralResolver), port(53)),
    },
    doh: {
      address: at(INFRA_OFFSETS.doh),
      port: port(443),
      url: `https://${hostPort(at(INFRA_OFFSETS.doh), port(443))}/dns-query`,
    },
    sinkhole: at(INFRA_OFFSETS.sinkhole),
    blockpage: { address: at(INFRA_OFFSETS.blockpage), port: port(443) },
  };
  // A real port 443 never shows in a URL; a mapped one must.
  if (infra.doh.port === 443) infra.doh.url = `https://${at(INFRA_OFFSETS.doh)}/dns-query`;

  // Endpoints: one per (kind, address, port); a TLS endpoint also serves plain TCP connects to it.
  const endpoints = new Map<string, LabEndpoint>();
  for (const f of files) {
    const svc = serviceOf(f);
    for (const t of f.targets) {
      if (!t.enabled) continue;
      for (const n of needsOf(t)) {
        const address = addressOf(n.host);
        const lp = port(n.port);
        const socketKind = n.kind === 'stun' ? 'udp' : 'tcp';
        const key = `${socketKind}:${address}:${lp}`;
        let e = endpoints.get(key);
        if (!e) {
          e = {
            id: `${n.kind}:${hostPort(address, lp)}`,
            kind: n.kind,
            address,
            port: lp,
            realPort: n.port,
            ...(isLiteral(n.host) ? { standInFor: n.host } : { host: n.host.toLowerCase() }),
            tlsNames: [],
            routes: [],
            webSockets: [],
            services: [],
            users: [],
          };
          endpoints.set(key, e);
        }
        if (n.kind === 'tls' && e.kind === 'tcp') {
          e.kind = 'tls';
          e.id = `tls:${hostPort(address, lp)}`;
        }
        if (n.tlsName && !e.tlsNames.includes(n.tlsName.toLowerCase())) e.tlsNames.push(n.tlsName.toLowerCase());
        if (n.route && !e.routes.some((r) => r.host === n.route!.host && r.path === n.route!.path))
          e.routes.push(routeFor(n.route.host, n.route.path));
        if (n.webSocket && !e.webSockets.some((w) => w.host === n.webSocket!.host && w.path === n.webSocket!.path))
          e.webSockets.push(n.webSocket);
        if (!e.services.includes(svc)) e.services.push(svc);
        e.users.push({
          service: svc,
          target: t.id,
          check: t.check,
          role: t.role,
          path: pathOf(t),
          ...(t.group ? { group: t.group } : {}),
        });
        if (t.check === 'stun') {
          e.exchanges ??= [];
          for (const x of exchangesOf(t)) {
            const request = requestType(x.request);
            const have = e.exchanges.find((y) => y.request === request);
            // Two targets on one endpoint: an answer either knows is what the lab gives.
            if (!have) e.exchanges.push({ request, ...(x.answer ? { answer: x.answer } : {}) });
            else if (!have.answer && x.answer) have.answer = x.answer;
          }
        }
      }
    }
  }

  const world: LabWorld = {
    kind,
    prefix: block.prefix,
    relayPrefix: `${at(RELAY_BLOCK_OFFSET)}/${RELAY_BLOCK_LEN}`,
    infra,
    neutralSni: catalogue.controls.network.neutral_sni,
    hosts: [...hosts.values()],
    standIns: [...standIns.values()],
    endpoints: [...endpoints.values()],
    services: catalogue.services.map((s) => s.service),
    catalogue: [],
  };
  world.catalogue = files.map((f) => ({
    file: `${serviceOf(f)}.json`,
    content: labCatalogueFile(f, f === catalogue.controls, world, addressOf),
  }));
  return world;
}

/**
 * The lab's copy of a source: says so, and names no real address (the lab catalogue holds lab addresses
 * only). An unverified source stays unverified: the lab counts exactly what a real run counts.
 */
export function labSource(t: Pick<Target, 'source'>): string {
  const copy = `lab stand-in for ${t.source.replace(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, '<address>')}`;
  return isInformational(t) ? `unverified (${copy})` : copy;
}

function labTarget(t: Target, w: LabWorld, addressOf: (name: string) => string): Target {
  const { notes: _notes, ...rest } = t;
  const source = labSource(t);
  const host = (h: string) => (isLiteral(stripBrackets(h)) ? addressOf(stripBrackets(h)) : h);
  const url = (u: string) => {
    const x = new URL(u);
    const h = stripBrackets(x.hostname);
    const p = labPort(w.kind, urlPort(x));
    const authority = isLiteral(h) ? hostPort(addressOf(h), p) : `${h}:${p}`;
    return `${x.protocol}//${p === 443 ? authority.replace(/:443$/, '') : authority}${x.pathname}${x.search}`;
  };
  switch (rest.check) {
    case 'dns':
      return { ...rest, source, host: host(rest.host) };
    case 'tcp':
      return { ...rest, source, host: host(rest.host), ports: rest.ports.map((p) => labPort(w.kind, p)) };
    case 'tls':
      return { ...rest, source, host: host(rest.host), port: labPort(w.kind, rest.port) };
    case 'https':
      return { ...rest, source, url: url(rest.url) };
    case 'websocket':
      return { ...rest, source, url: url(rest.url) };
    case 'stun': {
      // What a live relay answers stays as the shipped catalogue says; only sources name the lab.
      const exchanges = rest.exchanges?.map((x) => ({ ...x, source: labSource(x) }));
      return {
        ...rest,
        source,
        host: host(rest.host),
        ports: rest.ports.map((p) => labPort(w.kind, p)),
        ...(exchanges ? { exchanges } : {}),
      };
    }
    case 'resolver':
    case 'doh':
      return { ...rest, source };
    default:
      return rest satisfies never;
  }
}

function labCatalogueFile(
  f: ServiceCatalogue,
  isControls: boolean,
  w: LabWorld,
  addressOf: (name: string) => string,
): CatalogueFile {
  const base = f.file.split(/[\\/]/).pop();
  const description = `Lab copy of probes/${base} (${w.kind} lab, ${w.prefix}): same hostnames and target ids; IP literals replaced by lab stand-ins, ports mapped for the lab.`;
  const targets = f.targets.filter((t) => !isResolverCheck(t)).map((t) => labTarget(t, w, addressOf));
  if (!isControls) return { service: f.service, name: f.name, description, kind: 'service', targets };
  const controls: Target[] = [
    {
      id: 'resolver-lab',
      role: 'control',
      check: 'resolver',
      address: w.infra.neutralResolver.address,
      port: w.infra.neutralResolver.port,
      enabled: true,
      source: 'lab neutral resolver (stands in for the public resolvers of probes/controls.json)',
    },
    {
      id: 'doh-lab',
      role: 'control',
      check: 'doh',
      url: w.infra.doh.url,
      enabled: true,
      source: 'lab DoH server (stands in for the DoH resolvers of probes/controls.json)',
    },
  ];
  return {
    service: f.service,
    name: f.name,
    description,
    kind: 'controls',
    network: { neutral_sni: w.neutralSni, public_ranges: [w.prefix], sinkholes: [w.infra.sinkhole] },
    targets: [...controls, ...targets],
  };
}

/** Writes the lab catalogue (one file per service plus controls.json) into `dir` (created if needed). */
export function writeLabCatalogue(world: LabWorld, dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const f of world.catalogue) writeFileSync(join(dir, f.file), `${JSON.stringify(f.content, null, 2)}\n`);
  return dir;
}

// --- queries over a world ---------------------------------------------------------------------

/** The lab zone: every hostname to its lab address (A records only). */
export function zoneRecords(world: LabWorld): Record<string, { A: string[] }> {
  return Object.fromEntries(world.hosts.map((h) => [h.name, { A: [h.address] }]));
}

/** Hostnames of a service (what a censor's DNS list for it would hold). */
export function hostnamesOf(world: LabWorld, service: string): string[] {
  return world.hosts.filter((h) => h.services.includes(service)).map((h) => h.name);
}

/** Every lab address of a service: its hostnames' addresses and its stand-ins. */
export function labAddressesOf(world: LabWorld, service: string): string[] {
  const a = [
    ...world.hosts.filter((h) => h.services.includes(service)),
    ...world.standIns.filter((s) => s.services.includes(service)),
  ].map((x) => x.address);
  return [...new Set(a)];
}

export function endpointsOf(
  world: LabWorld,
  service: string,
  filter: (e: LabEndpoint) => boolean = () => true,
): LabEndpoint[] {
  return world.endpoints.filter((e) => e.services.includes(service) && filter(e));
}

/** The call relays' addresses (hosts and stand-ins in the relay block). */
export function relayAddresses(world: LabWorld): string[] {
  return [...world.hosts.filter((h) => h.relay), ...world.standIns.filter((s) => s.relay)].map((x) => x.address);
}

/** Endpoints that carry a service's call path (the STUN relays). */
export function callEndpointsOf(world: LabWorld, service: string): LabEndpoint[] {
  return endpointsOf(
    world,
    service,
    (e) => e.kind === 'stun' && e.users.some((u) => u.service === service && u.path === 'call'),
  );
}

/** Every UDP port a call relay of the world listens on (a lab helper's call ports). */
export function callPorts(world: LabWorld): number[] {
  return [
    ...new Set(
      world.endpoints.filter((e) => e.kind === 'stun' && e.users.some((u) => u.path === 'call')).map((e) => e.port),
    ),
  ].sort((a, b) => a - b);
}

/** The neutral STUN controls. */
export function stunControls(world: LabWorld): LabEndpoint[] {
  return endpointsOf(world, 'controls', (e) => e.kind === 'stun');
}

/** Every address the world uses (infrastructure, hosts, stand-ins). */
export function allAddresses(world: LabWorld): string[] {
  const i = world.infra;
  return [
    ...new Set([
      i.ispResolver.address,
      i.neutralResolver.address,
      i.doh.address,
      i.sinkhole,
      i.blockpage.address,
      ...world.hosts.map((h) => h.address),
      ...world.standIns.map((s) => s.address),
    ]),
  ];
}

export interface LabRunPaths {
  /** Directory the lab catalogue was written to. */
  targetsDir: string;
  /** PEM of the lab CA. */
  caFile: string;
}

/**
 * The `voipprobe run` arguments that point the probe at the lab: its catalogue, its resolvers, its
 * DoH server, its CA. `systemResolver: false` leaves the system resolver alone (a namespace with its
 * own resolv.conf).
 */
export function probeArgs(world: LabWorld, paths: LabRunPaths, o: { systemResolver?: boolean } = {}): string[] {
  return [
    '--targets',
    paths.targetsDir,
    ...(o.systemResolver === false ? [] : ['--system-resolver', world.infra.ispResolver.server]),
    '--resolver',
    world.infra.neutralResolver.server,
    '--doh',
    world.infra.doh.url,
    '--ca-file',
    paths.caFile,
    '--no-ipv6',
  ];
}
