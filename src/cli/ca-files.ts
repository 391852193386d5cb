// `--ca-file` for every command that speaks TLS: extra trusted CA certificates added to the system
// roots (a test network's CA, a helper's own CA).

import { readFileSync } from 'node:fs';
import { trustStore } from '../net/index.js';
import type { TrustStore } from '../net/types.js';
import { InputError } from '../util/input-error.js';

export function readCaFiles(files: string[] | undefined): TrustStore {
  if (!files?.length) return undefined;
  const pems = files.map((f) => {
    try {
      return readFileSync(f, 'utf8');
    } catch (e) {
      throw new InputError(
        `--ca-file ${f}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        f,
      );
    }
  });
  for (const [i, p] of pems.entries())
    if (!p.includes('-----BEGIN CERTIFICATE-----'))
      throw new InputError(`--ca-file ${files[i]}: no PEM certificate in it`, files[i]);
  return trustStore(pems);
}
