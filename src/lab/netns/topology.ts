// The namespace lab's network: namespaces joined by veth pairs, all addressed inside 198.18.0.0/15
// (RFC 2544 benchmarking space), with nothing routed anywhere else. Between the client and the
// servers sit two routers, the access ISP (the censor's middlebox) and a transit network; the call
// relays sit in a network of their own behind one more router, so that TTL-limited probes see where
// packets towards a relay stop, and each router's address belongs to a network with a test ASN
// (LAB_NETWORKS; the lab writes them into an ASN database the probe is given with --asn-db).
//
//   client ── router (access ISP, AS64500) ── transit (AS64510) ── net (servers, AS64530)
//                 │                              │   │                │ (relay block, policy-routed back)
//                 └── inj (DNS injector)         │   └── relaynet (AS64520) ┘
//                                                └── out (the outside vantage, AS64540: a helper beyond the censor)
//
// The censor sits in the ISP's router and matches what comes in from the client's side only, so the
// outside vantage reaches the servers as an uncensored network would, and the client reaches it
// through the censor.
//
// The topology is data (NAMESPACES, LINKS, ROUTES): another vantage or network is one more entry.
// Links use NETNS_LINK_BLOCK (198.18.0.0/20); the world's hosts live in NETNS_HOST_BLOCK (198.18.16.0/20)
// on the net namespace's loopback, so that one server process binds them all; the relay block
// (NETNS_RELAY_BLOCK) is bound there too but reached through the relay network's router, and answers
// from it leave the same way (a policy route). The veth ends are created directly inside their
// namespaces: the root namespace never sees an interface, a route, a rule or a sysctl of the lab.

import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NETNS_HOST_BLOCK, NETNS_LINK_BLOCK, NETNS_RELAY_BLOCK } from '../world/world.js';
import { inNs, run, runSync } from './exec.js';

/** Every name the lab creates starts with this (namespaces, /etc/netns dirs, state dirs). */
export const LAB_PREFIX = 'vplab-';

export const NS_ROLES = ['client', 'router', 'transit', 'relaynet', 'net', 'inj', 'out'] as const;
export type NsRole = (typeof NS_ROLES)[number];

/** The lab's networks, with test ASNs (RFC 5398 documentation numbers and RFC 6996 private ones). */
export const LAB_NETWORKS = {
  isp: { asn: 64500, name: 'voipprobe lab access ISP' },
  transit: { asn: 64510, name: 'voipprobe lab transit' },
  relay: { asn: 64520, name: 'voipprobe lab relay network' },
  hosting: { asn: 64530, name: 'voipprobe lab hosting' },
  outside: { asn: 64540, name: 'voipprobe lab outside vantage' },
} as const;
export type LabNetwork = keyof typeof LAB_NETWORKS;

/** Which network each namespace's addresses belong to (the relay block, on net, belongs to `relay`). */
export const NS_NETWORK: Record<NsRole, LabNetwork> = {
  client: 'isp',
  router: 'isp',
  inj: 'isp',
  transit: 'transit',
  relaynet: 'relay',
  net: 'hosting',
  out: 'outside',
};

export interface LabLink {
  a: NsRole;
  b: NsRole;
  /** Interface names inside the namespaces (so they never clash with the host's). */
  ifA: string;
  ifB: string;
  addrA: string;
  addrB: string;
}

/** Every link, /30 each inside NETNS_LINK_BLOCK. */
export const LINKS = {
  clientRouter: { a: 'client', b: 'router', ifA: 'vpl-c-r', ifB: 'vpl-r-c', addrA: '198.18.0.2', addrB: '198.18.0.1' },
  routerTransit: {
    a: 'router',
    b: 'transit',
    ifA: 'vpl-r-t',
    ifB: 'vpl-t-r',
    addrA: '198.18.0.5',
    addrB: '198.18.0.6',
  },
  routerInj: { a: 'router', b: 'inj', ifA: 'vpl-r-i', ifB: 'vpl-i-r', addrA: '198.18.0.9', addrB: '198.18.0.10' },
  transitNet: { a: 'transit', b: 'net', ifA: 'vpl-t-n', ifB: 'vpl-n-t', addrA: '198.18.0.13', addrB: '198.18.0.14' },
  transitRelaynet: {
    a: 'transit',
    b: 'relaynet',
    ifA: 'vpl-t-x',
    ifB: 'vpl-x-t',
    addrA: '198.18.0.17',
    addrB: '198.18.0.18',
  },
  relaynetNet: { a: 'relaynet', b: 'net', ifA: 'vpl-x-n', ifB: 'vpl-n-x', addrA: '198.18.0.21', addrB: '198.18.0.22' },
  transitOut: { a: 'transit', b: 'out', ifA: 'vpl-t-o', ifB: 'vpl-o-t', addrA: '198.18.0.25', addrB: '198.18.0.26' },
} as const satisfies Record<string, LabLink>;
export const LINK_PREFIX_LEN = 30;

/** Interface names the censor and the lab act on. */
export const IF = {
  clientToRouter: LINKS.clientRouter.ifA,
  routerToClient: LINKS.clientRouter.ifB,
  /** The ISP router's upstream, towards the transit network. */
  routerToTransit: LINKS.routerTransit.ifA,
  routerToInj: LINKS.routerInj.ifA,
  injToRouter: LINKS.routerInj.ifB,
  transitToRelaynet: LINKS.transitRelaynet.ifA,
} as const;

/** Addresses others need to know (the proxy listens on router_client; the injector is inj). */
export const LINK = {
  router_client: LINKS.clientRouter.addrB,
  client: LINKS.clientRouter.addrA,
  router_transit: LINKS.routerTransit.addrA,
  transit: LINKS.routerTransit.addrB,
  router_inj: LINKS.routerInj.addrA,
  inj: LINKS.routerInj.addrB,
  /** The outside vantage (where the lab's helper runs), beyond the ISP. */
  out: LINKS.transitOut.addrB,
  prefixLen: LINK_PREFIX_LEN,
} as const;

export interface LabRoute {
  ns: NsRole;
  to: string;
  via?: string;
  /** Policy routing: the table this route goes into (with a rule `from` selecting it). */
  table?: number;
  from?: string;
}

/** Policy-routing table of the net namespace for answers from the relay block. */
const RELAY_TABLE = 100;

/** Every route. The relay block is more specific than the host block, so it goes through the relay network. */
export const ROUTES: LabRoute[] = [
  { ns: 'client', to: NETNS_HOST_BLOCK, via: LINKS.clientRouter.addrB },
  { ns: 'router', to: NETNS_HOST_BLOCK, via: LINKS.routerTransit.addrB },
  { ns: 'transit', to: NETNS_HOST_BLOCK, via: LINKS.transitNet.addrB },
  { ns: 'transit', to: NETNS_RELAY_BLOCK, via: LINKS.transitRelaynet.addrB },
  { ns: 'transit', to: NETNS_LINK_BLOCK, via: LINKS.routerTransit.addrA },
  { ns: 'relaynet', to: NETNS_RELAY_BLOCK, via: LINKS.relaynetNet.addrB },
  { ns: 'relaynet', to: NETNS_LINK_BLOCK, via: LINKS.transitRelaynet.addrA },
  { ns: 'net', to: NETNS_LINK_BLOCK, via: LINKS.transitNet.addrA },
  { ns: 'net', to: NETNS_LINK_BLOCK, via: LINKS.relaynetNet.addrA, table: RELAY_TABLE, from: NETNS_RELAY_BLOCK },
  { ns: 'inj', to: NETNS_LINK_BLOCK, via: LINKS.routerInj.addrA },
  // The outside vantage: the client reaches it through the censor; it reaches the servers and the relays as any network does.
  { ns: 'client', to: `${LINKS.transitOut.addrB}/32`, via: LINKS.clientRouter.addrB },
  { ns: 'router', to: `${LINKS.transitOut.addrB}/32`, via: LINKS.routerTransit.addrB },
  { ns: 'out', to: NETNS_HOST_BLOCK, via: LINKS.transitOut.addrA },
  { ns: 'out', to: NETNS_LINK_BLOCK, via: LINKS.transitOut.addrA },
];

/** Namespaces that forward packets. */
const FORWARDERS: NsRole[] = ['router', 'transit', 'relaynet'];

/** The lab helper's neutral port for test calls (no service of the catalogue uses it). */
export const LAB_NEUTRAL_CALL_PORT = 50000;

export interface LabNames {
  /** e.g. "vplab-1234" */
  id: string;
  ns: Record<NsRole, string>;
}

export function labNames(id: string): LabNames {
  if (!id.startsWith(LAB_PREFIX)) throw new Error(`lab id must start with ${LAB_PREFIX}: ${id}`);
  if (!/^[a-z0-9-]+$/.test(id) || id.length > 40) throw new Error(`bad lab id: ${id}`);
  return { id, ns: Object.fromEntries(NS_ROLES.map((r) => [r, `${id}-${r}`])) as Record<NsRole, string> };
}

/** Namespaces that exist now (names only). */
export async function listNamespaces(): Promise<string[]> {
  const { stdout } = await run(['ip', 'netns', 'list']);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0]!)
    .filter(Boolean);
}

export function listNamespacesSync(): string[] {
  return runSync(['ip', 'netns', 'list'])
    .stdout.split('\n')
    .map((l) => l.trim().split(/\s+/)[0]!)
    .filter(Boolean);
}

const etcNetns = (ns: string) => join('/etc/netns', ns);

/** Names this lab would create that already exist; the lab refuses to start when any does. */
export async function existingNames(n: LabNames): Promise<string[]> {
  const have = new Set(await listNamespaces());
  const out: string[] = [];
  for (const ns of Object.values(n.ns)) {
    if (have.has(ns)) out.push(`network namespace ${ns}`);
    if (existsSync(etcNetns(ns))) out.push(`directory ${etcNetns(ns)}`);
  }
  return out;
}

async function ip(ns: string, ...args: string[]): Promise<void> {
  await run(['ip', '-n', ns, ...args]);
}

async function sysctls(ns: string, kv: Record<string, string | number>): Promise<void> {
  await run(inNs(ns, 'sysctl', '-q', '-w', ...Object.entries(kv).map(([k, v]) => `${k}=${v}`)));
}

export interface TopologyOptions {
  /** Every address of the world, bound on the net namespace's loopback. */
  hostAddresses: string[];
  /** The network's own resolver (written into the client's resolv.conf; also owned by the injector). */
  ispResolver: string;
  /**
   * Give the client its own resolv.conf, nsswitch.conf and hosts under /etc/netns (default true). Off
   * inside an unprivileged user namespace, where /etc is not writable: the probe is then pointed at the
   * ISP resolver with --system-resolver instead (getaddrinfo is not measured).
   */
  clientEtc?: boolean;
}

/**
 * Builds the namespaces, links, addresses, routes and sysctls. On failure it removes what it made and
 * rethrows. The caller must have checked `existingNames` first.
 */
export async function createTopology(n: LabNames, o: TopologyOptions): Promise<void> {
  const made: string[] = [];
  try {
    for (const role of NS_ROLES) {
      await run(['ip', 'netns', 'add', n.ns[role]]);
      made.push(n.ns[role]);
    }
    // veth pairs created straight into their namespaces.
    for (const l of Object.values(LINKS)) {
      await run([
        'ip',
        'link',
        'add',
        'name',
        l.ifA,
        'netns',
        n.ns[l.a],
        'type',
        'veth',
        'peer',
        'name',
        l.ifB,
        'netns',
        n.ns[l.b],
      ]);
    }

    // No IPv6 anywhere (the lab is IPv4 only; nothing may leak via router advertisements either),
    // no reverse-path filtering (the injector's forged replies come in on another interface than the
    // resolver's route; answers from the relay block leave by another link than they came), forwarding
    // only in the routers, and no ICMP rate limit: TTL-limited probes of every hop at once must each get
    // their "time exceeded" (a real router's limit is a fact of the field, not of the lab).
    for (const role of NS_ROLES) {
      await sysctls(n.ns[role], {
        'net.ipv6.conf.all.disable_ipv6': 1,
        'net.ipv6.conf.default.disable_ipv6': 1,
        'net.ipv4.conf.all.rp_filter': 0,
        'net.ipv4.conf.default.rp_filter': 0,
        'net.ipv4.ip_forward': FORWARDERS.includes(role) ? 1 : 0,
        'net.ipv4.icmp_ratelimit': 0,
        'net.ipv4.icmp_msgs_per_sec': 100000,
        'net.ipv4.icmp_msgs_burst': 100000,
      });
    }
    for (const l of Object.values(LINKS)) {
      for (const [role, dev] of [
        [l.a, l.ifA],
        [l.b, l.ifB],
      ] as const)
        await sysctls(n.ns[role], { [`net.ipv4.conf.${dev}.rp_filter`]: 0 });
    }

    for (const l of Object.values(LINKS)) {
      await ip(n.ns[l.a], 'addr', 'add', `${l.addrA}/${LINK_PREFIX_LEN}`, 'dev', l.ifA);
      await ip(n.ns[l.b], 'addr', 'add', `${l.addrB}/${LINK_PREFIX_LEN}`, 'dev', l.ifB);
    }
    for (const role of NS_ROLES) await ip(n.ns[role], 'link', 'set', 'lo', 'up');
    for (const l of Object.values(LINKS)) {
      for (const [role, dev] of [
        [l.a, l.ifA],
        [l.b, l.ifB],
      ] as const) {
        await ip(n.ns[role], 'link', 'set', dev, 'up');
        // Wire-sized packets, as on a real link: without this, TCP hands veth 64 KiB GSO super-packets
        // and a token-bucket shaper sees (and delays) them as one.
        await ip(n.ns[role], 'link', 'set', 'dev', dev, 'gso_max_segs', '1');
      }
    }

    // Every world address on the net side's loopback, in one batch.
    const batch = o.hostAddresses.map((a) => `addr add ${a}/32 dev lo`).join('\n');
    await run(['ip', '-n', n.ns.net, '-batch', '-'], { input: `${batch}\n` });
    // The injector owns a copy of the ISP resolver's address.
    await ip(n.ns.inj, 'addr', 'add', `${o.ispResolver}/32`, 'dev', 'lo');

    await routes(n);

    if (o.clientEtc === false) return;
    // The client's own resolver configuration: `ip netns exec` bind-mounts these over /etc/*.
    const dir = etcNetns(n.ns.client);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'resolv.conf'),
      `# voipprobe namespace lab: the network's own resolver\nnameserver ${o.ispResolver}\noptions timeout:1 attempts:2\n`,
    );
    // Hermetic name service: no mDNS/systemd-resolved of the host, no host entries of the host.
    writeFileSync(
      join(dir, 'nsswitch.conf'),
      'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n',
    );
    writeFileSync(join(dir, 'hosts'), '127.0.0.1 localhost\n::1 localhost\n');
  } catch (err) {
    for (const ns of made) runSync(['ip', 'netns', 'del', ns]);
    rmSync(etcNetns(n.ns.client), { recursive: true, force: true });
    throw err;
  }
}

/** (Re)installs every route and policy rule of ROUTES; idempotent (a link brought back up needs its routes again). */
export async function routes(n: LabNames): Promise<void> {
  for (const r of ROUTES) {
    const ns = n.ns[r.ns];
    const spec = [r.to, ...(r.via ? ['via', r.via] : []), ...(r.table ? ['table', String(r.table)] : [])];
    await ip(ns, 'route', 'replace', ...spec);
    if (r.from && r.table) {
      const rules = (await run(['ip', '-n', ns, 'rule', 'show'])).stdout;
      if (!rules.includes(`from ${r.from} lookup ${r.table}`))
        await ip(ns, 'rule', 'add', 'from', r.from, 'lookup', String(r.table));
    }
  }
}

/** The lab's networks as an ASN database (ip-location-db CSV: numeric start,end,asn,"name"), sorted. */
export function labAsnCsv(hostAddresses: string[], relayAddresses: string[]): string {
  const rows: [number, number, LabNetwork][] = [];
  const num = (ip: string) => ip.split('.').reduce((x, o) => x * 256 + Number(o), 0);
  for (const l of Object.values(LINKS)) {
    rows.push([num(l.addrA), num(l.addrA), NS_NETWORK[l.a]], [num(l.addrB), num(l.addrB), NS_NETWORK[l.b]]);
  }
  const relays = new Set(relayAddresses);
  for (const a of hostAddresses) rows.push([num(a), num(a), relays.has(a) ? 'relay' : 'hosting']);
  rows.sort((x, y) => x[0] - y[0]);
  return `${rows.map(([lo, hi, n]) => `${lo},${hi},${LAB_NETWORKS[n].asn},"${LAB_NETWORKS[n].name}"`).join('\n')}\n`;
}

/** Pids of the processes living in a namespace. */
export function pidsIn(ns: string): number[] {
  return runSync(['ip', 'netns', 'pids', ns])
    .stdout.split('\n')
    .map((s) => Number(s.trim()))
    .filter((x) => Number.isInteger(x) && x > 0);
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Removes namespaces (and their /etc/netns dirs), after ending the processes inside them by pid
 * (SIGTERM, then SIGKILL). Synchronous so that it also works from exit and signal handlers.
 * Returns what it removed.
 */
export function destroyNamespaces(names: string[]): string[] {
  const removed: string[] = [];
  for (const ns of names) for (const pid of pidsIn(ns)) killPid(pid, 'SIGTERM');
  for (let i = 0; i < 20 && names.some((ns) => pidsIn(ns).length > 0); i++) sleepSync(50);
  for (const ns of names) for (const pid of pidsIn(ns)) killPid(pid, 'SIGKILL');
  const have = new Set(listNamespacesSync());
  for (const ns of names) {
    if (have.has(ns)) {
      const r = runSync(['ip', 'netns', 'del', ns]);
      if (r.ok) removed.push(ns);
      else process.stderr.write(`vplab: could not delete namespace ${ns}: ${r.stderr.trim()}\n`);
    }
    if (existsSync(etcNetns(ns))) rmSync(etcNetns(ns), { recursive: true, force: true });
  }
  removeIfEmpty('/etc/netns');
  return removed;
}

/** Removes a directory the lab may have created, if nothing else is in it. */
export function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    /* absent or not empty */
  }
}

export function killPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** Namespaces left by any lab run (the `down` command removes them). */
export function leftoverNamespaces(): string[] {
  return listNamespacesSync().filter((ns) => ns.startsWith(LAB_PREFIX));
}
