// The config file's share of a run's settings: the values the command line did not give come from
// voipprobe.config.json, typed (milliseconds, counts), never turned back into flag strings.

import type { VoipprobeConfig } from './config.js';

/** The run values a config file can set, as the command line parsed them (its defaults included). */
export interface ConfigurableRunValues {
  services?: string[];
  timeoutMs: number;
  deadlineMs: number;
  concurrency: number;
  includeIp: boolean;
  /** Random start delay, at most this long; undefined: none. */
  jitterMs?: number;
}

/** The command-line flag behind each value, as commander names it (getOptionValueSource(name)). */
export const FLAG_OF: Record<keyof ConfigurableRunValues, string> = {
  services: 'service',
  timeoutMs: 'timeout',
  deadlineMs: 'deadline',
  concurrency: 'concurrency',
  includeIp: 'includeIp',
  jitterMs: 'jitter',
};

/**
 * Fills the values the user did not give on the command line from the config file. The config's
 * `jitter` is for scheduled runs only: a person typing `voipprobe run` is not kept waiting by it.
 * `givenOnCli(flag)` tells whether a flag came from the command line.
 */
export function applyConfig(
  values: ConfigurableRunValues,
  config: VoipprobeConfig,
  o: { scheduled: boolean; givenOnCli: (flag: string) => boolean },
): ConfigurableRunValues {
  const fromConfig = (k: keyof ConfigurableRunValues) => !o.givenOnCli(FLAG_OF[k]);
  const out = { ...values };
  if (fromConfig('services') && config.services) out.services = config.services;
  if (fromConfig('timeoutMs') && config.timeouts.step !== undefined)
    out.timeoutMs = Math.round(config.timeouts.step * 1000);
  if (fromConfig('deadlineMs') && config.timeouts.deadline !== undefined)
    out.deadlineMs = Math.round(config.timeouts.deadline * 1000);
  if (fromConfig('concurrency') && config.concurrency !== undefined) out.concurrency = config.concurrency;
  if (fromConfig('includeIp') && config.include_ip) out.includeIp = true;
  if (fromConfig('jitterMs') && config.jitter !== undefined && o.scheduled)
    out.jitterMs = Math.round(config.jitter * 1000);
  return out;
}
