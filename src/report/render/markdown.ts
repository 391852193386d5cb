// The Markdown rendering (--format md), for issues, wikis and mail. Every string from data is escaped:
// Markdown renderers pass inline HTML through, so an unescaped "<script>" in a results file would run.

import type { Report } from '../schema.js';
import { clean } from './table.js';
import { finding, headline, periodLabel, techniquesLabel, VERDICT_LABEL, VERDICT_MEANING, vantageLabel, verdictLine } from './text.js';

/** Text safe in a Markdown table cell: HTML, Markdown syntax and pipes neutralised, one line. */
export function md(s: string): string {
  return clean(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]{}()#+!|~])/g, '\\$1');
}

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function renderMarkdown(r: Report): string {
  const out: string[] = [];
  out.push('# VoIP blocking: claims and measurements', '');
  out.push(`${md(headline(r))}. ${md(verdictLine(r))}.`, '');
  out.push(`Generated ${md(r.generated_at)} by ${md(r.software.name)} ${md(r.software.version)}.`, '');
  if (r.filters.services || r.filters.since || r.filters.until)
    out.push(`Filters: services ${md(r.filters.services?.join(', ') ?? 'all')}, since ${md(r.filters.since ?? '-')}, until ${md(r.filters.until ?? '-')}.`, '');

  out.push('## Verdicts', '');
  out.push(table(['verdict', 'meaning'], (Object.keys(VERDICT_LABEL) as (keyof typeof VERDICT_LABEL)[]).map((k) => [`**${VERDICT_LABEL[k]}**`, md(VERDICT_MEANING[k])])), '');

  out.push('## Claims against the evidence', '');
  if (r.verdicts.length === 0) out.push('No claims.', '');
  else {
    out.push(
      table(
        ['claim', 'says', 'source', 'verdict', 'what the measurements show', 'cited measurements'],
        r.verdicts.map((v) => {
          const c = v.claim;
          const says = `${c.effect} (${c.paths.join(', ')}): ${c.services.join(', ')} on ${c.operators}, ${c.access}, ${periodLabel(c.period)}${c.scope ? `; only ${c.scope}` : ''}`;
          const src = `${c.source.outlet}, “${c.source.title}”, ${c.source.published} (${c.source.file}); ${c.speaker.kind}${c.speaker.name ? ` ${c.speaker.name}` : ''}`;
          const cites = v.evidence
            .slice(0, 3)
            .map((e) => `${e.file}:${e.line} ${e.report_id} ${e.time} ${e.service}/${e.path} ${e.status}`)
            .map(md)
            .join('<br>');
          return [
            `**${md(c.id)}**`,
            `${md(says)}<br>“${md(c.quote)}”`,
            md(src),
            `**${VERDICT_LABEL[v.verdict]}**`,
            md(finding(v)),
            cites ? `${cites}${v.evidence_total > 3 ? `<br>(${v.evidence_total} in all)` : ''}` : '-',
          ];
        }),
      ),
      '',
    );
  }

  out.push('## Evidence per service and network', '');
  if (r.evidence.length === 0) out.push('No measurements.', '');
  else {
    out.push(
      table(
        ['service', 'network', 'access', 'vantage', 'measurements', 'overall', 'chat', 'web', 'call', 'how (techniques)', 'from', 'to'],
        r.evidence.map((e) => {
          const p = (name: string) => e.paths.find((x) => x.path === name)?.latest_status ?? '-';
          return [
            md(e.service),
            md(vantageLabel(e.vantage)),
            md(e.vantage.access),
            md(e.vantage.label || '-'),
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

  out.push(`## Contradictions between claims (${r.claims.contradictions.length})`, '');
  if (r.claims.contradictions.length === 0) out.push('None.', '');
  else
    out.push(
      table(
        ['claims', 'kind', 'certainty', 'speaker weights', 'where they meet'],
        r.claims.contradictions.map((c) => [
          md(`${c.claims[0]} vs ${c.claims[1]}`),
          md(c.kind),
          md(c.certainty + (c.uncertain_because.length ? ` (${c.uncertain_because.join('; ')})` : '')),
          `${c.weights[0]} : ${c.weights[1]}`,
          md(`${c.effects[0]} vs ${c.effects[1]}: ${c.overlap.services.join(', ')} (${c.overlap.paths.join(', ')}) on ${c.overlap.operators}, ${c.overlap.access}, ${periodLabel(c.overlap.period)}`),
        ]),
      ),
      '',
    );

  if (r.input.bad_lines.total) {
    out.push(`## Bad lines (${r.input.bad_lines.total}, skipped)`, '');
    for (const b of r.input.bad_lines.examples) out.push(`- ${md(`${b.file}:${b.line}: ${b.kind}: ${b.reason}`)}`);
    if (r.input.bad_lines.total > r.input.bad_lines.examples.length) out.push(`- and ${r.input.bad_lines.total - r.input.bad_lines.examples.length} more`);
    out.push('');
  }
  if (r.attributions.length) {
    out.push('## Data sources', '');
    for (const a of r.attributions) out.push(`- ${md(a)}`);
    out.push('');
  }
  return out.join('\n');
}
