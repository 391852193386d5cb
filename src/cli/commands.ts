// The command registry: one line per command module.

import type { Command } from 'commander';
import { registerRun } from './run.js';
import { registerTargets } from './targets.js';
import { registerReport } from './report.js';
import { registerClaims } from './claims.js';
import { registerSchedule } from './schedule.js';
import { registerSubmit } from './submit.js';
import { registerCollector } from './collector.js';
import { registerDemo } from './demo.js';

export function registerCommands(program: Command): void {
  registerRun(program);
  registerTargets(program);
  registerReport(program);
  registerClaims(program);
  registerSchedule(program);
  registerSubmit(program);
  registerCollector(program);
  registerDemo(program);
}
