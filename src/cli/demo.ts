// `voipprobe demo`: the Moroccan ban of 2016, offline. Starts the loopback lab (127.0.0.0/8 only, no
// root, no network) configured as scenario 9 (calls over UDP blocked on WhatsApp, Skype and Viber;
// chat and web working; the controls fine), runs the real probe against it and prints the same table
// a real run prints, under a banner that says it is a simulation. Results go to a temporary
// directory unless --out says otherwise, so a simulation never lands among real results.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loopbackUnsupported, type Scenario, scenarioById, SCENARIOS } from '../lab/scenarios.js';
import { InputError } from '../util/input-error.js';
import { executeRun } from './run.js';
import { secondsFlag } from './common.js';

export const DEMO_DEFAULT_SCENARIO = '9';

interface DemoFlags {
  scenario: string;
  list?: boolean;
  out?: string;
  timeout: string;
  json?: boolean;
  logLevel?: string;
}

export function demoBanner(s: Scenario): string {
  const what = s.id === DEMO_DEFAULT_SCENARIO ? `configured as Morocco 2016 (scenario ${s.id}: calls over UDP blocked on WhatsApp, Skype and Viber; chat and web working; the controls fine)` : `scenario ${s.id}: ${s.title}`;
  const emulated = s.loopback.supported && s.loopback.emulation ? `\n(emulated on loopback: ${s.loopback.emulation})` : '';
  return [
    '='.repeat(100),
    `SIMULATION — loopback lab ${what}: nothing here measured a real network.`,
    'Every server below runs inside this process on 127.0.0.0/8 and plays the censor; the probe is the real one.',
    '='.repeat(100),
  ].join('\n') + emulated;
}

export function renderScenarioList(): string {
  const rows = SCENARIOS.map((s) => {
    const why = loopbackUnsupported(s);
    const support = why ? `not in loopback: ${why}` : s.loopback.supported && s.loopback.emulation ? 'loopback (emulated)' : 'loopback';
    return [s.id, s.title, support];
  });
  const w0 = Math.max(2, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(...rows.map((r) => r[1]!.length));
  const lines = [`${'id'.padEnd(w0)}  ${'scenario'.padEnd(w1)}  lab`, ...rows.map((r) => `${r[0]!.padEnd(w0)}  ${r[1]!.padEnd(w1)}  ${r[2]}`)];
  return `${lines.join('\n')}\n\nvoipprobe demo --scenario ID runs one (default ${DEMO_DEFAULT_SCENARIO}, Morocco 2016).\n`;
}

export async function executeDemo(flags: DemoFlags): Promise<number> {
  if (flags.list) {
    process.stdout.write(renderScenarioList());
    return 0;
  }
  const scenario = scenarioById(flags.scenario);
  if (!scenario) throw new InputError(`--scenario: unknown scenario "${flags.scenario}"; known: ${SCENARIOS.map((s) => s.id).join(', ')} (voipprobe demo --list)`);
  const why = loopbackUnsupported(scenario);
  if (why) throw new InputError(`--scenario ${scenario.id} cannot be simulated on loopback: ${why}`);
  const timeoutS = Math.max(secondsFlag('timeout', flags.timeout) / 1000, scenario.minTimeoutS ?? 0);
  const out = flags.out ?? mkdtempSync(join(tmpdir(), 'voipprobe-demo-'));

  // Loaded here, not at startup: the lab (certificate authority, servers) weighs on every other command.
  const { LoopbackLab } = await import('../lab/loopback.js');
  const lab = await LoopbackLab.start();
  try {
    await lab.applyScenario(scenario);
    const run = await executeRun(
      { ...lab.runFlags({ timeoutS, out, deadlineS: 60, ...(flags.json ? { json: true } : {}) }), ...(flags.logLevel ? { logLevel: flags.logLevel } : {}) },
      {
        banner: demoBanner(scenario),
        annotations: { x_simulation: `voipprobe demo: loopback lab, scenario ${scenario.id} (${scenario.title}); not a real network` },
      },
    );
    const note = `SIMULATION: these results came from the loopback lab, not from a network (${run.file}).\n`;
    if (flags.json) process.stderr.write(`voipprobe demo: ${note}`);
    else process.stdout.write(`\n${note}`);
    return run.exitCode;
  } finally {
    await lab.close();
  }
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('offline simulation: the loopback lab configured as Morocco 2016 (or --scenario ID), measured by the real probe; no network, no root')
    .option('--scenario <id>', 'lab scenario to simulate (see --list)', DEMO_DEFAULT_SCENARIO)
    .option('--list', 'list the lab scenarios and exit')
    .option('--out <dir>', 'directory for the results file (default: a new temporary directory, never results/)')
    .option('--timeout <seconds>', 'per-step timeout (silent relays cost one timeout)', '2')
    .option('--json', 'print the measurement lines (JSONL) instead of the table')
    .option('--log-level <level>', 'stderr log level', process.env.VOIPPROBE_LOG ?? 'warn')
    .action(async (flags: DemoFlags) => {
      process.exitCode = await executeDemo(flags);
    });
}
