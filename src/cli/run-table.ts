// The table a run prints: one row per service (and per labelled group), one column per layer, the
// call path and the verdict. Pure: verdicts in, text out. It fits the width it is given (80 columns,
// a Raspberry Pi console, unless the terminal is wider): cells too long for it are shortened on
// purpose, marked "+", and said in full on a line under their row; prose is wrapped. Colour only when
// asked (tableStyle decides from the terminal and NO_COLOR/FORCE_COLOR).

import type { CallTestVerdict } from '../model/call-test.js';
import type {
  CallEvidenceLevel,
  ControlVerdict,
  Layer,
  LayerSummary,
  PathStatus,
  PathVerdict,
  ServiceVerdict,
} from '../model/verdict.js';
import { escapeForTerminal } from '../util/terminal.js';

/** The narrowest table printed: a Raspberry Pi console. */
export const MIN_TABLE_WIDTH = 80;

export interface TableStyle {
  /** Columns no line may exceed (a word longer than this, a file path, is kept whole on its own line). */
  width: number;
  /** ANSI colour on blocked and degraded rows. */
  colour: boolean;
}

/**
 * How to print on this stream: its width when it is a terminal wider than 80 columns, else 80;
 * colour on a terminal unless NO_COLOR is set (https://no-color.org), or anywhere with FORCE_COLOR.
 */
export function tableStyle(
  out: { isTTY?: boolean; columns?: number },
  env: Record<string, string | undefined>,
): TableStyle {
  const width = out.isTTY && out.columns && out.columns > MIN_TABLE_WIDTH ? out.columns : MIN_TABLE_WIDTH;
  const set = (v: string | undefined) => v !== undefined && v !== '';
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  const colour = !set(env.NO_COLOR) && (forced || (Boolean(out.isTTY) && env.TERM !== 'dumb'));
  return { width, colour };
}

export function layerCell(s: LayerSummary | undefined): string {
  return layerForms(s)[0]!;
}

/** A layer cell, longest form first: "ok 21/38, 17 failed", then "ok 21/38+". */
function layerForms(s: LayerSummary | undefined): string[] {
  if (!s) return ['-'];
  const counted = s.ok + s.blocked + s.failed + s.inconclusive;
  if (counted === 0) return ['skipped', 'skip'];
  if (s.blocked > 0)
    return [
      `blocked ${s.blocked}/${counted} ${s.techniques.join(',')}`.trimEnd(),
      `blocked ${s.blocked}/${counted}+`,
      `blk ${s.blocked}/${counted}+`,
    ];
  if (s.ok === counted) return [`ok ${s.ok}`, `ok ${s.ok}`, `ok ${s.ok}`, 'ok'];
  const rest = [s.failed ? `${s.failed} failed` : '', s.inconclusive ? `${s.inconclusive} ?` : ''].filter(Boolean);
  if (s.ok) return [`ok ${s.ok}/${counted}, ${rest.join(', ')}`, `ok ${s.ok}/${counted}+`];
  return rest.length > 1 ? [rest.join(', '), `${rest[0]}+`] : [rest[0]!];
}

const LEVEL_CELL: Partial<Record<CallEvidenceLevel, string>> = { answered: 'answered', path_open: 'path open' };
const isBlock = (s: PathStatus) => s === 'blocked' || s === 'partially_blocked';

/** "accessible (path open)", "blocked (udp.address_blocked; strong; hop 3 AS6713)", "inconclusive (outage)", "not tested". */
export function pathCell(p: PathVerdict | undefined, untested?: string): string {
  return pathForms(p, untested)[0]!;
}

function pathForms(p: PathVerdict | undefined, untested?: string): string[] {
  if (!p) return [untested ? 'not tested' : '-'];
  if (p.outage) return [`${p.status} (outage)`, 'outage'];
  const level = p.call ? LEVEL_CELL[p.call.level] : undefined;
  const where =
    p.call?.where && p.call.level === 'blocked'
      ? `; hop ${p.call.where.hop}${p.call.where.asn !== undefined ? ` AS${p.call.where.asn}` : ''}`
      : '';
  // Every block says how strong its evidence is.
  const strength = isBlock(p.status) ? (p.strength ?? 'weak') : '';
  const parts = [p.techniques.join(','), level, strength].filter(Boolean);
  if (!parts.length && !where) return [p.status];
  const full = `${p.status} (${parts.join('; ')}${where})`;
  if (strength)
    return [
      full,
      `${STATUS_SHORT[p.status]} (${strength})+`,
      `${STATUS_SHORTEST[p.status]} (${strength})+`,
      `${STATUS_SHORTEST[p.status]}+`,
    ];
  if (level === 'path open') return [full, 'path open'];
  return full === p.status ? [full] : [full, `${p.status}+`];
}

const STATUS_SHORT: Record<PathStatus, string> = {
  accessible: 'accessible',
  blocked: 'blocked',
  partially_blocked: 'partly blocked',
  degraded: 'degraded',
  inconclusive: 'inconclusive',
};
const STATUS_SHORTEST: Record<PathStatus, string> = { ...STATUS_SHORT, partially_blocked: 'partial' };

/** The test call in a few words: the MOS, and what is wrong when something is. */
export function qualityCell(ct: CallTestVerdict | undefined): string {
  return qualityForms(ct)[0]!;
}

function qualityForms(ct: CallTestVerdict | undefined): string[] {
  const full = qualityText(ct);
  const short =
    ct && ct.status !== 'ok' && ct.status !== 'inconclusive'
      ? `${ct.mos !== null ? `MOS ${ct.mos.toFixed(1)} ` : ''}${ct.status}+`
      : full;
  return short === full ? [full] : [full, short];
}

function qualityText(ct: CallTestVerdict | undefined): string {
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

type RowVerdict = Pick<ServiceVerdict, 'layers' | 'paths' | 'status' | 'strength' | 'untested'>;

/**
 * The verdict cell: the status, how strong the evidence of a block is, an outage said as such, and for
 * a service that works on some paths only, which ones ("accessible (web only)").
 */
export function verdictForms(v: RowVerdict): string[] {
  if (Object.values(v.paths).some((p) => p?.outage) && v.status === 'inconclusive') return ['inconclusive (outage)'];
  if (isBlock(v.status)) {
    const strength = v.strength ?? 'weak';
    return [
      `${v.status} (${strength})`,
      `${STATUS_SHORT[v.status]} (${strength})`,
      `${STATUS_SHORTEST[v.status]} (${strength})`,
    ];
  }
  const untested = Object.keys(v.untested ?? {});
  if (v.status === 'accessible' && untested.length) {
    const tested = Object.keys(v.paths);
    return [`accessible (${tested.join(', ')} only)`, `accessible (${tested.join(', ')})`];
  }
  return [v.status];
}

/** A column: its header and its cells, each a list of forms, longest first. */
interface Column {
  header: string[];
  cells: string[][];
  /** The word for the line under a row that says a shortened cell in full. */
  name: string;
  /**
   * How readily the column takes its next shorter form (lowest first): the layers' detail before the
   * call path and the verdict; dropping the layers' counts and the call path's strength come last.
   */
  give: (level: number) => number;
}

const pick = (forms: string[], level: number) => forms[Math.min(level, forms.length - 1)]!;

/**
 * Per column, how far its cells are shortened so the table fits `width`: of the columns that can still
 * shrink, the first to give (then the widest) gives first. Undefined when even the shortest forms do not fit.
 */
function fitColumns(cols: Column[], width: number, gap: number): number[] | undefined {
  const levels = cols.map(() => 0);
  const colWidth = (c: Column, i: number) => Math.max(...[c.header, ...c.cells].map((f) => pick(f, levels[i]!).length));
  const canShrink = (c: Column, i: number) => [c.header, ...c.cells].some((f) => f.length - 1 > levels[i]!);
  for (;;) {
    const widths = cols.map(colWidth);
    if (widths.reduce((a, b) => a + b, 0) + gap * (cols.length - 1) <= width) return levels;
    let best = -1;
    cols.forEach((c, i) => {
      const g = c.give(levels[i]!);
      const bg = best < 0 ? Infinity : cols[best]!.give(levels[best]!);
      if (canShrink(c, i) && (g < bg || (g === bg && widths[i]! > widths[best]!))) best = i;
    });
    if (best < 0) return undefined;
    levels[best]!++;
  }
}

/**
 * `text` wrapped at spaces to `width`, later lines indented by `indent`. A word longer than the width
 * (a file path) is not broken, so it can still be copied: it stands alone on its line.
 */
export function wrap(text: string, width: number, indent = ''): string[] {
  const out: string[] = [];
  const lead = /^ */.exec(text)![0];
  let line = lead;
  for (const word of text.slice(lead.length).split(' ')) {
    const prefix = out.length ? indent : '';
    if (line.trim() && `${prefix + line} ${word}`.length > width) {
      out.push(prefix + line);
      line = word;
    } else line = line.trim() ? `${line} ${word}` : line + word;
  }
  out.push((out.length ? indent : '') + line);
  return out;
}

const COLOUR: Partial<Record<PathStatus, string>> = {
  blocked: '\x1b[1;31m',
  partially_blocked: '\x1b[31m',
  degraded: '\x1b[33m',
};
const RESET = '\x1b[0m';

/**
 * Each layer's column headings (full, then short), in column order; null for the layers of a call
 * relay (stun, path), which the call path column sums up. A new layer must be given one or the other.
 */
const LAYER_COLUMNS: Record<Layer, string[] | null> = {
  dns: ['DNS'],
  tcp: ['TCP'],
  tls: ['TLS'],
  websocket: ['WebSocket', 'WS'],
  http: ['HTTPS'],
  stun: null,
  path: null,
};

export interface RunTableInput {
  verdicts: ServiceVerdict[];
  controls: ControlVerdict;
  /** Shown above the table when the run was a simulation (voipprobe demo). */
  banner?: string;
  /** Lines under the table: prose (wrapped to the width), or a command to copy (`verbatim`: never wrapped). */
  footer?: (string | { verbatim: string })[];
}

export function renderRunTable(
  input: RunTableInput,
  style: TableStyle = { width: MIN_TABLE_WIDTH, colour: false },
): string {
  const width = Math.max(style.width, 20);
  // What came from the network or a file is escaped before it is measured and laid out.
  const safe = (s: string) => escapeForTerminal(s);
  // The call quality column only when a test call was made.
  const quality = input.verdicts.some((v) => v.call_test);
  const rows: { name: string; v: RowVerdict; quality?: string[]; status: PathStatus }[] = [];
  for (const v of input.verdicts) {
    rows.push({ name: v.service, v, ...(quality ? { quality: qualityForms(v.call_test) } : {}), status: v.status });
    for (const [g, gv] of Object.entries(v.groups ?? {}))
      rows.push({
        name: `  ${g}`,
        v: gv,
        ...(quality ? { quality: gv.paths.call ? qualityForms(v.call_test) : ['-'] } : {}),
        status: gv.status,
      });
  }
  const layer = (header: string[], name: string, l: keyof ServiceVerdict['layers']): Column => ({
    header,
    name,
    give: (lv) => (header.length > 1 && lv === 0 ? 0 : lv < 2 ? 1 : 4),
    cells: rows.map((r) => layerForms(r.v.layers[l])),
  });
  const cols: Column[] = [
    { header: ['service'], name: 'service', give: () => 9, cells: rows.map((r) => [r.name]) },
    ...(Object.entries(LAYER_COLUMNS) as [Layer, string[] | null][]).flatMap(([l, header]) =>
      header ? [layer(header, header[0]!, l)] : [],
    ),
    {
      header: ['call path'],
      name: 'call path',
      give: (lv: number) => (lv === 0 ? 2 : 5),
      cells: rows.map((r) => pathForms(r.v.paths.call, r.v.untested?.call)),
    },
    ...(quality
      ? [
          {
            header: ['call quality', 'quality'],
            name: 'call quality',
            give: () => 0,
            cells: rows.map((r) => r.quality!),
          },
        ]
      : []),
    { header: ['verdict'], name: 'verdict', give: () => 3, cells: rows.map((r) => verdictForms(r.v)) },
  ].map((c) => ({ ...c, cells: c.cells.map((f) => f.map(safe)) }));

  const out: string[] = [];
  const prose = (text: string, indent = '  ') =>
    out.push(...text.split('\n').flatMap((l) => wrap(safe(l), width, indent)));
  if (input.banner) {
    // The banner's rules of "=" fit the width too.
    out.push(
      ...input.banner
        .split('\n')
        .flatMap((l) => (/^=+$/.test(l) ? ['='.repeat(Math.min(l.length, width))] : wrap(safe(l), width))),
      '',
    );
  }
  if (input.controls.network === 'down') {
    prose(
      'THE NETWORK LOOKS DOWN: no neutral server answered (DNS, TLS, STUN). Every verdict is inconclusive; nothing is called blocked.',
      '',
    );
    out.push('');
  }
  const paint = (s: string, status: PathStatus) =>
    style.colour && COLOUR[status] ? `${COLOUR[status]}${s}${RESET}` : s;
  const under = (text: string, indent: string) => wrap(text, width - indent.length, '').map((l) => indent + l);
  const table: { text: string; status?: PathStatus }[] = [];
  // Two spaces between columns, unless one space keeps more of the cells whole.
  const steps = (l: number[] | undefined) => (l ? l.reduce((a, b) => a + b, 0) : Infinity);
  const [wide, tight] = [fitColumns(cols, width, 2), fitColumns(cols, width, 1)];
  const levels = steps(tight) < steps(wide) ? tight : wide;
  if (levels) {
    const gap = levels === wide ? '  ' : ' ';
    const widths = cols.map((c, i) => Math.max(...[c.header, ...c.cells].map((f) => pick(f, levels[i]!).length)));
    const line = (cells: string[]) =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
        .join(gap)
        .trimEnd();
    table.push(
      { text: line(cols.map((c, i) => pick(c.header, levels[i]!))) },
      { text: widths.map((w) => '-'.repeat(w)).join(gap) },
    );
    rows.forEach((r, ri) => {
      table.push({ text: line(cols.map((c, i) => pick(c.cells[ri]!, levels[i]!))), status: r.status });
      // The cells shortened with a "+", in full on their own line(s) under the row.
      const full = cols
        .filter((c, i) => pick(c.cells[ri]!, levels[i]!).endsWith('+'))
        .map((c) => `${c.name}: ${c.cells[ri]![0]}`);
      if (full.length)
        for (const text of under(full.join('; '), ' '.repeat(r.name.length - r.name.trimStart().length + 4)))
          table.push({ text, status: r.status });
    });
  } else {
    // Too narrow for columns at all: one block per service.
    rows.forEach((r, ri) => {
      for (const text of wrap(`${r.name}: ${cols.at(-1)!.cells[ri]![0]}`, width, '    '))
        table.push({ text, status: r.status });
      for (const text of under(
        cols
          .slice(1, -1)
          .map((c) => `${c.name} ${c.cells[ri]![0]}`)
          .join('; '),
        '    ',
      ))
        table.push({ text, status: r.status });
    });
  }
  out.push(...table.map((l) => (l.status ? paint(l.text, l.status) : l.text)));
  out.push('');
  const legend = legendFor(table.map((l) => l.text).join('\n'));
  prose(
    `legend: ${legend.length ? `${legend.join('; ')} (` : ''}voipprobe run --help explains every notation${legend.length ? ')' : ''}`,
  );

  out.push('');
  prose(`controls: ${input.controls.network} — ${input.controls.reason}`);
  if (input.controls.network === 'down')
    prose('every service: inconclusive (the controls failed, so no failure can be attributed to censorship)');
  else
    for (const v of input.verdicts)
      prose(`${v.service}: ${v.status}${v.strength ? ` (${v.strength} evidence)` : ''} — ${v.reason}`);
  const helpers = helperLines(input.verdicts);
  if (helpers.length) {
    out.push('');
    for (const h of helpers) prose(h);
  }
  if (input.footer?.length) {
    out.push('');
    for (const f of input.footer) {
      if (typeof f === 'string') prose(f);
      else out.push(`  ${escapeForTerminal(f.verbatim)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** The cell notation, each with a test of whether a table uses it: the legend lists those it does. */
const NOTATION: { used: RegExp; short: string; full: string }[] = [
  {
    used: /\bok(?: \d+(?![/\d])|(?= {2}| ?$))/m,
    short: 'ok N: N checks worked',
    full: 'ok N: all N checks of this layer worked ("ok" alone when the counts had to go to fit)',
  },
  {
    used: /ok \d+\/\d+/,
    short: 'ok 21/38, 17 failed: 21 of 38 worked, 17 failed with no sign of censorship',
    full: 'ok 21/38, 17 failed: 21 of 38 checks worked; 17 failed without any sign of censorship (a dead server, a closed port), which counts for nothing',
  },
  {
    used: /\d+ \?/,
    short: '21 ?: 21 could not be judged',
    full: '21 ?: 21 checks could not be judged (an earlier layer failed, the run was interrupted, or the controls did not allow it)',
  },
  {
    used: /\b(blocked|blk) \d+\/\d+/,
    short: 'blocked 2/3: 2 of 3 blocked (technique named)',
    full: 'blocked 2/3 tcp.reset: 2 of 3 checks blocked, by the techniques named (docs/verdicts.md); "blk" when shortened',
  },
  {
    used: /\((strong|weak)\)|; (strong|weak)[;)]/,
    short: 'strong/weak: evidence of a block',
    full: 'strong / weak: how strong the evidence of a block is. Strong: a censorship signature (a reset, a forged answer, packets stopped inside the network). Weak: timeouts or refusals, which an outage at the far end would also give',
  },
  {
    used: /path open/,
    short: 'path open: relay silent, its network reached',
    full: "answered / path open: how a working call path is known. Answered: the relay answered. Path open: the relay ignores strangers, but UDP towards it reaches the relay's network (path localisation; weaker than an answer)",
  },
  {
    used: /hop \d+/,
    short: 'hop 3 AS6713: stopped after router 3, in AS6713',
    full: 'hop 3 AS6713: where a blocked call path stops: after the 3rd router, in the network numbered AS6713',
  },
  {
    used: /accessible \([a-z, ]+( only)?\)/,
    short: 'accessible (web only): works where tested, the other paths not tested',
    full: 'accessible (web only), or shortened accessible (web): every path measured works, and the paths not named were not tested (the line under the table says why)',
  },
  {
    used: /not tested/,
    short: 'not tested: no counted target (see below)',
    full: 'not tested: the catalogue has no counted target for the call path (none, disabled, or unverified only); the line under the table says which',
  },
  {
    used: /\(outage\)/,
    short: '(outage): fails from outside too, not censorship',
    full: '(outage): a helper outside the network fails too: an outage, not censorship',
  },
  {
    used: /\bpartial\b/,
    short: 'partial: partially_blocked',
    full: 'partial, partly blocked: partially_blocked (some of the path or service blocked, the rest works)',
  },
  {
    used: /\+(\s|$)/m,
    short: '+: shortened, in full on the line below',
    full: '+: a cell shortened to fit the terminal; it is said in full on the line under its row',
  },
  {
    used: /skip/,
    short: 'skip(ped): not attempted',
    full: 'skipped: not attempted (an earlier layer failed, or the run ended first)',
  },
  { used: /(^|\s)-(\s|$)/m, short: '-: not measured', full: '-: nothing of this layer measured for the service' },
  { used: /\bWS\b/, short: 'WS: WebSocket', full: 'WS: WebSocket (the header shortened)' },
];

/** The notation the table's text uses, in a few words each. */
function legendFor(table: string): string[] {
  return NOTATION.filter((n) => n.used.test(table)).map((n) => n.short);
}

/** `voipprobe run --help`: the table's notation in full (80 columns, as the table). */
export const RUN_TABLE_HELP = [
  '',
  'The table: a row per service, a column per layer, the call path, the verdict.',
  ...[
    ...NOTATION.map((n) => n.full),
    'Colour marks blocked (red) and degraded (yellow) rows on a terminal; NO_COLOR turns it off, FORCE_COLOR on.',
    'The table fits the terminal (80 columns at least): cells too long are shortened, marked "+", and said in full under their row.',
  ].flatMap((l) => wrap(`  ${l}`, MIN_TABLE_WIDTH, '    ')),
].join('\n');

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
