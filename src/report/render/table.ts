// The terminal rendering (default): claims with their verdicts, the evidence per service and network,
// and the contradictions. Data strings are printed escaped, on one line: a results file must not be
// able to drive the terminal with escape sequences.

import { escapeForTerminal } from '../../util/terminal.js';
import type { ClaimVerdict, Report } from '../schema.js';
import { finding, headline, periodLabel, techniquesLabel, VERDICT_LABEL, vantageLabel, verdictLine } from './text.js';

/** A data string as one terminal-safe line (see escapeForTerminal). */
export function clean(s: string): string {
  return escapeForTerminal(s);
}

/** Columns padded to their widest cell; the last column is not padded. */
export function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

function claimRow(v: ClaimVerdict): string[] {
  const c = v.claim;
  return [
    c.id,
    VERDICT_LABEL[v.verdict],
    c.effect,
    c.services.join(','),
    c.operators,
    c.access,
    c.paths.join(','),
    periodLabel(c.period),
    `${c.source.outlet}, ${c.source.published}`,
  ].map(clean);
}

export function renderTable(r: Report): string {
  const out: string[] = [];
  out.push(`voipprobe report: ${clean(headline(r))}`);
  out.push(clean(verdictLine(r)));
  if (r.filters.services || r.filters.since || r.filters.until) {
    out.push(
      `filters: ${[r.filters.services ? `service ${r.filters.services.join(',')}` : '', r.filters.since ? `since ${r.filters.since}` : '', r.filters.until ? `until ${r.filters.until}` : ''].filter(Boolean).map(clean).join('; ')}`,
    );
  }

  out.push('', 'CLAIMS');
  if (r.verdicts.length === 0) out.push('(no claims)');
  else {
    const rows = [['id', 'verdict', 'effect', 'services', 'operators', 'access', 'paths', 'period', 'source'], ...r.verdicts.map(claimRow)];
    const lines = columns(rows).split('\n');
    out.push(lines[0]!);
    r.verdicts.forEach((v, i) => {
      out.push(lines[i + 1]!);
      out.push(`    ${clean(finding(v))}`);
      if (v.evidence.length) {
        const e = v.evidence[0]!;
        out.push(`    evidence: ${v.evidence_total} measurement(s), e.g. ${clean(e.file)}:${e.line} ${clean(e.report_id)} ${e.time} ${e.status}`);
      }
    });
  }

  out.push('', 'EVIDENCE (latest status per path; counts over all measurements)');
  if (r.evidence.length === 0) out.push('(no measurements)');
  else {
    const rows = [['service', 'network', 'access', 'vantage', 'n', 'overall', 'chat', 'web', 'call', 'how']];
    for (const e of r.evidence) {
      const p = (name: string) => {
        const pe = e.paths.find((x) => x.path === name);
        return pe ? pe.latest_status : '-';
      };
      const how = e.paths.find((x) => x.path === 'any')?.techniques ?? {};
      rows.push(
        [e.service, vantageLabel(e.vantage), e.vantage.access, e.vantage.label || '-', String(e.measurements), p('any'), p('chat'), p('web'), p('call'), techniquesLabel(how)].map(clean),
      );
    }
    out.push(columns(rows));
  }

  out.push('', `CONTRADICTIONS BETWEEN CLAIMS (${r.claims.contradictions.length})`);
  if (r.claims.contradictions.length === 0) out.push('(none)');
  else {
    const rows = [['claims', 'kind', 'certainty', 'weights', 'where they meet']];
    for (const c of r.claims.contradictions) {
      rows.push(
        [
          `${c.claims[0]} vs ${c.claims[1]}`,
          c.kind,
          c.certainty,
          `${c.weights[0]}:${c.weights[1]}`,
          `${c.effects[0]} vs ${c.effects[1]}: ${c.overlap.services.join(',')} (${c.overlap.paths.join(',')}) on ${c.overlap.operators}, ${c.overlap.access}, ${periodLabel(c.overlap.period)}`,
        ].map(clean),
      );
    }
    out.push(columns(rows));
  }

  if (r.input.bad_lines.total) {
    out.push('', `BAD LINES (${r.input.bad_lines.total}; skipped)`);
    for (const b of r.input.bad_lines.examples) out.push(`${clean(b.file)}:${b.line}: ${b.kind}: ${clean(b.reason)}`);
    if (r.input.bad_lines.total > r.input.bad_lines.examples.length)
      out.push(`(and ${r.input.bad_lines.total - r.input.bad_lines.examples.length} more, printed on stderr)`);
  }
  if (r.attributions.length) out.push('', ...r.attributions.map((a) => `Data: ${clean(a)}`));
  return `${out.join('\n')}\n`;
}
