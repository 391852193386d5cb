// `voipprobe demo`: the Moroccan ban of 2016, offline, measured by the real probe. Where the machine
// allows, the namespace lab plays it (an access ISP that censors, a transit network, the call relays'
// own network, real routers): there the call block is shown by the method a real run uses, path
// localisation towards relays that ignore strangers. As root the lab is built directly; otherwise the
// demo re-runs itself inside an unprivileged user namespace (`unshare --user --map-root-user`), with a
// private /run, where the lab needs no privilege at all. Where neither is possible it falls back to the
// loopback lab (127.0.0.0/8, in this process) and says plainly, in its banner, what it cannot show.
// Results go to a temporary directory unless --out says otherwise, so a simulation never lands among
// real results, and every line is annotated as a simulation. That directory (and the loopback lab's
// scratch files, inside it) is removed however the demo ends: success, failure or Ctrl-C.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { loopbackUnsupported, SCENARIOS, type Scenario, scenarioById } from '../lab/world/scenarios.js';
import { InputError } from '../util/input-error.js';
import { makeLogger, secondsFlag } from './common.js';
import { measureAndPrint, recordedOptions } from './run.js';
import { MIN_TABLE_WIDTH, tableStyle, wrap } from './run-table.js';

export const DEMO_DEFAULT_SCENARIO = '9';

/** Which lab plays the scenario: namespaces as root, namespaces in a user namespace, or loopback. */
export type DemoLab = 'netns' | 'userns' | 'loopback';

interface DemoFlags {
  scenario: string;
  list?: boolean;
  out?: string;
  timeout: string;
  json?: boolean;
  logLevel?: string;
  lab: string;
  /** Set by the demo itself when it re-runs inside a user namespace. */
  insideUserns?: boolean;
}

const MOROCCO =
  'configured as Morocco 2016 (scenario 9: calls over UDP blocked on WhatsApp, Skype and Viber; chat and web working; the controls fine)';

export function demoBanner(s: Scenario, lab: DemoLab, cannot?: string, width = MIN_TABLE_WIDTH): string {
  const what = s.id === DEMO_DEFAULT_SCENARIO ? MOROCCO : `scenario ${s.id}: ${s.title}`;
  const where =
    lab === 'loopback'
      ? [
          'loopback lab',
          'Every server below runs inside this process on 127.0.0.0/8 and plays the censor; the probe is the real one.',
        ]
      : [
          'network-namespace lab',
          `The servers, the routers (an access ISP that censors, a transit network, the call relays' own network) and the censor run in network namespaces on this machine${lab === 'userns' ? ', inside an unprivileged user namespace' : ''}; the probe is the real one.`,
        ];
  const lines = [
    '='.repeat(width),
    `SIMULATION — ${where[0]} ${what}: nothing here measured a real network.`,
    where[1]!,
  ];
  if (lab === 'loopback') {
    lines.push(
      `WHAT THIS DEMO CANNOT SHOW: ${cannot ?? 'network namespaces are not used'}. Without routers between the probe and the call relays it cannot locate where UDP towards a relay stops, so a call path whose relays ignore strangers (WhatsApp, Teams, Meet) comes out inconclusive here, as in a real run that cannot localise, even where the scenario blocks it. Run it as root, or where unprivileged user namespaces are allowed, to see how a real run shows the block.`,
    );
  }
  lines.push('='.repeat(width));
  if (lab === 'loopback' && s.loopback.supported && s.loopback.emulation)
    lines.push(`(emulated on loopback: ${s.loopback.emulation})`);
  return lines.flatMap((l) => wrap(l, width)).join('\n');
}

export function renderScenarioList(): string {
  const rows = SCENARIOS.map((s) => {
    const why = loopbackUnsupported(s);
    const support = why
      ? 'namespaces only'
      : s.loopback.supported && s.loopback.emulation
        ? 'namespaces; loopback (emulated)'
        : 'namespaces; loopback';
    return [s.id, s.title, support];
  });
  const w0 = Math.max(2, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(...rows.map((r) => r[1]!.length));
  const lines = [
    `${'id'.padEnd(w0)}  ${'scenario'.padEnd(w1)}  lab`,
    ...rows.map((r) => `${r[0]!.padEnd(w0)}  ${r[1]!.padEnd(w1)}  ${r[2]}`),
  ];
  return `${lines.join('\n')}\n\nvoipprobe demo --scenario ID runs one (default ${DEMO_DEFAULT_SCENARIO}, Morocco 2016).\n`;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Whether an unprivileged user namespace with its own network and mounts can be made here. */
function usernsAllowed(): boolean {
  return (
    spawnSync('unshare', ['--user', '--map-root-user', '--net', '--mount', 'true'], { stdio: 'ignore', timeout: 5000 })
      .status === 0
  );
}

/** The lab to use and, for loopback, why not namespaces (in words). */
export async function chooseDemoLab(wanted: string, scenario: Scenario): Promise<{ lab: DemoLab; why?: string }> {
  if (wanted !== 'auto' && wanted !== 'namespaces' && wanted !== 'loopback')
    throw new InputError(`--lab: expected auto, namespaces or loopback, got "${wanted}"`);
  if (wanted === 'loopback') return { lab: 'loopback', why: '--lab loopback was asked for' };
  const { missingRequirements } = await import('../lab/netns/lab.js');
  const tools = missingRequirements().filter((m) => m !== 'root');
  let why: string;
  if (tools.length) why = `the namespace lab needs ${tools.join(', ')}`;
  else if (isRoot()) return { lab: 'netns' };
  else if (usernsAllowed()) return { lab: 'userns' };
  else why = 'not running as root, and unprivileged user namespaces are not allowed on this machine';
  if (wanted === 'namespaces') throw new InputError(`--lab namespaces: cannot build the namespace lab here: ${why}`);
  if (loopbackUnsupported(scenario))
    throw new InputError(`--scenario ${scenario.id} needs the namespace lab, and ${why}`);
  return { lab: 'loopback', why };
}

export async function executeDemo(flags: DemoFlags): Promise<number> {
  if (flags.list) {
    process.stdout.write(renderScenarioList());
    return 0;
  }
  const scenario = scenarioById(flags.scenario);
  if (!scenario)
    throw new InputError(
      `--scenario: unknown scenario "${flags.scenario}"; known: ${SCENARIOS.map((s) => s.id).join(', ')} (voipprobe demo --list)`,
    );
  const timeoutS = Math.max(secondsFlag('timeout', flags.timeout) / 1000, scenario.minTimeoutS ?? 0);
  return withTempDir(async (temp) => {
    const out = flags.out ?? temp;
    const { lab, why } = flags.insideUserns
      ? { lab: 'userns' as const, why: undefined }
      : await chooseDemoLab(flags.lab, scenario);
    // The demo inside the user namespace makes (and removes) its own temporary folder.
    if (lab === 'userns' && !flags.insideUserns) return reRunInUserns(flags);
    const code =
      lab === 'loopback'
        ? await loopbackDemo(flags, scenario, timeoutS, out, temp, why)
        : await namespaceDemo(flags, scenario, timeoutS, out, lab);
    // The results were in the temporary folder, removed on the way out: said, with how to keep them.
    if (!flags.out)
      process.stderr.write(
        `voipprobe demo: the results file above was in a temporary folder, removed now; voipprobe demo --out DIR keeps it\n`,
      );
    return code;
  });
}

/**
 * `fn` with a new temporary folder that is removed however the demo ends: when `fn` returns or throws,
 * at process.exit (a second Ctrl-C in the run, the namespace lab's signal handler), and on a signal
 * nobody else handles (Ctrl-C while the lab is being built).
 */
async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'voipprobe-demo-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const onSignal = (sig: NodeJS.Signals) => {
    if (process.listenerCount(sig) > 1) return; // the run or the lab stops, and the demo returns
    remove();
    process.stderr.write(`\nvoipprobe demo: ${sig}: stopped before measuring\n`);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('exit', remove);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(dir);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', remove);
    remove();
  }
}

/** The demo again, inside a new user namespace where this user is root, with a private /run for the lab's state. */
function reRunInUserns(flags: DemoFlags): Promise<number> {
  const argv = [
    process.execPath,
    process.argv[1]!,
    'demo',
    '--scenario',
    flags.scenario,
    '--timeout',
    flags.timeout,
    ...(flags.out ? ['--out', flags.out] : []),
    '--inside-userns',
    ...(flags.json ? ['--json'] : []),
    ...(flags.logLevel ? ['--log-level', flags.logLevel] : []),
  ];
  const script = 'mount -t tmpfs -o mode=755 tmpfs /run && exec "$@"';
  const child = spawn(
    'unshare',
    ['--user', '--map-root-user', '--net', '--mount', '--fork', 'sh', '-c', script, 'sh', ...argv],
    { stdio: 'inherit' },
  );
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? 1);
    }),
  );
}

const annotation = (s: Scenario, lab: DemoLab) =>
  `voipprobe demo: ${lab === 'loopback' ? 'loopback lab' : 'network-namespace lab'}, scenario ${s.id} (${s.title}); not a real network`;

async function loopbackDemo(
  flags: DemoFlags,
  scenario: Scenario,
  timeoutS: number,
  out: string,
  scratch: string,
  why?: string,
): Promise<number> {
  const unsupported = loopbackUnsupported(scenario);
  if (unsupported) throw new InputError(`--scenario ${scenario.id} cannot be simulated on loopback: ${unsupported}`);
  // Loaded here, not at startup: the lab (certificate authority, servers) weighs on every other command.
  const { LoopbackLab } = await import('../lab/loopback/lab.js');
  // Its CA and catalogue go in the demo's temporary folder, removed with it even on a hurried exit.
  const lab = await LoopbackLab.start({ tmpParent: scratch });
  try {
    await lab.applyScenario(scenario);
    const run = await measureAndPrint(
      lab.runSettings({ timeoutS, out, deadlineS: 60 }),
      {
        options: recordedOptions(process.argv.slice(3)),
        annotations: { x_simulation: annotation(scenario, 'loopback') },
      },
      {
        log: makeLogger(flags.logLevel),
        banner: demoBanner(scenario, 'loopback', why, tableStyle(process.stdout, process.env).width),
        ...(flags.json ? { json: true } : {}),
      },
    );
    simulationNote(flags, 'loopback', run.file);
    return run.exitCode;
  } finally {
    await lab.close();
  }
}

async function namespaceDemo(
  flags: DemoFlags,
  scenario: Scenario,
  timeoutS: number,
  out: string,
  mode: DemoLab,
): Promise<number> {
  const { NetnsLab } = await import('../lab/netns/lab.js');
  const { timeoutFor } = await import('../lab/netns/scenario-run.js');
  if (!flags.json) process.stderr.write('voipprobe demo: building the namespace lab (a few seconds)...\n');
  const lab = await NetnsLab.up({ ...(mode === 'userns' ? { userns: true } : {}) });
  try {
    await lab.apply(scenario);
    const argv = [
      ...lab.probeCommand({
        timeoutS: Math.max(timeoutS, timeoutFor(scenario, timeoutS)),
        out,
        ...(flags.json ? { json: true } : {}),
      }),
      '--simulation',
      annotation(scenario, mode),
      ...(flags.logLevel ? ['--log-level', flags.logLevel] : []),
    ];
    const style = tableStyle(process.stdout, process.env);
    if (!flags.json) process.stdout.write(`${demoBanner(scenario, mode, undefined, style.width)}\n\n`);
    // The probe prints into a pipe: it is told to colour its table when this terminal would be.
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...(style.colour ? { FORCE_COLOR: '1' } : {}) },
    });
    // A SIGTERM sent to the demo alone reaches the probe too (Ctrl-C reaches both already).
    const forward = () => child.kill('SIGTERM');
    process.on('SIGTERM', forward);
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
      process.stdout.write(d);
    });
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
    process.off('SIGTERM', forward);
    simulationNote(
      flags,
      'network-namespace',
      /^results: (\S+\.jsonl)/m.exec(stdout)?.[1] ?? /^\s*(\S+\.jsonl)/m.exec(stdout)?.[1] ?? out,
    );
    return code;
  } finally {
    lab.destroy();
  }
}

/** The last word of every demo: a simulation, and where its file is (when --out keeps it). */
function simulationNote(flags: DemoFlags, lab: string, file: string): void {
  const where = flags.out ? ` (${file})` : '';
  const note = `SIMULATION: these results came from the ${lab} lab, not from a network${where}.`;
  if (flags.json) process.stderr.write(`voipprobe demo: ${note}\n`);
  else process.stdout.write(`\n${wrap(note, tableStyle(process.stdout, process.env).width, '  ').join('\n')}\n`);
}

export function registerDemo(program: Command): void {
  const cmd = program
    .command('demo')
    .description(
      'offline simulation: a censored network configured as Morocco 2016 (or --scenario ID), measured by the real probe; no network needed, no root needed',
    )
    .option('--scenario <id>', 'lab scenario to simulate (see --list)', DEMO_DEFAULT_SCENARIO)
    .option('--list', 'list the lab scenarios and exit')
    .option(
      '--lab <kind>',
      'auto (namespaces where this machine allows, as root or in an unprivileged user namespace; else loopback), namespaces, or loopback',
      'auto',
    )
    .option('--out <dir>', 'directory for the results file (default: a new temporary directory, never results/)')
    .option('--timeout <seconds>', 'per-step timeout (silent relays cost one timeout)', '2')
    .option('--json', 'print the measurement lines (JSONL) instead of the table')
    .option('--log-level <level>', 'stderr log level', process.env.VOIPPROBE_LOG ?? 'warn');
  cmd.addOption(
    new Option('--inside-userns', 'set by the demo when it re-runs itself inside a user namespace').hideHelp(),
  );
  cmd.action(async (flags: DemoFlags) => {
    process.exitCode = await executeDemo(flags);
  });
}
