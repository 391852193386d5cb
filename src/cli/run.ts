// `voipprobe run`: measure this network. Wiring only: flags and config → typed run settings → a run
// session (src/session/), with Ctrl-C, a progress line and the table around it.

import { accessSync, constants, type Stats, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import type { Logger } from 'pino';
import { loadCatalogue, selectServices } from '../catalogue/load.js';
import { pathOf } from '../catalogue/schema.js';
import { DEFAULT_CONFIG_FILE, HELPER_TOKEN_ENV, resolveHelpers } from '../config/config.js';
import { prepareRunContext, type RunVantageFlags } from '../config/run-context.js';
import { applyConfig, type ConfigurableRunValues } from '../config/run-settings.js';
import type { HelperEndpoint } from '../measure/helper.js';
import type { RunResult } from '../measure/run.js';
import type { Progress } from '../measure/steps.js';
import type { CallProfile } from '../model/call-test.js';
import type { ServiceVerdict } from '../model/verdict.js';
import { describeWriteFailure } from '../results/write.js';
import { jitterSleep, parseJitter } from '../schedule/jitter.js';
import { RunSession, type SessionOptions, type SessionOutcome } from '../session/session.js';
import type { RunSettings } from '../session/settings.js';
import { InputError } from '../util/input-error.js';
import { readCaFiles } from './ca-files.js';
import {
  collect,
  dohFlag,
  EXIT,
  intFlag,
  LOG_LEVELS,
  makeLogger,
  resolverFlag,
  secondsFlag,
  stampOutput,
} from './common.js';
import { RUN_TABLE_HELP, renderRunTable, tableStyle } from './run-table.js';

export interface RunFlags {
  service?: string[];
  targets?: string;
  resolver?: string[];
  doh?: string[];
  systemResolver?: string[];
  timeout: string;
  deadline: string;
  concurrency: string;
  out: string;
  caFile?: string[];
  json?: boolean;
  ipv6?: boolean;
  includeIp?: boolean;
  logLevel?: string;
}

/** Flags whose value is a local path or a secret: recorded by name only (paths often carry a user name). */
const PRIVATE_VALUE_FLAGS = new Set([
  '--targets',
  '--out',
  '--ca-file',
  '--config',
  '--token-file',
  '--helper-token-file',
  '--asn-db',
  '--geo-db',
  '--collector',
]);

/** The command line as recorded in each measurement's `options`, without local paths or secrets. */
export function recordedOptions(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (!PRIVATE_VALUE_FLAGS.has(name)) out.push(a);
    else if (eq > 0) out.push(`${name}=[withheld]`);
    else {
      out.push(a);
      if (i + 1 < args.length && !args[i + 1]!.startsWith('--')) {
        out.push('[withheld]');
        i++;
      }
    }
  }
  return out;
}

/** The flags of `voipprobe run` that become the run's settings, parsed and checked (config not applied). */
export function parseRunValues(flags: RunFlags & { jitter?: string }): ConfigurableRunValues {
  return {
    ...(flags.service ? { services: flags.service } : {}),
    timeoutMs: secondsFlag('timeout', flags.timeout),
    deadlineMs: secondsFlag('deadline', flags.deadline),
    concurrency: intFlag('concurrency', flags.concurrency, 1, 4096),
    includeIp: Boolean(flags.includeIp),
    ...(flags.jitter !== undefined ? { jitterMs: parseJitter(flags.jitter) } : {}),
  };
}

/**
 * The run's settings from its flags and values: the catalogue loaded and selected, the CAs read, the
 * results folder checked. Everything that can be wrong is found before any wait.
 */
export function runSettingsFrom(
  flags: RunFlags,
  values: ConfigurableRunValues,
  extra: {
    helpers?: HelperEndpoint[];
    callTest?: RunSettings['callTest'];
    callPathOnly?: boolean;
    asnDb?: string;
  } = {},
): RunSettings {
  const resolvers = {
    ...(flags.systemResolver?.length
      ? { local: flags.systemResolver.map((r) => resolverFlag('system-resolver', r)) }
      : {}),
    ...(flags.resolver?.length ? { controlUdp: flags.resolver.map((r) => resolverFlag('resolver', r)) } : {}),
    ...(flags.doh?.length ? { doh: flags.doh.map(dohFlag) } : {}),
  };
  let catalogue = selectServices(loadCatalogue(flags.targets), values.services);
  if (extra.callPathOnly) {
    const services = catalogue.services
      .map((svc) => ({ ...svc, targets: svc.targets.filter((t) => pathOf(t) === 'call') }))
      .filter((svc) => svc.targets.length > 0);
    if (services.length === 0)
      throw new InputError(`no call path to test in ${values.services?.join(', ') ?? 'the catalogue'}`);
    catalogue = { ...catalogue, services };
  }
  if (extra.callTest && !extra.helpers?.length)
    throw new InputError('a test call needs a helper (its far end): give --helper URL, or helpers in the config');
  const ca = readCaFiles(flags.caFile);
  checkOutDir(flags.out);
  return {
    catalogue,
    timeoutMs: values.timeoutMs,
    deadlineMs: values.deadlineMs,
    concurrency: values.concurrency,
    includeIp: values.includeIp,
    resolvers,
    out: flags.out,
    ...(ca ? { ca } : {}),
    ...(flags.ipv6 !== undefined ? { ipv6: flags.ipv6 } : {}),
    ...(extra.helpers?.length ? { helpers: extra.helpers } : {}),
    ...(extra.callTest ? { callTest: extra.callTest } : {}),
    ...(extra.asnDb ? { asnDb: extra.asnDb } : {}),
  };
}

/** --out must be (or be creatable as) a folder we can write in; found out now, not after measuring. */
function checkOutDir(out: string): void {
  let dir = resolve(out);
  for (;;) {
    let st: Stats;
    try {
      st = statSync(dir);
    } catch {
      const up = dirname(dir);
      if (up === dir) return;
      dir = up; // created with the first line
      continue;
    }
    if (!st.isDirectory()) throw new InputError(`--out ${out}: ${dir} is not a folder`, out);
    try {
      accessSync(dir, constants.W_OK);
    } catch (e) {
      throw new InputError(
        `--out ${out}: cannot write in ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        out,
      );
    }
    return;
  }
}

/** How a measured run is shown: the lines on stdout (--json) or the table with its banner. */
export interface RunPrinting {
  json?: boolean;
  banner?: string;
  log: Logger;
}

/**
 * Runs a session in front of a person: Ctrl-C/SIGTERM stop it (the first keeps what was measured, the
 * second leaves at once), a progress line on a terminal, then the table or the lines, and what went
 * wrong on stderr. Also used by `voipprobe demo`.
 */
export async function measureAndPrint(
  settings: RunSettings,
  session: Omit<SessionOptions, 'signal' | 'onProgress' | 'log'>,
  show: RunPrinting,
): Promise<SessionOutcome & { exitCode: number }> {
  const ac = new AbortController();
  let live: Progress | undefined;
  const run = new RunSession(settings, { ...session, log: show.log, signal: ac.signal, onProgress: (p) => (live = p) });
  const { file } = run;

  // First Ctrl-C/SIGTERM: stop measuring, write what was measured, say so. Second: leave at once
  // (every line written so far is already on disk, whole).
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      process.stderr.write(`\nvoipprobe: second ${sig}: exiting now; ${run.written} measurement(s) are in ${file}\n`);
      process.exit(130);
    }
    process.stderr.write(
      `\nvoipprobe: ${sig}: stopping; finishing and writing the measurements in progress (press again to quit at once)\n`,
    );
    ac.abort(new Error(sig));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A progress line only when a person is watching stderr.
  const progress =
    process.stderr.isTTY && !show.json
      ? setInterval(() => {
          if (live) process.stderr.write(`\rmeasuring… ${live.done}/${live.started} steps`);
        }, 250)
      : undefined;

  let out: SessionOutcome;
  try {
    out = await run.run();
  } finally {
    if (progress) {
      clearInterval(progress);
      process.stderr.write('\r\x1b[K');
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  // Only now is every address the lines could hold known: stdout cannot be rewritten, so it gets them last.
  const { result, lines, written, writeProblem } = out;
  if (show.json) for (const l of lines) process.stdout.write(`${l.json}\n`);
  else {
    const verdicts = result.services.map((s) => s.verdict!).filter(Boolean);
    const footer = [
      `results: ${file} (${written} measurement lines, ${result.runtimeS.toFixed(1)} s)`,
      ...readingHint(file, verdicts),
    ];
    if (result.controls.controls.network === 'down' && !session.annotations?.x_simulation) {
      footer.push(
        'the network looks down: `voipprobe demo` shows what a measurement looks like, offline (a simulated censored network)',
      );
    }
    if (result.deadlineReached)
      footer.push(
        'the run deadline was reached: unfinished steps are recorded as "interrupted" and their verdicts are inconclusive',
      );
    process.stdout.write(
      renderRunTable(
        { verdicts, controls: result.controls.controls, ...(show.banner ? { banner: show.banner } : {}), footer },
        tableStyle(process.stdout, process.env),
      ),
    );
  }
  const note = localisationNotice(result);
  if (note) process.stderr.write(`voipprobe: ${note}\n`);
  if (result.interrupted) {
    process.stderr.write(
      `voipprobe: RUN INTERRUPTED: ${written} measurement(s) written to ${file}; the unfinished ones are marked x_interrupted and judged inconclusive\n`,
    );
  }
  if (writeProblem) {
    const lost = writeProblem.unwritten
      ? `${writeProblem.unwritten} of ${lines.length} measurement(s) could not be written`
      : 'some lines could not be rewritten';
    const stale = writeProblem.stale
      ? '; lines written before your public address was learned may still hold it: delete the file or check it before sharing'
      : '';
    process.stderr.write(
      `voipprobe: ${lost} to ${file}: ${describeWriteFailure(writeProblem.failure)}; the ${written} line(s) it holds are whole${stale}\n`,
    );
  }
  const exitCode = writeProblem ? EXIT.cannotRun : result.interrupted ? 130 : EXIT.ok;
  return { ...out, exitCode };
}

/** The next step after a run: how to read one service's line (one JSON measurement per service) with jq. */
function readingHint(file: string, verdicts: ServiceVerdict[]): [string, { verbatim: string }] {
  const service = verdicts[0]?.service ?? 'whatsapp';
  const path = /^[A-Za-z0-9_@%+=:,./-]+$/.test(file) ? file : `'${file.replace(/'/g, "'\\''")}'`;
  // The command on a line of its own, never wrapped, so that it can be copied whole.
  return [
    "one line per service; read one's verdict with:",
    { verbatim: `jq 'select(.test_keys.service == "${service}") | .test_keys.x_verdict' ${path}` },
  ];
}

/**
 * What a run that needed path localisation could not do, in one sentence (printed once on stderr);
 * undefined when it could do everything, or did not need it.
 */
export function localisationNotice(r: Pick<RunResult, 'localisation'>): string | undefined {
  const c = r.localisation.capability;
  if (!r.localisation.wanted || !c) return undefined;
  if (!c.available)
    return `path localisation unavailable: ${c.reason}; call relays that ignore strangers are judged by the STUN controls alone, and stay inconclusive when those answer`;
  return c.note ? `path localisation ${c.note}` : undefined;
}

export function addRunOptions(cmd: Command): Command {
  return cmd
    .option('--service <name...>', 'only these services (see `voipprobe targets`)')
    .option('--targets <dir>', 'catalogue directory replacing the bundled probes/ (targets and controls)')
    .option(
      '--resolver <ip:port>',
      "neutral UDP resolver used as a DNS control (repeatable; replaces the catalogue's)",
      collect,
    )
    .option('--doh <url>', "DNS-over-HTTPS control resolver (repeatable; replaces the catalogue's)", collect)
    .option(
      '--system-resolver <ip:port>',
      "use this as the network's own resolver instead of /etc/resolv.conf (repeatable; disables getaddrinfo)",
      collect,
    )
    .option('--timeout <seconds>', 'per-step timeout', '5')
    .option('--deadline <seconds>', 'deadline for the whole run', '60')
    .option('--concurrency <n>', 'network steps in flight at once', '128')
    .option('--out <dir>', 'directory for the results file (one JSONL file per run)', 'results')
    .option('--ca-file <pem>', 'extra trusted CA certificate, e.g. for a test network (repeatable)', collect)
    .option('--json', 'print the measurement lines (JSONL) on stdout instead of the table')
    .option('--ipv6', 'measure IPv6 addresses too (default: when this machine has a global IPv6 address)')
    .option('--no-ipv6', 'never measure IPv6 addresses')
    .option('--include-ip', "keep this machine's public address in the results (it is scrubbed by default)")
    .option(
      '--log-level <level>',
      `stderr log level: ${LOG_LEVELS.join(', ')} (debug also prints stack traces)`,
      process.env.VOIPPROBE_LOG ?? 'warn',
    );
}

type RunCommandFlags = RunFlags &
  RunVantageFlags & {
    jitter?: string;
    scheduled?: boolean;
    simulation?: string;
    helper?: string[];
    helperTokenFile?: string;
    callTest?: string;
    callProfile?: string;
  };

/** The options `run` and `call-test` share beyond the measurement's own: labels, submission, helpers. */
function addRunContextOptions(cmd: Command): Command {
  return (
    cmd
      .option(
        '--config <file>',
        'voipprobe.config.json: labels, services, timeouts, collector, helpers (default: ./voipprobe.config.json if it exists)',
      )
      .option('--access <type>', 'access label: mobile, fixed, wifi or unknown')
      .option('--vantage <name>', 'name of this vantage point, e.g. casa-orange-4g')
      .option('--probe-asn <asn>', 'network ASN (default: looked up offline from the public address)')
      .option('--probe-cc <cc>', 'country code (default: looked up offline from the public address)')
      .option('--network-name <name>', 'network name (default: looked up offline with the ASN)')
      .option('--asn-db <file>', 'ASN database instead of the bundled one (ip-location-db CSV, or MMDB)')
      .option('--geo-db <file>', 'country MMDB instead of the bundled DB-IP one')
      .option('--jitter <seconds>', 'wait a random time up to this long before measuring (for scheduled runs)')
      .option(
        '--submit',
        'send the measurements to the collector (they are spooled first and retried later if it cannot be reached)',
      )
      .option('--collector <url>', 'collector URL for --submit (default: collector.url from the config)')
      .option('--token-file <file>', 'bearer token file for --submit')
      .option(
        '--scheduled',
        'a run started by the schedule (the crontab line passes it): every output line starts with the UTC time, and the config file\'s "jitter" applies',
      )
      // `voipprobe demo` runs the probe in the namespace lab's client namespace: every line says it is a simulation.
      .addOption(new Option('--simulation <label>', 'annotate every line as a simulation (x_simulation)').hideHelp())
      .option(
        '--helper <url>',
        "ask this helper (`voipprobe helper` outside the network) about every target (repeatable; replaces the config's helpers)",
        collect,
      )
      .option(
        '--helper-token-file <file>',
        `bearer token for the helpers (default: the config's, or $${HELPER_TOKEN_ENV})`,
      )
      .option(
        '--call-profile <profile>',
        'test-call traffic: voice (50 packets/s of 120-172 bytes) or video (100 packets/s of 900-1200 bytes)',
        'voice',
      )
  );
}

/** Seconds of a test call, from a flag. */
function callSeconds(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 2 || n > 600)
    throw new InputError(`--${flag}: expected a number of seconds from 2 to 600, got "${value}"`);
  return n;
}

/** Loaded for test calls only: a plain run does not pay for the call modules. */
async function callProfile(value: string | undefined): Promise<CallProfile> {
  const { PROFILES } = await import('../measure/call-signature.js');
  const p = PROFILES[(value ?? 'voice') as keyof typeof PROFILES];
  if (!p) throw new InputError(`--call-profile: expected voice or video, got "${value}"`);
  return p;
}

async function runAction(
  given: RunCommandFlags,
  cmd: Command,
  mode: { callTestS?: number; callPathOnly?: boolean },
): Promise<void> {
  if (given.scheduled) stampOutput();
  const ctx = await prepareRunContext(given);
  const onCli = (flag: string) => cmd.getOptionValueSource(flag) === 'cli';
  const values = applyConfig(parseRunValues(given), ctx.config, {
    scheduled: Boolean(given.scheduled),
    givenOnCli: onCli,
  });
  // Everything checked before any wait: a bad flag must not cost the jitter first.
  const helpers = resolveHelpers(given.helper, given.helperTokenFile, ctx.config.helpers);
  const callTest =
    mode.callTestS !== undefined
      ? { seconds: mode.callTestS, profile: await callProfile(given.callProfile) }
      : undefined;
  const settings = runSettingsFrom(given, values, {
    helpers,
    ...(callTest ? { callTest } : {}),
    ...(mode.callPathOnly ? { callPathOnly: true } : {}),
    ...(ctx.asnDb ? { asnDb: ctx.asnDb } : {}),
  });
  const log = makeLogger(given.logLevel);
  if (given.scheduled) process.stderr.write(`voipprobe: scheduled run started (pid ${process.pid})\n`);
  if (values.jitterMs !== undefined) {
    const from = onCli('jitter') ? '--jitter' : basename(ctx.configFile ?? DEFAULT_CONFIG_FILE);
    if (!(await waitJitter(values.jitterMs, from))) {
      process.exitCode = 130;
      return;
    }
  }
  const out = await measureAndPrint(
    settings,
    {
      options: recordedOptions(process.argv.slice(3)),
      vantage: ctx.initial,
      identify: ctx.identify,
      ...(given.simulation ? { annotations: { x_simulation: given.simulation } } : {}),
    },
    { log, ...(given.json ? { json: true } : {}) },
  );
  if (ctx.submit) {
    // Results are on disk already; the spool keeps whatever the collector does not confirm.
    // Loaded here: a run that does not submit does not pay for the HTTP client.
    const { spoolAndSubmit } = await import('../submit/flush.js');
    const { describeSummary } = await import('./submit.js');
    const s = await spoolAndSubmit(
      out.lines.map((l) => l.measurement),
      { ...ctx.submit, logger: log },
    );
    process.stderr.write(describeSummary(s, ctx.submit.spoolDir));
  }
  process.exitCode = out.exitCode;
  if (given.scheduled)
    process.stderr.write(
      `voipprobe: scheduled run finished (exit ${out.exitCode}): ${out.written} measurement(s) in ${out.file}\n`,
    );
}

export function registerRun(program: Command): void {
  addRunContextOptions(
    addRunOptions(
      program
        .command('run')
        .description(
          'measure every service (or --service ...) from this network, layer by layer, and write the evidence',
        ),
    ),
  )
    .option(
      '--call-test <seconds>',
      'after measuring, make a test call of this many seconds per service with a call path, against the (first) helper',
    )
    .addHelpText('after', RUN_TABLE_HELP)
    .action(async (given: RunCommandFlags, cmd: Command) => {
      await runAction(
        given,
        cmd,
        given.callTest !== undefined ? { callTestS: callSeconds('call-test', given.callTest) } : {},
      );
    });
}

export function registerCallTest(program: Command): void {
  addRunContextOptions(
    addRunOptions(
      program
        .command('call-test')
        .description(
          "test calls against a helper: each service's call signature and its scrambled twin, on its call port and a neutral one; quality and differentiation",
        ),
    ),
  )
    .option('--seconds <seconds>', 'length of each test call', '20')
    .action(async (given: RunCommandFlags & { seconds: string }, cmd: Command) => {
      await runAction(given, cmd, { callTestS: callSeconds('seconds', given.seconds), callPathOnly: true });
    });
}

/**
 * The random start delay, said out loud (how long and where it comes from); Ctrl-C or SIGTERM during
 * it ends the run before anything is measured. False when interrupted.
 */
async function waitJitter(maxMs: number, from: string): Promise<boolean> {
  const ac = new AbortController();
  const stop = (sig: NodeJS.Signals) => ac.abort(sig);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await jitterSleep(maxMs, {
      signal: ac.signal,
      onDelay: (ms) =>
        process.stderr.write(
          `voipprobe: waiting ${Math.round(ms / 1000)} s before measuring (random jitter of up to ${maxMs / 1000} s, from ${from})\n`,
        ),
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  if (!ac.signal.aborted) return true;
  process.stderr.write(`voipprobe: ${String(ac.signal.reason)} while waiting to start: nothing was measured\n`);
  return false;
}
