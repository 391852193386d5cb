// Failure strings from OONI's df-007 vocabulary (src/model/schema/failure.ts). A failure is data, not
// an exception: every network step records one of these (or null for success).

import type { z } from 'zod';
import type { failureSchema } from './schema/failure.js';
import { FAILURES } from './schema/lists.js';

export { FAILURES };

export type KnownFailure = (typeof FAILURES)[number];

/** A df-007 string, `unknown_failure: <scrubbed message>`, or null for success. */
export type Failure = z.infer<typeof failureSchema>;

export function isKnownFailure(s: string): s is KnownFailure {
  return (FAILURES as readonly string[]).includes(s);
}

/** Failures that mean "we stopped waiting" rather than "something answered". */
export function isTimeout(f: Failure): boolean {
  return f === 'generic_timeout_error';
}
