// RFC 8484 DNS-over-HTTPS endpoint (POST and GET) answering truthfully from the lab zone: in the lab
// it plays the encrypted control resolver that a censor on the path cannot tamper with.

import type http from 'node:http';
import { decodeQuery, truthfulResponse, type Zone } from './zone.js';

const DNS_MESSAGE = 'application/dns-message';
const MAX_MESSAGE = 65535;

function reply(res: http.ServerResponse, status: number, body: Buffer | string, type = 'text/plain'): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'max-age=0',
  });
  res.end(body);
}

function answer(zone: Zone, res: http.ServerResponse, message: Buffer): void {
  const query = decodeQuery(message);
  if (!query) {
    reply(res, 400, 'not a DNS query\n');
    return;
  }
  reply(res, 200, truthfulResponse(zone, query), DNS_MESSAGE);
}

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export function dohHandler(zone: Zone): RequestHandler {
  return (req, res) => {
    if (req.method === 'GET') {
      const param = new URL(req.url ?? '/', 'https://doh.invalid').searchParams.get('dns');
      if (!param) return reply(res, 400, 'missing dns parameter\n');
      return answer(zone, res, Buffer.from(param, 'base64url'));
    }
    if (req.method !== 'POST') return reply(res, 405, 'use GET or POST\n');
    if ((req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() !== DNS_MESSAGE) {
      return reply(res, 415, `content-type must be ${DNS_MESSAGE}\n`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_MESSAGE) {
        reply(res, 413, 'DNS message too large\n');
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (size <= MAX_MESSAGE) answer(zone, res, Buffer.concat(chunks));
    });
  };
}
