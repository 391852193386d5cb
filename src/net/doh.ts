// DNS over HTTPS (RFC 8484, POST application/dns-message): the encrypted control resolver whose
// answers the local resolver's are compared with. One undici Agent per trust store, so the many
// queries of a run share a connection; close them with closeDohAgents() so the process can exit.

import { createHash } from 'node:crypto';
import type { DnsQuery } from '../model/observations.js';
import type { Agent, ResponseData } from '../util/undici.js';
import { parseUrl } from './address.js';
import { stepDeadline } from './deadline.js';
import { type AddressQueryType, applyReply, encodeQuery, newQuery } from './dns-message.js';
import { discardBody, readPrefix } from './http.js';
import { trustOptions } from './tls.js';
import type { StepOptions, TrustStore } from './types.js';

export interface DohQueryOptions extends StepOptions {
  url: string;
  hostname: string;
  type: AddressQueryType;
  ca?: TrustStore;
}

/** A DNS message is at most 65535 bytes; anything longer is not one. */
const MAX_DNS_MESSAGE = 65535;

const agents = new Map<string, Agent>();
/** Trust store -> agents key, computed once per store (hashing ~150 root PEMs per query showed in profiles). */
const keys = new WeakMap<readonly string[], string>();

/**
 * Connections per DoH server. Without a limit every concurrent query of a run (two per hostname, ~100)
 * opened its own TLS connection, a full handshake each. Queries queue on these keep-alive connections
 * instead; each is one small round trip.
 */
export const DOH_CONNECTIONS = 16;

/** undici (about 45 ms of start-up) is loaded by the first query, not by every command that could ask one. */
async function agentFor(ca: TrustStore): Promise<Agent> {
  const { Agent } = await import('../util/undici.js');
  let key = 'default';
  if (ca) {
    key = keys.get(ca) ?? createHash('sha256').update(ca.join('\n')).digest('hex');
    keys.set(ca, key);
  }
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({ connections: DOH_CONNECTIONS, connect: { ...trustOptions(ca) } });
    agents.set(key, agent);
  }
  return agent;
}

/** Closes the shared DoH connections (call at the end of a run). */
export async function closeDohAgents(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.all(all.map((a) => a.destroy().catch(() => {})));
}

/**
 * undici only honours a request's signal once it has a connection: a connect that hangs (a
 * blackholed resolver) would hold the step until undici's own connect timeout. Stop waiting when
 * the step is stopped; a late response is discarded, a late error swallowed, and closeDohAgents()
 * ends the pending connect.
 */
function untilStopped(pending: Promise<ResponseData>, signal: AbortSignal): Promise<ResponseData> {
  pending.then(
    (late) => signal.aborted && discardBody(late.body),
    () => {},
  );
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export async function queryDoh(o: DohQueryOptions): Promise<DnsQuery> {
  const url = parseUrl(o.url, ['https:']);
  // Before the step's clock starts: loading the HTTP client is not the resolver's time.
  const agent = await agentFor(o.ca);
  const deadline = stepDeadline(o);
  const t0 = o.clock();
  const q = newQuery({
    engine: 'doh',
    resolver_address: url.href,
    hostname: o.hostname,
    query_type: o.type,
    t0,
    transaction_id: o.transactionId,
    x_resolver_role: 'control',
  });
  // RFC 8484 4.1: the DNS id SHOULD be 0 over HTTPS, where it is useless and defeats caching.
  const id = 0;
  try {
    const res = await untilStopped(
      agent.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: 'POST',
        headers: { 'content-type': 'application/dns-message', accept: 'application/dns-message' },
        body: encodeQuery(id, o.hostname, o.type),
        signal: deadline.signal,
      }),
      deadline.signal,
    );
    try {
      if (res.statusCode !== 200) {
        q.t = o.clock();
        q.failure = `unknown_failure: http status ${res.statusCode}`;
      } else {
        const { bytes, truncated } = await readPrefix(res.body, MAX_DNS_MESSAGE);
        q.t = o.clock();
        if (truncated) q.failure = 'dns_server_misbehaving';
        else applyReply(q, bytes, id, o.type);
      }
    } finally {
      discardBody(res.body);
    }
  } catch (err) {
    q.t = o.clock();
    q.failure = deadline.failureOf(err);
  } finally {
    deadline.dispose();
  }
  return q;
}
