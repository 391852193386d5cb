// Bearer-token check. Both sides are hashed first so timingSafeEqual compares equal-length digests:
// neither the token's content nor its length leaks through response timing. Several tokens may be
// valid at once (one per probe box, so one can be revoked without touching the others).

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InputError } from '../util/input-error.js';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export class TokenCheck {
  private readonly digests: Buffer[];

  constructor(tokens: readonly string[]) {
    if (tokens.length === 0) throw new Error('TokenCheck needs at least one token');
    this.digests = tokens.map(digest);
  }

  /** Checks an Authorization header value ("Bearer <token>"). */
  allows(header: string | undefined): boolean {
    const m = header ? /^Bearer[ \t]+(\S+)\s*$/i.exec(header) : null;
    const given = digest(m ? m[1]! : '');
    let ok = false;
    // Compare against every token, no early exit.
    for (const d of this.digests) ok = timingSafeEqual(d, given) || ok;
    return ok && m !== null;
  }
}

/** One token per line; blank lines and lines starting with # are ignored. */
export function readTokens(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(
      `${file}: cannot read token file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      file,
    );
  }
  const tokens = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (tokens.length === 0) throw new InputError(`${file}: no token in the token file`, file);
  const short = tokens.findIndex((t) => t.length < 16);
  if (short >= 0)
    throw new InputError(
      `${file}: token ${short + 1} is shorter than 16 characters; use a long random one (e.g. openssl rand -hex 32)`,
      file,
    );
  return tokens;
}
