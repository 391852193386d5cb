// The DNS phase: every hostname in the plan is asked of the network's own resolvers (getaddrinfo and
// UDP to the configured nameservers) and of the neutral controls (DoH, neutral UDP resolvers), once
// per run, concurrently. Which addresses to connect to is decided here from those answers.

import { isIP } from 'node:net';
import {
  type AnswerPolicy,
  addressesOf,
  encryptedAgrees,
  flagBogusAnswers,
  isBogusAnswer,
} from '../model/dns-answers.js';
import type { DnsQuery } from '../model/observations.js';
import { lookupSystem, queryDoh, queryUdp } from '../net/index.js';
import type { StepRunner } from './steps.js';

export interface ResolverSet {
  /** Whether to ask getaddrinfo (off when the local resolver is overridden: it cannot be pointed elsewhere). */
  getaddrinfo: boolean;
  /** "ip:port" of the network's own resolvers. */
  local: string[];
  /** "ip:port" of neutral UDP resolvers. */
  controlUdp: string[];
  /** DoH URLs (the encrypted control). */
  doh: string[];
}

export class Resolver {
  private readonly cache = new Map<string, { local: Promise<DnsQuery[]>; all: Promise<DnsQuery[]> }>();
  /**
   * The controls' queries (DoH, neutral UDP) wait for this: one turn of the event loop, so that the
   * network's own queries of every hostname asked at once (a run's first burst) are sent first and
   * their answers read first. The chains start on those answers; the controls are only compared with
   * them. Later lookups find it settled and wait for nothing.
   */
  private controlsGate: Promise<void> | undefined;

  constructor(
    private readonly steps: StepRunner,
    private readonly resolvers: ResolverSet,
    private readonly policy: AnswerPolicy,
  ) {}

  /** All queries for a hostname (started once, shared by every target that needs it). */
  resolve(hostname: string): Promise<DnsQuery[]> {
    return this.entry(hostname).all;
  }

  /**
   * The network's own queries only (getaddrinfo, local UDP) of the same lookup, as soon as each has its
   * first answer: enough to choose the addresses, so the chains wait neither for the controls (DoH,
   * neutral UDP) nor for the window that records injected replies. `resolve` gives the finished queries.
   */
  resolveLocal(hostname: string): Promise<DnsQuery[]> {
    return this.entry(hostname).local;
  }

  private entry(hostname: string): { local: Promise<DnsQuery[]>; all: Promise<DnsQuery[]> } {
    let e = this.cache.get(hostname);
    if (!e) {
      e = this.run(hostname);
      this.cache.set(hostname, e);
    }
    return e;
  }

  private run(hostname: string): { local: Promise<DnsQuery[]>; all: Promise<DnsQuery[]> } {
    const r = this.resolvers;
    const local: Promise<DnsQuery>[] = [];
    // Each local query as soon as its first answer is in (the injection window goes on recording).
    const localFirst: Promise<DnsQuery>[] = [];
    const control: Promise<DnsQuery>[] = [];
    const types = ['A', 'AAAA'] as const;
    // A plain-UDP query keeps listening for a late reply until DoH vouches for its first one (which on a
    // clean network it does within the short window). The controls are asked after the network's own
    // queries (see controlsGate), so that DoH's heavier start (an HTTP client, a TLS connection) does
    // not hold back the answers the chains start on.
    this.controlsGate ??= new Promise<void>((res) => setImmediate(res));
    const gate = this.controlsGate;
    const doh: Record<(typeof types)[number], Promise<DnsQuery>[]> = { A: [], AAAA: [] };
    const corroborate = (q: DnsQuery) =>
      Promise.all(doh[q.query_type as 'A' | 'AAAA'] ?? []).then((d) => encryptedAgrees(q, d));
    if (r.getaddrinfo) {
      const gai = this.steps.dns((o) => lookupSystem({ ...o, hostname }));
      local.push(gai);
      localFirst.push(gai);
    }
    for (const server of r.local) {
      for (const type of types) {
        let early: (q: DnsQuery) => void = () => {};
        localFirst.push(new Promise<DnsQuery>((res) => (early = res)));
        const full = this.steps.dns((o) =>
          queryUdp({ ...o, server, hostname, type, role: 'local', onFirstReply: early, corroborate }),
        );
        full.then(early, () => {}); // no answer at all: the finished query settles it
        local.push(full);
      }
    }
    for (const type of types) {
      doh[type] = r.doh.map((url) =>
        gate.then(() => this.steps.dns((o) => queryDoh({ ...o, url, hostname, type, ca: this.steps.ca }))),
      );
      control.push(...doh[type]);
    }
    for (const server of r.controlUdp)
      control.push(
        gate.then(() =>
          this.steps.dns((o) => queryUdp({ ...o, server, hostname, type: 'A', role: 'control', corroborate })),
        ),
      );
    const flag = (jobs: Promise<DnsQuery>[]) =>
      Promise.all(jobs.map((j) => j.then((q) => flagBogusAnswers(q, this.policy))));
    const localQ = flag(local);
    const controlQ = flag(control);
    return { local: Promise.all(localFirst), all: Promise.all([localQ, controlQ]).then(([a, b]) => [...a, ...b]) };
  }
}

export interface AddressChoice {
  addresses: string[];
  /** `local`: the network's own answers (what an app would use); `control`: the neutral answers, because the local ones were missing or forged. */
  source: 'local' | 'control' | 'none';
}

/**
 * Addresses to connect to: the local answers that are not forged (what the app would use), else the
 * neutral answers (the encrypted control's when it has any: plain-UDP answers can be forged on the
 * path too), so that IP blocking can still be measured behind DNS blocking. At most `perFamily` of
 * each family; IPv6 only where the network has it.
 */
export function chooseAddresses(
  queries: DnsQuery[],
  policy: AnswerPolicy,
  opts: { ipv6: boolean; perFamily: number },
): AddressChoice {
  const local = pick(queries, (q) => q.x_resolver_role === 'local', policy, opts);
  if (local.length) return { addresses: local, source: 'local' };
  const control = encryptedAddresses(queries, policy, opts);
  if (control.length) return { addresses: control, source: 'control' };
  const plain = pick(queries, (q) => q.x_resolver_role === 'control', policy, opts);
  if (plain.length) return { addresses: plain, source: 'control' };
  return { addresses: [], source: 'none' };
}

/**
 * The encrypted control's addresses (DoH), when none of them is among `except`: where the chains of
 * a target also go when the local answer disagrees with DoH, so that the TLS evidence can tell a
 * CDN's other address (it validates for the name) from a forged one (it does not).
 */
export function encryptedAddresses(
  queries: DnsQuery[],
  policy: AnswerPolicy,
  opts: { ipv6: boolean; perFamily: number },
  except: string[] = [],
): string[] {
  const doh = (q: DnsQuery) => q.x_resolver_role === 'control' && q.engine === 'doh';
  const all = pick(queries, doh, policy, { ipv6: true, perFamily: Infinity });
  return all.some((ip) => except.includes(ip)) ? [] : pick(queries, doh, policy, opts);
}

function pick(
  queries: DnsQuery[],
  which: (q: DnsQuery) => boolean,
  policy: AnswerPolicy,
  opts: { ipv6: boolean; perFamily: number },
): string[] {
  const seen = new Set<string>();
  for (const q of queries) {
    if (!which(q) || q.failure !== null) continue;
    for (const ip of addressesOf(q.answers)) if (!isBogusAnswer(ip, policy)) seen.add(ip);
  }
  const v4 = [...seen].filter((ip) => isIP(ip) === 4).slice(0, opts.perFamily);
  const v6 = opts.ipv6 ? [...seen].filter((ip) => isIP(ip) === 6).slice(0, opts.perFamily) : [];
  return [...v4, ...v6];
}
