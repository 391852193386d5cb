// Where to submit and with which token: flags win over the config file. A token on the command line
// shows up in `ps` and in the crontab, so --token-file (or the config's token_file) is preferred.

import type { SubmitProtocol } from '../submit/client.js';
import type { SubmitOptions } from '../submit/flush.js';
import { InputError } from '../util/input-error.js';
import { readTokenFile, type VoipprobeConfig } from './config.js';

export interface SubmitFlags {
  collector?: string;
  token?: string;
  tokenFile?: string;
  protocol?: string;
  spool?: string;
}

export function submitOptionsFrom(config: VoipprobeConfig, flags: SubmitFlags): Omit<SubmitOptions, 'logger'> {
  const url = flags.collector ?? config.collector?.url;
  if (!url)
    throw new InputError(
      'no collector to submit to: give --collector URL or set collector.url in voipprobe.config.json',
    );
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(`--collector: "${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new InputError(`--collector: "${url}" must be an http:// or https:// URL`);
  if (flags.token !== undefined && flags.tokenFile !== undefined)
    throw new InputError('give either --token or --token-file, not both');
  const token =
    flags.token ??
    (flags.tokenFile !== undefined ? readTokenFile(flags.tokenFile) : undefined) ??
    config.collector?.token ??
    (config.collector?.token_file !== undefined ? readTokenFile(config.collector.token_file) : undefined) ??
    process.env.VOIPPROBE_COLLECTOR_TOKEN;
  const protocol = (flags.protocol ?? config.collector?.protocol ?? 'report') as SubmitProtocol;
  if (protocol !== 'report' && protocol !== 'submit_measurement')
    throw new InputError(`--protocol: expected "report" or "submit_measurement", got "${protocol}"`);
  return {
    spoolDir: flags.spool ?? config.spool_dir,
    collector: { url, token, protocol, timeoutMs: Math.round((config.collector?.timeout ?? 30) * 1000) },
  };
}
