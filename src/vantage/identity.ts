// Who measured: the network (ASN, country, name) and our own labels (access type, vantage name).
// Labels given in the config or on the command line win; what is missing is looked up offline from
// the public address (the STUN answer of a neutral control server), never from an online service.

import { networkInterfaces } from 'node:os';
import type { Measurement, Vantage } from '../model/measurement.js';
import { canonicalIp, ipToBytes, isBogon } from '../util/ip.js';
import { lookupAsn } from './asn-db.js';
import { bundledGeoDb, lookupMmdb } from './geo-db.js';
import type { Labels } from './labels.js';

/** The vantage record, and how it was found. */
export interface VantageIdentity extends Vantage {
  /** Credit for the databases that produced any looked-up field ("" when nothing was looked up). */
  attribution: string;
  /** Where each field came from, for the log. */
  sources: { asn: FieldSource; cc: FieldSource; network_name: FieldSource };
}

export type FieldSource = 'label' | 'database' | 'unknown';

export interface IdentifyOptions {
  labels: Labels;
  /** The public address, when known (see publicAddressesFromMeasurements). */
  publicIp?: string;
  /** CSV (ip-location-db format) or MMDB override of the bundled ASN data. */
  asnDb?: string;
  /** MMDB override of the bundled country data. */
  geoDb?: string;
}

/** Licence credits (CC BY 4.0 asks for attribution to each source; see node_modules/@ip-location-db/*\/*LICENSE). */
export const BUNDLED_ASN_ATTRIBUTION =
  'ASN data: RouteViews (routeviews.org), NRO (nro.net) and DB-IP (db-ip.com) via ip-location-db, CC BY 4.0';
export const BUNDLED_GEO_ATTRIBUTION = 'Country data: IP Geolocation by DB-IP (https://db-ip.com), CC BY 4.0';

export const UNKNOWN_ASN = 'AS0';
export const UNKNOWN_CC = 'ZZ';

export async function identifyVantage(opts: IdentifyOptions): Promise<VantageIdentity> {
  const { labels } = opts;
  let asn = labels.probe_asn;
  let cc = labels.probe_cc;
  let name = labels.probe_network_name;
  const sources: VantageIdentity['sources'] = {
    asn: asn ? 'label' : 'unknown',
    cc: cc ? 'label' : 'unknown',
    network_name: name !== undefined ? 'label' : 'unknown',
  };
  const credits: string[] = [];
  const ip = opts.publicIp && canonicalIp(opts.publicIp) && !isBogon(opts.publicIp) ? opts.publicIp : undefined;

  if (ip && (asn === undefined || name === undefined)) {
    const rec = await lookupAsn(ip, opts.asnDb);
    const found = rec?.asn;
    if (rec && typeof found === 'number' && found > 0) {
      // The network name only makes sense with the ASN it belongs to: a labelled ASN keeps its own name.
      if (asn === undefined) {
        asn = `AS${found}`;
        sources.asn = 'database';
      }
      if (name === undefined && asn === `AS${found}` && rec.organisation) {
        name = rec.organisation;
        sources.network_name = 'database';
      }
      credits.push(opts.asnDb ? `ASN data: ${opts.asnDb}` : BUNDLED_ASN_ATTRIBUTION);
    }
  }
  if (ip && cc === undefined) {
    const file = opts.geoDb ?? bundledGeoDb();
    const rec = await lookupMmdb(file, ip);
    if (rec.cc) {
      cc = rec.cc;
      sources.cc = 'database';
      credits.push(opts.geoDb ? `Country data: ${opts.geoDb}` : BUNDLED_GEO_ATTRIBUTION);
    }
  }
  const probe_asn = asn ?? UNKNOWN_ASN;
  const x_access = labels.access ?? 'unknown';
  return {
    probe_asn,
    probe_cc: cc ?? UNKNOWN_CC,
    probe_network_name: name ?? '',
    x_access,
    // A default vantage name that says which network and access it stands for, never the host name.
    x_vantage: labels.vantage ?? `${probe_asn.toLowerCase()}-${x_access}`,
    attribution: credits.join('; '),
    sources,
  };
}

/** Writes the identity into a measurement's envelope (the annotation credits the databases). */
export function applyIdentity(m: Measurement, id: VantageIdentity): Measurement {
  const annotations = { ...m.annotations };
  if (id.attribution) annotations.x_geoip_attribution = id.attribution;
  return {
    ...m,
    probe_asn: id.probe_asn,
    probe_cc: id.probe_cc,
    probe_network_name: id.probe_network_name,
    x_access: id.x_access,
    x_vantage: id.x_vantage,
    annotations,
  };
}

export interface PublicAddresses {
  ipv4?: string;
  ipv6?: string;
}

/**
 * The public address as neutral STUN servers saw it: the most frequent non-bogon XOR-MAPPED-ADDRESS
 * (or MAPPED-ADDRESS) per family across the given measurements' STUN exchanges.
 */
export function publicAddressesFromMeasurements(ms: Iterable<Pick<Measurement, 'test_keys'>>): PublicAddresses {
  const votes = { 4: new Map<string, number>(), 6: new Map<string, number>() };
  for (const m of ms) {
    for (const x of m.test_keys?.x_stun ?? []) {
      const a =
        x.response?.class === 'success' ? (x.response.xor_mapped_address ?? x.response.mapped_address) : undefined;
      const c = a && canonicalIp(a.address);
      if (!c || isBogon(c)) continue;
      const fam = ipToBytes(c)!.length === 4 ? 4 : 6;
      votes[fam].set(c, (votes[fam].get(c) ?? 0) + 1);
    }
  }
  const top = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  return { ipv4: top(votes[4]), ipv6: top(votes[6]) };
}

/**
 * Public (non-bogon) addresses on this host's own interfaces. On IPv6 there is usually no NAT, so the
 * box's global address is its public address even when no IPv6 STUN answer revealed it: scrub it too
 * (OONI's scrubber has this dual-stack gap).
 */
export function interfacePublicAddresses(ifaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string[] {
  const out: string[] = [];
  for (const list of Object.values(ifaces)) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      const c = canonicalIp(a.address);
      if (c && !isBogon(c)) out.push(a.address);
    }
  }
  return out;
}

/** Every address to scrub: STUN-learned public addresses plus the host's own public interface addresses. */
export function addressesToScrub(
  pub: PublicAddresses,
  extra: readonly string[] = interfacePublicAddresses(),
): string[] {
  return [...new Set([pub.ipv4, pub.ipv6, ...extra].filter((a): a is string => typeof a === 'string'))];
}
