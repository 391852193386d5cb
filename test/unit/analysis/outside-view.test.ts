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
import type { HelperResponse } from '../../../src/protocol/helper.js';
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
});
