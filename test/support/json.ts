// JSON texts that attack parsers.

/** A JSON text nested `depth` levels deep: `[[[ ... ]]]` (40 KB at 20,000 levels, as the attack used). */
export function deepJson(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/**
 * The JSON line of a measurement whose test_keys.x_deep nests `depth` levels: built as text, since
 * JSON.stringify itself overflows the stack on such a value.
 */
export function deepMeasurementLine(m: { test_keys: object }, depth: number): string {
  return JSON.stringify({ ...m, test_keys: { ...m.test_keys, x_deep: '__DEEP__' } }).replace(
    '"__DEEP__"',
    deepJson(depth),
  );
}
