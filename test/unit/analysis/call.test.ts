// The call-path rules as tables: where packets stop (judgeLocalisation), one relay chain's verdict from
// its exchanges, the controls and the localisation (judgeCallChain), and the evidence level of a path.
import { describe, expect, it } from 'vitest';
import { judgeCallChain, judgeLocalisation, type LocalisationInput } from '../../../src/analysis/call.js';
import { answerMatches } from '../../../src/analysis/exchanges.js';
import { analyzeService } from '../../../src/analysis/service.js';
import type { ServiceCatalogue } from '../../../src/catalogue/load.js';
import type { StunTarget } from '../../../src/catalogue/schema.js';
import type { PathTrace, StunExchange } from '../../../src/model/observations.js';
import type { ControlVerdict } from '../../../src/model/verdict.js';
import {
  CONTROLS_3478_BLOCKED,
  CONTROLS_DOWN,
  CONTROLS_STUN_SIGNATURE,
  CONTROLS_UP,
  exchange,
  obs,
  tcp,
  trace,
} from '../../support/obs.js';

// A path from a home network through the access ISP (AS64500) and a transit (AS64510) to a relay's
// network (AS64520); documentation addresses only.
const HOME = '192.168.1.1';
const ISP = '192.0.2.1/64500';
const ISP2 = '192.0.2.2/64500';
const TRANSIT = '198.51.100.1/64510';
const RELAYNET = '203.0.113.1/64520';
const RELAY = '203.0.113.50';
const RELAY_AT = `${RELAY}/64520`;
const NEUTRAL = '198.51.100.200';

const udp = (hops: string[], o: Parameters<typeof trace>[3] = {}) =>
  trace('relay_udp', `${RELAY}:3478`, hops, { destinationAsn: 64520, ...o });
const tcpTrace = (hops: string[], o: Parameters<typeof trace>[3] = {}) =>
  trace('relay_compare', `${RELAY}:443`, hops, { destinationAsn: 64520, ...o });
const neutral = (hops: string[]) => trace('neutral_udp', `${NEUTRAL}:3478`, hops, { destinationAsn: 64530 });
const TCP_THROUGH = tcpTrace([HOME, ISP, ISP2, TRANSIT, RELAYNET, RELAY_AT], { reached: true });
const NEUTRAL_THROUGH = neutral([HOME, ISP, ISP2, TRANSIT]);

describe('judgeLocalisation', () => {
  const cases: {
    name: string;
    i: LocalisationInput;
    kind: string;
    technique?: string;
    strength?: string;
    hop?: number;
    network?: string;
  }[] = [
    {
      name: "UDP reaches a router of the relay's network: open",
      i: { udp: udp([HOME, ISP, ISP2, TRANSIT, RELAYNET]) },
      kind: 'open',
      hop: 5,
      network: 'relay',
    },
    {
      name: "the relay's own address answers the UDP probes: open",
      i: { udp: udp([HOME, ISP, TRANSIT, RELAY_AT], { reached: true }) },
      kind: 'open',
      hop: 4,
      network: 'relay',
    },
    {
      name: 'UDP stops inside the ISP, TCP to the same address and UDP to a neutral server go on: address-based, strong',
      i: { udp: udp([HOME, ISP, ISP2, '*', '*']), compare: TCP_THROUGH, neutral: NEUTRAL_THROUGH },
      kind: 'stopped',
      technique: 'udp.address_blocked',
      strength: 'strong',
      hop: 3,
      network: 'vantage',
    },
    {
      name: 'UDP to the neutral server stops at the same router: port-based',
      i: { udp: udp([HOME, ISP, ISP2, '*']), compare: TCP_THROUGH, neutral: neutral([HOME, ISP, ISP2, '*']) },
      kind: 'stopped',
      technique: 'udp.port_blocked',
      strength: 'strong',
      hop: 3,
    },
    {
      name: 'no neutral comparison: blocked, technique not told apart',
      i: { udp: udp([HOME, ISP, '*']), compare: TCP_THROUGH },
      kind: 'stopped',
      technique: 'udp.no_response',
      strength: 'strong',
      hop: 2,
    },
    {
      name: "silence from the relay's own address is no evidence: UDP reaches the router before it, TCP only adds the relay: open",
      i: {
        udp: udp([HOME, ISP, TRANSIT, '*'], { destinationAsn: undefined }),
        compare: tcpTrace([HOME, ISP, TRANSIT, RELAY], { reached: true, destinationAsn: undefined }),
        neutral: NEUTRAL_THROUGH,
      },
      kind: 'open',
      hop: 3,
    },
    {
      name: 'every probe to the address stops inside the ISP while UDP elsewhere goes on: weak (a routing hole looks the same)',
      i: { udp: udp([HOME, ISP, '*']), compare: tcpTrace([HOME, ISP, '*']), neutral: NEUTRAL_THROUGH },
      kind: 'stopped',
      technique: 'udp.address_blocked',
      strength: 'weak',
      hop: 2,
    },
    {
      name: "every probe stops beyond the ISP with host unreachable: the relay's network is unreachable, not a block",
      i: {
        udp: udp([HOME, ISP, `${TRANSIT}!H`]),
        compare: tcpTrace([HOME, ISP, `${TRANSIT}!H`]),
        neutral: NEUTRAL_THROUGH,
      },
      kind: 'unreachable',
      hop: 3,
      network: 'beyond',
    },
    {
      name: 'without comparison probes (no root, no ping sockets) a stop cannot be judged',
      i: {
        udp: udp([HOME, ISP, '*']),
        compare: tcpTrace([], { failure: 'unknown_failure: not running as root', protocol: 'tcp' }),
      },
      kind: 'unknown',
      hop: 2,
    },
    {
      name: 'localisation could not run',
      i: { udp: udp([], { failure: 'unknown_failure: the `traceroute` program is not installed' }) },
      kind: 'unknown',
    },
    {
      name: 'no router answered the UDP probes: never blocked',
      i: { udp: udp(['*', '*', '*']), compare: TCP_THROUGH, neutral: NEUTRAL_THROUGH },
      kind: 'unknown',
    },
    {
      name: 'no network known anywhere: a stop is still located, by hop',
      i: {
        udp: udp(['10.0.0.1', '10.0.0.2', '*'], { destinationAsn: undefined }),
        compare: tcpTrace(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', RELAY], {
          reached: true,
          destinationAsn: undefined,
        }),
        neutral: neutral(['10.0.0.1', '10.0.0.2', '10.0.0.9']),
      },
      kind: 'stopped',
      technique: 'udp.address_blocked',
      hop: 2,
      network: 'unknown',
    },
    {
      name: 'a private router before the first public network is inside the vantage network',
      i: { udp: udp([HOME, '*']), compare: tcpTrace([HOME, ISP, TRANSIT, RELAYNET]), neutral: NEUTRAL_THROUGH },
      kind: 'stopped',
      technique: 'udp.address_blocked',
      hop: 1,
      network: 'vantage',
    },
  ];
  it.each(cases)('$name', (c) => {
    const f = judgeLocalisation(c.i);
    expect(f.kind, JSON.stringify(f)).toBe(c.kind);
    if (f.kind === 'stopped') {
      expect(f.technique).toBe(c.technique);
      if (c.strength) expect(f.strength).toBe(c.strength);
    }
    const where = f.kind === 'open' ? f.reached : f.kind === 'unknown' ? f.where : f.where;
    if (c.hop !== undefined) expect(where?.hop).toBe(c.hop);
    if (c.network) expect(where?.network).toBe(c.network);
  });
});

// --- one relay chain -------------------------------------------------------------------------------

const quietRelay: StunTarget = {
  id: 'relay',
  role: 'call',
  check: 'stun',
  host: RELAY,
  ports: [3478],
  enabled: true,
  source: 'test',
  exchanges: [
    { id: 'binding', request: { method: 'binding', attributes: [], fingerprint: false }, source: 'test' },
    { id: 'allocate', request: { method: 'allocate', attributes: [], fingerprint: false }, source: 'test' },
  ],
};
const answeringRelay: StunTarget = {
  ...quietRelay,
  exchanges: [
    {
      id: 'binding',
      request: { method: 'binding', attributes: [], fingerprint: false },
      answer: { class: 'success' },
      source: 'test capture',
    },
    {
      id: 'allocate',
      request: { method: 'allocate', attributes: [], fingerprint: false },
      answer: { class: 'error', error_code: 401, attributes: ['REALM', 'NONCE'], realm: 'example.org' },
      marks: 'REALM example.org',
      source: 'test capture',
    },
  ],
};

const SUCCESS: NonNullable<StunExchange['response']> = {
  t: 0.1,
  message_type: 0x0101,
  class: 'success',
  attributes: [0x0020],
};
const CHALLENGE: NonNullable<StunExchange['response']> = {
  t: 0.1,
  message_type: 0x0113,
  class: 'error',
  error_code: 401,
  realm: 'example.org',
  nonce_length: 16,
  attributes: [0x0009, 0x0015, 0x0014],
};

function chain(
  target: StunTarget,
  outcomes: Record<string, 'silent' | 'refused' | NonNullable<StunExchange['response']>>,
  traces: PathTrace[],
  controls: ControlVerdict = CONTROLS_UP,
  port = 3478,
) {
  const exchanges = Object.entries(outcomes).map(([id, o], index) => ({
    x: exchange('relay', `${RELAY}:${port}`, id, o, 1),
    index,
  }));
  return judgeCallChain({ target, exchanges, traces: traces.map((x, index) => ({ x, index })), controls });
}
const OPEN = [udp([HOME, ISP, TRANSIT, RELAYNET])];
const STOPPED = [udp([HOME, ISP, '*', '*']), TCP_THROUGH, NEUTRAL_THROUGH];

describe('judgeCallChain', () => {
  const cases: {
    name: string;
    target: StunTarget;
    outcomes: Record<string, 'silent' | 'refused' | NonNullable<StunExchange['response']>>;
    traces: PathTrace[];
    controls?: ControlVerdict;
    port?: number;
    status: string;
    level: string;
    technique?: string;
    strength?: string;
  }[] = [
    {
      name: 'the relay answers: answered',
      target: answeringRelay,
      outcomes: { binding: SUCCESS, allocate: CHALLENGE },
      traces: [],
      status: 'ok',
      level: 'answered',
    },
    {
      name: 'an answer wins over a trace that raced it (localisation that could not run)',
      target: answeringRelay,
      outcomes: { binding: SUCCESS, allocate: CHALLENGE },
      traces: [udp([], { failure: 'unknown_failure: the relay is on this machine' })],
      status: 'ok',
      level: 'answered',
    },
    {
      name: 'a 401 challenge alone proves the relay heard us',
      target: quietRelay,
      outcomes: { binding: 'silent', allocate: CHALLENGE },
      traces: [],
      status: 'ok',
      level: 'answered',
    },
    {
      name: "plain STUN answered, the exchange carrying the app's marks silent: blocked by the app's signature",
      target: answeringRelay,
      outcomes: { binding: SUCCESS, allocate: 'silent' },
      traces: [],
      status: 'blocked',
      level: 'blocked',
      technique: 'stun.app_signature',
      strength: 'strong',
    },
    {
      name: 'a relay that ignores strangers, path open: accessible by localisation',
      target: quietRelay,
      outcomes: { binding: 'silent', allocate: 'silent' },
      traces: OPEN,
      status: 'ok',
      level: 'path_open',
    },
    {
      name: 'a relay that should answer, silent while UDP reaches its network: inconclusive',
      target: answeringRelay,
      outcomes: { binding: 'silent', allocate: 'silent' },
      traces: OPEN,
      status: 'inconclusive',
      level: 'inconclusive',
    },
    {
      name: 'UDP stops inside the ISP while TCP goes on: blocked, located',
      target: quietRelay,
      outcomes: { binding: 'silent', allocate: 'silent' },
      traces: STOPPED,
      status: 'blocked',
      level: 'blocked',
      technique: 'udp.address_blocked',
      strength: 'strong',
    },
    {
      name: 'neutral STUN silent on the port too: port-based, from the controls',
      target: quietRelay,
      outcomes: { binding: 'silent', allocate: 'silent' },
      traces: OPEN,
      controls: CONTROLS_3478_BLOCKED,
      status: 'blocked',
      level: 'blocked',
      technique: 'udp.port_blocked',
    },
    {
      name: 'another port than the blocked one: judged by localisation',
      target: quietRelay,
      outcomes: { binding: 'silent' },
      traces: OPEN,
      controls: CONTROLS_3478_BLOCKED,
      port: 3479,
      status: 'ok',
      level: 'path_open',
    },
    {
      name: 'all STUN dropped while UDP passes: signature, even though the path is open',
      target: quietRelay,
      outcomes: { binding: 'silent' },
      traces: OPEN,
      controls: CONTROLS_STUN_SIGNATURE,
      status: 'blocked',
      level: 'blocked',
      technique: 'stun.signature_blocked',
    },
    {
      name: 'ICMP port unreachable: a closed port, not censorship',
      target: answeringRelay,
      outcomes: { binding: 'refused', allocate: 'refused' },
      traces: [],
      status: 'failed',
      level: 'inconclusive',
    },
    {
      name: 'ICMP refused on a port the controls show blocked',
      target: quietRelay,
      outcomes: { binding: 'refused' },
      traces: [],
      controls: CONTROLS_3478_BLOCKED,
      status: 'blocked',
      level: 'blocked',
      technique: 'udp.refused',
    },
    {
      name: 'not localised, relay known to answer, controls answer: blocked, but only weakly',
      target: answeringRelay,
      outcomes: { binding: 'silent', allocate: 'silent' },
      traces: [],
      status: 'blocked',
      level: 'blocked',
      technique: 'udp.no_response',
      strength: 'weak',
    },
    {
      name: 'not localised, relay not known to answer: inconclusive',
      target: quietRelay,
      outcomes: { binding: 'silent' },
      traces: [],
      status: 'inconclusive',
      level: 'inconclusive',
    },
    {
      name: 'network down: inconclusive even for a relay known to answer',
      target: answeringRelay,
      outcomes: { binding: 'silent' },
      traces: STOPPED,
      controls: CONTROLS_DOWN,
      status: 'inconclusive',
      level: 'inconclusive',
    },
    {
      name: "the relay's network unreachable beyond the ISP: not blocked",
      target: quietRelay,
      outcomes: { binding: 'silent' },
      traces: [udp([HOME, ISP, `${TRANSIT}!H`]), tcpTrace([HOME, ISP, `${TRANSIT}!H`]), NEUTRAL_THROUGH],
      status: 'inconclusive',
      level: 'inconclusive',
    },
  ];
  it.each(cases)('$name', (c) => {
    const j = judgeCallChain({
      target: c.target,
      exchanges: Object.entries(c.outcomes).map(([id, o], index) => ({
        x: exchange('relay', `${RELAY}:${c.port ?? 3478}`, id, o, 1),
        index,
      })),
      traces: c.traces.map((x, index) => ({ x, index })),
      controls: c.controls ?? CONTROLS_UP,
    });
    const stun = j.layers.find((l) => l.layer === 'stun')!;
    expect(stun.status, stun.reason).toBe(c.status);
    // The chain's status is the stun layer's: no other layer may be worse than it.
    expect(
      j.layers.every(
        (l) =>
          l === stun ||
          l.status === 'ok' ||
          l.status === stun.status ||
          stun.status === 'blocked' ||
          (stun.status === 'inconclusive' && l.status !== 'blocked' && l.status !== 'failed'),
      ),
    ).toBe(true);
    expect(j.call.level).toBe(c.level);
    expect(stun.technique).toBe(c.technique);
    if (c.strength) expect(stun.strength).toBe(c.strength);
  });

  it('says where packets stop, in words and as data', () => {
    const j = chain(quietRelay, { binding: 'silent' }, STOPPED);
    expect(j.call.where).toMatchObject({ hop: 2, address: '192.0.2.1', asn: 64500, network: 'vantage' });
    expect(j.layers[0]!.reason).toMatch(
      /stops after hop 2 \(192\.0\.2\.1, AS64500 AS64500 test\), inside your network/,
    );
    expect(j.layers.map((l) => l.layer)).toEqual(['stun', 'path']);
  });

  it('an exchange cut short because the path was seen open is not a silent one', () => {
    const x = exchange('relay', `${RELAY}:3478`, 'allocate', 'silent', 1);
    x.x_ended_early = 'path open';
    const j = judgeCallChain({
      target: answeringRelay,
      exchanges: [
        { x: exchange('relay', `${RELAY}:3478`, 'binding', SUCCESS, 1), index: 0 },
        { x, index: 1 },
      ],
      traces: [],
      controls: CONTROLS_UP,
    });
    expect(j.call.level).toBe('answered');
  });

  it('notes an answer that is not the one the catalogue expects', () => {
    const j = chain(answeringRelay, { binding: SUCCESS, allocate: { ...CHALLENGE, realm: 'elsewhere.example' } }, []);
    expect(j.call.level).toBe('answered');
    expect(j.layers[0]!.reason).toMatch(
      /REALM elsewhere\.example instead of example\.org \(the catalogue may need updating\)/,
    );
  });
});

describe('answerMatches', () => {
  it.each([
    [{ class: 'success' as const }, SUCCESS, true],
    [
      { class: 'error' as const, error_code: 401, attributes: ['REALM', 'NONCE'], realm: 'example.org' },
      CHALLENGE,
      true,
    ],
    [{ class: 'error' as const, error_code: 401 }, { ...CHALLENGE, error_code: 400 }, false],
    [{ attributes: ['XOR-MAPPED-ADDRESS'] }, { ...SUCCESS, attributes: [] }, false],
    [{ message_type: '0x0802' }, { t: 0, message_type: 0x0802, class: 'request' as const }, true],
  ])('%j against %j: %s', (want, got, ok) => {
    expect(answerMatches(want, got).matches).toBe(ok);
  });
});

// --- the call path of a service ----------------------------------------------------------------------

describe('call path evidence level', () => {
  const svc = (targets: ServiceCatalogue['targets']): ServiceCatalogue => ({
    service: 'x',
    name: 'X',
    file: 'x.json',
    sha256: '',
    targets,
  });
  const sfu = {
    id: 'sfu',
    role: 'call' as const,
    check: 'tcp' as const,
    host: '203.0.113.7',
    ports: [443],
    enabled: true,
    source: 'test',
  };
  const net = { public_ranges: [], sinkholes: [] };

  it('a relay known only by localisation makes the working path "path open", an answer "answered"', () => {
    const o = obs({
      x_stun: [exchange('relay', `${RELAY}:3478`, 'binding', 'silent', 1)],
      x_traces: [{ ...OPEN[0]!, transaction_id: 1 }],
    });
    const v = analyzeService(svc([quietRelay]), o, { controls: CONTROLS_UP, network: net });
    expect(v.paths.call).toMatchObject({ status: 'accessible', call: { level: 'path_open' } });
    expect(v.paths.call!.reason).toMatch(/path open up to the relay's network/);
    const a = analyzeService(
      svc([answeringRelay]),
      obs({
        x_stun: [
          exchange('relay', `${RELAY}:3478`, 'binding', SUCCESS, 1),
          exchange('relay', `${RELAY}:3478`, 'allocate', CHALLENGE, 1),
        ],
      }),
      { controls: CONTROLS_UP, network: net },
    );
    expect(a.paths.call).toMatchObject({ status: 'accessible', call: { level: 'answered' } });
  });

  it('a relay whose network is unreachable keeps the call path inconclusive beside a working call target', () => {
    const traces = [udp([HOME, ISP, `${TRANSIT}!H`]), tcpTrace([HOME, ISP, `${TRANSIT}!H`]), NEUTRAL_THROUGH].map(
      (t) => ({ ...t, transaction_id: 1 }),
    );
    const o = obs({
      x_stun: [exchange('relay', `${RELAY}:3478`, 'binding', 'silent', 1)],
      x_traces: traces,
      tcp_connect: [tcp('sfu', '203.0.113.7', 443, null)],
    });
    const v = analyzeService(svc([sfu, quietRelay]), o, { controls: CONTROLS_UP, network: net });
    expect(v.paths.call).toMatchObject({
      status: 'inconclusive',
      call: { level: 'inconclusive', where: { hop: 3, asn: 64510, network: 'beyond' } },
    });
  });

  it('a blocked call path says where', () => {
    const o = obs({
      x_stun: [exchange('relay', `${RELAY}:3478`, 'binding', 'silent', 1)],
      x_traces: STOPPED.map((t) => ({ ...t, transaction_id: 1 })),
    });
    const v = analyzeService(svc([quietRelay]), o, { controls: CONTROLS_UP, network: net });
    expect(v.paths.call).toMatchObject({
      status: 'blocked',
      techniques: ['udp.address_blocked'],
      strength: 'strong',
      call: { level: 'blocked', where: { hop: 2, asn: 64500 } },
    });
    expect(v.reason).toMatch(/call blocked \(udp\.address_blocked, after hop 2 in AS64500\)/);
  });

  it('says plainly that a path with unverified targets only was not tested', () => {
    const v = analyzeService(
      svc([
        { ...quietRelay, source: 'unverified: a 2015 trace' },
        { ...sfu, id: 'web', role: 'web' },
      ]),
      obs({ tcp_connect: [tcp('web', '203.0.113.7', 443, null)] }),
      { controls: CONTROLS_UP, network: net },
    );
    expect(v.paths.call).toBeUndefined();
    // Chat has no target in this catalogue at all: said too, with its own reason.
    expect(v.untested).toEqual({
      call: expect.stringMatching(/^not tested: its target comes from unverified sources/),
      chat: 'not tested: the catalogue has no target for it',
    });
    expect(v.reason).toMatch(/call not tested/);
  });
});
