import { describe, expect, it } from 'vitest';
import { judgeHttp, judgeTcp, judgeTls, judgeWebSocket } from '../../../src/analysis/layers.js';
import type { Failure } from '../../../src/model/failure.js';
import type { ControlVerdict } from '../../../src/model/verdict.js';
import { CONTROLS_UP, http, nextId, tcp, tls, ws } from '../../support/obs.js';

const R = { key: 'tcp_connect' as const, index: 0 };
const noTls: ControlVerdict = { ...CONTROLS_UP, tls: { ok: false } };

describe('judgeTcp', () => {
  const cases: {
    name: string;
    failure: Failure;
    after?: Failure;
    controls?: ControlVerdict;
    status: string;
    technique?: string;
    strength?: string;
  }[] = [
    { name: 'connected', failure: null, status: 'ok' },
    { name: 'connected, preamble answered', failure: null, after: null, status: 'ok' },
    {
      name: 'reset after the preamble (DPI)',
      failure: null,
      after: 'connection_reset',
      status: 'blocked',
      technique: 'tcp.reset',
      strength: 'strong',
    },
    { name: 'closed after the preamble is not a reset', failure: null, after: 'eof_error', status: 'ok' },
    {
      name: 'reset during connect',
      failure: 'connection_reset',
      status: 'blocked',
      technique: 'tcp.reset',
      strength: 'strong',
    },
    {
      name: 'SYN unanswered while the control works',
      failure: 'generic_timeout_error',
      status: 'blocked',
      technique: 'tcp.timeout',
      strength: 'weak',
    },
    {
      name: 'SYN unanswered and the control fails too',
      failure: 'generic_timeout_error',
      controls: noTls,
      status: 'inconclusive',
    },
    {
      name: 'refused: a closed port or a host that is down (OONI probe#2869)',
      failure: 'connection_refused',
      status: 'failed',
    },
    { name: 'host unreachable', failure: 'host_unreachable', status: 'failed' },
    { name: 'network unreachable', failure: 'network_unreachable', status: 'failed' },
    { name: 'interrupted', failure: 'interrupted', status: 'inconclusive' },
  ];
  it.each(cases)('$name', (c) => {
    const t = tcp(
      'chat',
      '198.18.1.1',
      5222,
      c.failure,
      c.after !== undefined ? { x_after_write: { failure: c.after, bytes_received: 0, t: 0.2 } } : {},
    );
    const v = judgeTcp(t, R, c.controls ?? CONTROLS_UP);
    expect(v.status).toBe(c.status);
    expect(v.technique).toBe(c.technique);
    if (c.strength) expect(v.strength).toBe(c.strength);
  });
});

describe('judgeTls', () => {
  const ctx = { controls: CONTROLS_UP, controlAddrs: ['198.18.1.1'] };
  const cases: {
    name: string;
    failure: Failure;
    neutral?: Failure;
    ip?: string;
    controls?: ControlVerdict;
    status: string;
    technique?: string;
    strength?: string;
  }[] = [
    { name: 'valid handshake', failure: null, status: 'ok' },
    {
      name: 'reset on SNI, neutral SNI answered: SNI filtering',
      failure: 'connection_reset',
      neutral: null,
      status: 'blocked',
      technique: 'tls.reset',
      strength: 'strong',
    },
    {
      name: 'timeout on SNI, neutral SNI answered',
      failure: 'generic_timeout_error',
      neutral: null,
      status: 'blocked',
      technique: 'tls.timeout',
      strength: 'strong',
    },
    {
      name: 'neutral SNI answered with a name-mismatch certificate still counts as an answer',
      failure: 'connection_reset',
      neutral: 'ssl_invalid_hostname',
      status: 'blocked',
      technique: 'tls.reset',
      strength: 'strong',
    },
    {
      name: 'reset on both SNIs: reset by address',
      failure: 'connection_reset',
      neutral: 'connection_reset',
      status: 'blocked',
      technique: 'tls.reset',
      strength: 'strong',
    },
    {
      name: 'timeout on both SNIs',
      failure: 'generic_timeout_error',
      neutral: 'generic_timeout_error',
      status: 'blocked',
      technique: 'tls.timeout',
      strength: 'weak',
    },
    {
      name: 'timeout on both and the control host fails too',
      failure: 'generic_timeout_error',
      neutral: 'generic_timeout_error',
      controls: noTls,
      status: 'inconclusive',
    },
    {
      name: 'unknown authority at an address the neutral resolvers do not give: interception or redirection',
      failure: 'ssl_unknown_authority',
      ip: '198.18.66.6',
      status: 'blocked',
      technique: 'tls.cert_invalid',
      strength: 'strong',
    },
    {
      name: 'unknown authority at a confirmed address: interception, or a chain missing its intermediate',
      failure: 'ssl_unknown_authority',
      status: 'blocked',
      technique: 'tls.cert_invalid',
      strength: 'weak',
    },
    {
      name: 'unknown authority and the control fails too: trust store',
      failure: 'ssl_unknown_authority',
      controls: noTls,
      status: 'inconclusive',
    },
    {
      name: 'name mismatch at an address the controls confirm: misconfiguration',
      failure: 'ssl_invalid_hostname',
      status: 'failed',
    },
    {
      name: 'name mismatch at an address the controls do not give: forged answer',
      failure: 'ssl_invalid_hostname',
      ip: '198.18.66.6',
      status: 'blocked',
      technique: 'tls.cert_invalid',
    },
    { name: 'expired certificate', failure: 'ssl_invalid_certificate', status: 'failed' },
    { name: 'interrupted', failure: 'interrupted', status: 'inconclusive' },
  ];
  it.each(cases)('$name', (c) => {
    const id = nextId();
    const ip = c.ip ?? '198.18.1.1';
    const h = tls('web', ip, 'web.whatsapp.com', c.failure, 'target', id);
    const n =
      c.neutral !== undefined
        ? {
            h: tls('web', ip, 'example.com', c.neutral, 'neutral', id),
            ref: { key: 'tls_handshakes' as const, index: 1 },
          }
        : undefined;
    const v = judgeTls(h, { key: 'tls_handshakes', index: 0 }, n, { ...ctx, controls: c.controls ?? CONTROLS_UP });
    expect(v.status).toBe(c.status);
    expect(v.technique).toBe(c.technique);
    if (c.strength) expect(v.strength).toBe(c.strength);
    if (n) expect(v.evidence).toHaveLength(2);
  });
});

describe('judgeHttp', () => {
  it.each([
    { name: 'any status is evidence, not a failure (403)', code: 403, failure: null, status: 'ok' },
    { name: '200', code: 200, failure: null, status: 'ok' },
    {
      name: 'reset after TLS',
      code: null,
      failure: 'connection_reset' as Failure,
      status: 'blocked',
      technique: 'http.failure',
    },
    {
      name: 'control down',
      code: null,
      failure: 'generic_timeout_error' as Failure,
      controls: noTls,
      status: 'inconclusive',
    },
  ])('$name', (c) => {
    const v = judgeHttp(
      http('web', 'https://web.whatsapp.com/', c.code, c.failure, 1),
      { key: 'requests', index: 0 },
      c.controls ?? CONTROLS_UP,
    );
    expect(v.status).toBe(c.status);
    expect(v.technique).toBe(c.technique);
  });
});

describe('judgeWebSocket', () => {
  it.each([
    { name: 'upgraded', status: 101, failure: null as Failure, httpOk: true, expect: 'ok' },
    {
      name: 'reset during the upgrade while HTTPS works',
      status: null,
      failure: 'connection_reset' as Failure,
      httpOk: true,
      expect: 'blocked',
      technique: 'ws.upgrade_failed',
      strength: 'strong',
    },
    {
      name: 'refused with 403 while HTTPS works: weak',
      status: 403,
      failure: null as Failure,
      httpOk: true,
      expect: 'blocked',
      technique: 'ws.upgrade_failed',
      strength: 'weak',
    },
    { name: 'refused and HTTPS failed too', status: 403, failure: null as Failure, httpOk: false, expect: 'failed' },
    {
      name: 'timeout during the upgrade',
      status: null,
      failure: 'generic_timeout_error' as Failure,
      httpOk: true,
      expect: 'blocked',
      technique: 'ws.upgrade_failed',
      strength: 'weak',
    },
  ])('$name', (c) => {
    const v = judgeWebSocket(
      ws('ws', 'wss://web.whatsapp.com/ws/chat', c.status, c.failure, 1, c.status === null ? 'ws_upgrade' : null),
      { key: 'x_websocket', index: 0 },
      101,
      c.httpOk,
      CONTROLS_UP,
    );
    expect(v.status).toBe(c.expect);
    expect(v.technique).toBe(c.technique);
    if (c.strength) expect(v.strength).toBe(c.strength);
  });
});
