// Reads the server name out of a TLS ClientHello before any TLS library sees it, as SNI-filtering
// DPI does: the lab's TLS server decides from it whether to reset, stall or hand the connection on.

import type net from 'node:net';

/** Give up on finding a ClientHello past this many bytes. */
const MAX_HELLO_BYTES = 64 * 1024;

export type ClientHelloScan =
  | { complete: false }
  /** `tls` is false when the bytes are not a TLS handshake at all; `sni` is null without a server_name extension. */
  | { complete: true; tls: boolean; sni: string | null };

/** Scans the bytes received so far; `complete: false` means "wait for more". */
export function scanClientHello(buf: Buffer): ClientHelloScan {
  let off = 0;
  const parts: Buffer[] = [];
  let hsLen = 0;
  for (;;) {
    if (buf.length > MAX_HELLO_BYTES) return { complete: true, tls: false, sni: null };
    if (buf.length < off + 5) return { complete: false };
    if (buf[off] !== 0x16) return { complete: true, tls: false, sni: null }; // not a handshake record
    const recLen = buf.readUInt16BE(off + 3);
    if (buf.length < off + 5 + recLen) return { complete: false };
    parts.push(buf.subarray(off + 5, off + 5 + recLen));
    hsLen += recLen;
    off += 5 + recLen;
    // The ClientHello handshake message may span several records.
    const hs = Buffer.concat(parts, hsLen);
    if (hs.length < 4) continue;
    if (hs[0] !== 0x01) return { complete: true, tls: false, sni: null };
    const bodyLen = hs.readUIntBE(1, 3);
    if (hs.length < 4 + bodyLen) continue;
    return { complete: true, tls: true, sni: serverName(hs.subarray(4, 4 + bodyLen)) };
  }
}

/** server_name (RFC 6066) host_name from a ClientHello body; null when absent or malformed. */
function serverName(body: Buffer): string | null {
  let p = 2 + 32; // legacy_version, random
  const need = (n: number) => p + n <= body.length;
  if (!need(1)) return null;
  p += 1 + body[p]!; // session id
  if (!need(2)) return null;
  p += 2 + body.readUInt16BE(p); // cipher suites
  if (!need(1)) return null;
  p += 1 + body[p]!; // compression methods
  if (!need(2)) return null;
  const extEnd = Math.min(body.length, p + 2 + body.readUInt16BE(p));
  p += 2;
  while (p + 4 <= extEnd) {
    const type = body.readUInt16BE(p);
    const len = body.readUInt16BE(p + 2);
    p += 4;
    if (p + len > extEnd) return null;
    if (type === 0x0000) {
      let q = p + 2; // server_name_list length
      while (q + 3 <= p + len) {
        const nameType = body[q]!;
        const nameLen = body.readUInt16BE(q + 1);
        q += 3;
        if (q + nameLen > p + len) return null;
        if (nameType === 0) return body.subarray(q, q + nameLen).toString('ascii');
        q += nameLen;
      }
      return null;
    }
    p += len;
  }
  return null;
}

/**
 * Reads from `raw` until the ClientHello is complete (or is not one), then stops reading and hands
 * over the scan and every byte read so far, which the caller replays to whatever serves the connection.
 */
export function readClientHello(
  raw: net.Socket,
  then: (scan: Extract<ClientHelloScan, { complete: true }>, buffered: Buffer) => void,
): void {
  let buf = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    const scan = scanClientHello(buf);
    if (!scan.complete) return;
    raw.off('data', onData);
    then(scan, buf);
  };
  raw.on('data', onData);
}
