// The Markdown rendering (--format md), for issues, wikis and mail: the summary first, then claims,
// contradictions, evidence and methods. Every string from data is escaped: Markdown renderers pass
// inline HTML through, so an unescaped "<script>" in a results file would run.

import type { ClaimVerdict, Report } from '../schema.js';
import { clean, isSimulatedVerdict } from './table.js';
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

/** Text safe in a Markdown table cell: HTML, Markdown syntax and pipes neutralised, one line. */
export function md(s: string): string {
  return clean(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]{}()#+!|~])/g, '\\$1');
}

function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function claimRows(vs: readonly ClaimVerdict[]): string[][] {
  return vs.map((v) => {
    const c = v.claim;
    const says = `${c.effect} (${c.paths.join(', ')}): ${c.services.join(', ')} on ${c.operators}, ${c.access}, ${periodLabel(c.period)}${c.scope ? `; only ${c.scope}` : ''}`;
    const src = `${c.source.outlet}, ${c.source.published}; ${c.speaker.kind.replace('_', ' ')}${c.speaker.name ? ` ${c.speaker.name}` : ''}`;
    const cites = v.evidence
      .slice(0, 2)
      .map((e) => `${e.file}:${e.line} ${e.report_id} ${e.time} ${e.status}`)
      .map(md)
      .join('<br>');
    return [
      `**${md(c.id)}**${isSimulatedVerdict(v) ? ' SIMULATED' : ''}`,
      `${md(says)}<br>“${md(c.quote)}”<br>${md(src)}`,
      `**${VERDICT_LABEL[v.verdict]}**: ${md(finding(v))}`,
      cites ? `${cites}${v.evidence_total > 2 ? `<br>(${v.evidence_total} in all)` : ''}` : '-',
    ];
  });
}

export function renderMarkdown(r: Report): string {
  const out: string[] = [];
  out.push('# VoIP blocking: what was measured, and the claims', '');
  if (r.simulated) out.push(`> **${SIMULATED_BANNER}**`, '');
  out.push('## Summary', '');
  for (const h of r.summary.headline) out.push(`- ${md(h)}`);
  out.push('');
  if (r.summary.measured.length) {
    out.push('### What was measured', '');
    out.push(
      table(
        ['network', 'access', 'vantage', 'by', 'runs', 'measurements', 'from', 'to'],
        r.summary.measured.map((m) => [
          md(`${m.vantage.network_name ? `${m.vantage.network_name} ` : ''}${m.vantage.asn} (${m.vantage.cc})`) +
            (m.vantage.simulated ? ' **SIMULATED**' : ''),
          md(m.vantage.access),
          md(m.vantage.label || '-'),
          m.vantage.source === 'ooni' ? 'OONI Probe' : 'voipprobe',
          String(m.runs),
          String(m.measurements),
          md(m.first_time),
          md(m.last_time),
        ]),
      ),
      '',
    );
    out.push(
      '### What it shows',
      '',
      'Latest run per path: ✓ works, ✗ blocked, ◐ partly blocked, ~ degraded, ? could not tell.',
      '',
    );
    const g = findingGrid(r);
    out.push(
      table(
        ['service', ...g.networks.map((n) => md(networkName(n)))],
        g.rows.map((row) => [
          md(row.service),
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
        ]),
      ),
      '',
    );
    const notable = notableFindings(r);
    for (const f of notable)
      out.push(
        `- **${md(f.service)} ${pathNoun(f.path, f.service)}** on ${md(networkName(f.vantage))}: ${STATE_WORD[f.state]}: ${md(findingDetail(f))}`,
      );
    if (notable.length) out.push('');
  }
  out.push(
    `${md(headline(r))}. Generated ${md(r.generated_at)} by ${md(r.software.name)} ${md(r.software.version)}.`,
    '',
  );
  if (r.filters.services || r.filters.since || r.filters.until)
    out.push(
      `Filters: services ${md(r.filters.services?.join(', ') ?? 'all')}, since ${md(r.filters.since ?? '-')}, until ${md(r.filters.until ?? '-')}.`,
      '',
    );

  out.push('## Claims against the evidence', '', `${md(verdictLine(r))}.`, '');
  const documents = r.verdicts.filter((v) => v.claim.origin === 'document');
  const facts = r.verdicts.filter((v) => v.claim.origin === 'external');
  if (documents.length === 0) out.push('No claims.', '');
  else out.push(table(['claim', 'says (quote, source)', 'verdict', 'cited measurements'], claimRows(documents)), '');
  if (facts.length) {
    out.push('### The record (external facts, kept apart from the documents)', '');
    out.push(table(['fact', 'statement (our words; sources)', 'verdict', 'cited measurements'], claimRows(facts)), '');
  }

  out.push(`## Contradictions between claims (${r.claims.contradictions.length})`, '');
  if (r.claims.contradictions.length === 0) out.push('None.', '');
  for (const x of r.claims.contradictions) {
    out.push(
      `- **${md(x.id)} ${md(contradictionTitle(x))}**: ${md(kindWord(x.kind))}, **${x.certainty}**${x.certainty === 'definite' ? ` (${md(definitePairs(x))})` : ` (${md(contradictionDoubts(x).join(', '))})`}`,
    );
    for (const s of x.sides)
      out.push(
        `  - ${md(s.lead.id)}: “${md(s.lead.quote)}” (${md(s.lead.speaker)}, ${md(s.lead.source)}; ${md(s.lead.period)})`,
      );
  }
  out.push('');

  out.push('## Evidence per service and network', '');
  if (r.evidence.length === 0) out.push('No measurements.', '');
  else {
    out.push(
      table(
        [
          'service',
          'network',
          'access',
          'vantage',
          'measurements',
          'overall',
          'chat',
          'web',
          'call',
          'how (techniques)',
          'from',
          'to',
        ],
        r.evidence.map((e) => {
          const p = (name: string) => e.paths.find((x) => x.path === name)?.latest_status ?? '-';
          return [
            md(e.service),
            md(vantageLabel(e.vantage)) + (e.vantage.source === 'ooni' ? ' OONI' : ''),
            md(e.vantage.access),
            md(e.vantage.label || '-') + (e.vantage.simulated ? ' **SIMULATED**' : ''),
            String(e.measurements),
            md(p('any')),
            md(p('chat')),
            md(p('web')),
            md(p('call')),
            md(techniquesLabel(e.paths.find((x) => x.path === 'any')?.techniques ?? {})),
            md(e.first_time),
            md(e.last_time),
          ];
        }),
      ),
      '',
    );
  }

  if (r.input.bad_lines.total) {
    out.push(`## Bad lines (${r.input.bad_lines.total}, skipped)`, '');
    for (const b of r.input.bad_lines.examples) out.push(`- ${md(`${b.file}:${b.line}: ${b.kind}: ${b.reason}`)}`);
    if (r.input.bad_lines.total > r.input.bad_lines.examples.length)
      out.push(`- and ${r.input.bad_lines.total - r.input.bad_lines.examples.length} more`);
    out.push('');
  }
  out.push('## Methods and caveats', '');
  for (const m of [...METHODS, ...(r.simulated ? [SIMULATED_METHOD] : [])]) out.push(`- **${m.title}.** ${md(m.text)}`);
  out.push('');
  if (r.attributions.length) {
    out.push('## Data sources', '');
    for (const a of r.attributions) out.push(`- ${md(a)}`);
    out.push('');
  }
  if (r.simulated) out.push(`> **${SIMULATED_BANNER}**`, '');
  return out.join('\n');
}
