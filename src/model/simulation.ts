// Simulated measurements: `voipprobe demo` writes lines measured in a lab on one computer and marks
// each with `annotations.x_simulation`. Nothing downstream may take them for a network's: submit and
// the collector refuse them unless told otherwise, and a report over them says so on every page.

/** The mark, when the measurement carries one (a non-empty string), else undefined. */
export function simulationMark(m: unknown): string | undefined {
  const a = (m as { annotations?: unknown } | null)?.annotations;
  const v = a !== null && typeof a === 'object' ? (a as Record<string, unknown>).x_simulation : undefined;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export const SIMULATED_REFUSAL =
  'a simulated measurement (annotations.x_simulation, written by voipprobe demo): nothing real was measured';
