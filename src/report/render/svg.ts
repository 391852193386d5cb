// Inline SVG charts for the HTML report: no script, no external resource, every label escaped. Each
// status also carries a symbol, so that the charts read in black and white on paper.

import type { PathStatus } from '../../model/verdict.js';
import type { ClaimVerdict, Report, ServiceEvidence } from '../schema.js';
import { periodLabel, vantageLabel } from './text.js';

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
  historical: 'H',
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

const PATHS = ['chat', 'web', 'call'] as const;

/** Chart 1: latest status of each path, per service (rows) and network (columns). */
export function pathStatusChart(evidence: readonly ServiceEvidence[]): string {
  if (evidence.length === 0) return '<p class="empty">No measurements.</p>';
  const services = [...new Set(evidence.map((e) => e.service))].sort();
  const vkey = (e: ServiceEvidence) => `${e.vantage.asn}|${e.vantage.cc}|${e.vantage.network_name}|${e.vantage.access}|${e.vantage.label}`;
  const vantages = [...new Map(evidence.map((e) => [vkey(e), e.vantage])).entries()];
  const cell = 26;
  const gap = 30;
  const colW = cell * 3 + gap;
  const left = 110;
  const top = 72;
  const width = left + vantages.length * colW + 10;
  const height = top + services.length * (cell + 10) + 40;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" aria-labelledby="chart-paths-title">`,
    '<title id="chart-paths-title">Latest status of the chat, web and call paths per service and network</title>',
  ];
  vantages.forEach(([, v], i) => {
    const x = left + i * colW;
    out.push(text(x, 12, v.asn, 'class="h"'));
    out.push(text(x, 25, truncateLabel(v.network_name || '-', 16), 'class="s"'));
    out.push(text(x, 38, truncateLabel(`${v.cc} · ${v.access}`, 16), 'class="s"'));
    out.push(text(x, 51, truncateLabel(v.label || '-', 16), 'class="s"'));
    PATHS.forEach((p, j) => out.push(text(x + j * cell + cell / 2, 66, p, 'class="s" text-anchor="middle"')));
  });
  services.forEach((s, r) => {
    const y = top + r * (cell + 10);
    out.push(text(0, y + cell * 0.7, truncateLabel(s, 14), 'class="h"'));
    vantages.forEach(([k, v], i) => {
      const e = evidence.find((x) => x.service === s && vkey(x) === k);
      PATHS.forEach((p, j) => {
        const pe = e?.paths.find((x) => x.path === p);
        const st: PathStatus | 'none' = pe ? pe.latest_status : 'none';
        const x = left + i * colW + j * cell;
        const tip = pe
          ? `${s} ${p} on ${vantageLabel(v)} ${v.access}: ${st} (latest day; ${pe.counts.accessible} accessible, ${pe.counts.blocked} blocked, ${pe.counts.partially_blocked} partially blocked, ${pe.counts.degraded} degraded, ${pe.counts.inconclusive} inconclusive)`
          : `${s} ${p} on ${vantageLabel(v)} ${v.access}: not measured`;
        out.push(
          `<g><title>${esc(tip)}</title><rect x="${x + 1}" y="${y}" width="${cell - 2}" height="${cell}" fill="${STATUS_COLOUR[st]}" stroke="#555" stroke-width="0.5"/>` +
            text(x + cell / 2, y + cell * 0.7, STATUS_SYMBOL[st], `class="sym" text-anchor="middle" fill="${st === 'degraded' || st === 'none' ? '#000' : '#fff'}"`) +
            '</g>',
        );
      });
    });
  });
  out.push(legend(0, height - 18, ['accessible', 'partially_blocked', 'blocked', 'degraded', 'inconclusive', 'none']));
  out.push('</svg>');
  return out.join('');
}

function truncateLabel(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function legend(x: number, y: number, statuses: (PathStatus | 'none')[]): string {
  let cx = x;
  const out: string[] = [];
  for (const s of statuses) {
    const label = s === 'none' ? 'not measured' : s.replace('_', ' ');
    out.push(`<rect x="${cx}" y="${y}" width="14" height="14" fill="${STATUS_COLOUR[s]}" stroke="#555" stroke-width="0.5"/>`);
    out.push(text(cx + 7, y + 11, STATUS_SYMBOL[s], `class="sym-s" text-anchor="middle" fill="${s === 'degraded' || s === 'none' ? '#000' : '#fff'}"`));
    out.push(text(cx + 18, y + 11, label, 'class="s"'));
    cx += 26 + label.length * 6.2;
  }
  return out.join('');
}

/** A day strip: the dominant status of each measured day, oldest left. */
export function dayStrip(e: ServiceEvidence, path: 'any' | 'chat' | 'web' | 'call' = 'any'): string {
  const pe = e.paths.find((p) => p.path === path);
  if (!pe || pe.days.length === 0) return '';
  const w = Math.max(2, Math.min(8, Math.floor(240 / pe.days.length)));
  const width = pe.days.length * w;
  const rects = pe.days
    .map((d, i) => `<rect x="${i * w}" y="0" width="${w}" height="14" fill="${STATUS_COLOUR[d.status]}"><title>${esc(`${d.day}: ${d.status}`)}</title></rect>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" class="strip" viewBox="0 0 ${width} 14" width="${width}" height="14" role="img" aria-label="${esc(`${e.service} daily status from ${pe.days[0]!.day} to ${pe.days[pe.days.length - 1]!.day}`)}">${rects}</svg>`;
}

function dayNumber(d: string): number {
  return Date.parse(`${d.slice(0, 10)}T00:00:00Z`) / 86_400_000;
}

function boundDay(d: string | null, end: boolean): string | null {
  if (d === null) return null;
  if (d.length === 4) return end ? `${d}-12-31` : `${d}-01-01`;
  if (d.length === 7) return end ? `${d}-28` : `${d}-01`;
  return d;
}

/** Chart 2: each claim's period as a bar coloured by its effect, and a mark where its verdict's evidence sits. */
export function timelineChart(r: Report): string {
  const vs = r.verdicts;
  if (vs.length === 0) return '<p class="empty">No claims.</p>';
  const days: number[] = [];
  for (const v of vs) {
    const f = boundDay(v.claim.period.from, false);
    const t = boundDay(v.claim.period.to, true);
    if (f) days.push(dayNumber(f));
    if (t) days.push(dayNumber(t));
  }
  if (r.input.first_time) days.push(dayNumber(r.input.first_time));
  if (r.input.last_time) days.push(dayNumber(r.input.last_time));
  const minY = new Date((Math.min(...days) - 1) * 86_400_000).getUTCFullYear();
  const maxY = new Date((Math.max(...days) + 1) * 86_400_000).getUTCFullYear() + 1;
  const d0 = dayNumber(`${minY}-01-01`);
  const d1 = dayNumber(`${maxY}-01-01`);
  const left = 70;
  const plotW = 640;
  const rowH = 15;
  const top = 26;
  const height = top + vs.length * rowH + 34;
  const width = left + plotW + 20;
  const x = (d: number) => left + ((d - d0) / (d1 - d0)) * plotW;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" aria-labelledby="chart-time-title">`,
    '<title id="chart-time-title">Claimed periods (bars, coloured by the claimed effect) and the verdicts measured against them (marks)</title>',
  ];
  const step = maxY - minY > 12 ? 2 : 1;
  for (let y = minY; y <= maxY; y += step) {
    const gx = x(dayNumber(`${y}-01-01`));
    out.push(`<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${top + vs.length * rowH}" stroke="#ddd"/>`);
    out.push(text(gx, top - 10, String(y), 'class="s" text-anchor="middle"'));
  }
  if (r.input.first_time && r.input.last_time) {
    const a = x(dayNumber(r.input.first_time));
    const b = Math.max(a + 2, x(dayNumber(r.input.last_time) + 1));
    out.push(`<rect x="${a}" y="${top - 6}" width="${b - a}" height="${vs.length * rowH + 6}" fill="#1565c0" opacity="0.12"><title>${esc(`measurements: ${r.input.first_time} to ${r.input.last_time}`)}</title></rect>`);
  }
  vs.forEach((v, i) => {
    const y = top + i * rowH;
    const c = v.claim;
    out.push(text(0, y + 11, c.id, 'class="s"'));
    const f = boundDay(c.period.from, false);
    const t = boundDay(c.period.to, true);
    const x0 = f ? x(dayNumber(f)) : left;
    const x1 = t ? x(dayNumber(t) + 1) : left + plotW;
    const open = `${f ? '' : 'start not stated; '}${t ? '' : 'open-ended; '}`;
    out.push(
      `<g><title>${esc(`${c.id}: ${c.effect} ${periodLabel(c.period)} (${open}${c.services.join(', ')}, ${c.operators}, ${c.access})`)}</title>` +
        `<rect x="${x0}" y="${y + 3}" width="${Math.max(3, x1 - x0)}" height="9" fill="${EFFECT_COLOUR[c.effect] ?? '#777'}"${f && t ? '' : ' stroke-dasharray="3 2" stroke="#000" stroke-width="0.6"'}/></g>`,
    );
    const day = verdictDay(v);
    if (day) {
      const mx = x(dayNumber(day));
      out.push(
        `<g><title>${esc(`${c.id}: ${v.verdict} (evidence up to ${day})`)}</title><circle cx="${mx}" cy="${y + 7.5}" r="5" fill="#fff" stroke="${VERDICT_COLOUR[v.verdict]}" stroke-width="2.5"/>` +
          text(mx, y + 10.5, VERDICT_SYMBOL[v.verdict], `class="sym-s" text-anchor="middle" fill="${VERDICT_COLOUR[v.verdict]}"`) +
          '</g>',
      );
    }
  });
  const ly = height - 16;
  let lx = 0;
  for (const [label, colour] of [
    ['blocked', EFFECT_COLOUR.blocked!],
    ['throttled/degraded', EFFECT_COLOUR.degraded!],
    ['working/restored', EFFECT_COLOUR.working!],
    ['circumvented', EFFECT_COLOUR.circumvented!],
  ] as const) {
    out.push(`<rect x="${lx}" y="${ly}" width="14" height="9" fill="${colour}"/>`, text(lx + 18, ly + 9, label, 'class="s"'));
    lx += 30 + label.length * 6;
  }
  for (const k of ['consistent', 'contradicted', 'historical'] as const) {
    out.push(
      `<circle cx="${lx + 6}" cy="${ly + 5}" r="5" fill="#fff" stroke="${VERDICT_COLOUR[k]}" stroke-width="2.5"/>`,
      text(lx + 6, ly + 8, VERDICT_SYMBOL[k], `class="sym-s" text-anchor="middle" fill="${VERDICT_COLOUR[k]}"`),
      text(lx + 16, ly + 9, k, 'class="s"'),
    );
    lx += 26 + k.length * 6;
  }
  out.push('</svg>');
  return out.join('');
}

/** The latest day a verdict's checks rest on (null for not tested). */
export function verdictDay(v: ClaimVerdict): string | null {
  if (v.verdict === 'not_tested') return null;
  const relevant = v.checks.filter((c) => c.outcome !== 'inconclusive' && (v.verdict === 'historical' ? c.window === 'after' : c.window === 'during'));
  let day: string | null = null;
  for (const c of relevant) if (c.latest && (day === null || c.latest.day > day)) day = c.latest.day;
  return day;
}
