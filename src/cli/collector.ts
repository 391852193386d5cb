// `voipprobe collector`: receive measurements over HTTP and store them (JSONL folder or PostgreSQL).
// Wiring only: the server is src/collector/server.ts, the stores src/collector/store-*.ts.

import type { Command } from 'commander';
import { readTokens, TokenCheck } from '../collector/auth.js';
import { openStore } from '../collector/open-store.js';
import { createCollectorServer, DEFAULT_MAX_BODY, listen } from '../collector/server.js';
import { InputError } from '../util/input-error.js';
import { splitHostPort } from '../util/ip.js';
import { bundledAsnDb, lookupAsnInCsv } from '../vantage/asn-db.js';
import { bundledGeoDb, type MmdbAnswer, openMmdbLookup } from '../vantage/geo-db.js';
import { intFlag, LOG_LEVELS, makeLogger, secondsFlag, untilStopped } from './common.js';

interface CollectorFlags {
  listen: string;
  store: string;
  tokenFile?: string;
  insecureNoAuth?: boolean;
  maxBody: string;
  headersTimeout: string;
  requestTimeout: string;
  submitterNetwork?: boolean;
  asnDb?: string;
  geoDb?: string;
  logLevel: string;
  acceptSimulated?: boolean;
}

/** ASN/country of submitter addresses (cached; the databases opened once); the address itself is never stored. */
function submitterLookup(asnDb: string | undefined, geoDb: string | undefined) {
  const cache = new Map<string, Promise<{ asn?: string; cc?: string }>>();
  const mmdb = new Map<string, Promise<(ip: string) => MmdbAnswer>>();
  const open = (file: string) => {
    let p = mmdb.get(file);
    if (!p) mmdb.set(file, (p = openMmdbLookup(file)));
    return p;
  };
  return (ip: string) => {
    let p = cache.get(ip);
    if (!p) {
      p = (async () => {
        const family = ip.includes(':') ? 6 : 4;
        const asnFile = asnDb ?? bundledAsnDb(family);
        const a = asnFile.endsWith('.mmdb') ? (await open(asnFile))(ip) : await lookupAsnInCsv(asnFile, ip);
        const g = (await open(geoDb ?? bundledGeoDb()))(ip);
        return { asn: a?.asn ? `AS${a.asn}` : undefined, cc: g.cc };
      })();
      if (cache.size > 10_000) cache.clear();
      cache.set(ip, p);
    }
    return p;
  };
}

export function registerCollector(program: Command): void {
  program
    .command('collector')
    .description('run a collector: an HTTP server that receives and stores measurements (OONI collector API shape)')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8080')
    .option('--store <dir-or-url>', 'a directory (embedded JSONL store) or postgres://user@host/db', 'collector-data')
    .option('--token-file <file>', 'bearer tokens accepted, one per line (or set VOIPPROBE_COLLECTOR_TOKEN)')
    .option('--insecure-no-auth', 'accept submissions without a token (only for a private test network)')
    .option('--max-body <bytes>', 'largest accepted request body', String(DEFAULT_MAX_BODY))
    .option('--headers-timeout <seconds>', 'a client must send its headers within this time', '10')
    .option('--request-timeout <seconds>', 'a client must send its whole request within this time', '60')
    .option(
      '--submitter-network',
      "record the submitter's ASN and country (never its address) from the offline databases",
    )
    .option('--asn-db <file>', 'ASN database for --submitter-network (CSV in ip-location-db format, or MMDB)')
    .option('--geo-db <file>', 'country MMDB for --submitter-network')
    .option('--log-level <level>', `stderr log level: ${LOG_LEVELS.join(', ')}`, process.env.VOIPPROBE_LOG ?? 'info')
    .option('--accept-simulated', 'store simulated measurements (voipprobe demo) too; refused by default')
    .action(async (flags: CollectorFlags) => {
      const log = makeLogger(flags.logLevel);
      let tokens: string[] | undefined;
      if (flags.tokenFile) tokens = readTokens(flags.tokenFile);
      else if (process.env.VOIPPROBE_COLLECTOR_TOKEN) tokens = [process.env.VOIPPROBE_COLLECTOR_TOKEN];
      if (!tokens && !flags.insecureNoAuth)
        throw new InputError(
          'the collector needs a token: --token-file FILE (or VOIPPROBE_COLLECTOR_TOKEN), or --insecure-no-auth on a private test network',
        );
      const { host, port } = splitHostPort(flags.listen, 8080);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new InputError(`--listen: bad port in "${flags.listen}"`);
      const store = await openStore(flags.store, { onRecover: (m) => log.warn(m) });
      const server = createCollectorServer({
        store,
        auth: tokens ? new TokenCheck(tokens) : undefined,
        maxBodyBytes: intFlag('max-body', flags.maxBody, 1024, 1024 ** 3),
        headersTimeoutMs: secondsFlag('headers-timeout', flags.headersTimeout),
        requestTimeoutMs: secondsFlag('request-timeout', flags.requestTimeout),
        submitterNetwork:
          flags.submitterNetwork || flags.asnDb || flags.geoDb ? submitterLookup(flags.asnDb, flags.geoDb) : undefined,
        acceptSimulated: flags.acceptSimulated,
        logger: log,
      });
      let running: Awaited<ReturnType<typeof listen>>;
      try {
        running = await listen(server, host, port);
      } catch (e) {
        await store.close();
        throw e;
      }
      log.info(
        { url: running.url, store: store.description, auth: tokens ? `${tokens.length} token(s)` : 'OFF' },
        'collector listening',
      );
      process.stdout.write(`voipprobe collector: listening on ${running.url} (store ${store.description})\n`);
      // Stop on SIGINT/SIGTERM: no new connections, finish what is in flight, make the store durable.
      await untilStopped(log, 'collector');
      await running.close();
      await store.close();
    });
}
