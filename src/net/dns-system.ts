// The system resolver (getaddrinfo), as the user's apps see it, and the nameservers it uses.
// getaddrinfo runs on libuv's thread pool and cannot be cancelled: on timeout or abort we stop
// waiting and report, and the late result is dropped.

import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { DnsAnswer, DnsQuery } from '../model/observations.js';
import { hostPort, splitHostPort } from '../util/ip.js';
import { stepDeadline } from './deadline.js';
import type { StepOptions } from './types.js';

export async function lookupSystem(o: StepOptions & { hostname: string }): Promise<DnsQuery> {
  if (!o.hostname) throw new TypeError('hostname is required');
  const deadline = stepDeadline(o);
  const t0 = o.clock();
  const q: DnsQuery = {
    engine: 'getaddrinfo',
    resolver_address: '',
    hostname: o.hostname,
    query_type: 'ANY',
    answers: [],
    failure: null,
    t0,
    t: t0,
    transaction_id: o.transactionId,
    x_resolver_role: 'local',
  };
  try {
    const result = await new Promise<{ addresses: dns.LookupAddress[] } | { error: NodeJS.ErrnoException | null }>((resolve) => {
      if (deadline.signal.aborted) return resolve({ error: null });
      deadline.signal.addEventListener('abort', () => resolve({ error: null }), { once: true });
      dns.lookup(o.hostname, { all: true, family: 0 }, (error, addresses) => resolve(error ? { error } : { addresses }));
    });
    q.t = o.clock();
    if ('addresses' in result) {
      q.answers = result.addresses.map(toAnswer);
      if (q.answers.length === 0) q.failure = 'dns_no_answer';
    } else {
      q.failure = deadline.failureOf(result.error);
      if (result.error?.code) q.x_getaddrinfo_error = result.error.code;
    }
  } finally {
    deadline.dispose();
  }
  return q;
}

function toAnswer(a: dns.LookupAddress): DnsAnswer {
  return a.family === 6 ? { answer_type: 'AAAA', ipv6: a.address, ttl: null } : { answer_type: 'A', ipv4: a.address, ttl: null };
}

/** "ip:port" of each `nameserver` line of a resolv.conf text. */
export function parseResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m && isIP(m[1]!.split('%')[0]!)) out.push(hostPort(m[1]!, 53));
  }
  return out;
}

/** The OS-configured nameservers as "ip:port" (/etc/resolv.conf, else what Node's resolver uses). */
export function systemNameservers(resolvConfPath = '/etc/resolv.conf'): string[] {
  try {
    const found = parseResolvConf(readFileSync(resolvConfPath, 'utf8'));
    if (found.length > 0) return found;
  } catch {
    // No resolv.conf (Windows, some containers): fall through to Node's view.
  }
  return dns.getServers().map((s) => {
    const { host, port } = splitHostPort(s, 53);
    return hostPort(host, port);
  });
}
