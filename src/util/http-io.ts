// Small pieces every JSON-over-HTTP server of ours needs (the collector, the helper): an error that
// carries its status, a JSON answer, and a request body read within a byte limit (after
// decompression), so that no client can make a server buffer more than it allows.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';
import { OperationalError } from './operational-error.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The client closed the connection before its request was complete: nobody to answer, nothing stored. */
export class ClientGone extends Error {
  constructor() {
    super('the client closed the connection before the request was complete');
  }
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Reads the body up to `limit` bytes (after decompression); 413 past it. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return; // keep draining so the 413 can be read by the client
      size += c.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(new HttpError(413, `request body exceeds the limit of ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (failed) return;
      const raw = Buffer.concat(chunks);
      const enc = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
      try {
        if (enc === 'identity') resolve(raw);
        else if (enc === 'gzip') resolve(gunzipSync(raw, { maxOutputLength: limit }));
        else if (enc === 'deflate') resolve(inflateSync(raw, { maxOutputLength: limit }));
        else reject(new HttpError(415, `unsupported content-encoding "${enc}" (use gzip, deflate or none)`));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        reject(
          code === 'ERR_BUFFER_TOO_LARGE'
            ? new HttpError(413, `decompressed body exceeds the limit of ${limit} bytes`)
            : new HttpError(400, `cannot decompress body: ${(e as Error).message}`),
        );
      }
    });
    // A client that goes away mid-body ('aborted', then 'close'): settle, so nothing waits forever
    // (nothing was stored). That is the client's business, not an error of ours.
    const gone = () => {
      if (failed) return;
      failed = true;
      reject(new ClientGone());
    };
    req.on('error', gone);
    req.on('close', () => {
      if (!req.complete) gone();
    });
  });
}

/** Why a listen failed, in a sentence with what to do. */
function listenError(e: NodeJS.ErrnoException, host: string, port: number): OperationalError {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const why: Record<string, string> = {
    EADDRINUSE:
      'the address is already in use (another server, or another program, listens there; stop it or choose another --listen)',
    EACCES: 'permission denied (ports below 1024 need privileges; use a higher port behind a reverse proxy)',
    EADDRNOTAVAIL: 'this machine has no such address (check the host part of --listen)',
  };
  return new OperationalError(`cannot listen on ${where}: ${why[e.code ?? ''] ?? e.message}`, { cause: e });
}

/**
 * Listens on host:port (port 0 = any free port); resolves with the address as a URL writes it
 * ("[::1]:8080"). A failure is an OperationalError that says what to do.
 */
export async function listenOn(server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    const fail = (e: NodeJS.ErrnoException) => reject(listenError(e, host, port));
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  return `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
}
