// The on-path DNS injector of the namespace lab, run inside its own namespace ("inj") which owns a
// copy of the ISP resolver's address. The middlebox sends it a copy of every DNS query to that
// resolver (nftables `dup`); for a listed name it answers at once with a forged address, from the
// resolver's address and port, while the original query travels on to the real resolver. The client
// sees two replies to one query: the forged one first, the real one after it. For other names it
// stays silent, as a real injector does.
//
//   node dist/src/lab/netns/injector.js <config.json>
//   config: { "address": "198.18.16.1", "port": 53, "names": ["*.whatsapp.net", ...], "A": ["198.18.16.5"],
//             "also": [{ "address": "198.18.16.2", "port": 53 }] }
// `also`: more resolvers whose queries it is sent and answers as (the neutral resolver's plain-UDP
// queries cross the same path).
// Prints one JSON line {"ready":true,...} on stdout once bound; SIGTERM ends it.

import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { NameRules } from '../world/servers/name-rules.js';

export interface InjectorConfig {
  address: string;
  port: number;
  /** Exact names or "*.suffix" patterns to forge answers for. */
  names: string[];
  /** The forged IPv4 answer (the first address is used). */
  A: string[];
  /** More resolver addresses (owned by the injector's namespace too) to forge answers as. */
  also?: { address: string; port: number }[];
}

const TYPE_A = 1;
const TYPE_AAAA = 28;

/** The question name and where the question ends, or undefined for anything but a plain query. */
function question(msg: Buffer): { name: string; type: number; end: number } | undefined {
  if (msg.length < 17 || (msg[2]! & 0x80) !== 0 || msg.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let p = 12;
  for (;;) {
    const len = msg[p];
    if (len === undefined || len > 63) return undefined;
    p++;
    if (len === 0) break;
    if (p + len > msg.length) return undefined;
    labels.push(msg.toString('latin1', p, p + len));
    p += len;
  }
  if (p + 4 > msg.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(p), end: p + 4 };
}

/**
 * The forged reply, built from the query's own bytes (as an injector does, to answer fast): the
 * header with QR, AA and RA set and NOERROR, the question, and for an A query one A record pointing
 * to `ip` (an AAAA query gets an empty NOERROR: the forged world is IPv4).
 */
export function forgeReply(msg: Buffer, q: { type: number; end: number }, ip: number[]): Buffer {
  const withAnswer = q.type === TYPE_A;
  const out = Buffer.alloc(q.end + (withAnswer ? 16 : 0));
  msg.copy(out, 0, 0, q.end);
  out[2] = 0x80 | 0x04 | (msg[2]! & 0x01); // QR, AA, keep RD
  out[3] = 0x80; // RA, rcode NOERROR
  out.writeUInt16BE(withAnswer ? 1 : 0, 6); // ANCOUNT
  out.writeUInt16BE(0, 8); // NSCOUNT
  out.writeUInt16BE(0, 10); // ARCOUNT (an EDNS OPT of the query is not echoed)
  if (withAnswer) {
    let p = q.end;
    out.writeUInt16BE(0xc00c, p); // name: pointer to the question
    out.writeUInt16BE(TYPE_A, p + 2);
    out.writeUInt16BE(1, p + 4); // IN
    out.writeUInt32BE(60, p + 6); // TTL
    out.writeUInt16BE(4, p + 10);
    p += 12;
    for (const [i, o] of ip.entries()) out[p + i] = o;
  }
  return out;
}

function main(): void {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: injector.js <config.json>\n');
    process.exit(2);
  }
  const cfg = JSON.parse(readFileSync(file, 'utf8')) as InjectorConfig;
  const rules = new NameRules<true>();
  for (const n of cfg.names) rules.set(n, true);
  const ip = cfg.A[0]!.split('.').map(Number);
  const handle = (msg: Buffer): Buffer | undefined => {
    const q = question(msg);
    if (!q || (q.type !== TYPE_A && q.type !== TYPE_AAAA) || !rules.match(q.name)) return undefined;
    return forgeReply(msg, q, ip);
  };
  // Warm the code path up before the first real query, so that the forged reply is fast from the start.
  const sample = Buffer.from('abcd0100000100000000000003777777076578616d706c6503636f6d0000010001', 'hex');
  rules.set('www.example.com', true);
  for (let i = 0; i < 2000; i++) handle(sample);
  rules.delete('www.example.com');
  for (const n of cfg.names) rules.set(n, true);

  let forged = 0;
  const binds = [{ address: cfg.address, port: cfg.port }, ...(cfg.also ?? [])];
  const sockets = binds.map((b) => {
    const socket = dgram.createSocket('udp4');
    socket.on('error', (err) => {
      process.stderr.write(`injector: ${err.message}\n`);
    });
    socket.on('message', (msg, rinfo) => {
      const reply = handle(msg);
      if (!reply) return;
      socket.send(reply, rinfo.port, rinfo.address);
      forged++;
    });
    return new Promise<dgram.Socket>((resolve) => socket.bind(b.port, b.address, () => resolve(socket)));
  });
  void Promise.all(sockets).then(() => {
    process.stdout.write(
      `${JSON.stringify({ ready: true, role: 'dns-injector', address: cfg.address, port: cfg.port, also: cfg.also ?? [], names: cfg.names.length })}\n`,
    );
  });
  const stop = () => {
    process.stderr.write(`injector: forged ${forged} replies\n`);
    void Promise.all(sockets)
      .then((all) => Promise.all(all.map((x) => new Promise<void>((r) => x.close(() => r())))))
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
