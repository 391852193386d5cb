// voipprobe.config.json: what an unattended box needs to know about itself and where to send its
// results. Validated on load; every error names the file, line and field. Relative paths in the file
// are resolved against the file's own folder, because cron starts runs from the user's home.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { InputError } from '../util/input-error.js';
import { parseJsonText, validateJson } from '../util/validate.js';
import { type Labels, labelsSchema } from '../vantage/labels.js';

export const DEFAULT_CONFIG_FILE = 'voipprobe.config.json';
const seconds = z.number().positive().max(86_400);

export const collectorSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
    token: z.string().min(1).optional(),
    /** A file holding the bearer token (kept out of the config so the config can be shared). */
    token_file: z.string().min(1).optional(),
    /** `report`: OONI's open/post/close; `submit_measurement`: OONI's /api/v1/submit_measurement. */
    protocol: z.enum(['report', 'submit_measurement']).default('report'),
    /** Per-request timeout, seconds. */
    timeout: seconds.default(30),
  })
  .strict()
  .refine((c) => !(c.token && c.token_file), {
    message: 'give either "token" or "token_file", not both',
    path: ['token_file'],
  });

/** A helper (a vantage outside this network, `voipprobe helper`) to ask about every target. */
export const helperSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'must be an https:// (or, on a test network, http://) URL' }),
    token: z.string().min(1).optional(),
    /** A file holding the helper's bearer token (relative to this file). */
    token_file: z.string().min(1).optional(),
  })
  .strict()
  .refine((h) => !(h.token && h.token_file), {
    message: 'give either "token" or "token_file", not both',
    path: ['token_file'],
  });

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    labels: labelsSchema.default({}),
    /** Catalogue services to measure; all when absent. */
    services: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a service name from probes/, e.g. "whatsapp"'))
      .min(1)
      .optional(),
    timeouts: z.object({ step: seconds.optional(), deadline: seconds.optional() }).strict().default({}),
    concurrency: z.number().int().min(1).max(256).optional(),
    collector: collectorSchema.optional(),
    /** Helpers asked about every target (--helper on the command line replaces them). */
    helpers: z.array(helperSchema).max(8).optional(),
    /** Where unsent measurements wait (relative to this file). */
    spool_dir: z.string().min(1).default('results/spool'),
    /** Write the public address into measurements instead of scrubbing it. Off unless you mean it. */
    include_ip: z.boolean().default(false),
    /** Overrides of the bundled offline databases (relative to this file). */
    asn_db: z.string().min(1).optional(),
    geo_db: z.string().min(1).optional(),
    /** Random delay before a scheduled run starts, seconds, so many boxes do not hit servers at once. */
    jitter: z.number().min(0).max(3600).optional(),
  })
  .strict();

export type VoipprobeConfig = z.output<typeof configSchema>;

export interface LoadedConfig {
  /** Absolute path of the file read, or undefined when no file was given or found. */
  file?: string;
  config: VoipprobeConfig;
}

/** The published JSON Schema (also committed as src/config/voipprobe.config.schema.json). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input' }) as Record<string, unknown>;
}

function resolveFrom(base: string, p: string | undefined): string | undefined {
  return p === undefined ? undefined : isAbsolute(p) ? p : resolve(base, p);
}

export function parseConfigText(text: string, file: string): VoipprobeConfig {
  const cfg = validateJson(configSchema, parseJsonText(text, file), text, file);
  const base = dirname(resolve(file));
  return {
    ...cfg,
    spool_dir: resolveFrom(base, cfg.spool_dir)!,
    asn_db: resolveFrom(base, cfg.asn_db),
    geo_db: resolveFrom(base, cfg.geo_db),
    collector: cfg.collector && { ...cfg.collector, token_file: resolveFrom(base, cfg.collector.token_file) },
    helpers: cfg.helpers?.map((h) => ({ ...h, token_file: resolveFrom(base, h.token_file) })),
  };
}

/**
 * Loads `file` (an error if it cannot be read), or ./voipprobe.config.json when it exists, or the
 * defaults. Paths in the defaults are relative to the working directory.
 */
export function loadConfig(file?: string, cwd: string = process.cwd()): LoadedConfig {
  const path = file ?? (existsSync(resolve(cwd, DEFAULT_CONFIG_FILE)) ? resolve(cwd, DEFAULT_CONFIG_FILE) : undefined);
  if (!path) {
    const config = configSchema.parse({});
    return { config: { ...config, spool_dir: resolve(cwd, config.spool_dir) } };
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(
      `${path}: cannot read config: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      path,
    );
  }
  return { file: resolve(path), config: parseConfigText(text, path) };
}

/** Reads a bearer token from a file: the first non-empty line, trimmed. */
export function readTokenFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(
      `${file}: cannot read token file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      file,
    );
  }
  const token = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l !== '');
  if (!token) throw new InputError(`${file}: token file is empty`, file);
  return token;
}

/** The environment variable holding a helper token when neither the config nor --helper-token-file gives one. */
export const HELPER_TOKEN_ENV = 'VOIPPROBE_HELPER_TOKEN';

/**
 * The helpers a run asks: --helper URLs (with --helper-token-file or $VOIPPROBE_HELPER_TOKEN) replace
 * the config's `helpers` (each with its own token, else the same fallbacks). A helper without a token
 * is asked without one (an oohelperd-compatible helper takes none).
 */
export function resolveHelpers(
  cliUrls: readonly string[] | undefined,
  cliTokenFile: string | undefined,
  fromConfig: VoipprobeConfig['helpers'],
  env: NodeJS.ProcessEnv = process.env,
): { url: string; token?: string }[] {
  const fallback = cliTokenFile ? readTokenFile(cliTokenFile) : env[HELPER_TOKEN_ENV] || undefined;
  const withToken = (url: string, token: string | undefined) => ({ url, ...(token ? { token } : {}) });
  if (cliUrls?.length) {
    return cliUrls.map((u) => {
      let parsed: URL;
      try {
        parsed = new URL(u);
      } catch {
        throw new InputError(`--helper: expected an https:// URL, got "${u}"`);
      }
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
        throw new InputError(`--helper: expected an https:// URL, got "${u}"`);
      if (parsed.username || parsed.password)
        throw new InputError(
          `--helper ${parsed.host}: put the token in --helper-token-file or $${HELPER_TOKEN_ENV}, not in the URL`,
        );
      return withToken(parsed.href, fallback);
    });
  }
  return (fromConfig ?? []).map((h) =>
    withToken(h.url, h.token ?? (h.token_file ? readTokenFile(h.token_file) : fallback)),
  );
}

/** Flags given on the command line; each wins over the config file's value. */
export interface LabelFlags {
  probeAsn?: string;
  probeCc?: string;
  networkName?: string;
  access?: string;
  vantage?: string;
}

/** Config labels overridden by flags, validated with the same rules (a bad flag is an InputError). */
export function mergeLabels(fromConfig: Labels, flags: LabelFlags): Labels {
  const merged = {
    ...fromConfig,
    ...(flags.probeAsn !== undefined && {
      probe_asn: flags.probeAsn.toUpperCase().startsWith('AS') ? flags.probeAsn.toUpperCase() : `AS${flags.probeAsn}`,
    }),
    ...(flags.probeCc !== undefined && { probe_cc: flags.probeCc.toUpperCase() }),
    ...(flags.networkName !== undefined && { probe_network_name: flags.networkName }),
    ...(flags.access !== undefined && { access: flags.access }),
    ...(flags.vantage !== undefined && { vantage: flags.vantage }),
  };
  const res = labelsSchema.safeParse(merged);
  if (!res.success) {
    const flagOf: Record<string, string> = {
      probe_asn: '--probe-asn',
      probe_cc: '--probe-cc',
      probe_network_name: '--network-name',
      access: '--access',
      vantage: '--vantage',
    };
    const issue = res.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    throw new InputError(`${flagOf[key] ?? key}: ${issue.message}`);
  }
  return res.data;
}
