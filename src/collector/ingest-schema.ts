// What the collector accepts. The base is the results reader's shape (the fields every consumer relies
// on); on top, what the stores need to index and dedupe safely. A refusal names the field and why.

import { z } from 'zod';
import type { Measurement } from '../model/measurement.js';
import { vantageSchema } from '../model/schema/vantage.js';
import { measurementShape } from '../results/read.js';
import { isCollectorField } from './store.js';

/** The reader's shape, and the vantage labels the stores index, as the measurement schema defines them (absent on old lines). */
export const incomingMeasurement = measurementShape
  .extend({
    x_access: vantageSchema.shape.x_access.optional(),
    x_vantage: vantageSchema.shape.x_vantage.optional(),
  })
  .superRefine((m, ctx) => {
    if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(m.id)) {
      ctx.addIssue({
        code: 'custom',
        path: ['id'],
        message: 'must be 1-128 letters, digits, ".", "_", ":" or "-" (a UUID)',
      });
    }
    if (Number.isNaN(Date.parse(`${m.measurement_start_time.replace(' ', 'T')}Z`))) {
      ctx.addIssue({ code: 'custom', path: ['measurement_start_time'], message: 'not a real date and time' });
    }
    for (const k of Object.keys(m)) {
      if (isCollectorField(k))
        ctx.addIssue({
          code: 'custom',
          path: [k],
          message:
            'set by the collector, never by a submitter (a measurement read back from a collector cannot be submitted again as it is)',
        });
    }
  });

/** OONI's POST /report/{id} and /api/v1/submit_measurement bodies: content as an object or a JSON string. */
export const submissionBody = z.object({
  format: z.literal('json', { error: 'only "json" is supported' }).optional(),
  content: z.union([z.string(), z.record(z.string(), z.unknown())], {
    error: 'content must be the measurement (an object, or a JSON string)',
  }),
});

/** OONI's POST /report body (open a report). */
export const openReportBody = z
  .object({
    format: z.literal('json', { error: 'only "json" is supported' }).optional(),
    probe_asn: z.string().regex(/^AS\d+$/, 'must look like "AS1234"'),
    probe_cc: z.string().regex(/^[A-Z]{2}$/, 'must be two upper-case letters'),
    test_name: z.string().regex(/^[a-z0-9_]{1,64}$/, 'snake_case, at most 64 characters'),
  })
  .passthrough();

export type Validated<T> = { ok: true; value: T } | { ok: false; reason: string };

function firstIssue(err: z.ZodError, prefix: string): string {
  const issue = err.issues[0]!;
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  const more = err.issues.length > 1 ? ` (and ${err.issues.length - 1} more)` : '';
  return `${path || '(root)'}: ${issue.message}${more}`;
}

export function validateMeasurement(value: unknown, prefix = 'content'): Validated<Measurement> {
  const r = incomingMeasurement.safeParse(value);
  return r.success ? { ok: true, value: value as Measurement } : { ok: false, reason: firstIssue(r.error, prefix) };
}

export function validateWith<S extends z.ZodType>(schema: S, value: unknown): Validated<z.output<S>> {
  const r = schema.safeParse(value);
  return r.success ? { ok: true, value: r.data } : { ok: false, reason: firstIssue(r.error, '') };
}
