// The command registry. Each command module is loaded only when it is the one asked for, so that
// `voipprobe run` does not pay (in start-up time and memory) for the collector's PostgreSQL client,
// the reporter or the lab; help and unknown commands load them all.

import type { Command } from 'commander';
import { requestedCommand } from '../runtime.js';

type Registrar = (program: Command) => void;

const COMMANDS: Record<string, () => Promise<Registrar>> = {
  run: async () => (await import('./run.js')).registerRun,
  targets: async () => (await import('./targets.js')).registerTargets,
  report: async () => (await import('./report.js')).registerReport,
  claims: async () => (await import('./claims.js')).registerClaims,
  schedule: async () => (await import('./schedule.js')).registerSchedule,
  submit: async () => (await import('./submit.js')).registerSubmit,
  collector: async () => (await import('./collector.js')).registerCollector,
  demo: async () => (await import('./demo.js')).registerDemo,
  helper: async () => (await import('./helper.js')).registerHelper,
  'call-test': async () => (await import('./run.js')).registerCallTest,
};

export async function registerCommands(program: Command, argv: readonly string[] = process.argv): Promise<void> {
  const wanted = requestedCommand(argv);
  const names = wanted && wanted in COMMANDS ? [wanted] : Object.keys(COMMANDS);
  for (const name of names) (await COMMANDS[name]!())(program);
}
