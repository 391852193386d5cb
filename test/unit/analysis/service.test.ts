import { describe, expect, it } from 'vitest';
import { analyzeService, combinePaths, judgePath } from '../../../src/analysis/service.js';
import type { ServiceCatalogue } from '../../../src/catalogue/load.js';
import type { Target } from '../../../src/catalogue/schema.js';
import type { Observations } from '../../../src/model/observations.js';
import type { ControlVerdict, PathVerdict, TargetVerdict } from '../../../src/model/verdict.js';
import { CONTROLS_DOWN, CONTROLS_UP, http, nextId, obs, query, received, stun, tcp, tls } from '../../support/obs.js';

const T: Target[] = [
  {
    id: 'chat-e1',
    role: 'chat',
    check: 'tcp',
    host: 'e1.whatsapp.net',
    ports: [443, 5222],
    source: 'test',
    enabled: true,
  },
  { id: 'web', role: 'web', check: 'https', url: 'https://web.whatsapp.com/', source: 'test', enabled: true },
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
  {
    id: 'viber-port',
    role: 'chat',
    check: 'tcp',
    host: '198.18.8.8',
    ports: [4244],
    source: 'unverified: third-party list',
    enabled: true,
  },
];
const svc: ServiceCatalogue = { service: 'whatsapp', name: 'WhatsApp', file: 'whatsapp.json', sha256: '', targets: T };
const net = { public_ranges: ['198.18.0.0/15'], sinkholes: [] };

interface World {
  chat: 'ok' | 'reset' | 'refused' | 'timeout' | 'mixed';
  /** slow: the request timed out while bytes were still arriving; stall: it timed out with nothing since the handshake. */
  web: 'ok' | 'sni' | 'refused' | 'slow' | 'stall';
  call: 'answer' | 'silent' | 'refused';
  dns?: 'ok' | 'nxdomain';
  slowTls?: boolean;
}

function world(w: World): Observations {
  const o = obs({});
  const dnsOk = w.dns !== 'nxdomain';
  for (const h of ['e1.whatsapp.net', 'web.whatsapp.com']) {
    o.queries.push(
      query(h, 'local', dnsOk ? ['198.18.1.1'] : 'dns_nxdomain_error'),
      query(h, 'control', ['198.18.1.1']),
    );
  }
  for (const [i, port] of [443, 5222].entries()) {
    const mode = w.chat === 'mixed' ? (i === 0 ? 'ok' : 'timeout') : w.chat;
    const f =
      mode === 'ok'
        ? null
        : mode === 'refused'
          ? 'connection_refused'
          : mode === 'timeout'
            ? 'generic_timeout_error'
            : null;
    o.tcp_connect.push(
      tcp(
        'chat-e1',
        '198.18.1.1',
        port,
        f,
        mode === 'reset' ? { x_after_write: { failure: 'connection_reset', bytes_received: 0, t: 0.2 } } : {},
      ),
    );
  }
  const id = nextId();
  if (w.web === 'refused') o.tcp_connect.push(tcp('web', '198.18.1.1', 443, 'connection_refused', {}, id));
  else {
    o.tcp_connect.push(tcp('web', '198.18.1.1', 443, null, {}, id));
    o.tls_handshakes.push(
      tls(
        'web',
        '198.18.1.1',
        'web.whatsapp.com',
        w.web === 'sni' ? 'connection_reset' : null,
        'target',
        id,
        w.slowTls ? { t0: 0.1, t: 3.1 } : {},
      ),
    );
    if (w.web === 'sni') o.tls_handshakes.push(tls('web', '198.18.1.1', 'example.com', null, 'neutral', id));
    else if (w.web === 'slow' || w.web === 'stall') {
      const last = w.web === 'slow' ? 5.15 : 0.35;
      o.requests.push(
        http('web', 'https://web.whatsapp.com/', null, 'generic_timeout_error', id, {
          t0: 0.2,
          t: 5.2,
          x_failed_operation: 'http_round_trip',
          x_received: received(w.web === 'slow' ? 17_000 : 1300, 0.3, last),
        }),
      );
    } else o.requests.push(http('web', 'https://web.whatsapp.com/', 200, null, id));
  }
  o.x_stun.push(stun('relay', '198.18.7.7:3478', w.call));
  o.tcp_connect.push(tcp('viber-port', '198.18.8.8', 4244, 'generic_timeout_error'));
  return o;
}

const cases: {
  name: string;
  w: World;
  controls?: ControlVerdict;
  status: string;
  chat: string;
  web: string;
  call: string;
  techniques?: Record<string, string[]>;
}[] = [
  {
    name: 'everything works',
    w: { chat: 'ok', web: 'ok', call: 'answer' },
    status: 'accessible',
    chat: 'accessible',
    web: 'accessible',
    call: 'accessible',
  },
  {
    // The relay is silent and not localised: weak evidence from one endpoint leaves the service degraded.
    name: 'Morocco 2016: calls dropped, chat and web work',
    w: { chat: 'ok', web: 'ok', call: 'silent' },
    status: 'degraded',
    chat: 'accessible',
    web: 'accessible',
    call: 'blocked',
    techniques: { call: ['udp.no_response'] },
  },
  {
    name: 'chat reset by DPI',
    w: { chat: 'reset', web: 'ok', call: 'answer' },
    status: 'partially_blocked',
    chat: 'blocked',
    web: 'accessible',
    call: 'accessible',
    techniques: { chat: ['tcp.reset'] },
  },
  {
    name: 'SNI filtering on web',
    w: { chat: 'ok', web: 'sni', call: 'answer' },
    status: 'partially_blocked',
    chat: 'accessible',
    web: 'blocked',
    call: 'accessible',
    techniques: { web: ['tls.reset'] },
  },
  // The call path on weak evidence from one endpoint does not count as blocked for the service.
  {
    name: 'everything blocked, the call path weakly',
    w: { chat: 'reset', web: 'sni', call: 'silent' },
    status: 'partially_blocked',
    chat: 'blocked',
    web: 'blocked',
    call: 'blocked',
  },
  {
    name: 'outage: servers refuse everywhere, no censorship signature',
    w: { chat: 'refused', web: 'refused', call: 'refused' },
    status: 'inconclusive',
    chat: 'inconclusive',
    web: 'inconclusive',
    call: 'inconclusive',
  },
  {
    name: 'dead uplink: controls down',
    w: { chat: 'timeout', web: 'refused', call: 'silent' },
    controls: CONTROLS_DOWN,
    status: 'inconclusive',
    chat: 'inconclusive',
    web: 'inconclusive',
    call: 'inconclusive',
  },
  {
    name: 'one port times out, the other works: degraded, not blocked',
    w: { chat: 'mixed', web: 'ok', call: 'answer' },
    status: 'degraded',
    chat: 'degraded',
    web: 'accessible',
    call: 'accessible',
  },
  {
    name: 'DNS-only blocking: NXDOMAIN locally, the neutral address works',
    w: { chat: 'ok', web: 'ok', call: 'answer', dns: 'nxdomain' },
    status: 'partially_blocked',
    chat: 'blocked',
    web: 'blocked',
    call: 'accessible',
    techniques: { chat: ['dns.nxdomain'], web: ['dns.nxdomain'] },
  },
  {
    name: 'throttled: handshakes 100x slower than the control',
    w: { chat: 'ok', web: 'ok', call: 'answer', slowTls: true },
    status: 'degraded',
    chat: 'accessible',
    web: 'degraded',
    call: 'accessible',
    techniques: { web: ['throttled'] },
  },
  // Issue 10, item 4: shaped to 64 kbit/s, the request times out while the page is still arriving.
  {
    name: 'throttled: the request timed out while bytes were still arriving',
    w: { chat: 'ok', web: 'slow', call: 'answer' },
    status: 'degraded',
    chat: 'accessible',
    web: 'degraded',
    call: 'accessible',
    techniques: { web: ['throttled'] },
  },
  {
    name: 'throttled: slow handshakes count even when a request is blocked',
    w: { chat: 'ok', web: 'stall', call: 'answer', slowTls: true },
    status: 'degraded',
    chat: 'accessible',
    web: 'degraded',
    call: 'accessible',
    techniques: { web: ['throttled'] },
  },
  // The weak-evidence rule: one stalled server is web blocked (weak), but not a partially blocked service.
  {
    name: 'one server stalls after the handshake (weak, one endpoint)',
    w: { chat: 'ok', web: 'stall', call: 'answer' },
    status: 'degraded',
    chat: 'accessible',
    web: 'blocked',
    call: 'accessible',
    techniques: { web: ['http.failure'] },
  },
];

describe('analyzeService', () => {
  it.each(cases)('$name', (c) => {
    const v = analyzeService(svc, world(c.w), { controls: c.controls ?? CONTROLS_UP, network: net });
    expect(v.status).toBe(c.status);
    expect(v.paths.chat?.status).toBe(c.chat);
    expect(v.paths.web?.status).toBe(c.web);
    expect(v.paths.call?.status).toBe(c.call);
    for (const [p, techs] of Object.entries(c.techniques ?? {}))
      expect(v.paths[p as 'chat']?.techniques).toEqual(techs);
    expect(v.reason).toMatch(/\S/);
  });

  it('never lets a reachable chat server hide a blocked call path', () => {
    const v = analyzeService(svc, world({ chat: 'ok', web: 'ok', call: 'silent' }), {
      controls: CONTROLS_UP,
      network: net,
    });
    expect(v.status).not.toBe('accessible');
    expect(v.reason).toContain('call blocked');
  });

  it('reports unverified targets but never counts them', () => {
    const v = analyzeService(svc, world({ chat: 'ok', web: 'ok', call: 'answer' }), {
      controls: CONTROLS_UP,
      network: net,
    });
    const viber = v.targets.find((t) => t.target === 'viber-port')!;
    expect(viber.informational).toBe(true);
    expect(viber.status).toBe('blocked');
    expect(v.status).toBe('accessible');
    expect(v.paths.chat?.counts.total).toBe(2);
  });

  it('judges every address/port chain with the full ladder of layers', () => {
    const v = analyzeService(svc, world({ chat: 'ok', web: 'sni', call: 'answer' }), {
      controls: CONTROLS_UP,
      network: net,
    });
    const web = v.targets.find((t) => t.target === 'web')!;
    expect(web.layers.map((l) => [l.layer, l.status])).toEqual([
      ['dns', 'ok'],
      ['tcp', 'ok'],
      ['tls', 'blocked'],
      ['http', 'skipped'],
    ]);
    expect(v.layers.tls?.techniques).toEqual(['tls.reset']);
  });

  it('judges labelled groups separately', () => {
    const grouped: ServiceCatalogue = {
      ...svc,
      targets: T.map((t) => ({ ...t, group: t.role === 'call' ? 'teams' : 'legacy' })),
    };
    const v = analyzeService(grouped, world({ chat: 'ok', web: 'ok', call: 'silent' }), {
      controls: CONTROLS_UP,
      network: net,
    });
    expect(v.groups?.legacy?.status).toBe('accessible');
    expect(v.groups?.teams?.status).toBe('degraded'); // a silent relay, not localised: weak, one endpoint
  });
});

describe('combinePaths: the weak-evidence rule (docs/verdicts.md)', () => {
  type Row = [status: PathVerdict['status'], strength?: 'strong' | 'weak', endpoints?: number];
  const p = ([status, strength, endpoints]: Row): PathVerdict => {
    const base = {
      path: 'chat' as const,
      techniques: [],
      counts: { ok: 0, blocked: 0, failed: 0, inconclusive: 0, skipped: 0, total: 0 },
      reason: '',
    };
    if (status !== 'blocked' && status !== 'partially_blocked') return { ...base, status };
    return {
      ...base,
      status,
      strength: strength ?? 'weak',
      ...(endpoints !== undefined ? { blocked_endpoints: endpoints } : {}),
    };
  };
  it.each([
    { paths: [['accessible'], ['accessible']], want: 'accessible' },
    {
      paths: [
        ['blocked', 'strong', 1],
        ['blocked', 'strong', 3],
      ],
      want: 'blocked',
    },
    { paths: [['blocked', 'strong', 1], ['accessible']], want: 'partially_blocked' },
    { paths: [['partially_blocked', 'strong', 1], ['accessible']], want: 'partially_blocked' },
    { paths: [['blocked', 'strong', 1], ['inconclusive']], want: 'partially_blocked' },
    // Weak evidence from several endpoints (a service's servers all silent): it counts.
    { paths: [['blocked', 'weak', 2], ['accessible']], want: 'partially_blocked' },
    {
      paths: [
        ['blocked', 'weak', 17],
        ['blocked', 'weak', 3],
      ],
      want: 'blocked',
    },
    // Weak evidence from one endpoint (one silent server, perhaps a dead one): degraded, not blocked.
    { paths: [['blocked', 'weak', 1], ['accessible']], want: 'degraded' },
    {
      paths: [
        ['blocked', 'weak', 1],
        ['blocked', 'strong', 2],
      ],
      want: 'partially_blocked',
    },
    { paths: [['blocked', 'weak', 1], ['inconclusive']], want: 'degraded' },
    { paths: [['blocked', 'weak'], ['accessible']], want: 'degraded' },
    { paths: [['degraded'], ['accessible']], want: 'degraded' },
    { paths: [['accessible'], ['inconclusive']], want: 'inconclusive' },
    { paths: [], want: 'inconclusive' },
  ] as { paths: Row[]; want: string }[])('$paths → $want', ({ paths, want }) => {
    expect(combinePaths(paths.map(p), CONTROLS_UP)).toBe(want);
  });
  it('network down wins over everything', () => {
    expect(combinePaths([p(['blocked', 'strong', 3])], CONTROLS_DOWN)).toBe('inconclusive');
  });
});

describe('judgePath', () => {
  const tv = (status: TargetVerdict['status'], strength: 'strong' | 'weak' = 'weak'): TargetVerdict => {
    const base = { target: 'x', role: 'chat', path: 'chat' as const, informational: false, layers: [], reason: 'r' };
    return status === 'blocked' ? { ...base, status, technique: 'tcp.timeout', strength } : { ...base, status };
  };
  it.each([
    { name: 'all ok', vs: [tv('ok'), tv('ok')], want: 'accessible' },
    { name: 'ok + failed (outage of one)', vs: [tv('ok'), tv('failed')], want: 'accessible' },
    { name: 'ok + unjudged: not accessible', vs: [tv('ok'), tv('inconclusive')], want: 'inconclusive' },
    { name: 'only failed', vs: [tv('failed')], want: 'inconclusive' },
    { name: 'ok + strong block', vs: [tv('ok'), tv('blocked', 'strong')], want: 'partially_blocked' },
    { name: 'ok + weak block', vs: [tv('ok'), tv('blocked', 'weak')], want: 'degraded' },
    { name: 'all blocked', vs: [tv('blocked', 'weak'), tv('inconclusive')], want: 'blocked' },
  ])('$name', ({ vs, want }) => {
    expect(judgePath('chat', vs, CONTROLS_UP).status).toBe(want);
  });

  // A throttled path is never blocked: timeouts on it are slowness; only a signature makes it partially blocked.
  it.each([
    {
      name: 'throttled, every target timed out (weak)',
      vs: [tv('blocked', 'weak'), tv('blocked', 'weak')],
      want: 'degraded',
      techniques: ['throttled'],
    },
    {
      name: 'throttled, slow requests failed, none ok',
      vs: [tv('failed'), tv('failed')],
      want: 'degraded',
      techniques: ['throttled'],
    },
    {
      name: 'throttled, one ok, one timed out',
      vs: [tv('ok'), tv('blocked', 'weak')],
      want: 'degraded',
      techniques: ['throttled'],
    },
    {
      name: 'throttled and a reset (a signature)',
      vs: [tv('blocked', 'strong'), tv('blocked', 'weak')],
      want: 'partially_blocked',
      techniques: ['tcp.timeout', 'throttled'],
    },
    { name: 'throttled, all fine otherwise', vs: [tv('ok'), tv('ok')], want: 'degraded', techniques: ['throttled'] },
  ])('throttled path: $name → $want', ({ vs, want, techniques }) => {
    const p = judgePath('chat', vs, CONTROLS_UP, 'median HTTPS request 2.00 s over 2 vs 0.020 s');
    expect(p.status).toBe(want);
    expect(p.techniques).toEqual(techniques);
  });

  it('counts the distinct endpoints behind a blocked path (addresses, else names)', () => {
    const at = (address?: string, host?: string): TargetVerdict => ({
      ...tv('blocked', 'weak'),
      ...(address ? { address } : {}),
      ...(host ? { host } : {}),
    });
    expect(judgePath('chat', [at('198.18.1.1'), at('198.18.1.1')], CONTROLS_UP).blocked_endpoints).toBe(1);
    expect(judgePath('chat', [at('198.18.1.1'), at('198.18.1.2')], CONTROLS_UP).blocked_endpoints).toBe(2);
    expect(
      judgePath('chat', [at(undefined, 'a.example'), at(undefined, 'b.example')], CONTROLS_UP).blocked_endpoints,
    ).toBe(2);
  });
});

describe('path evidence strength', () => {
  const tv = (status: TargetVerdict['status'], strength: 'strong' | 'weak' = 'weak'): TargetVerdict => {
    const base = { target: 'x', role: 'chat', path: 'chat' as const, informational: false, layers: [], reason: 'r' };
    return status === 'blocked' ? { ...base, status, technique: 'tcp.timeout', strength } : { ...base, status };
  };
  it('a path blocked only by timeouts says its evidence is weak', () => {
    const p = judgePath('chat', [tv('blocked', 'weak'), tv('blocked', 'weak')], CONTROLS_UP);
    expect(p.status).toBe('blocked');
    expect(p.strength).toBe('weak');
    expect(p.reason).toMatch(/weak evidence/);
  });
  it('one signature makes it strong', () => {
    expect(judgePath('chat', [tv('blocked', 'weak'), tv('blocked', 'strong')], CONTROLS_UP).strength).toBe('strong');
  });
  it('accessible paths carry no strength', () => {
    expect(judgePath('chat', [tv('ok')], CONTROLS_UP).strength).toBeUndefined();
  });
});
