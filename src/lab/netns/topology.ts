// The namespace lab's network: four namespaces joined by veth pairs, all addressed inside
// 198.18.0.0/15 (RFC 2544 benchmarking space), with nothing routed anywhere else.
//
//   client ──── router (the censor's middlebox) ──── net (every server address of the world)
//                  │  │
//                  │  └── out (the outside vantage: a helper beyond the censor)
//                  └── inj (the DNS injector: owns a copy of the ISP resolver's address)
//
// The censor's rules match what comes in from the client's side only, so the outside vantage reaches
// the servers as an uncensored network would, and the client reaches it through the censor.
//
// Links use NETNS_LINK_BLOCK (198.18.0.0/20); the world's hosts live in NETNS_HOST_BLOCK
// (198.18.16.0/20), all on the net namespace's loopback so that one server process can bind them.
// The router reaches the hosts on-link (ARP), so a host that goes away is answered with ICMP host
// unreachable, as a real last-hop router does; the client has a route to the host block only.
//
// The veth ends are created directly inside their namespaces: the root namespace never sees an
// interface, a route, a rule or a sysctl of the lab.

import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NETNS_HOST_BLOCK, NETNS_LINK_BLOCK } from '../world.js';
import { inNs, run, runSync } from './exec.js';

/** Every name the lab creates starts with this (namespaces, /etc/netns dirs, state dirs). */
export const LAB_PREFIX = 'vplab-';

export const ROLES = ['client', 'router', 'net', 'inj', 'out'] as const;
export type NsRole = (typeof ROLES)[number];

/** Interface names (inside the namespaces, so they never clash with the host's). */
export const IF = {
  clientToRouter: 'vpl-c-r',
  routerToClient: 'vpl-r-c',
  routerToNet: 'vpl-r-n',
  netToRouter: 'vpl-n-r',
  routerToInj: 'vpl-r-i',
  injToRouter: 'vpl-i-r',
  routerToOut: 'vpl-r-o',
  outToRouter: 'vpl-o-r',
} as const;

/** Link addresses, inside NETNS_LINK_BLOCK (198.18.0.0/20). */
export const LINK = {
  router_client: '198.18.0.1',
  client: '198.18.0.2',
  router_net: '198.18.0.5',
  net: '198.18.0.6',
  router_inj: '198.18.0.9',
  inj: '198.18.0.10',
  /** The outside vantage (where the lab's helper runs). */
  router_out: '198.18.0.13',
  out: '198.18.0.14',
  prefixLen: 30,
} as const;

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
  return { id, ns: { client: `${id}-client`, router: `${id}-router`, net: `${id}-net`, inj: `${id}-inj`, out: `${id}-out` } };
}

/** Namespaces that exist now (names only). */
export async function listNamespaces(): Promise<string[]> {
  const { stdout } = await run(['ip', 'netns', 'list']);
  return stdout.split('\n').map((l) => l.trim().split(/\s+/)[0]!).filter(Boolean);
}

export function listNamespacesSync(): string[] {
  return runSync(['ip', 'netns', 'list']).stdout.split('\n').map((l) => l.trim().split(/\s+/)[0]!).filter(Boolean);
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
}

/**
 * Builds the namespaces, links, addresses, routes and sysctls. On failure it removes what it made and
 * rethrows. The caller must have checked `existingNames` first.
 */
export async function createTopology(n: LabNames, o: TopologyOptions): Promise<void> {
  const { client, router, net, inj, out } = n.ns;
  const made: string[] = [];
  try {
    for (const ns of [client, router, net, inj, out]) {
      await run(['ip', 'netns', 'add', ns]);
      made.push(ns);
    }
    // veth pairs created straight into their namespaces.
    await run(['ip', 'link', 'add', 'name', IF.clientToRouter, 'netns', client, 'type', 'veth', 'peer', 'name', IF.routerToClient, 'netns', router]);
    await run(['ip', 'link', 'add', 'name', IF.routerToNet, 'netns', router, 'type', 'veth', 'peer', 'name', IF.netToRouter, 'netns', net]);
    await run(['ip', 'link', 'add', 'name', IF.routerToInj, 'netns', router, 'type', 'veth', 'peer', 'name', IF.injToRouter, 'netns', inj]);
    await run(['ip', 'link', 'add', 'name', IF.routerToOut, 'netns', router, 'type', 'veth', 'peer', 'name', IF.outToRouter, 'netns', out]);

    // No IPv6 anywhere (the lab is IPv4 only; nothing may leak via router advertisements either),
    // no reverse-path filtering (the injector's forged replies come in on another interface than the
    // resolver's route), forwarding only in the router.
    for (const ns of [client, router, net, inj, out]) {
      await sysctls(ns, {
        'net.ipv6.conf.all.disable_ipv6': 1,
        'net.ipv6.conf.default.disable_ipv6': 1,
        'net.ipv4.conf.all.rp_filter': 0,
        'net.ipv4.conf.default.rp_filter': 0,
        'net.ipv4.ip_forward': ns === router ? 1 : 0,
      });
    }
    await sysctls(router, {
      [`net.ipv4.conf.${IF.routerToClient}.rp_filter`]: 0,
      [`net.ipv4.conf.${IF.routerToNet}.rp_filter`]: 0,
      [`net.ipv4.conf.${IF.routerToInj}.rp_filter`]: 0,
      [`net.ipv4.conf.${IF.routerToOut}.rp_filter`]: 0,
      // Every rejection the censor sends is an ICMP message: no rate limit (a real censor's box has
      // none either), else back-to-back runs see some SYNs unanswered instead of prohibited.
      'net.ipv4.icmp_ratelimit': 0,
      // A host that does not answer ARP is reported with ICMP host unreachable after ~0.4 s (not 3 s).
      [`net.ipv4.neigh.${IF.routerToNet}.mcast_solicit`]: 2,
      [`net.ipv4.neigh.${IF.routerToNet}.retrans_time_ms`]: 200,
    });

    const p = LINK.prefixLen;
    await ip(client, 'addr', 'add', `${LINK.client}/${p}`, 'dev', IF.clientToRouter);
    await ip(router, 'addr', 'add', `${LINK.router_client}/${p}`, 'dev', IF.routerToClient);
    await ip(router, 'addr', 'add', `${LINK.router_net}/${p}`, 'dev', IF.routerToNet);
    await ip(net, 'addr', 'add', `${LINK.net}/${p}`, 'dev', IF.netToRouter);
    await ip(router, 'addr', 'add', `${LINK.router_inj}/${p}`, 'dev', IF.routerToInj);
    await ip(inj, 'addr', 'add', `${LINK.inj}/${p}`, 'dev', IF.injToRouter);
    await ip(router, 'addr', 'add', `${LINK.router_out}/${p}`, 'dev', IF.routerToOut);
    await ip(out, 'addr', 'add', `${LINK.out}/${p}`, 'dev', IF.outToRouter);
    for (const ns of [client, router, net, inj, out]) await ip(ns, 'link', 'set', 'lo', 'up');
    await ip(client, 'link', 'set', IF.clientToRouter, 'up');
    for (const d of [IF.routerToClient, IF.routerToNet, IF.routerToInj, IF.routerToOut]) await ip(router, 'link', 'set', d, 'up');
    await ip(net, 'link', 'set', IF.netToRouter, 'up');
    await ip(inj, 'link', 'set', IF.injToRouter, 'up');
    await ip(out, 'link', 'set', IF.outToRouter, 'up');
    // Wire-sized packets, as on a real link: without this, TCP hands veth 64 KiB GSO super-packets and
    // a token-bucket shaper sees (and delays) them as one.
    for (const [ns, dev] of [[client, IF.clientToRouter], [router, IF.routerToClient], [router, IF.routerToNet], [router, IF.routerToInj], [router, IF.routerToOut], [net, IF.netToRouter], [inj, IF.injToRouter], [out, IF.outToRouter]] as const) {
      await ip(ns, 'link', 'set', 'dev', dev, 'gso_max_segs', '1');
    }

    // Every world address on the net side's loopback, in one batch.
    const batch = o.hostAddresses.map((a) => `addr add ${a}/32 dev lo`).join('\n');
    await run(['ip', '-n', net, '-batch', '-'], { input: `${batch}\n` });
    // The injector owns a copy of the ISP resolver's address.
    await ip(inj, 'addr', 'add', `${o.ispResolver}/32`, 'dev', 'lo');

    await routes(n);

    // The client's own resolver configuration: `ip netns exec` bind-mounts these over /etc/*.
    const dir = etcNetns(client);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'resolv.conf'), `# voipprobe namespace lab: the network's own resolver\nnameserver ${o.ispResolver}\noptions timeout:1 attempts:2\n`);
    // Hermetic name service: no mDNS/systemd-resolved of the host, no host entries of the host.
    writeFileSync(join(dir, 'nsswitch.conf'), 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n');
    writeFileSync(join(dir, 'hosts'), '127.0.0.1 localhost\n::1 localhost\n');
  } catch (err) {
    for (const ns of made) runSync(['ip', 'netns', 'del', ns]);
    rmSync(etcNetns(client), { recursive: true, force: true });
    throw err;
  }
}

/**
 * Routes: client → host block and the outside vantage via the router; router → hosts on-link; the
 * outside vantage → hosts and links via the router; back routes to the links.
 */
export async function routes(n: LabNames): Promise<void> {
  const { client, router, net, inj, out } = n.ns;
  await ip(client, 'route', 'replace', NETNS_HOST_BLOCK, 'via', LINK.router_client);
  await ip(client, 'route', 'replace', `${LINK.out}/32`, 'via', LINK.router_client);
  await ip(out, 'route', 'replace', NETNS_HOST_BLOCK, 'via', LINK.router_out);
  await ip(out, 'route', 'replace', NETNS_LINK_BLOCK, 'via', LINK.router_out);
  await ip(router, 'route', 'replace', NETNS_HOST_BLOCK, 'dev', IF.routerToNet, 'scope', 'link');
  await ip(net, 'route', 'replace', NETNS_LINK_BLOCK, 'via', LINK.router_net);
  await ip(inj, 'route', 'replace', NETNS_LINK_BLOCK, 'via', LINK.router_inj);
}

/** Pids of the processes living in a namespace. */
export function pidsIn(ns: string): number[] {
  return runSync(['ip', 'netns', 'pids', ns]).stdout.split('\n').map((s) => Number(s.trim())).filter((x) => Number.isInteger(x) && x > 0);
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
