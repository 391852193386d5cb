// The table a run prints: one row per service (and per labelled group), one column per layer, the
// call path and the verdict. Pure: verdicts in, text out.

import type { CallTestVerdict } from '../model/call-test.js';
import type { CallEvidenceLevel, ControlVerdict, Layer, LayerSummary, PathVerdict, ServiceVerdict } from '../model/verdict.js';

export function layerCell(s: LayerSummary | undefined): string {
  if (!s) return '-';
  const counted = s.ok + s.blocked + s.failed + s.inconclusive;
  if (counted === 0) return 'skipped';
  if (s.blocked > 0) return `blocked ${s.blocked}/${counted} ${s.techniques.join(',')}`;
  if (s.ok === counted) return `ok ${s.ok}`;
  const rest = [s.failed ? `${s.failed} failed` : '', s.inconclusive ? `${s.inconclusive} ?` : ''].filter(Boolean).join(', ');
  return s.ok ? `ok ${s.ok}/${counted}, ${rest}` : rest;
}

const LEVEL_CELL: Partial<Record<CallEvidenceLevel, string>> = { answered: 'answered', path_open: 'path open' };

/** "accessible (path open)", "blocked (udp.address_blocked; hop 3 AS6713)", "inconclusive (outage)", "not tested". */
export function pathCell(p: PathVerdict | undefined, untested?: string): string {
  if (!p) return untested ? 'not tested' : '-';
  if (p.outage) return `${p.status} (outage)`;
  const level = p.call ? LEVEL_CELL[p.call.level] : undefined;
  const where = p.call?.where && p.call.level === 'blocked' ? `; hop ${p.call.where.hop}${p.call.where.asn !== undefined ? ` AS${p.call.where.asn}` : ''}` : '';
  const parts = [p.techniques.join(','), level, p.strength === 'weak' ? 'weak' : ''].filter(Boolean);
  if (!parts.length && !where) return p.status;
  return `${p.status} (${parts.join('; ')}${where})`;
}

/** The test call in a few words: the MOS, and what is wrong when something is. */
export function qualityCell(ct: CallTestVerdict | undefined): string {
  if (!ct) return '-';
  const what = ct.technique ? ` (${ct.technique.replace(/^call\./, '')})` : '';
  const mos = ct.mos !== null ? `MOS ${ct.mos.toFixed(1)}` : '';
  switch (ct.status) {
    case 'ok':
      return mos;
    case 'blocked':
      return `blocked${what}`;
    case 'inconclusive':
      return 'inconclusive';
    default:
      return `${mos} ${ct.status}${what}${ct.cut_period_s !== null ? ` every ${ct.cut_period_s} s` : ''}`;
  }
}

type Row = string[];

/**
 * Each layer's column heading, in column order; null for the layers of a call relay (stun, path),
 * which the call path column sums up.
 */
const LAYER_COLUMNS: Record<Layer, string | null> = { dns: 'DNS', tcp: 'TCP', tls: 'TLS', websocket: 'WebSocket', http: 'HTTPS', stun: null, path: null };
const columns = (Object.entries(LAYER_COLUMNS) as [Layer, string | null][]).flatMap(([layer, heading]) => (heading ? [{ layer, heading }] : []));

function row(name: string, v: Pick<ServiceVerdict, 'layers' | 'paths' | 'status' | 'untested'>, quality?: string): Row {
  return [
    name,
    ...columns.map((c) => layerCell(v.layers[c.layer])),
    pathCell(v.paths.call, v.untested?.call),
    ...(quality !== undefined ? [quality] : []),
    Object.values(v.paths).some((p) => p?.outage) && v.status === 'inconclusive' ? 'inconclusive (outage)' : v.status,
  ];
}

export interface RunTableInput {
  verdicts: ServiceVerdict[];
  controls: ControlVerdict;
  /** Shown above the table when the run was a simulation (voipprobe demo). */
  banner?: string;
  footer?: string[];
}

export function renderRunTable(input: RunTableInput): string {
  // The call quality column only when a test call was made.
  const quality = input.verdicts.some((v) => v.call_test);
  const rows: Row[] = [['service', ...columns.map((c) => c.heading), 'call path', ...(quality ? ['call quality'] : []), 'verdict']];
  for (const v of input.verdicts) {
    rows.push(row(v.service, v, quality ? qualityCell(v.call_test) : undefined));
    for (const [g, gv] of Object.entries(v.groups ?? {})) rows.push(row(`  ${g}`, gv, quality ? (gv.paths.call ? qualityCell(v.call_test) : '-') : undefined));
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: Row) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out: string[] = [];
  if (input.banner) out.push(input.banner, '');
  if (input.controls.network === 'down') {
    out.push('THE NETWORK LOOKS DOWN: no neutral server answered (DNS, TLS, STUN). Every verdict is inconclusive; nothing is called blocked.', '');
  }
  out.push(line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) out.push(line(r));
  out.push('', `controls: ${input.controls.network} — ${input.controls.reason}`);
  if (input.controls.network === 'down') out.push('every service: inconclusive (the controls failed, so no failure can be attributed to censorship)');
  else for (const v of input.verdicts) out.push(`${v.service}: ${v.status} — ${v.reason}`);
  const helpers = helperLines(input.verdicts);
  if (helpers.length) out.push('', ...helpers);
  if (input.footer?.length) out.push('', ...input.footer);
  return `${out.join('\n')}\n`;
}

/** One line per helper the run asked: whether its answers were used, and if not why. */
export function helperLines(verdicts: ServiceVerdict[]): string[] {
  const by = new Map<string, { asked: number; answered: number; used: boolean; reasons: Set<string> }>();
  for (const v of verdicts) {
    for (const h of v.helpers ?? []) {
      const e = by.get(h.helper) ?? { asked: 0, answered: 0, used: false, reasons: new Set<string>() };
      e.asked += h.asked;
      e.answered += h.answered;
      e.used ||= h.used;
      if (!h.used) e.reasons.add(h.reason);
      by.set(h.helper, e);
    }
  }
  return [...by].map(([url, e]) =>
    e.used
      ? `helper ${url}: used (${e.answered} of ${e.asked} questions answered)`
      : `helper ${url}: NOT USED, verdicts rest on this network's observations alone — ${[...e.reasons][0] ?? 'no answer'}`,
  );
}
