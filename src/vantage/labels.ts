// What a box may say about its own network (config `labels`, --access, --vantage...): validated here,
// with the rules the envelope's vantage fields follow; the offline databases fill what is left out.

import { z } from 'zod';
import { ACCESS_LABELS } from '../model/measurement.js';

export const labelsSchema = z
  .object({
    /** "AS36925"; leave out to look it up from the public address. */
    probe_asn: z
      .string()
      .regex(/^AS\d{1,10}$/, 'must look like "AS36925"')
      .optional(),
    /** ISO 3166 alpha-2, e.g. "MA". */
    probe_cc: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be two upper-case letters, e.g. "MA"')
      .optional(),
    probe_network_name: z.string().max(200).optional(),
    access: z.enum(ACCESS_LABELS).optional(),
    /** Free label naming this box, e.g. "casa-inwi-4g". */
    vantage: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" and "-" (at most 64)')
      .optional(),
  })
  .strict();

export type Labels = z.output<typeof labelsSchema>;
