// The lab's DNS truth: which addresses each name has. The UDP/TCP server may lie about it (per-name
// behaviours), the DoH handler never does: it plays the encrypted control resolver.

import { isIP } from 'node:net';
import dnsPacket from 'dns-packet';
import { normaliseName, RCODE } from '../../../net/dns-message.js';

export interface ZoneRecords {
  A?: string[];
  AAAA?: string[];
  /** Seconds; default 60. */
  ttl?: number;
}

export class Zone {
  private readonly names = new Map<string, ZoneRecords>();

  constructor(records: Record<string, ZoneRecords> = {}) {
    for (const [name, r] of Object.entries(records)) this.set(name, r);
  }

  set(name: string, records: ZoneRecords): this {
    for (const ip of records.A ?? [])
      if (isIP(ip) !== 4) throw new TypeError(`A record for ${name} is not IPv4: ${ip}`);
    for (const ip of records.AAAA ?? [])
      if (isIP(ip) !== 6) throw new TypeError(`AAAA record for ${name} is not IPv6: ${ip}`);
    this.names.set(normaliseName(name), records);
    return this;
  }

  delete(name: string): boolean {
    return this.names.delete(normaliseName(name));
  }

  get(name: string): ZoneRecords | undefined {
    return this.names.get(normaliseName(name));
  }
}

export interface ResponseSpec {
  rcode: number;
  A?: string[];
  AAAA?: string[];
  ttl?: number;
  /** Sets TC and leaves the answer section empty, as a server does when the answer does not fit. */
  truncated?: boolean;
}

/** A response to `query` (echoing its id, question and RD bit) with the given rcode and addresses. */
export function buildResponse(query: dnsPacket.DecodedPacket, spec: ResponseSpec): Buffer {
  const q = query.questions?.[0];
  const answers: dnsPacket.Answer[] = [];
  if (q && !spec.truncated && spec.rcode === RCODE.NOERROR) {
    const ttl = spec.ttl ?? 60;
    if (q.type === 'A') for (const data of spec.A ?? []) answers.push({ type: 'A', name: q.name, ttl, data });
    if (q.type === 'AAAA') for (const data of spec.AAAA ?? []) answers.push({ type: 'AAAA', name: q.name, ttl, data });
  }
  const flags =
    dnsPacket.AUTHORITATIVE_ANSWER |
    dnsPacket.RECURSION_AVAILABLE |
    ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) |
    (spec.truncated ? dnsPacket.TRUNCATED_RESPONSE : 0) |
    (spec.rcode & 0xf);
  return dnsPacket.encode({ type: 'response', id: query.id ?? 0, flags, questions: query.questions ?? [], answers });
}

/** The truthful response from the zone: NXDOMAIN for unknown names, FORMERR for a query without one question. */
export function truthfulResponse(zone: Zone, query: dnsPacket.DecodedPacket): Buffer {
  const q = query.questions?.[0];
  if (!q || query.questions!.length !== 1) return buildResponse(query, { rcode: RCODE.FORMERR });
  const records = zone.get(q.name);
  if (!records) return buildResponse(query, { rcode: RCODE.NXDOMAIN });
  return buildResponse(query, { rcode: RCODE.NOERROR, ...records });
}

/** Decodes a query; undefined for anything that is not one (the lab ignores junk like a real server). */
export function decodeQuery(buf: Buffer): dnsPacket.DecodedPacket | undefined {
  try {
    const p = dnsPacket.decode(buf);
    return p.type === 'query' ? p : undefined;
  } catch {
    return undefined;
  }
}
