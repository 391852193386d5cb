// The published JSON Schema of a measurement line (src/model/measurement.schema.json), as a validator
// built from the committed file itself, never from the zod source: what a consumer of the lines gets.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const MEASUREMENT_SCHEMA_FILE = join(import.meta.dirname, '..', '..', 'src', 'model', 'measurement.schema.json');

let published: z.ZodType | undefined;

/** Why a line does not fit the published schema ("" when it fits): the first issues, with their paths. */
export function schemaProblems(line: unknown): string {
  published ??= z.fromJSONSchema(JSON.parse(readFileSync(MEASUREMENT_SCHEMA_FILE, 'utf8')));
  const r = published.safeParse(line);
  if (r.success) return '';
  return r.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
