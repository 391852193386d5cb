// `voipprobe helper`: run a helper, the vantage outside the censored network that measures on
// request what a probe measured locally and is the far end of test calls. Wiring only: the server
// is src/helper/server.ts, the measurements src/helper/measure.ts, the test calls
// src/helper/call-sessions.ts.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readTokens, TokenCheck } from '../collector/auth.js';
import { CallSessions } from '../helper/call-sessions.js';
import { targetPolicy } from '../helper/policy.js';
import { createHelperServer, listenHelper } from '../helper/server.js';
import { DEFAULT_TRACE_SLOTS, TraceSlots } from '../helper/trace.js';
import { findTraceTool } from '../net/index.js';
import { InputError } from '../util/input-error.js';
import { splitHostPort } from '../util/ip.js';
import { readCaFiles } from './ca-files.js';
import {
  collect,
  dohFlag,
  intFlag,
  makeLogger,
  numberFlag,
  resolverFlag,
  secondsFlag,
  untilStopped,
} from './common.js';

interface HelperFlags {
  listen: string;
  cert?: string;
  key?: string;
  insecureHttp?: boolean;
  tokenFile?: string;
  doh?: string[];
  resolver?: string[];
  caFile?: string[];
  timeout: string;
  maxBody: string;
  allowPrivateTargets?: boolean;
  rate: string;
  burst: string;
  maxInFlight: string;
  maxTotal: string;
  callPorts?: string;
  neutralPorts?: string;
  maxCalls: string;
  maxTraces: string;
  maxCallsPerClient: string;
  logClientAddresses?: boolean;
  logLevel?: string;
}

/** "3478,3479-3481" -> [3478, 3479, 3480, 3481]. */
export function portList(flag: string, value: string): number[] {
  const out: number[] = [];
  for (const part of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m?.[2] ? Number(m[2]) : lo;
    if (!m || lo < 1 || hi > 65535 || hi < lo || hi - lo > 64)
      throw new InputError(
        `--${flag}: expected ports like 3478,3479-3481 (1-65535, ranges of at most 64), got "${part}"`,
      );
    for (let p = lo; p <= hi; p++) out.push(p);
  }
  if (!out.length) throw new InputError(`--${flag}: no port given`);
  return [...new Set(out)];
}

function readPem(flag: string, file: string): string {
  try {
    const text = readFileSync(file, 'utf8');
    if (!text.includes('-----BEGIN')) throw new InputError(`--${flag} ${file}: no PEM block in it`, file);
    return text;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(
      `--${flag} ${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      file,
    );
  }
}

export function registerHelper(program: Command): void {
  program
    .command('helper')
    .description(
      'run a helper: measures from outside the censored network on request, and is the far end of test calls',
    )
    .option('--listen <host:port>', 'address to listen on', '0.0.0.0:8443')
    .option('--cert <pem>', 'TLS certificate chain (PEM)')
    .option('--key <pem>', 'TLS private key (PEM)')
    .option('--insecure-http', 'speak plain HTTP (a test network, or behind a TLS-terminating proxy)')
    .option('--token-file <file>', 'bearer tokens accepted, one per line (or set VOIPPROBE_HELPER_TOKEN)')
    .option('--doh <url>', "the helper's DNS-over-HTTPS resolver (repeatable; default: the system resolver)", collect)
    .option('--resolver <ip:port>', "the helper's UDP resolver (repeatable; used when no --doh is given)", collect)
    .option('--ca-file <pem>', 'extra trusted CA certificate for the targets (test networks; repeatable)', collect)
    .option('--timeout <seconds>', 'per-step timeout when the probe does not give one', '5')
    .option('--max-body <bytes>', 'bytes of a page read per HTTP request', String(256 * 1024))
    .option('--allow-private-targets', 'measure private, loopback and reserved addresses too (only on a test network)')
    .option('--rate <per-second>', 'sustained requests per second per client', '10')
    .option('--burst <n>', 'requests a client may send at once (a probe run asks about every target together)', '200')
    .option('--max-in-flight <n>', 'requests in flight per client', '128')
    .option('--max-total <n>', 'requests in flight over all clients', '512')
    .option(
      '--call-ports <ports>',
      "UDP ports for test calls that stand for services' call ports, e.g. 3478,3479-3481 (none: no test calls)",
    )
    .option(
      '--neutral-ports <ports>',
      'UDP ports for test calls that no service uses, the comparison (needed with --call-ports)',
    )
    .option('--max-calls <n>', 'test calls at once over all clients', '200')
    .option(
      '--max-traces <n>',
      'path traces (traceroute processes) at once over all clients; 0 answers every trace "not supported"',
      String(DEFAULT_TRACE_SLOTS),
    )
    .option('--max-calls-per-client <n>', 'test calls at once per client', '8')
    .option(
      '--log-client-addresses',
      'write client addresses into the logs (off: the helper keeps no record of who used it)',
    )
    .option('--log-level <level>', 'stderr log level: debug, info, warn, error', process.env.VOIPPROBE_LOG ?? 'info')
    .action(async (flags: HelperFlags) => {
      const log = makeLogger(flags.logLevel);
      let tokens: string[] | undefined;
      if (flags.tokenFile) tokens = readTokens(flags.tokenFile);
      else if (process.env.VOIPPROBE_HELPER_TOKEN) tokens = [process.env.VOIPPROBE_HELPER_TOKEN];
      if (!tokens)
        throw new InputError(
          'the helper needs a token: --token-file FILE (or VOIPPROBE_HELPER_TOKEN); every request must carry it',
        );
      if (Boolean(flags.cert) !== Boolean(flags.key)) throw new InputError('--cert and --key go together');
      if (!flags.cert && !flags.insecureHttp)
        throw new InputError(
          'the helper speaks HTTPS: give --cert and --key, or --insecure-http on a test network or behind a TLS-terminating proxy',
        );
      const tls =
        flags.cert && flags.key ? { cert: readPem('cert', flags.cert), key: readPem('key', flags.key) } : undefined;
      const { host, port } = splitHostPort(flags.listen, 8443);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new InputError(`--listen: bad port in "${flags.listen}"`);
      if (Boolean(flags.callPorts) !== Boolean(flags.neutralPorts))
        throw new InputError(
          '--call-ports and --neutral-ports go together: a test call compares the service port with a neutral one',
        );
      const callPorts = flags.callPorts ? portList('call-ports', flags.callPorts) : [];
      const neutralPorts = flags.neutralPorts ? portList('neutral-ports', flags.neutralPorts) : [];
      const both = callPorts.filter((p) => neutralPorts.includes(p));
      if (both.length) throw new InputError(`port ${both.join(', ')} is in both --call-ports and --neutral-ports`);

      const calls = callPorts.length
        ? await CallSessions.start({
            ports: [...callPorts, ...neutralPorts],
            host: host.includes(':') ? '::' : '0.0.0.0',
            maxSessions: intFlag('max-calls', flags.maxCalls, 1, 10_000),
            maxSessionsPerClient: intFlag('max-calls-per-client', flags.maxCallsPerClient, 1, 100),
            logger: log,
          })
        : undefined;
      const maxTraces = intFlag('max-traces', flags.maxTraces, 0, 256);
      const server = createHelperServer({
        auth: new TokenCheck(tokens),
        ...(tls ? { tls } : {}),
        measure: {
          policy: targetPolicy({ allowPrivate: Boolean(flags.allowPrivateTargets) }),
          dns: {
            doh: (flags.doh ?? []).map(dohFlag),
            udp: (flags.resolver ?? []).map((r) => resolverFlag('resolver', r)),
          },
          ca: readCaFiles(flags.caFile),
          defaultTimeoutMs: secondsFlag('timeout', flags.timeout),
          maxBodyBytes: intFlag('max-body', flags.maxBody, 1024, 16 * 1024 * 1024),
          ...(maxTraces > 0 ? { traces: new TraceSlots(maxTraces) } : {}),
        },
        limits: {
          ratePerS: numberFlag('rate', flags.rate, 0.01, 100_000),
          burst: intFlag('burst', flags.burst, 1, 100_000),
          maxInFlight: intFlag('max-in-flight', flags.maxInFlight, 1, 100_000),
          maxInFlightTotal: intFlag('max-total', flags.maxTotal, 1, 100_000),
          maxClients: 10_000,
        },
        ...(calls ? { calls: { sessions: calls, callPorts, neutralPorts } } : {}),
        logger: log,
        logClientAddresses: Boolean(flags.logClientAddresses),
      });
      let running: Awaited<ReturnType<typeof listenHelper>>;
      try {
        running = await listenHelper(server, host, port, Boolean(tls));
      } catch (e) {
        calls?.stop();
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
          throw new InputError(`--listen ${flags.listen}: cannot listen (${code})`);
        throw e;
      }
      const tool = maxTraces > 0 ? findTraceTool() : undefined;
      const what = `${
        calls ? `; test calls on UDP ${callPorts.join(',')} (neutral ${neutralPorts.join(',')})` : '; no test calls'
      }; ${tool?.available ? `path traces (${maxTraces} at once)` : `no path traces${tool ? ` (${tool.reason})` : ''}`}`;
      log.info(
        {
          url: running.url,
          tokens: tokens.length,
          private_targets: Boolean(flags.allowPrivateTargets),
          call_ports: callPorts,
          trace_slots: tool?.available ? maxTraces : 0,
          neutral_ports: neutralPorts,
        },
        'helper listening',
      );
      process.stdout.write(`voipprobe helper: listening on ${running.url}${what}\n`);
      await untilStopped(log, 'helper');
      calls?.stop();
      await running.close();
    });
}
