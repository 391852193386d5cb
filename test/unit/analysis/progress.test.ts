// Issue 10, "wrong verdicts" 1, 2 and 4 at the layer level: SNI filtering needs the neutral handshake
// to get further than the service's; an untrusted chain for the service's SNI only is interception;
// a step that timed out while bytes were still arriving was slow, not blocked.
import { describe, expect, it } from 'vitest';
import { judgeHttp, judgeTls, judgeWebSocket } from '../../../src/analysis/layers.js';
import { stageRank, type TlsStage, timedOutWhileArriving, tlsStage } from '../../../src/analysis/progress.js';
import type { Failure } from '../../../src/model/failure.js';
import type { HttpRequest, TlsHandshake } from '../../../src/model/observations.js';
import { CONTROLS_UP, http, nextId, received, tls, ws } from '../../support/obs.js';

const IP = '198.18.1.1';
const ctx = { controls: CONTROLS_UP, controlAddrs: [IP] };

/** A handshake as the probe records it: what the server sent (bytes, the TLS library's code). */
interface Side {
  failure: Failure;
  bytes?: number;
  code?: string;
  /** The handshake completed (version and chain captured). */
  done?: boolean;
  /** Seconds from its start to the step's end; the last byte arrives `gap` s before the end. */
  dur?: number;
  gap?: number;
  connectFailed?: boolean;
}

function hs(kind: 'target' | 'neutral', id: number, s: Side): TlsHandshake {
  const t0 = 0.1;
  const t = t0 + (s.dur ?? 0.05);
  const done =
    s.done ?? (s.failure === null || s.failure === 'ssl_unknown_authority' || s.failure === 'ssl_invalid_hostname');
  return tls('web', IP, kind === 'target' ? 'web.whatsapp.com' : 'example.com', s.failure, kind, id, {
    t0,
    t,
    tls_version: done ? 'TLSv1.3' : null,
    peer_certificates: done ? [{ data: 'MIIB', format: 'base64' }] : [],
    x_failed_operation: s.connectFailed ? 'connect' : done && s.failure === null ? null : 'tls_handshake',
    ...(s.connectFailed
      ? {}
      : {
          x_received: received(
            s.bytes ?? (done ? 1200 : 0),
            s.bytes === 0 ? null : t0 + 0.01,
            s.bytes === 0 ? null : t - (s.gap ?? 0),
          ),
        }),
    ...(s.code ? { x_tls_error: s.code } : {}),
  });
}

describe('tlsStage: how far a handshake got', () => {
  const cases: { name: string; s: Side; kind?: 'target' | 'neutral'; want: TlsStage }[] = [
    { name: 'connect refused', s: { failure: 'connection_refused', connectFailed: true }, want: 'no_connection' },
    {
      name: 'reset right after the ClientHello, nothing back',
      s: { failure: 'connection_reset', bytes: 0 },
      want: 'connected',
    },
    { name: 'silence until the timeout', s: { failure: 'generic_timeout_error', bytes: 0 }, want: 'connected' },
    {
      name: 'a protocol_version alert (7 bytes)',
      s: { failure: 'ssl_failed_handshake', bytes: 7, code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' },
      want: 'answered',
    },
    {
      name: 'an oversized certificate message',
      s: { failure: 'ssl_failed_handshake', bytes: 65536, code: 'ERR_SSL_EXCESSIVE_MESSAGE_SIZE' },
      want: 'answered',
    },
    { name: 'completed, untrusted chain', s: { failure: 'ssl_unknown_authority' }, want: 'completed' },
    { name: 'completed, certificate not for the name', s: { failure: 'ssl_invalid_hostname' }, want: 'completed' },
    { name: 'completed and valid', s: { failure: null }, want: 'validated' },
  ];
  it.each(cases)('$name: $want', (c) => {
    expect(tlsStage(hs(c.kind ?? 'target', 1, c.s))).toBe(c.want);
  });
  it('reads lines written before bytes were recorded: a TLS-level failure meant the server answered', () => {
    const old = tls('web', IP, 'web.whatsapp.com', 'ssl_failed_handshake', 'target', 1);
    expect(old.x_received).toBeUndefined();
    expect(tlsStage(old)).toBe('answered');
    expect(tlsStage(tls('web', IP, 'web.whatsapp.com', 'connection_reset', 'target', 1))).toBe('connected');
  });
  it('ranks the stages in order', () => {
    expect(stageRank('connected')).toBeLessThan(stageRank('answered'));
    expect(stageRank('completed')).toBeLessThan(stageRank('validated'));
  });
});

describe('judgeTls: SNI filtering needs the neutral SNI to get further (issue 10, item 1)', () => {
  const alert = (code: string): Side => ({ failure: 'ssl_failed_handshake', bytes: 7, code });
  const cases: {
    name: string;
    target: Side;
    neutral: Side;
    status: string;
    technique?: string;
    strength?: string;
    reason?: RegExp;
  }[] = [
    // The attacks: servers that fail both SNIs alike are not censors.
    {
      name: 'server speaks only TLS 1.0/1.1: both SNIs get protocol_version',
      target: alert('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'),
      neutral: alert('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'),
      status: 'failed',
      reason: /not SNI filtering/,
    },
    {
      name: 'server wants a client certificate (TLS 1.2): handshake_failure on both',
      target: alert('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'),
      neutral: alert('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'),
      status: 'failed',
    },
    {
      name: 'server sends a 1 MB chain: both give up on it',
      target: { failure: 'ssl_failed_handshake', bytes: 65536, code: 'ERR_SSL_EXCESSIVE_MESSAGE_SIZE' },
      neutral: { failure: 'ssl_failed_handshake', bytes: 65536, code: 'ERR_SSL_EXCESSIVE_MESSAGE_SIZE' },
      status: 'failed',
    },
    {
      name: 'the service SNI answered, the neutral one got less far: still the server',
      target: alert('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'),
      neutral: { failure: 'connection_reset', bytes: 0 },
      status: 'failed',
    },
    // SNI filtering: the neutral SNI got further.
    {
      name: 'reset on the SNI, neutral validated',
      target: { failure: 'connection_reset', bytes: 0 },
      neutral: { failure: null },
      status: 'blocked',
      technique: 'tls.reset',
      strength: 'strong',
      reason: /SNI filtering/,
    },
    {
      name: 'reset on the SNI, the neutral one answered with an alert (unrecognized_name)',
      target: { failure: 'connection_reset', bytes: 0 },
      neutral: alert('ERR_SSL_TLSV1_ALERT_UNRECOGNIZED_NAME'),
      status: 'blocked',
      technique: 'tls.reset',
      strength: 'strong',
    },
    {
      name: 'a forged alert for the SNI, neutral validated',
      target: alert('ERR_SSL_TLSV1_ALERT_ACCESS_DENIED'),
      neutral: { failure: null },
      status: 'blocked',
      technique: 'tls.failure',
      strength: 'strong',
    },
    {
      name: 'ClientHello dropped for the SNI, neutral validated',
      target: { failure: 'generic_timeout_error', bytes: 0, dur: 2 },
      neutral: { failure: null },
      status: 'blocked',
      technique: 'tls.timeout',
      strength: 'strong',
    },
    // Neither: the address itself.
    {
      name: 'reset on both: reset by address',
      target: { failure: 'connection_reset', bytes: 0 },
      neutral: { failure: 'connection_reset', bytes: 0 },
      status: 'blocked',
      technique: 'tls.reset',
      strength: 'strong',
    },
    {
      name: 'silence on both: weak',
      target: { failure: 'generic_timeout_error', bytes: 0, dur: 2 },
      neutral: { failure: 'generic_timeout_error', bytes: 0, dur: 1 },
      status: 'blocked',
      technique: 'tls.timeout',
      strength: 'weak',
    },
    // Slowness is not a block, even when the neutral one (started later) got through.
    {
      name: 'timed out while the server flight was still arriving, neutral validated: slow',
      target: { failure: 'generic_timeout_error', bytes: 900, dur: 2, gap: 0.1 },
      neutral: { failure: null },
      status: 'failed',
      reason: /slow, not blocked/,
    },
    {
      name: 'stalled: bytes stopped long before the timeout, neutral validated',
      target: { failure: 'generic_timeout_error', bytes: 900, dur: 5, gap: 4.8 },
      neutral: { failure: null },
      status: 'blocked',
      technique: 'tls.timeout',
      strength: 'strong',
    },
  ];
  it.each(cases)('$name', (c) => {
    const id = nextId();
    const v = judgeTls(
      hs('target', id, c.target),
      { key: 'tls_handshakes', index: 0 },
      { h: hs('neutral', id, c.neutral), ref: { key: 'tls_handshakes', index: 1 } },
      ctx,
    );
    expect(v.status, v.reason).toBe(c.status);
    expect(v.technique).toBe(c.technique);
    expect(v.strength).toBe(c.strength);
    if (c.reason) expect(v.reason).toMatch(c.reason);
  });
});

describe('judgeTls: interception is an SNI-specific signature (issue 10, item 2)', () => {
  const cases: { name: string; neutral?: Side; unconfirmed?: boolean; strength: string; reason: RegExp }[] = [
    {
      name: 'untrusted chain for the SNI, the neutral SNI at the same address validates: interception',
      neutral: { failure: null },
      strength: 'strong',
      reason: /^interception: .*intercepting middlebox for this name/,
    },
    {
      name: 'untrusted chain for both SNIs at a confirmed address: interception of everything, or a missing intermediate',
      neutral: { failure: 'ssl_unknown_authority' },
      strength: 'weak',
      reason: /missing its intermediate/,
    },
    {
      name: 'untrusted chain, neutral SNI reset: no comparison possible',
      neutral: { failure: 'connection_reset', bytes: 0 },
      strength: 'weak',
      reason: /missing its intermediate/,
    },
    {
      name: 'untrusted chain at an address the neutral resolvers do not give',
      neutral: { failure: 'ssl_unknown_authority' },
      unconfirmed: true,
      strength: 'strong',
      reason: /redirection/,
    },
  ];
  it.each(cases)('$name', (c) => {
    const id = nextId();
    const v = judgeTls(
      hs('target', id, { failure: 'ssl_unknown_authority' }),
      { key: 'tls_handshakes', index: 0 },
      c.neutral && { h: hs('neutral', id, c.neutral), ref: { key: 'tls_handshakes', index: 1 } },
      { ...ctx, controlAddrs: c.unconfirmed ? ['198.18.1.2'] : [IP] },
    );
    expect(v).toMatchObject({ status: 'blocked', technique: 'tls.cert_invalid', strength: c.strength });
    expect(v.reason).toMatch(c.reason);
  });
});

describe('judgeHttp: slowness and the server refusing are not blocking (issue 10, items 1 and 4)', () => {
  const req = (failure: Failure, extra: Partial<HttpRequest>, code: number | null = null) =>
    http('web', 'https://web.whatsapp.com/', code, failure, 1, {
      t0: 0.2,
      t: 2.2,
      x_failed_operation: failure ? 'http_round_trip' : null,
      ...extra,
    });
  const cases: { name: string; r: HttpRequest; status: string; technique?: string; reason?: RegExp }[] = [
    {
      name: 'timed out while bytes were still arriving (a shaped path)',
      r: req('generic_timeout_error', { x_received: received(17_000, 0.3, 2.15) }),
      status: 'failed',
      reason: /slow, not blocked/,
    },
    {
      name: 'timed out, nothing since the handshake (a stalled connection)',
      r: req('generic_timeout_error', { x_received: received(1300, 0.25, 0.3) }),
      status: 'blocked',
      technique: 'http.failure',
    },
    {
      name: 'timed out, nothing received at all',
      r: req('generic_timeout_error', { x_received: received(0) }),
      status: 'blocked',
      technique: 'http.failure',
    },
    {
      name: 'headers in, the body cut by the timeout while arriving',
      r: req('generic_timeout_error', { x_received: received(9000, 0.3, 2.1) }, 200),
      status: 'ok',
      reason: /still arriving/,
    },
    {
      name: 'the server ended the session with an alert (client certificate required)',
      r: req('eof_error', { x_tls_error: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' }),
      status: 'failed',
      reason: /server ended the TLS session/,
    },
    {
      name: 'our side could not decrypt what came (bytes injected into the session)',
      r: req('ssl_failed_handshake', { x_tls_error: 'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC' }),
      status: 'blocked',
      technique: 'http.failure',
    },
    { name: 'reset after the handshake', r: req('connection_reset', {}), status: 'blocked', technique: 'http.failure' },
  ];
  it.each(cases)('$name', (c) => {
    const v = judgeHttp(c.r, { key: 'requests', index: 0 }, CONTROLS_UP);
    expect(v.status, v.reason).toBe(c.status);
    expect(v.technique).toBe(c.technique);
    if (c.reason) expect(v.reason).toMatch(c.reason);
  });

  it.each([
    { name: 'last byte 0.05 s before a 2 s timeout', t: 2.2, last: 2.15, want: true },
    { name: 'last byte 0.9 s before a 2 s timeout', t: 2.2, last: 1.3, want: true },
    { name: 'last byte 1.2 s before a 5 s timeout (a quarter of it)', t: 5.2, last: 4.0, want: true },
    { name: 'last byte 3 s before a 5 s timeout', t: 5.2, last: 2.2, want: false },
  ])('timedOutWhileArriving: $name → $want', ({ t, last, want }) => {
    expect(
      timedOutWhileArriving({ failure: 'generic_timeout_error', t0: 0.2, t, x_received: received(5000, 0.3, last) }),
    ).toBe(want);
  });
});

describe('judgeWebSocket: an upgrade cut while its answer was still arriving is slow, not blocked', () => {
  it.each([
    { name: 'still arriving at the timeout', last: 2.25, status: 'failed', technique: undefined },
    { name: 'stalled after the handshake', last: 0.4, status: 'blocked', technique: 'ws.upgrade_failed' },
  ])('$name', ({ last, status, technique }) => {
    const w = {
      ...ws('ws', 'wss://web.whatsapp.com/ws/chat', null, 'generic_timeout_error', 1, 'ws_upgrade'),
      t0: 0.3,
      t: 2.3,
      x_received: received(3000, 0.35, last),
    };
    const v = judgeWebSocket(w, { key: 'x_websocket', index: 0 }, 101, true, CONTROLS_UP);
    expect(v.status).toBe(status);
    expect(v.technique).toBe(technique);
  });
});
