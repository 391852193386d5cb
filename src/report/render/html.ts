// The HTML rendering (--format html): one self-contained file. No script, no external resource of any
// kind (a Content-Security-Policy forbids fetching anything), inline SVG charts, a layout that reads on
// a phone and prints to a few A4 pages. The summary comes first, then the claims, the contradictions,
// the evidence, and the methods and caveats. Every string that comes from data is escaped.

import type { ClaimVerdict, ContradictionOut, Finding, Report } from '../schema.js';
import { dayStrip, esc, STATUS_COLOUR, STATUS_SYMBOL, timelineChart, VERDICT_COLOUR } from './svg.js';
import { isSimulatedVerdict } from './table.js';
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
  VERDICT_MEANING,
  verdictLine,
} from './text.js';

const CSS = `
:root { --fg:#1a1a1a; --muted:#555; --line:#ccc; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; color: var(--fg); margin: 0 auto; max-width: 1100px; padding: 12px 20px 40px; background: #fff; overflow-wrap: break-word; }
h1 { font-size: 1.5em; margin: .2em 0 .3em; overflow-wrap: normal; }
h2 { font-size: 1.2em; margin: 1.4em 0 .4em; border-bottom: 2px solid #333; padding-bottom: .1em; break-after: avoid; }
h3 { font-size: 1.02em; margin: 1em 0 .3em; break-after: avoid; }
ul.lead { margin: .3em 0 .6em; padding-left: 1.2em; font-size: 1.05em; }
ul.lead li { margin: .15em 0; }
.muted, .s { color: var(--muted); }
.small { font-size: .88em; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: .9em; }
#grid th { overflow-wrap: normal; }
th, td { border: 1px solid var(--line); padding: 4px 6px; vertical-align: top; text-align: left; }
th { background: #f2f2f2; }
tr { break-inside: avoid; }
blockquote { margin: .2em 0; padding: .1em .5em; border-left: 3px solid #999; font-style: italic; background: #fafafa; }
code { font: .85em/1.3 ui-monospace, "DejaVu Sans Mono", monospace; word-break: break-all; }
.badge { display: inline-block; padding: 0 6px; border-radius: 8px; color: #fff; font-weight: 600; font-size: .85em; }
.st { display: inline-block; min-width: 1.3em; text-align: center; border-radius: 3px; color: #fff; font-weight: 700; }
.chip { display: inline-block; white-space: nowrap; margin: 1px 3px 1px 0; padding: 0 4px; border-radius: 3px; color: #fff; font-size: .88em; }
.chart { max-width: 100%; height: auto; font: 11px system-ui, sans-serif; }
.chart .s { fill: #444; font-size: 9.5px; } .chart .sym-s { font-size: 8px; font-weight: 700; }
.strip { vertical-align: middle; max-width: 100%; }
.claim-id { font-weight: 700; white-space: nowrap; }
ul.refs { margin: .2em 0 0; padding-left: 1.1em; }
.sim { background: #b71c1c; color: #fff; font-weight: 700; padding: 6px 10px; margin: 0 0 8px; border-radius: 4px; }
.simtag { background: #b71c1c; color: #fff; font-weight: 700; font-size: .75em; padding: 0 4px; border-radius: 3px; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.contra { border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; margin: 6px 0; break-inside: avoid; }
.contra .head { font-weight: 600; }
.def { background: #6a1b9a; } .pos { background: #9e9e9e; }
footer { margin-top: 2em; font-size: .85em; color: var(--muted); border-top: 1px solid var(--line); padding-top: .5em; }
.methods p { margin: .3em 0; }
.later { border-left: 3px solid #6a1b9a; padding: 2px 8px; margin: 6px 0; }
.later ul { margin: .2em 0; padding-left: 1.1em; }
td.nw { white-space: nowrap; }
@media (max-width: 700px) {
  body { padding: 8px 10px 30px; font-size: 15px; }
  .pair { grid-template-columns: 1fr; }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; width: 100%; }
  table.stack thead { display: none; }
  table.stack tr { border: 1px solid var(--line); margin: 0 0 8px; }
  table.stack td { border: none; border-bottom: 1px solid #eee; }
  table.stack td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; color: var(--muted); }
}
@page { size: A4; margin: 10mm 10mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 8.3pt; line-height: 1.3; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { font-size: 11pt; margin: .9em 0 .3em; }
  th, td { padding: 2px 4px; }
  .scroll { overflow: visible; }
  .chart { max-width: 100%; }
  a { color: inherit; text-decoration: none; }
}
`;

/** Printed, a simulated report carries its warning in every page's top margin (a CSS page-margin box). */
function simulatedPageCss(): string {
  return `@page { @top-center { content: "${SIMULATED_BANNER.replace(/["\\]/g, '')}"; color: #b71c1c; font: 700 8pt sans-serif; } }`;
}

function badge(v: ClaimVerdict['verdict']): string {
  return `<span class="badge" style="background:${VERDICT_COLOUR[v]}">${esc(VERDICT_LABEL[v])}</span>`;
}

/** A status, and for a block how strong its evidence is (said even when the line did not record it). */
function statusChip(s: keyof typeof STATUS_COLOUR, strength?: string): string {
  const fg = s === 'degraded' || s === 'none' ? '#000' : '#fff';
  const block = s === 'blocked' || s === 'partially_blocked';
  // One word in the cell (the table must still print on a few pages), the sentence in its title.
  const how = block
    ? ` <span class="small" title="${esc(strength ? `${strength} evidence` : 'the line did not record how strong its evidence is')}">${esc(strength ?? 'strength ?')}</span>`
    : '';
  return `<span class="st" style="background:${STATUS_COLOUR[s]};color:${fg}" title="${esc(s)}">${esc(STATUS_SYMBOL[s])}</span> ${esc(s.replace('_', ' '))}${how}`;
}

const STATE_STATUS: Record<Finding['state'], keyof typeof STATUS_COLOUR> = {
  works: 'accessible',
  blocked: 'blocked',
  partly_blocked: 'partially_blocked',
  degraded: 'degraded',
  could_not_tell: 'inconclusive',
};

function findingChip(f: Finding): string {
  const st = STATE_STATUS[f.state];
  const fg = st === 'degraded' ? '#000' : '#fff';
  const strength = f.strength
    ? ` ${f.strength}`
    : f.state === 'blocked' || f.state === 'partly_blocked'
      ? ' (strength not recorded)'
      : '';
  return `<span class="chip" style="background:${STATUS_COLOUR[st]};color:${fg}" title="${esc(`${f.service} ${pathNoun(f.path, f.service)}: ${STATE_WORD[f.state]}`)}">${esc(`${pathNoun(f.path, f.service)} ${STATE_SYMBOL[f.state]} ${STATE_WORD[f.state]}${strength}`)}</span>`;
}

/** A grid cell: one chip when every path works, otherwise a chip per path that does not, and what works. */
function cellChips(fs: readonly Finding[]): string {
  const works = fs.filter((f) => f.state === 'works');
  if (works.length === fs.length)
    return `<span class="chip" style="background:${STATUS_COLOUR.accessible}">✓ ${esc(fs.map((f) => pathNoun(f.path, f.service)).join(', '))}</span>`;
  const rest = fs
    .filter((f) => f.state !== 'works')
    .map(findingChip)
    .join(' ');
  return `${rest}${works.length ? ` <span class="muted small">✓ ${esc(works.map((f) => pathNoun(f.path, f.service)).join(', '))}</span>` : ''}`;
}

function simTag(on: boolean): string {
  return on ? ' <span class="simtag">SIMULATED</span>' : '';
}

function summarySection(r: Report): string {
  const lead = `<ul class="lead">${r.summary.headline.map((h) => `<li>${esc(h)}</li>`).join('')}</ul>`;
  if (r.summary.measured.length === 0) return lead;
  const measured = `<div class="scroll"><table class="small stack"><thead><tr><th>network</th><th>access</th><th>vantage</th><th>by</th><th>runs</th><th>measurements</th><th>from (UTC)</th><th>to</th></tr></thead><tbody>${r.summary.measured
    .map(
      (m) =>
        `<tr><td><b>${esc(`${m.vantage.network_name ? `${m.vantage.network_name} ` : ''}${m.vantage.asn} (${m.vantage.cc})`)}</b>${simTag(m.vantage.simulated)}</td><td data-label="access">${esc(m.vantage.access)}</td><td data-label="vantage">${esc(m.vantage.label || '-')}</td><td data-label="by">${m.vantage.source === 'ooni' ? 'OONI Probe' : 'voipprobe'}</td><td data-label="runs">${m.runs}</td><td data-label="measurements">${m.measurements}</td><td data-label="from">${esc(m.first_time.slice(0, 16))}</td><td data-label="to">${esc(m.last_time.slice(0, 16))}</td></tr>`,
    )
    .join('')}</tbody></table></div>`;
  const g = findingGrid(r);
  const grid = `<div class="scroll"><table id="grid"><thead><tr><th>service</th>${g.networks.map((n) => `<th>${esc(networkName(n))}${simTag(n.simulated)}</th>`).join('')}</tr></thead><tbody>${g.rows
    .map(
      (row) =>
        `<tr><th>${esc(row.service)}</th>${row.cells.map((fs) => `<td>${fs ? cellChips(fs) : '<span class="muted">not measured</span>'}</td>`).join('')}</tr>`,
    )
    .join('')}</tbody></table></div>`;
  const notable = notableFindings(r);
  const list = notable.length
    ? `<ul class="small">${notable.map((f) => `<li><b>${esc(`${f.service === 'stun' ? '' : `${f.service} `}${pathNoun(f.path, f.service)}`)}</b> on ${esc(networkName(f.vantage))}${simTag(f.vantage.simulated)}: ${esc(STATE_WORD[f.state])} — ${esc(findingDetail(f))}</li>`).join('')}</ul>`
    : '';
  return `${lead}<h3>What was measured</h3>${measured}<h3>What it shows</h3><p class="muted small">The latest run of each path, per service and network: ✓ works, ✗ blocked, ◐ partly blocked (some of it blocked, the rest works), ~ degraded, ? could not tell; "strong" or "weak" is the evidence of a block.</p>${grid}${list}`;
}

function claimCell(v: ClaimVerdict): string {
  const c = v.claim;
  const external = c.origin === 'external';
  const sources = [c.source, ...(c.also_sources ?? [])]
    .map((s) => `${esc(s.outlet)}, “${esc(s.title)}”, ${esc(s.published)}`)
    .join('; ');
  return [
    `<span class="claim-id">${esc(c.id)}</span>${simTag(isSimulatedVerdict(v))} <b>${esc(c.effect)}</b> ${esc(c.paths.includes('any') ? '' : `(${c.paths.join(', ')}) `)}${esc(c.services.join(', '))} · ${esc(c.operators)} · ${esc(c.access === 'any' ? 'any access' : c.access)} · ${esc(periodLabel(c.period))}${c.scope ? ` · only ${esc(c.scope)}` : ''}`,
    external
      ? `<div>${esc(c.quote)} <span class="muted">(our summary of the sources)</span></div>`
      : `<blockquote lang="${esc(c.source.language)}">${esc(c.quote)}</blockquote>`,
    `<div class="muted small">${esc(c.speaker.kind.replace('_', ' '))}${c.speaker.name ? `: ${esc(c.speaker.name)}` : ''} (weight ${c.speaker.weight}); ${sources}${v.conflicts_with.length ? `; disagrees with ${esc(v.conflicts_with.join(', '))}` : ''}</div>`,
  ].join('');
}

function evidenceCell(v: ClaimVerdict): string {
  const refs = v.evidence
    .slice(0, 2)
    .map(
      (e) =>
        `<li><code>${esc(e.file)}:${e.line}</code> ${esc(e.time)} ${esc(e.service)}/${esc(e.path)} ${statusChip(e.status)} <code>${esc(e.report_id)}</code>${e.link ? ` <code>${esc(e.link)}</code>` : ''}</li>`,
    )
    .join('');
  return `<div>${badge(v.verdict)} ${esc(finding(v))}</div>${refs ? `<div class="muted small">cited (${Math.min(2, v.evidence.length)} of ${v.evidence_total}):</div><ul class="refs small">${refs}</ul>` : ''}`;
}

function claimsTable(vs: readonly ClaimVerdict[]): string {
  return `<table class="stack"><thead><tr><th style="width:46%">Claim: what, who, where, when (quote)</th><th>Verdict: what the measurements show</th></tr></thead><tbody>${vs
    .map((v) => `<tr><td>${claimCell(v)}</td><td>${evidenceCell(v)}</td></tr>`)
    .join('')}</tbody></table>`;
}

/**
 * Past claims measured later, grouped by what the later measurements show: twenty 2012 claims about
 * Skype on Maroc Telecom share one reading, stated once, each claim a line with its quote.
 */
function laterList(vs: readonly ClaimVerdict[]): string {
  const groups = new Map<string, ClaimVerdict[]>();
  for (const v of vs) {
    const k = finding(v);
    groups.set(k, [...(groups.get(k) ?? []), v]);
  }
  return [...groups.entries()]
    .map(([reading, g]) => {
      const e = g.find((v) => v.evidence.length)?.evidence[0];
      const cite = e
        ? `<div class="muted small">e.g. <code>${esc(e.file)}:${e.line}</code> <code>${esc(e.report_id)}</code> ${esc(e.time)}${e.link ? ` <code>${esc(e.link)}</code>` : ''}</div>`
        : '';
      const lines = g
        .map((v) => {
          const c = v.claim;
          return `<li><span class="claim-id">${esc(c.id)}</span>${simTag(isSimulatedVerdict(v))} <b>${esc(c.effect)}</b> ${esc(periodLabel(c.period))} · ${esc(c.paths.includes('any') ? '' : `${c.paths.join(', ')} · `)}${esc(c.services.join(', '))} · ${esc(c.operators)} · ${esc(c.access === 'any' ? 'any access' : c.access)} — <i lang="${esc(c.source.language)}">“${esc(c.quote)}”</i> <span class="muted">(${esc(c.speaker.kind.replace('_', ' '))}, ${esc(c.source.outlet)}, ${esc(c.source.published)})</span></li>`;
        })
        .join('');
      return `<div class="later"><div>${badge('historical')} ${esc(reading)}</div>${cite}<ul class="small">${lines}</ul></div>`;
    })
    .join('');
}

/** External facts: the statement (our words), its sources, and what the measurements show. */
function factsList(vs: readonly ClaimVerdict[]): string {
  return `<ul class="small">${vs
    .map((v) => {
      const c = v.claim;
      const sources = [c.source, ...(c.also_sources ?? [])]
        .map((s) => `${esc(s.outlet)}, ${esc(s.published)}${s.url ? ` <code>${esc(s.url)}</code>` : ''}`)
        .join('; ');
      return `<li><span class="claim-id">${esc(c.id)}</span> <b>${esc(c.effect)}</b> ${esc(periodLabel(c.period))}: ${esc(c.quote)} <span class="muted">(sources: ${sources})</span><br>${badge(v.verdict)} ${esc(finding(v))}</li>`;
    })
    .join('')}</ul>`;
}

/** Claims nothing measured, grouped by why, in a line each: they do not need a row of their own. */
function notTestedList(vs: readonly ClaimVerdict[]): string {
  const groups = new Map<string, ClaimVerdict[]>();
  for (const v of vs) {
    const why = (v.reasons[0] ?? 'not tested').replace(/\(\d{4}-\d\d-\d\d\)/g, '').trim();
    groups.set(why, [...(groups.get(why) ?? []), v]);
  }
  return `<ul class="small">${[...groups.entries()]
    .map(([why, g]) => `<li><b>${esc(g.map((v) => v.claim.id).join(', '))}</b>: ${esc(why)}</li>`)
    .join('')}</ul>`;
}

/** A possible contradiction in a few lines: what it is, why it is only possible, and both quotes inline. */
function contradictionLine(x: ContradictionOut): string {
  return `<div class="contra small"><span class="head">${esc(x.id)} ${esc(contradictionTitle(x))}</span> — ${esc(kindWord(x.kind))} <span class="badge pos">possible</span> <span class="muted">(${esc(contradictionDoubts(x).join(', '))}; weights ${x.sides[0].weight} : ${x.sides[1].weight})</span><br>${x.sides
    .map(
      (s) =>
        `<i lang="${esc(s.lead.language)}">“${esc(s.lead.quote)}”</i> <span class="muted">(${esc(s.lead.id)}, ${esc(s.lead.source)})</span>`,
    )
    .join(' <b>vs</b> ')}</div>`;
}

function contradictionBlock(x: ContradictionOut): string {
  const cls = x.certainty === 'definite' ? 'def' : 'pos';
  const why = x.certainty === 'definite' ? definitePairs(x) : `possible: ${contradictionDoubts(x).join(', ')}`;
  return `<div class="contra"><div class="head">${esc(x.id)} ${esc(contradictionTitle(x))} — ${esc(kindWord(x.kind))} <span class="badge ${cls}">${esc(x.certainty)}</span> <span class="muted small">speaker weights ${x.sides[0].weight} : ${x.sides[1].weight}; ${esc(why)}</span></div><div class="pair">${x.sides
    .map(
      (s) =>
        `<div><blockquote lang="${esc(s.lead.language)}">${esc(s.lead.quote)}</blockquote><div class="muted small">${esc(s.lead.id)}: ${esc(s.lead.speaker)}, ${esc(s.lead.source)} (${esc(s.lead.period)})</div></div>`,
    )
    .join('')}</div></div>`;
}

function evidenceTable(r: Report): string {
  if (r.evidence.length === 0) return '<p class="empty">No measurements.</p>';
  const rows = r.evidence
    .map((e) => {
      const p = (name: string) => {
        const pe = e.paths.find((x) => x.path === name);
        // A path the service was never measured on says so in its title (a service tested only at its website).
        return `<td class="nw" data-label="${name}">${pe ? statusChip(pe.latest_status, pe.latest?.strength) : '<span class="muted" title="not tested">-</span>'}</td>`;
      };
      const span = `${e.first_time.slice(0, 10)} … ${e.last_time.slice(0, 10)}`;
      return `<tr><td><b>${esc(e.service)}</b></td><td>${esc(networkName(e.vantage))} <span class="muted">${esc(e.vantage.asn)}</span>${simTag(e.vantage.simulated)}</td><td data-label="runs">${e.runs}</td>${p('chat')}${p('web')}${p('call')}<td data-label="how">${esc(techniquesLabel(e.paths.find((x) => x.path === 'any')?.techniques ?? {}, 2))}</td><td class="nw" data-label="day by day" title="${esc(span)}">${dayStrip(e)}</td></tr>`;
    })
    .join('');
  return `<div class="scroll"><table class="small stack"><thead><tr><th>service</th><th>network</th><th>runs</th><th>chat</th><th>web</th><th>call</th><th>how</th><th>day by day</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

export interface HtmlOptions {
  title?: string;
}

export function renderHtml(r: Report, opts: HtmlOptions = {}): string {
  const title = opts.title ?? 'VoIP blocking: what was measured, and the claims';
  const documents = r.verdicts.filter((v) => v.claim.origin === 'document');
  const tested = documents.filter((v) => v.verdict === 'consistent' || v.verdict === 'contradicted');
  const later = documents.filter((v) => v.verdict === 'historical');
  const untested = documents.filter((v) => v.verdict === 'not_tested');
  const facts = r.verdicts.filter((v) => v.claim.origin === 'external');
  const c = r.verdict_counts;
  const counts = (['consistent', 'contradicted', 'historical', 'not_tested'] as const)
    .map((k) => `<li>${badge(k)} <b>${c[k]}</b> — ${esc(VERDICT_MEANING[k])}</li>`)
    .join('');
  const bad = r.input.bad_lines;
  const badList = bad.examples
    .map((b) => `<li><code>${esc(b.file)}:${b.line}</code> ${esc(b.kind)}: ${esc(b.reason)}</li>`)
    .join('');
  const filters =
    r.filters.services || r.filters.since || r.filters.until
      ? `<p class="muted">Filters: services ${esc(r.filters.services?.join(', ') ?? 'all')}; since ${esc(r.filters.since ?? '-')}; until ${esc(r.filters.until ?? '-')}.</p>`
      : '';
  const banner = r.simulated ? `<div class="sim" role="alert">${esc(SIMULATED_BANNER)}</div>` : '';
  const definite = r.claims.contradictions.filter((x) => x.certainty === 'definite');
  const possible = r.claims.contradictions.filter((x) => x.certainty !== 'definite');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${esc(`${r.software.name} ${r.software.version}`)}">
<title>${esc(title)}</title>
<style>${CSS}${r.simulated ? simulatedPageCss() : ''}</style>
</head>
<body${r.simulated ? ' class="simulated"' : ''}>
${banner}
<header>
<h1>${esc(title)}</h1>
${filters}
</header>
<section id="summary"><h2>Summary</h2>
${summarySection(r)}
</section>
<section id="claims"><h2>The claims, held against the measurements</h2>
<p>${esc(verdictLine(r))}.</p>
<ul class="small">${counts}</ul>
${tested.length ? `<h3>Measured in the claimed period (${tested.length})</h3>${claimsTable(tested)}` : ''}
${later.length ? `<h3>Claimed then, measured later (${later.length})</h3><p class="muted small">What the later measurements show, then the claims it is set beside. This neither confirms nor refutes them.</p>${laterList(later)}` : ''}
${untested.length ? `<h3>Not tested (${untested.length})</h3>${notTestedList(untested)}` : ''}
${facts.length ? `<h3>The record: external facts, kept apart from the documents (${facts.length})</h3>${factsList(facts)}` : ''}
<h3>Timeline</h3>
<p class="muted small">Bars: the days a claim speaks for, coloured by the claimed effect (an unknown start is marked with a grey arrow, not drawn back in time); diamonds: external facts. Rings: the latest evidence its verdict rests on. Shaded: the measured period. ≈: years left out.</p>
<div class="scroll">${timelineChart(r)}</div>
</section>
<section id="contradictions"><h2>Contradictions between claims (${r.claims.contradictions.length}: ${definite.length} definite)</h2>
<p class="muted small">Most important first. Claims that restate one fact are one entry; each entry quotes the leading claim of each side. Definite: the two cannot both be true for the same operators, access, paths and days without inference.</p>
${definite.map(contradictionBlock).join('')}
${possible.length ? `<h3>Possible (${possible.length})</h3>${possible.map(contradictionLine).join('')}` : ''}
${r.claims.contradictions.length ? '' : '<p>None.</p>'}
</section>
<section id="evidence"><h2>Evidence per service and network</h2>
<p class="muted small">${esc(headline(r))}. Latest status of each path; the strip shows each measured day's dominant status, oldest left.</p>
${evidenceTable(r)}
</section>
${bad.total ? `<section id="bad"><h2>Bad lines (${bad.total}, skipped)</h2><p class="muted">${bad.corrupt} corrupt, ${bad.torn} torn, ${bad.invalid} invalid, ${bad.unusable} without a usable verdict.</p><ul class="small">${badList}</ul>${bad.total > bad.examples.length ? `<p class="muted">and ${bad.total - bad.examples.length} more.</p>` : ''}</section>` : ''}
<section id="methods" class="methods"><h2>Methods and caveats</h2>
${[...METHODS, ...(r.simulated ? [SIMULATED_METHOD] : [])].map((m) => `<p class="small"><b>${esc(m.title)}.</b> ${esc(m.text)}</p>`).join('')}
</section>
<footer>
${r.attributions.length ? `<p>Data sources: ${r.attributions.map(esc).join('; ')}</p>` : ''}
<p>${esc(r.software.name)} ${esc(r.software.version)}, generated ${esc(r.generated_at)}. Measurements: ${esc(r.input.files.length ? `${r.input.files.length} results file(s)` : 'none')}. Claims: ${esc(r.claims.files.join(', ') || '(none)')}.</p>
${r.simulated ? `<p class="sim">${esc(SIMULATED_BANNER)}</p>` : ''}
</footer>
</body>
</html>
`;
}
