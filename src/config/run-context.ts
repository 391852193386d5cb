// What `voipprobe run` needs from the config file and the vantage/submission flags, resolved once
// before measuring so that a bad config or a missing collector URL stops the run before it starts
// (exit 2), not after. The CLI only wires this in.

import { accessSync, constants } from 'node:fs';
import { isIP } from 'node:net';
import { type Vantage, vantageOf } from '../model/measurement.js';
import type { SubmitOptions } from '../submit/flush.js';
import { InputError } from '../util/input-error.js';
import { identifyVantage } from '../vantage/identity.js';
import { loadConfig, mergeLabels, type VoipprobeConfig } from './config.js';
import { submitOptionsFrom } from './submit-settings.js';

export interface RunVantageFlags {
  config?: string;
  access?: string;
  vantage?: string;
  probeAsn?: string;
  probeCc?: string;
  networkName?: string;
  asnDb?: string;
  geoDb?: string;
  submit?: boolean;
  collector?: string;
  tokenFile?: string;
}

export interface RunContext {
  config: VoipprobeConfig;
  configFile?: string;
  /** From labels alone: what the envelope says until the public address is known. */
  initial: Vantage;
  /** Labels first, then the offline databases for the public address (first IPv4, else first given). */
  identify(publicIps: readonly string[]): Promise<{ vantage: Vantage; attribution: string; warning?: string }>;
  /** Set when --submit was given: where and how to submit. */
  submit?: Omit<SubmitOptions, 'logger'>;
  /** The ASN database (--asn-db or the config's asn_db; undefined: the bundled one), also for the routers of path localisation. */
  asnDb?: string;
}

export async function prepareRunContext(flags: RunVantageFlags): Promise<RunContext> {
  const { file, config } = loadConfig(flags.config);
  const labels = mergeLabels(config.labels, flags);
  const asnDb = flags.asnDb ?? config.asn_db;
  const geoDb = flags.geoDb ?? config.geo_db;
  for (const [flag, f] of [
    ['--asn-db', asnDb],
    ['--geo-db', geoDb],
  ] as const) {
    if (f === undefined) continue;
    try {
      accessSync(f, constants.R_OK);
    } catch (e) {
      throw new InputError(
        `${flag} ${f}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        f,
      );
    }
  }
  const initial = vantageOf(await identifyVantage({ labels }));
  const submit = flags.submit
    ? submitOptionsFrom(config, { collector: flags.collector, tokenFile: flags.tokenFile })
    : undefined;
  return {
    config,
    configFile: file,
    initial,
    submit,
    ...(asnDb ? { asnDb } : {}),
    async identify(publicIps) {
      const publicIp = publicIps.find((a) => isIP(a) === 4) ?? publicIps[0];
      try {
        const identity = await identifyVantage({ labels, publicIp, asnDb, geoDb });
        return { vantage: vantageOf(identity), attribution: identity.attribution };
      } catch (e) {
        // A broken database must not cost the run: keep the labels, say why.
        return {
          vantage: initial,
          attribution: '',
          warning: `network lookup failed, using the labels only: ${(e as Error).message}`,
        };
      }
    },
  };
}
