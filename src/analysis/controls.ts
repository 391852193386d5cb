// What the neutral controls say about the network as a whole. Pure: control observations in,
// ControlVerdict out. When the controls fail, nothing may be called blocked.

import type { DnsQuery, Observations, StunExchange } from '../model/observations.js';
import type { ControlVerdict } from '../model/verdict.js';
import { splitHostPort } from '../util/ip.js';

/** Distinct silent neutral STUN servers needed on a port before the port is called blocked. */
export const MIN_SILENT_SERVERS = 2;

/** A resolver "answered" when any DNS reply came back, whatever its rcode: the path to it works. */
export function resolverAnswered(q: DnsQuery): boolean {
  return q.rcode !== undefined || (q.failure === null && q.answers.length > 0);
}

export function resolvedAddresses(q: DnsQuery): boolean {
  return q.failure === null && q.answers.some((a) => a.ipv4 !== undefined || a.ipv6 !== undefined);
}

/** A STUN server "answered" when a valid response (success or error class) came back. */
export function stunAnswered(s: StunExchange): boolean {
  return s.response !== null;
}

export function portOf(address: string): number {
  return splitHostPort(address, 0).port;
}

export function summarizeControls(obs: Observations): ControlVerdict {
  const control = obs.queries.filter((q) => q.x_resolver_role === 'control');
  const local = obs.queries.filter((q) => q.x_resolver_role === 'local');
  // A neutral resolver works when it resolves the neutral names to addresses: a captive portal or an
  // interceptor answering NXDOMAIN for everything does not count.
  const dohOk = control.some((q) => q.engine === 'doh' && resolvedAddresses(q));
  const udpOk = control.some((q) => (q.engine === 'udp' || q.engine === 'tcp') && resolvedAddresses(q));
  // The local resolver is healthy when it resolves neutral names (the control hosts) to addresses.
  const localOk = local.some(resolvedAddresses);
  const okHandshakes = obs.tls_handshakes.filter((h) => h.x_sni_kind === 'target' && h.failure === null);
  const tlsOk = okHandshakes.length > 0;
  const medianHandshake = median(okHandshakes.map((h) => h.t - h.t0));

  const answered = new Set<number>();
  const tried = new Map<number, Set<string>>(); // port -> distinct servers tried on it
  for (const s of obs.x_stun) {
    const p = portOf(s.address);
    if (!tried.has(p)) tried.set(p, new Set());
    tried.get(p)!.add(s.address);
    if (stunAnswered(s)) answered.add(p);
  }
  const silent = [...tried.keys()].filter((p) => !answered.has(p)).sort((a, b) => a - b);
  // One silent server is one dead server: a port is called blocked only when at least two distinct
  // neutral servers on it are silent while another port answers.
  const blockable = silent.filter((p) => tried.get(p)!.size >= MIN_SILENT_SERVERS);
  const answeredPorts = [...answered].sort((a, b) => a - b);
  const udpOkAny = udpOk || answered.size > 0;

  let classification: ControlVerdict['stun']['classification'];
  let blockedPorts: number[] = [];
  if (tried.size === 0) classification = 'unknown';
  else if (answered.size > 0 && blockable.length === 0) classification = 'open';
  else if (answered.size > 0) {
    classification = 'port_blocked';
    blockedPorts = blockable;
  }
  // STUN silent everywhere: blocked by signature only if the network otherwise works (other UDP and
  // the neutral TLS host); a network that lets nothing but DNS through (a captive portal) proves nothing.
  else if (udpOk && tlsOk && new Set(obs.x_stun.map((s) => s.address)).size >= MIN_SILENT_SERVERS)
    classification = 'signature_blocked';
  else if (udpOk) classification = 'unknown';
  else classification = 'udp_down';

  const dnsOk = dohOk || udpOk;
  const anyUp = dnsOk || tlsOk || udpOkAny || localOk;
  const allUp = dnsOk && tlsOk && (tried.size === 0 || answered.size > 0 || classification === 'signature_blocked');
  const network: ControlVerdict['network'] = !anyUp ? 'down' : allUp ? 'up' : 'partial';

  const parts: string[] = [];
  parts.push(
    dnsOk
      ? `neutral DNS answered (${[dohOk && 'DoH', udpOk && 'UDP'].filter(Boolean).join(' and ')})`
      : 'no neutral resolver answered',
  );
  if (!localOk) parts.push("the network's own resolver did not resolve neutral names");
  parts.push(tlsOk ? 'neutral TLS host reachable' : 'neutral TLS host unreachable');
  switch (classification) {
    case 'open': {
      const lone = silent.filter((p) => !blockable.includes(p));
      parts.push(
        `neutral STUN answered on port ${answeredPorts.join(', ')}${lone.length ? ` (a single control silent on ${lone.join(', ')}: not enough to call the port blocked)` : ''}`,
      );
      break;
    }
    case 'port_blocked':
      parts.push(
        `neutral STUN silent on port ${blockedPorts.join(', ')} but answered on ${answeredPorts.join(', ')} (port-based UDP blocking)`,
      );
      break;
    case 'signature_blocked':
      parts.push(
        `neutral STUN silent on every port (${silent.join(', ')}) while other UDP works (STUN blocked by signature)`,
      );
      break;
    case 'udp_down':
      parts.push('no UDP exchange with any neutral server succeeded');
      break;
    case 'unknown':
      parts.push(
        tried.size === 0
          ? 'no STUN control measured'
          : 'neutral STUN silent on every port, but the neutral TLS host is unreachable too: cannot tell STUN blocking from a network that lets little through',
      );
  }
  const reason = network === 'down' ? `network down: ${parts.join('; ')}` : parts.join('; ');

  return {
    network,
    dns: { ok: dnsOk, doh_ok: dohOk, udp_ok: udpOk, local_ok: localOk },
    tls: medianHandshake === undefined ? { ok: tlsOk } : { ok: tlsOk, median_handshake_s: medianHandshake },
    udp: { ok: udpOkAny },
    stun: { answered_ports: answeredPorts, silent_ports: silent, classification, blocked_ports: blockedPorts },
    reason,
  };
}

export function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
