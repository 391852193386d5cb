// The terminal rendering (default): the summary first (what was measured, what it shows), then the
// claims with their verdicts, the contradictions, the evidence per service and network, and the
// methods. Data strings are printed escaped, on one line: a results file must not be able to drive
// the terminal with escape sequences.

import { escapeForTerminal } from '../../util/terminal.js';
import type { ClaimVerdict, Report } from '../schema.js';
import {
  contradictionDoubts,
  contradictionTitle,
  definitePairs,
  finding,
  findingDetail,
  findingGrid,
  headline,
  kindWord,
  METHODS,
  networkName,
  notableFindings,
  pathNoun,
  periodLabel,
  SIMULATED_BANNER,
  SIMULATED_METHOD,
  STATE_SYMBOL,
  STATE_WORD,
  techniquesLabel,
  VERDICT_LABEL,
  vantageLabel,
  verdictLine,
} from './text.js';

/** A data string as one terminal-safe line (see escapeForTerminal). */
export function clean(s: string): string {
  return escapeForTerminal(s);
}

/** Columns padded to their widest cell; the last column is not padded. */
export function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function isSimulatedVerdict(v: ClaimVerdict): boolean {
  return v.checks.some((c) => c.vantage.simulated);
}

function claimRow(v: ClaimVerdict): string[] {
  const c = v.claim;
  return [
    c.id + (isSimulatedVerdict(v) ? ' [SIMULATED]' : ''),
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

function wrap(text: string, indent: string, width = 110): string[] {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(/\s+/)) {
    if (line && line.length + 1 + w.length > width - indent.length) {
      out.push(indent + line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(indent + line);
  return out;
}

function claimsTable(vs: readonly ClaimVerdict[], out: string[]): void {
  const rows = [
    ['id', 'verdict', 'effect', 'services', 'operators', 'access', 'paths', 'period', 'source'],
    ...vs.map(claimRow),
  ];
  const lines = columns(rows).split('\n');
  out.push(lines[0]!);
  vs.forEach((v, i) => {
    out.push(lines[i + 1]!);
    out.push(...wrap(clean(finding(v)), '    '));
    if (v.evidence.length) {
      const e = v.evidence[0]!;
      out.push(
        `    evidence: ${v.evidence_total} measurement(s), e.g. ${clean(e.file)}:${e.line} ${clean(e.report_id)} ${e.time} ${e.status}${e.link ? ` ${clean(e.link)}` : ''}`,
      );
    }
  });
}

export function renderTable(r: Report): string {
  const out: string[] = [];
  if (r.simulated) out.push(SIMULATED_BANNER, '');
  out.push(`voipprobe report: ${clean(headline(r))}`);
  if (r.filters.services || r.filters.since || r.filters.until) {
    out.push(
      `filters: ${[r.filters.services ? `service ${r.filters.services.join(',')}` : '', r.filters.since ? `since ${r.filters.since}` : '', r.filters.until ? `until ${r.filters.until}` : ''].filter(Boolean).map(clean).join('; ')}`,
    );
  }

  out.push('', 'SUMMARY');
  for (const h of r.summary.headline) out.push(...wrap(clean(h), '  '));
  if (r.summary.measured.length) {
    out.push('', 'What was measured');
    const rows = [['network', 'access', 'vantage', 'by', 'runs', 'measurements', 'from', 'to']];
    for (const m of r.summary.measured)
      rows.push(
        [
          `${m.vantage.network_name ? `${m.vantage.network_name} ` : ''}${m.vantage.asn} (${m.vantage.cc})${m.vantage.simulated ? ' SIMULATED' : ''}`,
          m.vantage.access,
          m.vantage.label || '-',
          m.vantage.source === 'ooni' ? 'OONI Probe' : 'voipprobe',
          String(m.runs),
          String(m.measurements),
          m.first_time,
          m.last_time,
        ].map(clean),
      );
    out.push(columns(rows));
    out.push(
      '',
      'What it shows (latest run per path: ✓ works, ✗ blocked, ◐ partly blocked, ~ degraded, ? could not tell)',
    );
    const g = findingGrid(r);
    const grid = [['service', ...g.networks.map((n) => networkName(n))].map(clean)];
    for (const row of g.rows)
      grid.push(
        [
          row.service,
          ...row.cells.map((fs) =>
            fs
              ? fs
                  .map(
                    (f) =>
                      `${pathNoun(f.path, f.service)} ${STATE_SYMBOL[f.state]}${f.strength ? ` ${f.strength}` : ''}`,
                  )
                  .join(' ')
              : '-',
          ),
        ].map(clean),
      );
    out.push(columns(grid));
    const notable = notableFindings(r);
    if (notable.length) {
      out.push('');
      for (const f of notable)
        out.push(
          ...wrap(
            clean(
              `${f.service} ${pathNoun(f.path, f.service)} on ${networkName(f.vantage)}: ${STATE_WORD[f.state]} — ${findingDetail(f)}`,
            ),
            '  ',
          ),
        );
    }
  }

  out.push('', `CLAIMS — ${clean(verdictLine(r))}`);
  const documents = r.verdicts.filter((v) => v.claim.origin === 'document');
  const facts = r.verdicts.filter((v) => v.claim.origin === 'external');
  if (documents.length === 0) out.push('(no claims)');
  else claimsTable(documents, out);
  if (facts.length) {
    out.push('', 'THE RECORD (external facts, kept apart from the documents)');
    claimsTable(facts, out);
    for (const v of facts)
      out.push(
        ...wrap(
          `${v.claim.id}: ${clean(v.claim.quote)} (${clean([v.claim.source, ...(v.claim.also_sources ?? [])].map((s) => `${s.outlet} ${s.published}`).join('; '))})`,
          '  ',
        ),
      );
  }

  out.push('', `CONTRADICTIONS BETWEEN CLAIMS (${r.claims.contradictions.length}; most important first)`);
  if (r.claims.contradictions.length === 0) out.push('(none)');
  for (const x of r.claims.contradictions) {
    out.push(
      clean(
        `${x.id} ${contradictionTitle(x)} — ${kindWord(x.kind)}, ${x.certainty}${x.certainty === 'definite' ? ` (${definitePairs(x)})` : ` (${contradictionDoubts(x).join(', ')})`}`,
      ),
    );
    for (const s of x.sides)
      out.push(
        ...wrap(
          clean(`${s.lead.id} “${s.lead.quote}” — ${s.lead.speaker}, ${s.lead.source} (${s.lead.period})`),
          '    ',
        ),
      );
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
        [
          e.service,
          vantageLabelOf(e.vantage),
          e.vantage.access,
          (e.vantage.label || '-') + (e.vantage.simulated ? ' SIMULATED' : ''),
          String(e.measurements),
          p('any'),
          p('chat'),
          p('web'),
          p('call'),
          techniquesLabel(how),
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

  out.push('', 'METHODS AND CAVEATS');
  for (const m of [...METHODS, ...(r.simulated ? [SIMULATED_METHOD] : [])])
    out.push(...wrap(`${m.title}: ${m.text}`, '  '));
  if (r.attributions.length) out.push('', ...r.attributions.map((a) => `Data: ${clean(a)}`));
  if (r.simulated) out.push('', SIMULATED_BANNER);
  return `${out.join('\n')}\n`;
}

function vantageLabelOf(v: Report['evidence'][number]['vantage']): string {
  return `${vantageLabel(v)}${v.source === 'ooni' ? ' OONI' : ''}`;
}
