// The HTML rendering (--format html): one self-contained file. No script, no external resource of any
// kind (a Content-Security-Policy forbids fetching anything), inline SVG charts, print styles so that
// it reads on paper. Every string that comes from data (claims files, results files) is escaped.

import type { ClaimVerdict, Report } from '../schema.js';
import { dayStrip, esc, pathStatusChart, STATUS_COLOUR, STATUS_SYMBOL, timelineChart, VERDICT_COLOUR } from './svg.js';
import { finding, headline, periodLabel, techniquesLabel, VERDICT_LABEL, VERDICT_MEANING, vantageLabel, verdictLine } from './text.js';

const CSS = `
:root { --fg:#1a1a1a; --muted:#555; --line:#ccc; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; color: var(--fg); margin: 0 auto; max-width: 1200px; padding: 16px 24px 40px; background: #fff; }
h1 { font-size: 1.6em; margin: .2em 0 .3em; }
h2 { font-size: 1.25em; margin: 1.6em 0 .5em; border-bottom: 2px solid #333; padding-bottom: .15em; break-after: avoid; }
p.lead { margin: .2em 0; }
.muted, .s { color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: .92em; }
th, td { border: 1px solid var(--line); padding: 5px 7px; vertical-align: top; text-align: left; }
th { background: #f2f2f2; }
tr { break-inside: avoid; }
blockquote { margin: .3em 0; padding: .2em .6em; border-left: 3px solid #999; font-style: italic; background: #fafafa; }
code { font: .85em/1.3 ui-monospace, "DejaVu Sans Mono", monospace; word-break: break-all; }
.badge { display: inline-block; padding: 1px 7px; border-radius: 9px; color: #fff; font-weight: 600; font-size: .85em; white-space: nowrap; }
.st { display: inline-block; min-width: 1.4em; text-align: center; border-radius: 3px; color: #fff; font-weight: 700; }
.chart { max-width: 100%; height: auto; font: 11px system-ui, sans-serif; }
.chart .h { font-weight: 600; fill: #1a1a1a; } .chart .s { fill: #444; font-size: 10px; } .chart .sym { font-size: 14px; font-weight: 700; } .chart .sym-s { font-size: 9px; font-weight: 700; }
.strip { vertical-align: middle; }
.counts { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; margin: .6em 0; }
.counts div { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; }
.counts b { font-size: 1.4em; display: block; }
.claim-id { font-weight: 700; white-space: nowrap; }
ul.refs { margin: .3em 0 0; padding-left: 1.1em; }
footer { margin-top: 2.5em; font-size: .85em; color: var(--muted); border-top: 1px solid var(--line); padding-top: .6em; }
@page { size: A4; margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; }
  section { break-inside: auto; }
  .chart { max-width: 100%; }
  a { color: inherit; text-decoration: none; }
}
`;

function badge(v: ClaimVerdict['verdict']): string {
  return `<span class="badge" style="background:${VERDICT_COLOUR[v]}">${esc(VERDICT_LABEL[v])}</span>`;
}

function statusChip(s: keyof typeof STATUS_COLOUR): string {
  const fg = s === 'degraded' || s === 'none' ? '#000' : '#fff';
  return `<span class="st" style="background:${STATUS_COLOUR[s]};color:${fg}" title="${esc(s)}">${esc(STATUS_SYMBOL[s])}</span> ${esc(s.replace('_', ' '))}`;
}

function claimCell(v: ClaimVerdict): string {
  const c = v.claim;
  return [
    `<div class="claim-id">${esc(c.id)}</div>`,
    `<blockquote lang="${esc(c.source.language)}">${esc(c.quote)}</blockquote>`,
    `<div><b>${esc(c.effect)}</b> (${esc(c.paths.join(', '))}): ${esc(c.services.join(', '))} on ${esc(c.operators)}, access ${esc(c.access)}, ${esc(periodLabel(c.period))} <span class="muted">(${esc(c.period.precision)})</span></div>`,
    c.scope ? `<div>only: ${esc(c.scope)}</div>` : '',
    c.technique ? `<div>technique: ${esc(c.technique)}</div>` : '',
    `<div class="muted">${esc(c.speaker.kind.replace('_', ' '))}${c.speaker.name ? `: ${esc(c.speaker.name)}` : ''} (weight ${c.speaker.weight}) in ${esc(c.source.outlet)}, “${esc(c.source.title)}”, ${esc(c.source.published)}; <code>${esc(c.source.file)}</code></div>`,
    v.conflicts_with.length ? `<div class="muted">conflicts with: ${esc(v.conflicts_with.join(', '))}</div>` : '',
  ].join('');
}

function evidenceCell(v: ClaimVerdict): string {
  const checks = v.checks.filter((c) => c.outcome !== 'inconclusive').slice(0, 6);
  const refs = v.evidence
    .map((e) => `<li><code>${esc(e.file)}:${e.line}</code> ${esc(e.time)} ${esc(e.service)}/${esc(e.path)} ${statusChip(e.status)}<br><code>${esc(e.report_id)}</code> <code>${esc(e.id)}</code></li>`)
    .join('');
  return [
    `<div>${badge(v.verdict)} ${esc(finding(v))}</div>`,
    checks.length
      ? `<ul class="refs">${checks
          .map(
            (c) =>
              `<li>${esc(c.window)}: ${esc(c.service)}/${esc(c.path)} on ${esc(vantageLabel(c.vantage))} ${esc(c.vantage.access)}${c.vantage.label ? ` ${esc(c.vantage.label)}` : ''}: ${c.counts.accessible} accessible, ${c.counts.blocked + c.counts.partially_blocked} blocked, ${c.counts.degraded} degraded, ${c.counts.inconclusive} inconclusive (${esc(c.first_day)}…${esc(c.last_day)}) → ${esc(c.outcome)}</li>`,
          )
          .join('')}</ul>`
      : '',
    refs ? `<div class="muted">cited (${v.evidence.length} of ${v.evidence_total}):</div><ul class="refs">${refs}</ul>` : '',
  ].join('');
}

export interface HtmlOptions {
  title?: string;
}

export function renderHtml(r: Report, opts: HtmlOptions = {}): string {
  const title = opts.title ?? 'VoIP blocking: claims and measurements';
  const c = r.verdict_counts;
  const counts = (['consistent', 'contradicted', 'historical', 'not_tested'] as const)
    .map((k) => `<div style="border-color:${VERDICT_COLOUR[k]}"><b style="color:${VERDICT_COLOUR[k]}">${c[k]}</b>${esc(VERDICT_LABEL[k])}<br><span class="muted">${esc(VERDICT_MEANING[k])}</span></div>`)
    .join('');
  const evidenceRows = r.evidence
    .map((e) => {
      const p = (name: string) => {
        const pe = e.paths.find((x) => x.path === name);
        return pe ? statusChip(pe.latest_status) : '<span class="muted">-</span>';
      };
      return `<tr><td>${esc(e.service)}</td><td>${esc(vantageLabel(e.vantage))}</td><td>${esc(e.vantage.access)}</td><td>${esc(e.vantage.label || '-')}</td><td>${e.measurements}</td><td>${p('any')}</td><td>${p('chat')}</td><td>${p('web')}</td><td>${p('call')}</td><td>${esc(techniquesLabel(e.paths.find((x) => x.path === 'any')?.techniques ?? {}))}</td><td>${dayStrip(e)}<div class="muted">${esc(e.first_time.slice(0, 10))} … ${esc(e.last_time.slice(0, 10))}</div></td></tr>`;
    })
    .join('');
  const contradictions = r.claims.contradictions
    .map(
      (x) =>
        `<tr><td>${esc(x.claims[0])} vs ${esc(x.claims[1])}</td><td>${esc(x.kind)}</td><td>${esc(x.certainty)}${x.uncertain_because.length ? `<div class="muted">${esc(x.uncertain_because.join('; '))}</div>` : ''}</td><td>${x.weights[0]} : ${x.weights[1]}</td><td>${esc(`${x.effects[0]} vs ${x.effects[1]}`)}: ${esc(x.overlap.services.join(', '))} (${esc(x.overlap.paths.join(', '))}) on ${esc(x.overlap.operators)}, ${esc(x.overlap.access)}, ${esc(periodLabel(x.overlap.period))}</td></tr>`,
    )
    .join('');
  const bad = r.input.bad_lines;
  const badList = bad.examples.map((b) => `<li><code>${esc(b.file)}:${b.line}</code> ${esc(b.kind)}: ${esc(b.reason)}</li>`).join('');
  const filters = r.filters.services || r.filters.since || r.filters.until
    ? `<p class="lead">Filters: services ${esc(r.filters.services?.join(', ') ?? 'all')}; since ${esc(r.filters.since ?? '-')}; until ${esc(r.filters.until ?? '-')}.</p>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${esc(`${r.software.name} ${r.software.version}`)}">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${esc(title)}</h1>
<p class="lead">${esc(headline(r))}.</p>
<p class="lead">${esc(verdictLine(r))}.</p>
${filters}
<p class="muted">Generated ${esc(r.generated_at)}. Claims from ${esc(r.claims.files.join(', ') || '(none)')}.</p>
</header>
<section id="summary"><h2>Verdicts</h2><div class="counts">${counts}</div></section>
<section id="paths"><h2>Path status by network</h2>
<p class="muted">Latest day's dominant status of each path, per service and network. Symbols: ✓ accessible, ◐ partially blocked, ✗ blocked, ~ degraded, ? inconclusive.</p>
${pathStatusChart(r.evidence)}
</section>
<section id="timeline"><h2>Timeline of claims and verdicts</h2>
<p class="muted">Bars: the claimed period, coloured by the claimed effect (dashed: start or end not stated). Rings: the latest evidence a verdict rests on (✓ consistent, ✗ contradicted, H historical). Shaded: the period measured.</p>
${timelineChart(r)}
</section>
<section id="claims"><h2>Claims side by side with the evidence</h2>
<table><thead><tr><th style="width:45%">Claim (source, quote)</th><th>Verdict and evidence</th></tr></thead><tbody>
${r.verdicts.map((v) => `<tr><td>${claimCell(v)}</td><td>${evidenceCell(v)}</td></tr>`).join('\n')}
</tbody></table>
</section>
<section id="evidence"><h2>Evidence per service and network</h2>
${r.evidence.length ? `<table><thead><tr><th>service</th><th>network</th><th>access</th><th>vantage</th><th>n</th><th>overall</th><th>chat</th><th>web</th><th>call</th><th>how</th><th>over time</th></tr></thead><tbody>${evidenceRows}</tbody></table>` : '<p class="empty">No measurements.</p>'}
</section>
<section id="contradictions"><h2>Contradictions between claims (${r.claims.contradictions.length})</h2>
${contradictions ? `<table><thead><tr><th>claims</th><th>kind</th><th>certainty</th><th>speaker weights</th><th>where they meet</th></tr></thead><tbody>${contradictions}</tbody></table>` : '<p>None.</p>'}
</section>
${bad.total ? `<section id="bad"><h2>Bad lines (${bad.total}, skipped)</h2><p class="muted">${bad.corrupt} corrupt, ${bad.torn} torn, ${bad.invalid} invalid, ${bad.unusable} without a usable verdict.</p><ul>${badList}</ul>${bad.total > bad.examples.length ? `<p class="muted">and ${bad.total - bad.examples.length} more.</p>` : ''}</section>` : ''}
<footer>
${r.attributions.length ? `<p>Data sources: ${r.attributions.map(esc).join('; ')}</p>` : ''}
<p>${esc(r.software.name)} ${esc(r.software.version)}. Measurements: ${esc(r.input.files.length ? `${r.input.files.length} results file(s)` : 'none')}.</p>
</footer>
</body>
</html>
`;
}
