// DNS judgement for one hostname: the network's own resolvers (getaddrinfo, UDP to the configured
// nameservers) against the neutral controls (DoH, neutral UDP resolvers). Pure.
//
// Why these rules:
// - The encrypted control (DoH) decides what the neutral answer is whenever it answered: a censor on
//   the path can forge plain-UDP answers from the neutral resolvers too, but not DoH's. Plain-UDP
//   control answers count only when DoH said nothing.
// - Two different replies to one UDP query (local or neutral) is injection (an on-path box answered
//   first); the addresses the encrypted control does not give are the forged ones.
// - A bogon or known sinkhole answer for a public service is a forged answer.
// - An answer that merely differs from the encrypted control's is *not* forged by itself (CDNs answer
//   differently per vantage). It is forged when the TLS evidence says so: no handshake with the
//   name's SNI validates at the local address while one validates at the encrypted control's.
// - NXDOMAIN/REFUSED/SERVFAIL/empty/silence from the local resolver is only blocking when a neutral
//   resolver does resolve the name and the local resolver is otherwise healthy.
// A forged answer blocks the target at the DNS layer whatever happens at the next one.

import type { ControlNetwork } from '../catalogue/schema.js';
import { addressesOf, isBogusAnswer } from '../model/dns-answers.js';
import type { DnsQuery, Observations } from '../model/observations.js';
import type { ControlVerdict, EvidenceRef, LayerVerdict, TargetStatus, Technique } from '../model/verdict.js';
import { canonicalIp, splitHostPort } from '../util/ip.js';
import { resolverAnswered } from './controls.js';

export interface DnsJudgement {
  verdict: LayerVerdict;
  /** Usable addresses the local resolvers gave (bogus ones excluded). */
  localAddrs: string[];
  controlAddrs: string[];
  /** Local answers judged forged (bogon, sinkhole, or from an injected reply). */
  bogusAddrs: string[];
}

const sameSet = (a: string[], b: string[]) => {
  const x = [...new Set(a)].sort().join(',');
  const y = [...new Set(b)].sort().join(',');
  return x === y;
};

/** Silence and server errors also happen to healthy names on a flaky resolver. */
const WEAK_DNS = new Set<Technique>(['dns.timeout', 'dns.servfail', 'dns.no_answer']);

const FAILURE_TECHNIQUE: Record<string, Technique> = {
  dns_nxdomain_error: 'dns.nxdomain',
  dns_no_answer: 'dns.no_answer',
  dns_refused_error: 'dns.refused',
  dns_servfail_error: 'dns.servfail',
  generic_timeout_error: 'dns.timeout',
};

/**
 * Why the local answer is forged, from the TLS evidence, or undefined when it cannot be said: no
 * handshake with SNI `hostname` validates at a local address (and at least one was tried there to
 * the end), while one validates at an address of the encrypted control. A CDN's other address
 * validates for the name; a forged one does not.
 */
function forgedByTls(
  hostname: string,
  obs: Observations,
  localAddrs: string[],
  dohAddrs: string[],
): string | undefined {
  const name = hostname.toLowerCase();
  const ipOf = (address: string) => canonicalIp(splitHostPort(address, 443).host) ?? address;
  const hs = obs.tls_handshakes.filter((h) => h.x_sni_kind === 'target' && h.server_name.toLowerCase() === name);
  const atLocal = hs.filter((h) => localAddrs.includes(ipOf(h.address)));
  if (atLocal.some((h) => h.failure === null)) return undefined;
  const good = hs.find((h) => h.failure === null && dohAddrs.includes(ipOf(h.address)));
  if (!good) return undefined;
  const ended = (f: string | null) => f !== null && f !== 'interrupted';
  const tried = atLocal.filter((h) => ended(h.failure));
  const connects = obs.tcp_connect.filter(
    (c) => localAddrs.includes(canonicalIp(c.ip) ?? c.ip) && ended(c.status.failure),
  );
  if (tried.length === 0 && connects.length === 0) return undefined;
  const what =
    tried.length > 0
      ? `TLS for ${hostname} there fails (${[...new Set(tried.map((h) => h.failure))].join(', ')})`
      : `connecting there fails (${[...new Set(connects.map((c) => c.status.failure))].join(', ')})`;
  return `${what} while it validates at ${good.address}, the encrypted control's address`;
}

/**
 * The same proof borrowed from another name of the measurement: when a name whose answer differs from
 * the encrypted control's is proven forged by TLS (forgedByTls) and its local answer shares an address
 * with this one's, that address is a forgery target (a block page), whatever name it is given for. It
 * lets names without a TLS target (a relay's TCP or UDP) be judged by what the run proved elsewhere.
 */
function forgedBySibling(hostname: string, obs: Observations, localAddrs: string[]): string | undefined {
  const names = [...new Set(obs.queries.map((q) => q.hostname))].filter((h) => h !== hostname);
  for (const other of names) {
    const qs = obs.queries.filter((q) => q.hostname === other);
    const local = [
      ...new Set(
        qs.filter((q) => q.x_resolver_role === 'local' && q.failure === null).flatMap((q) => addressesOf(q.answers)),
      ),
    ];
    const shared = local.filter((ip) => localAddrs.includes(ip));
    if (shared.length === 0) continue;
    const doh = [
      ...new Set(
        qs
          .filter((q) => q.x_resolver_role === 'control' && q.engine === 'doh' && q.failure === null)
          .flatMap((q) => addressesOf(q.answers)),
      ),
    ];
    if (doh.length === 0 || local.some((ip) => doh.includes(ip))) continue;
    const why = forgedByTls(other, obs, local, doh);
    if (why) return `the same address (${shared.slice(0, 3).join(', ')}) is a forgery for ${other}: ${why}`;
  }
  return undefined;
}

export function judgeDns(
  hostname: string,
  obs: Observations,
  controls: ControlVerdict,
  net: Pick<ControlNetwork, 'public_ranges' | 'sinkholes'>,
): DnsJudgement {
  const refs = (pred: (q: DnsQuery) => boolean): EvidenceRef[] =>
    obs.queries.flatMap((q, index) => (q.hostname === hostname && pred(q) ? [{ key: 'queries' as const, index }] : []));
  const mine = obs.queries.filter((q) => q.hostname === hostname);
  const local = mine.filter((q) => q.x_resolver_role === 'local');
  const control = mine.filter((q) => q.x_resolver_role === 'control');

  // The encrypted control wins: when DoH answered, its addresses (and its NXDOMAIN) are the neutral answer.
  const doh = control.filter((q) => q.engine === 'doh');
  const plainControl = control.filter((q) => q.engine !== 'doh');
  const dohAnswered = doh.some(resolverAnswered);
  const dohAddrs = [...new Set(doh.filter((q) => q.failure === null).flatMap((q) => addressesOf(q.answers)))];
  const controlAnswered = control.some(resolverAnswered);

  // Injection: more than one valid reply to a UDP query, with different content.
  const validReplies = (q: DnsQuery) => (q.x_replies ?? []).filter((r) => !r.x_malformed);
  const injected = mine.filter((q) => {
    const valid = validReplies(q);
    if (valid.length < 2) return false;
    const first = valid[0]!;
    return valid
      .slice(1)
      .some((r) => r.rcode !== first.rcode || !sameSet(addressesOf(r.answers), addressesOf(first.answers)));
  });
  // An address missing from some reply of an injected query is suspect (the replies disagree on it).
  const suspect = new Set<string>();
  for (const q of injected) {
    const all = validReplies(q).map((r) => addressesOf(r.answers));
    for (const set of all) for (const ip of set) if (!all.every((x) => x.includes(ip))) suspect.add(ip);
  }
  // Without DoH, the plain-UDP control answers that nobody contested.
  const plainAddrs = [
    ...new Set(
      plainControl.filter((q) => q.failure === null && !injected.includes(q)).flatMap((q) => addressesOf(q.answers)),
    ),
  ];
  const controlAddrs = dohAnswered ? dohAddrs : plainAddrs.filter((ip) => !suspect.has(ip));
  const controlNx =
    (dohAnswered ? doh : control).some((q) => q.failure === 'dns_nxdomain_error') && controlAddrs.length === 0;
  // Suspect addresses the neutral answer confirms are kept: the genuine reply of a pair.
  const injectedAddrs = new Set([...suspect].filter((ip) => !controlAddrs.includes(ip)));

  const localRaw = [
    ...new Set(
      local
        .flatMap((q) => addressesOf(q.answers))
        .concat(
          local.flatMap((q) =>
            (q.x_replies ?? []).filter((r) => !r.x_malformed).flatMap((r) => addressesOf(r.answers)),
          ),
        ),
    ),
  ];
  const bogus = localRaw.filter((ip) => isBogusAnswer(ip, net) || injectedAddrs.has(ip));
  const localAddrs = localRaw.filter((ip) => !bogus.includes(ip));

  // A block names its technique; its strength follows from it.
  const v = <S extends TargetStatus>(
    status: S,
    reason: string,
    ...[technique, evidence = refs(() => true)]: S extends 'blocked' ? [Technique, EvidenceRef[]?] : []
  ): DnsJudgement => ({
    verdict: (status === 'blocked'
      ? {
          layer: 'dns',
          status,
          technique: technique!,
          strength: WEAK_DNS.has(technique!) ? 'weak' : 'strong',
          reason,
          evidence,
        }
      : { layer: 'dns', status, reason, evidence }) as LayerVerdict,
    localAddrs,
    controlAddrs,
    bogusAddrs: bogus,
  });

  if (injected.length > 0) {
    const where = injected.map((q) => q.resolver_address).join(', ');
    return v(
      'blocked',
      `two different replies to one query for ${hostname} (from ${where}): an on-path box injected a forged answer`,
      'dns.injection',
      refs((q) => injected.includes(q)),
    );
  }
  const bogusLocal = local.filter((q) => addressesOf(q.answers).some((ip) => bogus.includes(ip)));
  if (bogusLocal.length > 0) {
    return v(
      'blocked',
      `local resolver answered ${hostname} with ${bogus.join(', ')} (bogon or known sinkhole)${controlAddrs.length ? `; neutral resolvers give ${controlAddrs.slice(0, 3).join(', ')}` : ''}`,
      'dns.bogus_answer',
      refs((q) => bogusLocal.includes(q) || q.x_resolver_role === 'control'),
    );
  }
  if (local.length === 0) {
    // Nothing local was asked (an override or an IP literal): judge on the controls alone.
    if (controlAddrs.length) return v('ok', `resolved by neutral resolvers to ${controlAddrs.slice(0, 3).join(', ')}`);
    return v('inconclusive', `no local lookup and no neutral answer for ${hostname}`);
  }
  if (localAddrs.length > 0 && dohAddrs.length > 0 && !localAddrs.some((ip) => dohAddrs.includes(ip))) {
    const forged = forgedByTls(hostname, obs, localAddrs, dohAddrs) ?? forgedBySibling(hostname, obs, localAddrs);
    if (forged) {
      // The neutral resolvers' plain-UDP answers forged the same way: only a box on the path does that.
      const plainForged = plainControl.filter((q) => addressesOf(q.answers).some((ip) => localAddrs.includes(ip)));
      const technique: Technique = plainForged.length > 0 ? 'dns.injection' : 'dns.bogus_answer';
      const how =
        plainForged.length > 0
          ? `; the plain-UDP answers of the neutral resolvers (${plainForged.map((q) => q.resolver_address).join(', ')}) carry the same address: an on-path box forges DNS answers`
          : '';
      return v(
        'blocked',
        `local answer for ${hostname} (${localAddrs.slice(0, 3).join(', ')}) differs from the encrypted control's (${dohAddrs.slice(0, 3).join(', ')}), and ${forged}${how}`,
        technique,
        refs((q) => local.includes(q) || q.x_resolver_role === 'control'),
      );
    }
  }
  if (localAddrs.length > 0) {
    const note =
      controlAddrs.length && !localAddrs.some((ip) => controlAddrs.includes(ip))
        ? ' (differs from the neutral answers; the TLS layer checks the addresses)'
        : '';
    return v('ok', `resolved to ${localAddrs.slice(0, 3).join(', ')}${localAddrs.length > 3 ? ', ...' : ''}${note}`);
  }

  // Every local lookup failed. Pick the most telling failure (an explicit answer over silence).
  const failures = local.map((q) => q.failure).filter((f): f is NonNullable<typeof f> => f !== null);
  if (failures.length > 0 && failures.every((f) => f === 'interrupted')) {
    return v('inconclusive', `lookup of ${hostname} interrupted before the local resolver answered`);
  }
  const order = [
    'dns_nxdomain_error',
    'dns_refused_error',
    'dns_servfail_error',
    'dns_no_answer',
    'generic_timeout_error',
  ];
  const chosen = order.find((f) => failures.includes(f as never)) ?? failures[0] ?? 'dns_no_answer';
  const technique = FAILURE_TECHNIQUE[chosen];

  if (controlNx)
    return v('failed', `${hostname} does not exist for the neutral resolvers either (${chosen}): not censorship`);
  if (controlAddrs.length === 0) {
    return v(
      'inconclusive',
      `local lookup failed (${chosen}) and no neutral resolver ${controlAnswered ? 'resolved' : 'answered for'} ${hostname}: cannot tell blocking from an outage`,
    );
  }
  if (!controls.dns.local_ok && chosen !== 'dns_nxdomain_error') {
    return v(
      'failed',
      `local lookup failed (${chosen}), but the local resolver also fails for neutral names: a broken resolver, not blocking of ${hostname}`,
    );
  }
  if (!technique)
    return v(
      'failed',
      `local lookup failed (${chosen}) while neutral resolvers give ${controlAddrs.slice(0, 3).join(', ')}`,
    );
  return v(
    'blocked',
    `local resolver: ${chosen} for ${hostname}; neutral resolvers give ${controlAddrs.slice(0, 3).join(', ')}`,
    technique,
  );
}
