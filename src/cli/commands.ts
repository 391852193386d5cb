// The command registry: one line per command module.

import type { Command } from 'commander';
import { registerTargets } from './targets.js';

export function registerCommands(program: Command): void {
  registerTargets(program);
}
