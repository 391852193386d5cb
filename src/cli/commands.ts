// The command registry: one line per command module.

import type { Command } from 'commander';
import { registerRun } from './run.js';
import { registerTargets } from './targets.js';
import { registerSchedule } from './schedule.js';
import { registerSubmit } from './submit.js';
import { registerCollector } from './collector.js';

export function registerCommands(program: Command): void {
  registerRun(program);
  registerTargets(program);
  registerSchedule(program);
  registerSubmit(program);
  registerCollector(program);
}
