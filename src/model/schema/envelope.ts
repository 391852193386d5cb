// The envelope fields every reader of measurement lines relies on (the results reader, the collector,
// the reporter): the rest of the line is defined in measurement.ts, which builds on these.

import { z } from 'zod';
import { OONI_TIME_RE } from './lists.js';

export const envelopeCoreSchema = z.object({
  /** Stable client-side id (UUID v4): a resubmission never makes a duplicate. */
  id: z.string().min(1),
  /** Same for every line of one run, in OONI's shape: {UTC time}_{test}_{CC}_{ASN}_n0_{random}. */
  report_id: z.string(),
  /** "YYYY-MM-DD HH:MM:SS", UTC. */
  measurement_start_time: z.string().regex(OONI_TIME_RE),
  test_name: z.string().min(1),
});

/** test_keys.service: the catalogue service measured ("whatsapp", "skype", ..., or "controls"). */
export const serviceSchema = z.string().min(1);
