// The verdict rules with a helper's outside view, as a table: a local observation, what the helpers
// answered, and the verdict that must come out. The helper's word alone never makes anything blocked.
import { describe, expect, it } from 'vitest';
import { helperUse } from '../../../src/analysis/outside-view.js';
import { analyzeService } from '../../../src/analysis/service.js';
import type { ServiceCatalogue } from '../../../src/catalogue/load.js';
import type { Target } from '../../../src/catalogue/schema.js';
import type { Failure } from '../../../src/model/failure.js';
import type { HelperExchange, Observations } from '../../../src/model/observations.js';
import type { ControlVerdict } from '../../../src/model/verdict.js';
import { type HelperResponse, WITHDRAWN } from '../../../src/protocol/helper.js';
import {
  CONTROLS_3478_BLOCKED,
  CONTROLS_DOWN,
  CONTROLS_UP,
  nextId,
  obs,
  query,
  reply,
  stun,
  tcp,
  tls,
  trace,
} from '../../support/obs.js';

const HELPER = 'https://helper.example/';
const IP = '198.18.1.1';
const net = { public_ranges: ['198.18.0.0/15'], sinkholes: [] };

const chat: Target = {
  id: 'chat',
  role: 'chat',
  check: 'tcp',
  host: 'chat.example',
  ports: [443],
  source: 'test',
  enabled: true,
};
const chatWA: Target = { ...chat, preamble_hex: '57410603' };
const web: Target = {
  id: 'web',
  role: 'web',
  check: 'tls',
  host: 'web.example',
  port: 443,
  source: 'test',
  enabled: true,
};
const relay = (answers: boolean): Target => ({
  id: 'relay',
  role: 'call',
  check: 'stun',
  host: '198.18.7.7',
  ports: [3478],
  answers_binding: answers,
  source: 'test',
  enabled: true,
});

/** A helper answer: everything the helper did worked unless said otherwise. */
function answer(over: Partial<HelperResponse> = {}): HelperResponse {
  return {
    tcp_connect: {},
    tls_handshake: {},
    http_request: { body_length: -1, failure: 'x_not_requested', title: '', headers: {}, status_code: -1 },
    dns: { failure: null, addrs: [IP] },
    ...over,
  };
}

function exchange(
  target: string,
  response: HelperResponse | null,
  extra: Partial<HelperExchange> = {},
): HelperExchange {
  return {
    helper: HELPER,
    request: { http_request: 'https://chat.example/', http_request_headers: {}, tcp_connect: [] },
    status: response ? 200 : null,
    response,
    failure: response ? null : 'connection_refused',
    t0: 0.01,
    t: 0.2,
    transaction_id: nextId(),
    x_target: target,
    ...extra,
  };
}

const tcpOutside = (f: Failure, extra: object = {}) => ({
  [`${IP}:443`]: { status: f === null, failure: f, ...extra },
});

function judge(targets: Target[], o: Observations, controls: ControlVerdict = CONTROLS_UP) {
  const svc: ServiceCatalogue = { service: 's', name: 'S', file: 's.json', sha256: '', targets };
  return analyzeService(svc, o, { controls, network: net });
}

/** Local: DNS works for every named target. */
function withDns(o: Observations, hosts: string[]): Observations {
  for (const h of hosts) o.queries.push(query(h, 'local', [IP]), query(h, 'control', [IP]));
  return o;
}

describe('a TCP connect that fails here', () => {
  const cases: {
    name: string;
    local: Failure;
    outside: HelperExchange['response'] | 'garbage' | 'unreachable';
    status: string;
    technique?: string;
    strength?: string;
    path: string;
    outage?: boolean;
  }[] = [
    {
      name: 'refused (reset to the SYN), connects from outside',
      local: 'connection_refused',
      outside: answer({ tcp_connect: tcpOutside(null) }),
      status: 'blocked',
      technique: 'tcp.refused',
      strength: 'strong',
      path: 'blocked',
    },
    {
      name: 'ICMP prohibited (host unreachable), connects from outside',
      local: 'host_unreachable',
      outside: answer({ tcp_connect: tcpOutside(null) }),
      status: 'blocked',
      technique: 'tcp.unreachable',
      strength: 'strong',
      path: 'blocked',
    },
    {
      name: 'SYN unanswered (blackhole), connects from outside',
      local: 'generic_timeout_error',
      outside: answer({ tcp_connect: tcpOutside(null) }),
      status: 'blocked',
      technique: 'tcp.timeout',
      strength: 'strong',
      path: 'blocked',
    },
    {
      name: 'refused here and from outside: an outage',
      local: 'connection_refused',
      outside: answer({ tcp_connect: tcpOutside('connection_refused') }),
      status: 'failed',
      path: 'inconclusive',
      outage: true,
    },
    {
      name: 'silent here and from outside: an outage, not a weak block',
      local: 'generic_timeout_error',
      outside: answer({ tcp_connect: tcpOutside('generic_timeout_error') }),
      status: 'failed',
      path: 'inconclusive',
      outage: true,
    },
    {
      name: "refused here, the helper answers garbage: today's rules",
      local: 'connection_refused',
      outside: 'garbage',
      status: 'failed',
      path: 'inconclusive',
    },
    {
      name: "refused here, the helper cannot be reached: today's rules",
      local: 'connection_refused',
      outside: 'unreachable',
      status: 'failed',
      path: 'inconclusive',
    },
    {
      name: 'refused here, a helper for which nothing works (not even DNS) proves nothing',
      local: 'connection_refused',
      outside: answer({ tcp_connect: tcpOutside('connection_refused'), dns: { failure: 'dns_name_error', addrs: [] } }),
      status: 'failed',
      path: 'inconclusive',
    },
    {
      name: "timeout here, the helper does not know the endpoint: today's rules (weak)",
      local: 'generic_timeout_error',
      outside: answer({ tcp_connect: {} }),
      status: 'blocked',
      technique: 'tcp.timeout',
      strength: 'weak',
      path: 'blocked',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const o = withDns(obs({ tcp_connect: [tcp('chat', IP, 443, c.local)] }), ['chat.example']);
      const x =
        c.outside === 'garbage'
          ? exchange('chat', null, { status: 200, failure: 'x_invalid_response', x_reason: 'not JSON' })
          : c.outside === 'unreachable'
            ? exchange('chat', null)
            : exchange('chat', c.outside);
      o.x_helper = [x];
      const v = judge([chat], o);
      const t = v.targets[0]!;
      expect(t.status).toBe(c.status);
      expect(t.technique).toBe(c.technique);
      expect(t.strength).toBe(c.strength);
      expect(v.paths.chat!.status).toBe(c.path);
      expect(Boolean(v.paths.chat!.outage)).toBe(Boolean(c.outage));
      if (c.outage) expect(v.paths.chat!.reason).toMatch(/^outage: .*not blocked/);
      if (c.status === 'blocked' && c.strength === 'strong') {
        expect(t.reason).toMatch(
          /from outside \(https:\/\/helper\.example\/\) the same connect to 198\.18\.1\.1:443 worked: blocked on this network/,
        );
        expect(t.layers.find((l) => l.layer === 'tcp')!.evidence).toContainEqual({ key: 'x_helper', index: 0 });
      }
    });
  }

  it('says why a helper was not used', () => {
    const o = withDns(obs({ tcp_connect: [tcp('chat', IP, 443, 'connection_refused')] }), ['chat.example']);
    o.x_helper = [
      exchange('chat', null, {
        status: 401,
        failure: 'http_request_failed',
        x_reason: 'HTTP 401: invalid bearer token',
      }),
    ];
    const v = judge([chat], o);
    expect(v.helpers).toEqual([
      {
        helper: HELPER,
        asked: 1,
        answered: 0,
        used: false,
        reason: 'not used: no valid answer (http_request_failed: HTTP 401: invalid bearer token)',
      },
    ]);
  });

  it('two helpers: one reaches the server, one does not — the server is up, so it is blocked here', () => {
    const o = withDns(obs({ tcp_connect: [tcp('chat', IP, 443, 'connection_refused')] }), ['chat.example']);
    o.x_helper = [
      exchange('chat', answer({ tcp_connect: tcpOutside('connection_refused') }), { helper: 'https://a.example/' }),
      exchange('chat', answer({ tcp_connect: tcpOutside(null) }), { helper: 'https://b.example/' }),
    ];
    const t = judge([chat], o).targets[0]!;
    expect([t.status, t.technique, t.strength]).toEqual(['blocked', 'tcp.refused', 'strong']);
    expect(t.outside).toEqual({ outcome: 'works', helpers: ['https://b.example/'] });
  });

  it('the network is down: nothing is judged, whatever a helper says', () => {
    const o = withDns(obs({ tcp_connect: [tcp('chat', IP, 443, 'generic_timeout_error')] }), ['chat.example']);
    o.x_helper = [exchange('chat', answer({ tcp_connect: tcpOutside(null) }))];
    const v = judge([chat], o, CONTROLS_DOWN);
    expect(v.targets[0]!.status).toBe('inconclusive');
    expect(v.status).toBe('inconclusive');
  });

  it('a connect interrupted by Ctrl-C stays inconclusive', () => {
    const o = withDns(obs({ tcp_connect: [tcp('chat', IP, 443, 'interrupted')] }), ['chat.example']);
    o.x_helper = [exchange('chat', answer({ tcp_connect: tcpOutside(null) }))];
    expect(judge([chat], o).targets[0]!.status).toBe('inconclusive');
  });

  it('a failure of this machine (no IPv6 here) is never blocked', () => {
    const o = withDns(obs({ tcp_connect: [tcp('chat', IP, 443, 'address_family_not_supported')] }), ['chat.example']);
    o.x_helper = [exchange('chat', answer({ tcp_connect: tcpOutside(null) }))];
    expect(judge([chat], o).targets[0]!.status).toBe('failed');
  });
});

describe('the helper alone never makes anything blocked', () => {
  it('works here, "fails" from outside: ok, and the outside view is recorded', () => {
    const o = withDns(obs({ tcp_connect: [tcp('chat', IP, 443, null)] }), ['chat.example']);
    o.x_helper = [exchange('chat', answer({ tcp_connect: tcpOutside('connection_refused') }))];
    const v = judge([chat], o);
    expect(v.targets[0]!.status).toBe('ok');
    expect(v.targets[0]!.outside).toEqual({ outcome: 'fails', helpers: [HELPER], failure: 'connection_refused' });
    expect(v.status).toBe('accessible');
  });

  it('a lying helper that says everything fails, on a clean network: accessible', () => {
    const o = withDns(obs({ tcp_connect: [tcp('chat', IP, 443, null)] }), ['chat.example']);
    o.x_helper = [
      exchange(
        'chat',
        answer({ tcp_connect: tcpOutside('connection_reset'), dns: { failure: 'dns_name_error', addrs: [] } }),
      ),
    ];
    expect(judge([chat], o).status).toBe('accessible');
  });
});

describe('a reset after the protocol preamble', () => {
  const local = () =>
    withDns(
      obs({
        tcp_connect: [
          tcp('chat', IP, 443, null, { x_after_write: { failure: 'connection_reset', bytes_received: 0, t: 0.2 } }),
        ],
      }),
      ['chat.example'],
    );
  it('the preamble passes from outside: blocked, strong (as before), the outside view agrees', () => {
    const o = local();
    o.x_helper = [
      exchange(
        'chat',
        answer({ tcp_connect: tcpOutside(null, { x_after_write: { failure: null, bytes_received: 4, t: 0.1 } }) }),
      ),
    ];
    const t = judge([chatWA], o).targets[0]!;
    expect([t.status, t.technique, t.strength]).toEqual(['blocked', 'tcp.reset', 'strong']);
  });
  it('the server resets the preamble from outside too: not censorship', () => {
    const o = local();
    o.x_helper = [
      exchange(
        'chat',
        answer({
          tcp_connect: tcpOutside(null, { x_after_write: { failure: 'connection_reset', bytes_received: 0, t: 0.1 } }),
        }),
      ),
    ];
    const t = judge([chatWA], o).targets[0]!;
    expect(t.status).toBe('failed');
    expect(t.reason).toMatch(/fails too \(connection_reset\).*outage, not censorship/);
  });
});

describe('DNS', () => {
  it('the local lookup fails and no neutral resolver answered: resolving from outside makes it blocked, strong', () => {
    const o = obs({
      queries: [
        query('chat.example', 'local', 'dns_nxdomain_error'),
        query('chat.example', 'control', 'generic_timeout_error'),
      ],
    });
    o.x_helper = [exchange('chat', answer())];
    const t = judge([chat], o).targets[0]!;
    expect([t.status, t.technique, t.strength]).toEqual(['blocked', 'dns.nxdomain', 'strong']);
  });
  it('an injected answer stays dns.injection even when the helper cannot resolve the name', () => {
    const o = obs({
      queries: [
        query('chat.example', 'local', ['198.18.9.9'], { x_replies: [reply(['198.18.9.9']), reply([IP])] }),
        query('chat.example', 'control', [IP]),
      ],
      tcp_connect: [tcp('chat', IP, 443, null)],
    });
    o.x_helper = [
      exchange('chat', answer({ tcp_connect: tcpOutside(null), dns: { failure: 'dns_name_error', addrs: [] } })),
    ];
    const t = judge([chat], o).targets[0]!;
    expect([t.status, t.technique]).toEqual(['blocked', 'dns.injection']);
  });
});

describe('TLS', () => {
  const local = () => {
    const id = nextId();
    return withDns(
      obs({
        tcp_connect: [tcp('web', IP, 443, null, {}, id)],
        tls_handshakes: [
          tls('web', IP, 'web.example', 'connection_reset', 'target', id),
          tls('web', IP, 'neutral.example', null, 'neutral', id),
        ],
      }),
      ['web.example'],
    );
  };
  it('SNI filtering here, the same handshake completes from outside: blocked, strong', () => {
    const o = local();
    o.x_helper = [
      exchange(
        'web',
        answer({
          tcp_connect: tcpOutside(null),
          tls_handshake: { [`${IP}:443`]: { server_name: 'web.example', status: true, failure: null } },
        }),
      ),
    ];
    const t = judge([web], o).targets[0]!;
    expect([t.status, t.technique, t.strength]).toEqual(['blocked', 'tls.reset', 'strong']);
  });
  it('the server resets that name for everyone: failed, not SNI filtering', () => {
    const o = local();
    o.x_helper = [
      exchange(
        'web',
        answer({
          tcp_connect: tcpOutside(null),
          tls_handshake: { [`${IP}:443`]: { server_name: 'web.example', status: false, failure: 'connection_reset' } },
        }),
      ),
    ];
    const v = judge([web], o);
    expect(v.targets[0]!.status).toBe('failed');
    expect(v.paths.web!.outage).toBe(true);
  });
});

describe('STUN towards a call relay', () => {
  const udp = (answered: boolean) => ({
    '198.18.7.7:3478': {
      exchange: 'stun_binding',
      sent: answered ? 1 : 3,
      response: answered ? { class: 'success' as const, message_type: 0x0101 } : null,
      failure: answered ? null : 'generic_timeout_error',
    },
  });
  const run = (target: Target, controls: ControlVerdict, outside: boolean) => {
    const o = obs({ x_stun: [stun('relay', '198.18.7.7:3478', 'silent')] });
    o.x_helper = [exchange('relay', answer({ x_udp: udp(outside) }))];
    return judge([target], o, controls).targets[0]!;
  };
  it('silent here, answers the helper, a relay known to answer: blocked, strong', () => {
    const t = run(relay(true), CONTROLS_UP, true);
    expect([t.status, t.technique, t.strength]).toEqual(['blocked', 'udp.no_response', 'strong']);
  });
  it('a relay the catalogue says ignores strangers "answers" the helper: not used (a stale catalogue or a lying helper)', () => {
    const t = run(relay(false), CONTROLS_UP, true);
    expect(t.status).toBe('inconclusive');
    expect(t.outside?.outcome).toBe('works');
    expect(t.reason).toMatch(/ignores strangers: not used/);
  });
  it('a relay not known to answer is silent for the helper too: still inconclusive (silence is what everyone gets)', () => {
    expect(run(relay(false), CONTROLS_UP, false).status).toBe('inconclusive');
  });
  it('a relay known to answer is silent for the helper too: the relay is down, not blocked', () => {
    const t = run(relay(true), CONTROLS_UP, false);
    expect(t.status).toBe('failed');
    expect(t.reason).toMatch(/outage, not censorship/);
  });
  it('port 3478 silent for the neutral controls too: the local evidence stands whatever the helper gets', () => {
    const t = run(relay(true), CONTROLS_3478_BLOCKED, false);
    expect([t.status, t.technique, t.strength]).toEqual(['blocked', 'udp.port_blocked', 'strong']);
  });
});

describe("a relay that ignores strangers, with the helpers' traces towards it", () => {
  // A path through the access ISP (AS64500) and a transit (AS64510) to the relay's network (AS64520).
  const EP = '198.18.7.7:3478';
  const HOME = '192.168.1.1';
  const ISP = '198.18.0.1/64500';
  const ISP2 = '198.18.0.5/64500';
  const TRANSIT = '198.18.0.6/64510';
  const RELAYNET = '198.18.0.18/64520';
  const OUT1 = '198.18.0.25/64510';
  const local = (purpose: 'relay_udp' | 'relay_compare' | 'neutral_udp', hops: string[], o = {}) =>
    trace(
      purpose,
      purpose === 'neutral_udp' ? '198.18.9.9:3478' : purpose === 'relay_udp' ? EP : '198.18.7.7:443',
      hops,
      {
        destinationAsn: purpose === 'neutral_udp' ? 64530 : 64520,
        ...o,
      },
    );
  const mine = (t: ReturnType<typeof trace>) => (t.x_purpose === 'relay_udp' ? t : { ...t, x_relay: EP });
  const NEUTRAL_ON = local('neutral_udp', [HOME, ISP, ISP2, TRANSIT, '198.18.0.14/64530']);
  const NO_COMPARE = local('relay_compare', [], { failure: 'unknown_failure: no comparison probes on this machine' });
  /** The helper's trace of EP, its hops mapped by the probe ("*" silent, "!H" a flag). */
  const outside = (hops: string[], o: { reached?: boolean; failure?: string } = {}) => ({
    failure: o.failure ?? null,
    hops: trace('relay_udp', EP, hops).hops.map(({ as_name: _n, ...h }) => h),
    reached: o.reached ?? false,
    destination_asn: 64520,
  });
  /** Every probe to the relay stops beyond the ISP, told "host unreachable" by the transit router. */
  const UNREACHABLE_HERE = [
    local('relay_udp', [HOME, ISP, `${TRANSIT}!H`]),
    local('relay_compare', [HOME, ISP, `${TRANSIT}!H`]),
    NEUTRAL_ON,
  ];
  const OPEN_OUTSIDE = outside([OUT1, RELAYNET, '*']);
  const CLOSED_OUTSIDE = outside([OUT1, '*', '*']);

  const cases: {
    name: string;
    traces: ReturnType<typeof trace>[];
    helper?: ReturnType<typeof outside> | { failure: string };
    controls?: ControlVerdict;
    /** The relay is known to answer strangers (default: it ignores them). */
    answers?: boolean;
    status: string;
    technique?: string;
    strength?: string;
    outside?: string;
    reason?: RegExp;
  }[] = [
    {
      name: 'UDP and TCP stop in the ISP, UDP elsewhere goes on (weak here); from outside UDP enters the relay network: strong',
      traces: [local('relay_udp', [HOME, ISP, '*']), local('relay_compare', [HOME, ISP, '*']), NEUTRAL_ON],
      helper: OPEN_OUTSIDE,
      status: 'blocked',
      technique: 'udp.address_blocked',
      strength: 'strong',
      outside: 'works',
      reason:
        /from outside .* reach hop 2 \(198\.18\.0\.18, AS64520\), in the relay's network: the stop is on this side/,
    },
    {
      name: 'the same without a helper trace: weak, as the local evidence alone says',
      traces: [local('relay_udp', [HOME, ISP, '*']), local('relay_compare', [HOME, ISP, '*']), NEUTRAL_ON],
      status: 'blocked',
      technique: 'udp.address_blocked',
      strength: 'weak',
    },
    {
      name: 'no comparison here (no root), UDP stops in the ISP and UDP elsewhere goes on; open from outside: strong',
      traces: [local('relay_udp', [HOME, ISP, '*', '*']), NO_COMPARE, NEUTRAL_ON],
      helper: OPEN_OUTSIDE,
      status: 'blocked',
      technique: 'udp.address_blocked',
      strength: 'strong',
      reason: /stops inside your network while UDP on the same port to a neutral server goes further/,
    },
    {
      name: 'no comparison, and UDP to the neutral server stops at the same hop (routers beyond answer nobody): inconclusive',
      traces: [local('relay_udp', [HOME, ISP, '*']), NO_COMPARE, local('neutral_udp', [HOME, ISP, '*'])],
      helper: OPEN_OUTSIDE,
      status: 'inconclusive',
      outside: 'works',
    },
    {
      name: 'no comparison, and the helper does not get into the relay network either: inconclusive',
      traces: [local('relay_udp', [HOME, ISP, '*']), NO_COMPARE, NEUTRAL_ON],
      helper: CLOSED_OUTSIDE,
      status: 'inconclusive',
      outside: 'unknown',
      reason: /without entering the relay's network/,
    },
    {
      name: "unreachable beyond the ISP here, and from outside a router says so too: the relay's network is down, an outage",
      traces: UNREACHABLE_HERE,
      helper: outside([`${OUT1}!H`]),
      status: 'inconclusive',
      outside: 'fails',
      reason: /unreachable from everywhere — an outage, not censorship/,
    },
    {
      name: 'unreachable here, silent routers from outside: proves no outage, stays inconclusive',
      traces: UNREACHABLE_HERE,
      helper: CLOSED_OUTSIDE,
      status: 'inconclusive',
    },
    {
      name: 'unreachable beyond the ISP from here only, UDP elsewhere goes on: blocked upstream or a routing fault, weak',
      traces: UNREACHABLE_HERE,
      helper: OPEN_OUTSIDE,
      status: 'blocked',
      technique: 'udp.address_blocked',
      strength: 'weak',
    },
    {
      name: 'UDP stops in the ISP while TCP goes on (strong here); the helper is silent and cannot trace: still blocked, never an outage',
      traces: [
        local('relay_udp', [HOME, ISP, '*']),
        local('relay_compare', [HOME, ISP, ISP2, TRANSIT, RELAYNET], { reached: false }),
        NEUTRAL_ON,
      ],
      helper: { failure: 'x_not_supported' },
      status: 'blocked',
      technique: 'udp.address_blocked',
      strength: 'strong',
      outside: 'unknown',
    },
    {
      name: 'a relay known to answer, silent here and for the helper, its network unreachable from both sides: an outage',
      answers: true,
      traces: UNREACHABLE_HERE,
      helper: outside([`${OUT1}!H`]),
      status: 'inconclusive',
      outside: 'fails',
      reason: /an outage, not censorship/,
    },
    {
      name: 'a relay known to answer, silent for the helper too, while its probes reach the relay network: never blocked',
      answers: true,
      traces: UNREACHABLE_HERE,
      helper: OPEN_OUTSIDE,
      status: 'inconclusive',
    },
    {
      name: 'the path is open here: stays accessible whatever the helper says',
      traces: [local('relay_udp', [HOME, ISP, TRANSIT, RELAYNET])],
      helper: CLOSED_OUTSIDE,
      status: 'ok',
    },
    {
      name: 'a helper that says the path is open cannot make anything blocked on a network that is down',
      traces: [local('relay_udp', [HOME, ISP, '*', '*']), NO_COMPARE, NEUTRAL_ON],
      helper: OPEN_OUTSIDE,
      controls: CONTROLS_DOWN,
      status: 'inconclusive',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const st = stun('relay', EP, 'silent');
      const o = obs({
        x_stun: [st],
        x_traces: c.traces.map((t) => ({ ...mine(t), transaction_id: st.transaction_id })),
      });
      if (c.helper) {
        const silent = { exchange: 'stun_binding', sent: 3, response: null, failure: 'generic_timeout_error' };
        o.x_helper = [exchange('relay', answer({ x_udp: { [EP]: silent }, x_trace: { [`udp:${EP}`]: c.helper } }))];
      }
      const t = judge([relay(c.answers ?? false)], o, c.controls ?? CONTROLS_UP).targets[0]!;
      expect([t.status, t.technique, t.strength]).toEqual([c.status, c.technique, c.strength]);
      if (c.outside) expect(t.outside?.outcome).toBe(c.outside);
      if (c.reason) expect(t.reason).toMatch(c.reason);
    });
  }
});

describe('helperUse', () => {
  it('counts answers and tells whether the helper could reach anything', () => {
    const ok = exchange('a', answer({ tcp_connect: tcpOutside(null) }));
    const bad = exchange('b', null, { failure: 'generic_timeout_error' });
    expect(helperUse([ok, bad])).toEqual([
      {
        helper: HELPER,
        asked: 2,
        answered: 1,
        used: true,
        reason: 'used: 1 of 2 answered (1 failed: generic_timeout_error)',
      },
    ]);
  });
  it('a question the probe withdrew (its own chains settled it) is neither asked nor failed', () => {
    const ok = exchange('a', answer({ tcp_connect: tcpOutside(null) }));
    const withdrawn = exchange('relay', null, { failure: 'interrupted', x_reason: WITHDRAWN });
    expect(helperUse([ok, withdrawn])).toEqual([
      { helper: HELPER, asked: 1, answered: 1, used: true, reason: 'used: 1 of 1 answered' },
    ]);
  });
});
