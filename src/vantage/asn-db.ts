// IP-to-ASN from an offline CSV of sorted, inclusive ranges (ip-location-db's format:
// `start,end,asn,"organisation"`, with the range bounds as numbers or as IP literals). The bundled
// files are ~60 MB together, far past the probe's 100 MB RSS budget once parsed, so the file is never
// loaded: we binary-search it on disk by byte offset, reading one line per step (~25 small preads).

import { type FileHandle, open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InputError } from '../util/input-error.js';
import { ipToBytes } from '../util/ip.js';
import { lookupMmdb, openMmdbLookup } from './geo-db.js';

export interface AsnRecord {
  asn: number;
  organisation: string;
}

/** Sort key of a range bound: IPv4 ranges sort before IPv6 ranges in a combined text file. */
interface Key {
  family: 4 | 6;
  value: bigint;
}

function bytesToBigint(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

export function ipKey(ip: string): Key | undefined {
  const b = ipToBytes(ip);
  if (!b) return undefined;
  return { family: b.length === 4 ? 4 : 6, value: bytesToBigint(b) };
}

/** A bound as written in the file; numeric bounds take the family of the address looked up. */
function boundKey(field: string, family: 4 | 6): Key | undefined {
  if (/^\d+$/.test(field)) return { family, value: BigInt(field) };
  return ipKey(field);
}

function compare(a: Key, b: Key): number {
  if (a.family !== b.family) return a.family - b.family;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/** Splits one CSV row, honouring double quotes (organisation names contain commas). */
export function splitCsvRow(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const CHUNK = 512;

/** Reads the line that starts at `start` (without its newline). */
async function lineAt(fh: FileHandle, start: number, size: number): Promise<string> {
  let len = CHUNK;
  for (;;) {
    const buf = Buffer.alloc(Math.min(len, size - start));
    const { bytesRead } = await fh.read(buf, 0, buf.length, start);
    const nl = buf.subarray(0, bytesRead).indexOf(10);
    if (nl >= 0) return buf.subarray(0, nl).toString('utf8').replace(/\r$/, '');
    if (start + bytesRead >= size) return buf.subarray(0, bytesRead).toString('utf8').replace(/\r$/, '');
    len *= 2;
  }
}

/** Smallest line start >= offset, or `size` when there is none. */
async function nextLineStart(fh: FileHandle, offset: number, size: number): Promise<number> {
  if (offset === 0) return 0;
  let pos = offset - 1;
  const buf = Buffer.alloc(CHUNK);
  while (pos < size) {
    const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
    if (bytesRead === 0) return size;
    const nl = buf.subarray(0, bytesRead).indexOf(10);
    if (nl >= 0) return pos + nl + 1;
    pos += bytesRead;
  }
  return size;
}

/**
 * Looks one address up in a sorted range CSV on disk. Memory stays constant whatever the file size.
 * Returns undefined when no range covers the address.
 */
export async function lookupAsnInCsv(file: string, ip: string): Promise<AsnRecord | undefined> {
  const target = ipKey(ip);
  if (!target) throw new Error(`lookupAsnInCsv: not an IP address: ${ip}`);
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw new InputError(
      `${file}: cannot read ASN database: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      file,
    );
  }
  try {
    const { size } = await fh.stat();
    const rowAt = async (start: number) => {
      const text = await lineAt(fh, start, size);
      const f = splitCsvRow(text);
      const lo = f[0] !== undefined ? boundKey(f[0], target.family) : undefined;
      const hi = f[1] !== undefined ? boundKey(f[1], target.family) : undefined;
      const asn = Number(f[2]);
      if (!lo || !hi || !Number.isInteger(asn)) {
        // A header row at the top is tolerated; anything else means this is not a range CSV.
        if (start === 0) return undefined;
        throw new InputError(
          `${file}: byte ${start}: not a "start,end,asn,organisation" row: ${JSON.stringify(text.slice(0, 80))}`,
          file,
        );
      }
      return { lo, hi, asn, organisation: f[3] ?? '' };
    };
    // Binary search over byte offsets for the last row whose start <= target.
    let lo = 0;
    let hi = size;
    let best: number | undefined;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const s = await nextLineStart(fh, mid, size);
      if (s >= hi) {
        hi = mid;
        continue;
      }
      const row = await rowAt(s);
      if (!row || compare(row.lo, target) <= 0) {
        if (row) best = s;
        lo = s + 1;
      } else hi = mid;
    }
    if (best === undefined) return undefined;
    const row = await rowAt(best);
    if (!row || compare(target, row.hi) > 0 || compare(target, row.lo) < 0) return undefined;
    return { asn: row.asn, organisation: row.organisation };
  } finally {
    await fh.close();
  }
}

/** The pinned @ip-location-db/asn package's numeric files (one per family). */
export function bundledAsnDb(family: 4 | 6): string {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@ip-location-db/asn/package.json'));
  return join(dir, family === 4 ? 'asn-ipv4-num.csv' : 'asn-ipv6-num.csv');
}

/** The database for an address: the given file (CSV ranges or MMDB), else the bundled CSV of its family. */
function databaseFor(ip: string, file?: string): string {
  return file ?? bundledAsnDb(ipToBytes(ip)?.length === 16 ? 6 : 4);
}

/** One address to its network (a one-off lookup: the vantage's own address). Throws InputError for an unreadable file. */
export async function lookupAsn(ip: string, file?: string): Promise<AsnRecord | undefined> {
  const db = databaseFor(ip, file);
  if (!db.endsWith('.mmdb')) return lookupAsnInCsv(db, ip);
  const rec = await lookupMmdb(db, ip);
  return typeof rec.asn === 'number' && rec.asn > 0
    ? { asn: rec.asn, organisation: rec.organisation ?? '' }
    : undefined;
}

/**
 * A lookup for the many addresses of one run (the routers of path traces), cached per address; an MMDB
 * is opened once. It never throws: a database that cannot be read answers nothing, and the traces
 * keep their addresses without networks.
 */
export function asnLookup(file?: string): (ip: string) => Promise<AsnRecord | undefined> {
  const cache = new Map<string, Promise<AsnRecord | undefined>>();
  let mmdb: Promise<(ip: string) => { asn?: number; organisation?: string }> | undefined;
  const one = async (ip: string): Promise<AsnRecord | undefined> => {
    if (!ipToBytes(ip)) return undefined;
    const db = databaseFor(ip, file);
    if (!db.endsWith('.mmdb')) return lookupAsnInCsv(db, ip);
    mmdb ??= openMmdbLookup(db);
    const rec = (await mmdb)(ip);
    return typeof rec.asn === 'number' && rec.asn > 0
      ? { asn: rec.asn, organisation: rec.organisation ?? '' }
      : undefined;
  };
  return (ip) => {
    let p = cache.get(ip);
    if (!p) {
      p = one(ip).catch(() => undefined);
      cache.set(ip, p);
    }
    return p;
  };
}
