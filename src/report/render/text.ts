// Words and short phrases shared by the renderers, so that the table, Markdown and HTML say the same.

import type { ClaimVerdict, Report, VantageOut } from '../schema.js';

export const VERDICT_LABEL: Record<ClaimVerdict['verdict'], string> = {
  consistent: 'consistent',
  contradicted: 'contradicted',
  not_tested: 'not tested',
  historical: 'historical',
};

export const VERDICT_MEANING: Record<ClaimVerdict['verdict'], string> = {
  consistent: 'measurements in the claimed period show the claimed state',
  contradicted: 'measurements in the claimed period show another state',
  not_tested: 'no decisive measurement matches the claim (service, network, access, path or time), or it cannot be measured',
  historical: 'the claimed period is over; what measurements since then show, and which later claim that agrees with',
};

export function vantageLabel(v: VantageOut): string {
  const name = v.network_name ? ` ${v.network_name}` : '';
  return `${v.asn}${name} (${v.cc})`;
}

export function periodLabel(p: { from: string | null; to: string | null }): string {
  if (p.from && p.to) return p.from === p.to ? p.from : `${p.from} to ${p.to}`;
  if (p.from) return `from ${p.from}`;
  if (p.to) return `until ${p.to}`;
  return 'undated';
}

/** The part of a verdict a reader needs first: what was measured, and what that means for the claim. */
export function finding(v: ClaimVerdict): string {
  if (v.verdict === 'not_tested') return v.reasons.join('; ');
  const i = v.summary.indexOf('; ');
  return i >= 0 ? v.summary.slice(i + 2) : v.summary;
}

export function headline(r: Report): string {
  const i = r.input;
  const span = i.first_time && i.last_time ? ` (${i.first_time} to ${i.last_time} UTC)` : '';
  const bad = i.bad_lines.total ? `; ${i.bad_lines.total} bad line${i.bad_lines.total === 1 ? '' : 's'} skipped` : '';
  return `${i.measurements} measurement${i.measurements === 1 ? '' : 's'} from ${i.files.length} file${i.files.length === 1 ? '' : 's'}${span}${bad}`;
}

export function verdictLine(r: Report): string {
  const c = r.verdict_counts;
  return `${r.claims.count} claims, ${r.claims.contradictions.length} contradictions between them; verdicts: ${c.consistent} consistent, ${c.contradicted} contradicted, ${c.historical} historical, ${c.not_tested} not tested`;
}

/** Techniques by count, "udp.no_response ×120, tls.reset ×3". */
export function techniquesLabel(t: Record<string, number>, max = 3): string {
  const e = Object.entries(t);
  const s = e.slice(0, max).map(([k, n]) => `${k} ×${n}`).join(', ');
  return e.length > max ? `${s}, …` : s;
}
