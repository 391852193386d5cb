// Inline SVG charts for the HTML report: no script, no external resource, every label escaped. Each
// status also carries a symbol, so that the charts read in black and white on paper.

import { boundedDays } from '../../claims/period.js';
import type { PathStatus } from '../../model/verdict.js';
import type { ClaimVerdict, Report, ServiceEvidence } from '../schema.js';
import { periodLabel } from './text.js';

export function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd');
}

export const STATUS_COLOUR: Record<PathStatus | 'none', string> = {
  accessible: '#2e7d32',
  blocked: '#c62828',
  partially_blocked: '#e65100',
  degraded: '#f9a825',
  inconclusive: '#9e9e9e',
  none: '#ffffff',
};
export const STATUS_SYMBOL: Record<PathStatus | 'none', string> = {
  accessible: '✓',
  blocked: '✗',
  partially_blocked: '◐',
  degraded: '~',
  inconclusive: '?',
  none: '',
};
export const EFFECT_COLOUR: Record<string, string> = {
  blocked: '#c62828',
  throttled: '#f9a825',
  degraded: '#f9a825',
  working: '#2e7d32',
  restored: '#2e7d32',
  circumvented: '#5c6bc0',
};
export const VERDICT_SYMBOL: Record<ClaimVerdict['verdict'], string> = {
  consistent: '✓',
  contradicted: '✗',
  historical: 'L',
  not_tested: '',
};
export const VERDICT_COLOUR: Record<ClaimVerdict['verdict'], string> = {
  consistent: '#2e7d32',
  contradicted: '#c62828',
  historical: '#6a1b9a',
  not_tested: '#9e9e9e',
};

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${x}" y="${y}" ${attrs}>${esc(s)}</text>`;
}

/** A day strip: the dominant status of each measured day, oldest left. */
export function dayStrip(e: ServiceEvidence, path: 'any' | 'chat' | 'web' | 'call' = 'any'): string {
  const pe = e.paths.find((p) => p.path === path);
  if (!pe || pe.days.length === 0) return '';
  const w = Math.max(1, Math.min(6, Math.floor(120 / pe.days.length)));
  const width = pe.days.length * w;
  const rects = pe.days
    .map(
      (d, i) =>
        `<rect x="${i * w}" y="0" width="${w}" height="14" fill="${STATUS_COLOUR[d.status]}"><title>${esc(`${d.day}: ${d.status}`)}</title></rect>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" class="strip" viewBox="0 0 ${width} 14" width="${width}" height="12" role="img" aria-label="${esc(`${e.service} daily status from ${pe.days[0]!.day} to ${pe.days[pe.days.length - 1]!.day}`)}">${rects}</svg>`;
}

function dayNumber(d: string): number {
  return Date.parse(`${d.slice(0, 10)}T00:00:00Z`) / 86_400_000;
}

/** A claim's bar: the days it can speak for (an unknown start is not the beginning of time). */
function barDays(v: ClaimVerdict): { from: number; to: number; openStart: boolean; openEnd: boolean } | null {
  const p = v.claim.period;
  const d = boundedDays(p, v.claim.source.published);
  if (!d) return null;
  return { from: dayNumber(d.from), to: dayNumber(d.to), openStart: p.from === null, openEnd: p.to === null };
}

/**
 * An x scale over two spans with a break between them when claims and measurements lie years apart
 * (2016 claims, 2026 measurements): each span gets room, the gap is drawn as a break.
 */
function scale(
  spans: { from: number; to: number }[],
  left: number,
  width: number,
): { x: (d: number) => number; breaks: number[]; ticks: number[] } {
  const ranges = spans.filter((s) => Number.isFinite(s.from) && Number.isFinite(s.to)).sort((a, b) => a.from - b.from);
  const merged: { from: number; to: number }[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.from - last.to < 730) last.to = Math.max(last.to, r.to);
    else merged.push({ from: r.from - 15, to: r.to + 15 });
  }
  if (merged.length === 0) merged.push({ from: 0, to: 1 });
  const gap = 18;
  const total = merged.reduce((n, r) => n + (r.to - r.from), 0);
  const usable = width - gap * (merged.length - 1);
  // Each span at least a fifth of the width, so that a week of measurements is visible next to years of claims.
  const minShare = merged.length > 1 ? usable / 5 : 0;
  const raw = merged.map((r) => Math.max(minShare, ((r.to - r.from) / total) * usable));
  const k = usable / raw.reduce((a, b) => a + b, 0);
  const widths = raw.map((w) => w * k);
  const starts: number[] = [];
  let acc = left;
  for (const w of widths) {
    starts.push(acc);
    acc += w + gap;
  }
  const x = (d: number) => {
    let i = merged.findIndex((r) => d <= r.to);
    if (i < 0) i = merged.length - 1;
    const r = merged[i]!;
    const t = Math.min(1, Math.max(0, (d - r.from) / (r.to - r.from || 1)));
    return starts[i]! + t * widths[i]!;
  };
  const breaks = starts.slice(1).map((s) => s - gap / 2);
  const ticks: number[] = [];
  for (const r of merged) {
    const y0 = new Date(r.from * 86_400_000).getUTCFullYear();
    const y1 = new Date(r.to * 86_400_000).getUTCFullYear();
    const years = y1 - y0 + 1;
    const step = years > 8 ? 2 : 1;
    for (let y = y0; y <= y1; y += step) {
      const d = dayNumber(`${y}-01-01`);
      if (d >= r.from && d <= r.to) ticks.push(d);
      // A span within one year: mark its months instead.
      if (years === 1)
        for (let m = 1; m <= 12; m++) {
          const dm = dayNumber(`${y}-${String(m).padStart(2, '0')}-01`);
          if (dm >= r.from && dm <= r.to && !ticks.includes(dm)) ticks.push(dm);
        }
    }
  }
  return { x, breaks, ticks: ticks.sort((a, b) => a - b) };
}

function tickLabel(d: number): string {
  const t = new Date(d * 86_400_000);
  return t.getUTCMonth() === 0 ? String(t.getUTCFullYear()) : t.toISOString().slice(5, 7);
}

/**
 * Each claim's period as a bar coloured by its effect (external facts as diamonds), labelled with its
 * id and source; a ring where the evidence of its verdict sits; the measured period shaded.
 */
export function timelineChart(r: Report): string {
  // Claims about the countries measured (all of them when nothing was measured), with dates and a state.
  const ccs = new Set(r.evidence.map((e) => e.vantage.cc));
  const vs = r.verdicts.filter(
    (v) =>
      barDays(v) !== null &&
      v.claim.effect !== 'circumvented' &&
      !v.claim.scope &&
      (ccs.size === 0 || ccs.has(v.claim.country)),
  );
  if (vs.length === 0) return '<p class="empty">No dated claims.</p>';
  vs.sort((a, b) => barDays(a)!.from - barDays(b)!.from || (a.claim.id < b.claim.id ? -1 : 1));
  const label = (v: ClaimVerdict) => `${v.claim.id} ${v.claim.source.outlet.replace(/\s*\(.*\)$/, '')}`;
  const labelW = Math.min(230, 40 + Math.max(...vs.map((v) => label(v).length)) * 5.6);
  const left = labelW;
  const plotW = 560;
  const rowH = 11;
  const top = 22;
  const height = top + vs.length * rowH + 26;
  const width = left + plotW + 10;
  const spans = vs.map((v) => barDays(v)!).map((b) => ({ from: b.from, to: b.to }));
  const first = r.input.first_time;
  const last = r.input.last_time;
  if (first && last) spans.push({ from: dayNumber(first), to: dayNumber(last) + 1 });
  const sc = scale(spans, left, plotW);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" aria-labelledby="chart-time-title">`,
    '<title id="chart-time-title">Claimed periods (bars, coloured by the claimed effect; diamonds: external facts) and the verdicts measured against them (rings)</title>',
  ];
  for (const t of sc.ticks) {
    const gx = sc.x(t);
    out.push(`<line x1="${gx}" y1="${top - 4}" x2="${gx}" y2="${top + vs.length * rowH}" stroke="#e3e3e3"/>`);
    out.push(text(gx, top - 8, tickLabel(t), 'class="s" text-anchor="middle"'));
  }
  for (const bx of sc.breaks)
    out.push(
      `<line x1="${bx}" y1="${top - 14}" x2="${bx}" y2="${top + vs.length * rowH}" stroke="#777" stroke-dasharray="2 3"/>`,
      text(bx, top + vs.length * rowH + 10, '≈', 'class="s" text-anchor="middle"'),
    );
  if (first && last) {
    const a = sc.x(dayNumber(first));
    const b = Math.max(a + 3, sc.x(dayNumber(last) + 1));
    out.push(
      `<rect x="${a}" y="${top - 4}" width="${b - a}" height="${vs.length * rowH + 4}" fill="#1565c0" opacity="0.13"><title>${esc(`measurements: ${first} to ${last}`)}</title></rect>`,
    );
  }
  vs.forEach((v, i) => {
    const y = top + i * rowH;
    const c = v.claim;
    const b = barDays(v)!;
    out.push(text(0, y + 8.5, label(v), `class="s"${c.origin === 'external' ? ' font-weight="700"' : ''}`));
    const x0 = sc.x(b.from);
    const x1 = Math.max(x0 + 3, sc.x(b.to + 1));
    const colour = EFFECT_COLOUR[c.effect] ?? '#777';
    const tip = `${c.id} (${c.source.outlet}): ${c.effect} ${periodLabel(c.period)}${b.openStart ? ' — start not stated: the bar shows only what the text dates' : ''}${b.openEnd ? ' — said to go on: the bar stops at publication' : ''} (${c.services.join(', ')}, ${c.operators}, ${c.access})`;
    if (c.origin === 'external') {
      const cx = (x0 + x1) / 2;
      out.push(
        `<g><title>${esc(tip)}</title><path d="M${cx - 5} ${y + 5} L${cx} ${y} L${cx + 5} ${y + 5} L${cx} ${y + 10} Z" fill="${colour}" stroke="#000" stroke-width="0.8"/></g>`,
      );
    } else {
      out.push(
        `<g><title>${esc(tip)}</title><rect x="${x0}" y="${y + 1.5}" width="${x1 - x0}" height="7" fill="${colour}"${b.openStart || b.openEnd ? ' stroke="#000" stroke-width="0.6" stroke-dasharray="2 2"' : ''}/>` +
          (b.openStart ? `<path d="M${x0 - 5} ${y + 5} L${x0} ${y + 1.5} L${x0} ${y + 8.5} Z" fill="#777"/>` : '') +
          '</g>',
      );
    }
    const day = verdictDay(v);
    if (day) {
      const mx = sc.x(dayNumber(day));
      out.push(
        `<g><title>${esc(`${c.id}: ${v.verdict} (evidence up to ${day})`)}</title><circle cx="${mx}" cy="${y + 5}" r="4" fill="#fff" stroke="${VERDICT_COLOUR[v.verdict]}" stroke-width="1.8"/>` +
          text(
            mx,
            y + 7.8,
            VERDICT_SYMBOL[v.verdict],
            `class="sym-s" text-anchor="middle" fill="${VERDICT_COLOUR[v.verdict]}"`,
          ) +
          '</g>',
      );
    }
  });
  const ly = height - 12;
  let lx = 0;
  for (const [lab, colour] of [
    ['blocked', EFFECT_COLOUR.blocked!],
    ['throttled/degraded', EFFECT_COLOUR.degraded!],
    ['working/restored', EFFECT_COLOUR.working!],
  ] as const) {
    out.push(
      `<rect x="${lx}" y="${ly}" width="12" height="8" fill="${colour}"/>`,
      text(lx + 15, ly + 8, lab, 'class="s"'),
    );
    lx += 24 + lab.length * 5.4;
  }
  out.push(
    `<path d="M${lx + 6} ${ly - 2} L${lx + 12} ${ly + 4} L${lx + 6} ${ly + 10} L${lx} ${ly + 4} Z" fill="#999"/>`,
    text(lx + 16, ly + 8, 'external fact', 'class="s"'),
  );
  lx += 90;
  for (const k of ['consistent', 'contradicted', 'historical'] as const) {
    const word = k === 'historical' ? 'measured later' : k;
    out.push(
      `<circle cx="${lx + 5}" cy="${ly + 4}" r="4.5" fill="#fff" stroke="${VERDICT_COLOUR[k]}" stroke-width="2"/>`,
      text(lx + 5, ly + 7, VERDICT_SYMBOL[k], `class="sym-s" text-anchor="middle" fill="${VERDICT_COLOUR[k]}"`),
      text(lx + 13, ly + 8, word, 'class="s"'),
    );
    lx += 22 + word.length * 5.4;
  }
  out.push('</svg>');
  return out.join('');
}

/** The latest day a verdict's checks rest on (null for not tested). */
export function verdictDay(v: ClaimVerdict): string | null {
  if (v.verdict === 'not_tested') return null;
  const relevant = v.checks.filter(
    (c) => c.outcome !== 'inconclusive' && (v.verdict === 'historical' ? c.window === 'after' : c.window === 'during'),
  );
  let day: string | null = null;
  for (const c of relevant) if (c.latest && (day === null || c.latest.day > day)) day = c.latest.day;
  return day;
}
