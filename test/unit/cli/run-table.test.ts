import { describe, expect, it } from 'vitest';
import { analyzeService } from '../../../src/analysis/service.js';
import { loadCatalogue, type ServiceCatalogue } from '../../../src/catalogue/load.js';
import { pathOf } from '../../../src/catalogue/schema.js';
import { layerCell, pathCell, RUN_TABLE_HELP, renderRunTable, tableStyle } from '../../../src/cli/run-table.js';
import type { CallTestVerdict } from '../../../src/model/call-test.js';
import type { Observations } from '../../../src/model/observations.js';
import type { LayerSummary, PathVerdict, ServiceVerdict } from '../../../src/model/verdict.js';
import { CONTROLS_DOWN, CONTROLS_UP, http, nextId, obs, query, stun, tcp, tls } from '../../support/obs.js';

const svc: ServiceCatalogue = {
  service: 'whatsapp',
  name: 'WhatsApp',
  file: 'whatsapp.json',
  sha256: '',
  targets: [
    { id: 'chat', role: 'chat', check: 'tcp', host: 'e1.whatsapp.net', ports: [5222], source: 'test', enabled: true },
    {
      id: 'relay',
      role: 'call',
      check: 'stun',
      host: '198.18.7.7',
      ports: [3478],
      answers_binding: true,
      source: 'test',
      enabled: true,
    },
  ],
};
const o = obs({
  queries: [query('e1.whatsapp.net', 'local', ['198.18.1.1'])],
  tcp_connect: [tcp('chat', '198.18.1.1', 5222, null)],
  x_stun: [stun('relay', '198.18.7.7:3478', 'silent')],
});
const net = { public_ranges: ['198.18.0.0/15'], sinkholes: [] };
const ESC = /\x1b\[[0-9;]*m/g;
const plain = (s: string) => s.replace(ESC, '');
/** The prose under the table with its wrapped lines joined again. */
const unwrapped = (s: string) => s.replace(/\n {2}(?=\S)/g, ' ');

describe('layerCell / pathCell', () => {
  it.each([
    [undefined, '-'],
    [{ layer: 'tcp' as const, ok: 3, blocked: 0, failed: 0, inconclusive: 0, skipped: 0, techniques: [] }, 'ok 3'],
    [
      {
        layer: 'tcp' as const,
        ok: 1,
        blocked: 2,
        failed: 0,
        inconclusive: 0,
        skipped: 0,
        techniques: ['tcp.reset' as const],
      },
      'blocked 2/3 tcp.reset',
    ],
    [
      { layer: 'tcp' as const, ok: 2, blocked: 0, failed: 1, inconclusive: 0, skipped: 0, techniques: [] },
      'ok 2/3, 1 failed',
    ],
    [{ layer: 'tcp' as const, ok: 0, blocked: 0, failed: 0, inconclusive: 0, skipped: 4, techniques: [] }, 'skipped'],
  ])('%j → %s', (s, want) => {
    expect(layerCell(s)).toBe(want);
  });
  const counts = { ok: 0, blocked: 1, failed: 0, inconclusive: 0, skipped: 0, total: 1 };
  it('path cell names the technique, the evidence level of a call path, how strong a block is and where it is stopped', () => {
    expect(
      pathCell({
        path: 'call',
        status: 'blocked',
        techniques: ['udp.no_response'],
        strength: 'weak',
        counts,
        reason: '',
      }),
    ).toBe('blocked (udp.no_response; weak)');
    expect(
      pathCell({
        path: 'call',
        status: 'accessible',
        techniques: [],
        counts,
        call: { level: 'path_open' },
        reason: '',
      }),
    ).toBe('accessible (path open)');
    expect(
      pathCell({ path: 'call', status: 'accessible', techniques: [], counts, call: { level: 'answered' }, reason: '' }),
    ).toBe('accessible (answered)');
    expect(
      pathCell({
        path: 'call',
        status: 'blocked',
        techniques: ['udp.address_blocked'],
        strength: 'strong',
        counts,
        call: { level: 'blocked', where: { hop: 3, address: '192.0.2.1', asn: 6713, network: 'vantage' } },
        reason: '',
      }),
    ).toBe('blocked (udp.address_blocked; strong; hop 3 AS6713)');
    expect(
      pathCell({
        path: 'call',
        status: 'partially_blocked',
        techniques: ['udp.address_blocked'],
        strength: 'strong',
        counts,
        reason: '',
      }),
    ).toBe('partially_blocked (udp.address_blocked; strong)');
    expect(
      pathCell({
        path: 'call',
        status: 'blocked',
        techniques: ['udp.no_response'],
        strength: 'weak',
        counts,
        call: { level: 'blocked' },
        reason: '',
      }),
    ).toBe('blocked (udp.no_response; weak)');
    expect(pathCell(undefined, 'not tested: unverified')).toBe('not tested');
  });
});

describe('renderRunTable', () => {
  it('one row per service with the call path and the verdict', () => {
    const v = analyzeService(svc, o, { controls: CONTROLS_UP, network: net });
    const text = renderRunTable(
      { verdicts: [v], controls: CONTROLS_UP, banner: 'SIMULATION' },
      { width: 200, colour: false },
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe('SIMULATION');
    expect(lines[2]).toMatch(/^service\s+DNS\s+TCP\s+TLS\s+WebSocket\s+HTTPS\s+call path\s+verdict$/);
    const row = lines.find((l) => l.startsWith('whatsapp'))!;
    // A relay known to answer, silent, not localised: blocked, but weakly; from one endpoint, so the
    // service is only degraded (the weak-evidence rule, docs/verdicts.md).
    expect(row).toMatch(/ok 1\s+ok 1\s+-\s+-\s+-\s+blocked \(udp\.no_response; weak\)\s+degraded$/);
    expect(text).toContain(
      'whatsapp: degraded — call blocked (udp.no_response) on weak evidence from a single endpoint',
    );
  });
  it('says plainly when the network is down', () => {
    const v = analyzeService(svc, o, { controls: CONTROLS_DOWN, network: net });
    const text = renderRunTable({ verdicts: [v], controls: CONTROLS_DOWN }, { width: 200, colour: false });
    expect(text).toMatch(/^THE NETWORK LOOKS DOWN/);
    expect(text).toContain('every service: inconclusive');
    expect(text).not.toMatch(/\s(partially_)?blocked$/m);
  });
});

// ---- The worst the real catalogue can print: every service blocked on every layer, with long reasons. ----

const catalogue = loadCatalogue();
const counts = { ok: 21, blocked: 2, failed: 17, inconclusive: 3, skipped: 0, total: 43 };
const layer = (l: LayerSummary['layer'], kind: 'blocked' | 'mixed' | 'ok'): LayerSummary =>
  kind === 'blocked'
    ? {
        layer: l,
        ok: 21,
        blocked: 17,
        failed: 0,
        inconclusive: 3,
        skipped: 0,
        techniques: ['tcp.reset', 'tls.sni_blocked', 'dns.nxdomain'] as LayerSummary['techniques'],
      }
    : kind === 'mixed'
      ? { layer: l, ok: 21, blocked: 0, failed: 17, inconclusive: 21, skipped: 0, techniques: [] }
      : { layer: l, ok: 138, blocked: 0, failed: 0, inconclusive: 0, skipped: 0, techniques: [] };
const LONG =
  'this reason is long on purpose, the way a real one can be when several targets fail in different ways: 17/38 blocked (tcp.reset, tls.sni_blocked), 3 inconclusive, 21 working; the first blocked target was e1.whatsapp.net:5222, reset right after the chat header';
const callPath = (i: number): PathVerdict => {
  const kinds: PathVerdict[] = [
    {
      path: 'call',
      status: 'partially_blocked',
      techniques: ['udp.address_blocked', 'udp.no_response'],
      strength: 'strong',
      counts,
      call: { level: 'blocked', where: { hop: 13, address: '198.18.0.1', asn: 4200000001, network: 'vantage' } },
      reason: LONG,
    },
    { path: 'call', status: 'accessible', techniques: [], counts, call: { level: 'path_open' }, reason: LONG },
    { path: 'call', status: 'inconclusive', techniques: [], counts, outage: true, reason: LONG },
    { path: 'call', status: 'blocked', techniques: ['udp.no_response'], strength: 'weak', counts, reason: LONG },
  ];
  return kinds[i % kinds.length]!;
};
const quality: CallTestVerdict = {
  status: 'throttled',
  technique: 'call.periodic_cut' as CallTestVerdict['technique'],
  reason: LONG,
  mos: 1.2,
  cut_period_s: 30,
  flows: [],
  comparisons: [],
};

function worstVerdicts(): ServiceVerdict[] {
  return catalogue.services.map((s, i): ServiceVerdict => {
    const part = {
      status: 'partially_blocked' as const,
      strength: 'strong' as const,
      paths: { call: callPath(i) },
      layers: {
        dns: layer('dns', 'blocked'),
        tcp: layer('tcp', 'mixed'),
        tls: layer('tls', 'blocked'),
        websocket: layer('websocket', 'mixed'),
        http: layer('http', 'blocked'),
      },
      untested: i % 2 ? { web: 'not tested: the catalogue has no target for it' } : {},
      reason: LONG,
    };
    const groups = [...new Set(s.targets.map((t) => t.group).filter((g): g is string => Boolean(g)))];
    return {
      service: s.service,
      ...part,
      ...(groups.length
        ? { groups: Object.fromEntries(groups.map((g) => [g, { service: `${s.service}/${g}`, ...part }])) }
        : {}),
      targets: [],
      controls: CONTROLS_UP,
      helpers: [
        {
          helper: 'https://helper.example.org:8443/a/long/path/to/the/helper',
          asked: 40,
          answered: 0,
          used: false,
          reason: LONG,
        },
      ],
      call_test: quality,
    };
  });
}

describe('the table fits the terminal', () => {
  const footer = [
    `results: results/20261201T025110Z-996e7c.jsonl (12 measurement lines, 2.2 s)`,
    'the run deadline was reached: unfinished steps are recorded as "interrupted" and their verdicts are inconclusive',
  ];
  const banner = `${'='.repeat(100)}\nSIMULATION — a banner line much longer than any console, written by the demo, which says what this demo cannot show and why, at length\n${'='.repeat(100)}`;

  it.each([80, 100, 132])(
    'at %i columns no line is longer than that, for every service of the real catalogue and long reasons',
    (width) => {
      const verdicts = worstVerdicts();
      expect(verdicts.length).toBeGreaterThanOrEqual(10);
      for (const colour of [false, true]) {
        const text = renderRunTable({ verdicts, controls: CONTROLS_UP, banner, footer }, { width, colour });
        const lines = plain(text).split('\n');
        for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(width);
        // Nothing is lost in the shortening: every service and group has its row, every long cell is said in full.
        for (const v of verdicts)
          expect(lines.some((l) => l.startsWith(`${v.service} `) || l.startsWith(`${v.service}: `))).toBe(true);
        expect(plain(text).replace(/\s+/g, ' ')).toContain(
          'partially_blocked (udp.address_blocked,udp.no_response; strong; hop 13 AS4200000001)',
        );
      }
    },
  );

  it('at 80 columns long cells are shortened with "+" and said in full under their row; the block keeps its strength', () => {
    // Blocked and mixed layers, a located block, no test call: columns still fit 80 once shortened.
    const verdicts = worstVerdicts().map((v) => ({
      ...v,
      call_test: undefined,
      layers: { dns: v.layers.dns, tcp: v.layers.tcp },
      groups: {},
    }));
    const text = renderRunTable({ verdicts, controls: CONTROLS_UP }, { width: 80, colour: false });
    for (const l of text.split('\n')) expect(l.length, l).toBeLessThanOrEqual(80);
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('whatsapp '));
    const row = lines[at]!;
    expect(row).toMatch(/\bblk 17\/41\+|\bblocked 17\/41\+/);
    expect(row).toMatch(/\(strong\)/);
    const under = lines
      .slice(
        at + 1,
        lines.findIndex((l, i) => i > at && /^\S/.test(l)),
      )
      .map((l) => l.trim())
      .join(' ');
    expect(under).toContain('DNS: blocked 17/41 tcp.reset,tls.sni_blocked,dns.nxdomain');
    expect(under).toMatch(/TCP: ok 21\/59, 17 failed, 21 \?/);
    expect(unwrapped(text)).toMatch(/^legend: .*\+: shortened/m);
    expect(unwrapped(text)).not.toMatch(/^legend: ok N/m);
  });

  it('keeps the wide layout when the terminal is wide enough', () => {
    const v = analyzeService(svc, o, { controls: CONTROLS_UP, network: net });
    const text = renderRunTable({ verdicts: [v], controls: CONTROLS_UP }, { width: 200, colour: false });
    expect(text).toMatch(/^service\s+DNS\s+TCP\s+TLS\s+WebSocket\s+HTTPS\s+call path\s+verdict$/m);
    expect(text).not.toMatch(/\+(\s|$)/m);
  });

  it('a file path longer than the width stays whole (copyable) on its own line', () => {
    const path = `/home/someone/${'deep/'.repeat(20)}20261201T025110Z-996e7c.jsonl`;
    const text = renderRunTable(
      { verdicts: [], controls: CONTROLS_UP, footer: [`results: ${path} (3 measurement lines, 1.0 s)`] },
      { width: 80, colour: false },
    );
    const lines = text.split('\n');
    expect(lines).toContain(`  ${path}`);
    expect(lines.filter((l) => l.length > 80)).toEqual([`  ${path}`]);
  });
});

describe('colour only when asked', () => {
  const verdicts = worstVerdicts();
  verdicts[1] = { ...verdicts[1]!, status: 'degraded', strength: undefined, groups: {} } as ServiceVerdict;
  verdicts[2] = { ...verdicts[2]!, status: 'accessible', strength: undefined, groups: {} } as ServiceVerdict;

  it('none without the colour style, whatever the data', () => {
    const text = renderRunTable({ verdicts, controls: CONTROLS_UP }, { width: 80, colour: false });
    expect(text).not.toMatch(/\x1b/);
  });

  it('blocked rows red, degraded rows yellow, the rest plain', () => {
    const text = renderRunTable({ verdicts, controls: CONTROLS_UP }, { width: 80, colour: true });
    const rowOf = (s: string) =>
      text.split('\n').find((l) => plain(l).startsWith(`${s} `) || plain(l).startsWith(`${s}: `))!;
    expect(rowOf(verdicts[0]!.service)).toMatch(/^\x1b\[31m.*\x1b\[0m$/);
    expect(rowOf(verdicts[1]!.service)).toMatch(/^\x1b\[33m.*\x1b\[0m$/);
    expect(rowOf(verdicts[2]!.service)).not.toMatch(/\x1b/);
    // Only our own colour codes: what came from the network is escaped.
    expect(
      text.match(/\x1b\[[^m]*m/g)!.every((c) => ['\x1b[1;31m', '\x1b[31m', '\x1b[33m', '\x1b[0m'].includes(c)),
    ).toBe(true);
  });

  it('a reason holding terminal controls is printed escaped, colour or not', () => {
    const bad = { ...verdicts[0]!, reason: 'evil \x1b[2J\x1b]0;title\x07 reason\u202e' };
    for (const colour of [false, true]) {
      const text = renderRunTable({ verdicts: [bad], controls: CONTROLS_UP }, { width: 80, colour });
      expect(unwrapped(plain(text))).toContain('evil \\x1b[2J\\x1b]0;title\\x07 reason\\u202e');
      expect(text).not.toContain('\x1b[2J');
    }
  });

  it.each([
    [{ isTTY: true, columns: 120 }, {}, { width: 120, colour: true }],
    [{ isTTY: true, columns: 60 }, {}, { width: 80, colour: true }],
    [{ isTTY: true, columns: 120 }, { NO_COLOR: '1' }, { width: 120, colour: false }],
    [{ isTTY: true, columns: 120 }, { TERM: 'dumb' }, { width: 120, colour: false }],
    [{ isTTY: false, columns: 200 }, {}, { width: 80, colour: false }],
    [{}, {}, { width: 80, colour: false }],
    [{ isTTY: false }, { FORCE_COLOR: '1' }, { width: 80, colour: true }],
    [{ isTTY: false }, { FORCE_COLOR: '0' }, { width: 80, colour: false }],
    [
      { isTTY: true, columns: 100 },
      { FORCE_COLOR: '1', NO_COLOR: '1' },
      { width: 100, colour: false },
    ],
  ])('tableStyle(%j, %j) → %j', (out, env, want) => {
    expect(tableStyle(out, env)).toEqual(want);
  });
});

describe('the legend', () => {
  it('is under the table and explains the notation the table uses, with a pointer to --help', () => {
    const text = renderRunTable({ verdicts: worstVerdicts(), controls: CONTROLS_UP }, { width: 80, colour: false });
    const legend = text
      .slice(text.indexOf('\nlegend: '), text.indexOf('\n\n', text.indexOf('\nlegend: ') + 1))
      .replace(/\n {2}/g, ' ');
    expect(text.indexOf('\nlegend: ')).toBeGreaterThan(text.indexOf('\nservice'));
    for (const bit of [
      'ok 21/38, 17 failed: 21 of 38 worked',
      '21 ?: 21 could not be judged',
      'strong/weak',
      'path open',
      'hop 3 AS6713',
      '(outage)',
      'voipprobe run --help',
    ])
      expect(legend).toContain(bit);
    // Short: a few lines.
    expect(legend.length).toBeLessThan(900);
  });
  it('leaves out what the table does not use', () => {
    const v = analyzeService(svc, o, { controls: CONTROLS_UP, network: net });
    const text = renderRunTable({ verdicts: [v], controls: CONTROLS_UP }, { width: 200, colour: false });
    expect(text).toMatch(/^legend: ok N: N checks worked; .*weak.*voipprobe run --help/m);
    expect(text).not.toMatch(/^legend: .*(path open|hop 3|outage)/m);
  });
  it('the full notation is in `voipprobe run --help`', () => {
    for (const bit of [
      '21 ?',
      'ok 21/38, 17 failed',
      'weak',
      'strong',
      'path open',
      'hop 3 AS6713',
      'not tested',
      '(outage)',
      'NO_COLOR',
    ])
      expect(RUN_TABLE_HELP).toContain(bit);
  });
});

// ---- Services tested only at their website (or, FaceTime, without a call target) ----

/** Observations where every enabled TCP, TLS and HTTPS target of a service works. */
function allWorking(s: ServiceCatalogue): Observations {
  const out = obs({});
  let n = 1;
  for (const t of s.targets.filter((x) => x.enabled)) {
    const host = 'url' in t ? new URL(t.url).hostname : 'host' in t ? t.host : '';
    const ip = `198.18.9.${n++}`;
    out.queries.push(query(host, 'local', [ip]), query(host, 'control', [ip]));
    const id = nextId();
    if (t.check === 'tcp') for (const p of t.ports) out.tcp_connect.push(tcp(t.id, ip, p, null));
    else if (t.check === 'tls') out.tls_handshakes.push(tls(t.id, ip, host, null, 'target', id));
    else if (t.check === 'https') {
      out.tcp_connect.push(tcp(t.id, ip, 443, null, {}, id));
      out.tls_handshakes.push(tls(t.id, ip, host, null, 'target', id));
      out.requests.push(http(t.id, t.url, 200, null, id));
    } else throw new Error(`allWorking: ${t.check} not covered`);
  }
  return out;
}

describe('a service tested only in part never reads "every path works"', () => {
  it.each([
    [
      'mumble',
      'web works; chat not tested (target disabled in the catalogue); call not tested (no target in the catalogue)',
      'accessible (web only)',
    ],
    [
      'teamspeak',
      'web works; chat not tested (target disabled in the catalogue); call not tested (no target in the catalogue)',
      'accessible (web only)',
    ],
    [
      'ventrilo',
      'web works; chat not tested (target disabled in the catalogue); call not tested (no target in the catalogue)',
      'accessible (web only)',
    ],
    ['tango', 'web works; chat and call not tested (no target in the catalogue)', 'accessible (web only)'],
    ['facetime', 'chat works; web and call not tested (no target in the catalogue)', 'accessible (chat only)'],
  ])('%s: says which paths were tested', (name, reason, cell) => {
    const s = catalogue.services.find((x) => x.service === name)!;
    // The premise: the real catalogue has no enabled call target for it.
    expect(s.targets.filter((t) => t.enabled && pathOf(t) === 'call')).toEqual([]);
    const v = analyzeService(s, allWorking(s), { controls: CONTROLS_UP, network: net });
    expect(v.status).toBe('accessible');
    expect(v.reason).toBe(reason);
    expect(v.untested?.call).toMatch(/^not tested: /);
    for (const width of [80, 200]) {
      const text = renderRunTable({ verdicts: [v], controls: CONTROLS_UP }, { width, colour: false });
      expect(text).not.toContain('every path works');
      expect(unwrapped(text)).toContain(`${name}: accessible — ${reason}`);
      const row = text.split('\n').find((l) => l.startsWith(`${name} `))!;
      expect(row).toMatch(/\bnot tested\b/);
      expect(row).toMatch(
        width === 200 ? new RegExp(`${cell.replace(/[()]/g, '\\$&')}$`) : /accessible \((web|chat)( only)?\)$/,
      );
    }
  });

  it('a service with every path measured still says "every path works"', () => {
    const full: ServiceCatalogue = {
      ...svc,
      targets: [
        {
          id: 'chat',
          role: 'chat',
          check: 'tcp',
          host: 'e1.whatsapp.net',
          ports: [5222],
          source: 'test',
          enabled: true,
        },
        { id: 'web', role: 'web', check: 'https', url: 'https://web.whatsapp.com/', source: 'test', enabled: true },
        {
          id: 'relay',
          role: 'call',
          check: 'tcp',
          host: 'relay.whatsapp.net',
          ports: [3478],
          source: 'test',
          enabled: true,
        },
      ],
    };
    const v = analyzeService(full, allWorking(full), { controls: CONTROLS_UP, network: net });
    expect(v.reason).toBe('every path works (chat, web, call)');
    expect(v.untested).toBeUndefined();
    expect(
      renderRunTable({ verdicts: [v], controls: CONTROLS_UP })
        .split('\n')
        .find((l) => l.startsWith('whatsapp ')),
    ).toMatch(/\saccessible$/);
  });
});
