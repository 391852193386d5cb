// Failure strings from OONI's df-007 vocabulary. A failure is data, not an exception: every network
// step records one of these (or null for success).

import { z } from 'zod';
import { FAILURES } from './lists.js';

export { FAILURES };

export const knownFailureSchema = z.enum(FAILURES);

/** A df-007 string, `unknown_failure: <scrubbed message>`, or null for success. */
export const failureSchema = z.union([
  knownFailureSchema,
  z.templateLiteral(['unknown_failure: ', z.string()]),
  z.null(),
]);
