import { describe, expect, it } from 'vitest';
import { summarizeControls } from '../../../src/analysis/controls.js';
import { nextId, obs, query, stun, tcp, tls } from '../../support/obs.js';

const localOk = query('example.com', 'local', ['198.18.9.9']);
const dohOk = query('example.com', 'control', ['198.18.9.9']);
const udpCtl = query('example.com', 'control', ['198.18.9.9'], { engine: 'udp', resolver_address: '198.18.0.8:53' });
const tlsOk = () => {
  const id = nextId();
  return {
    tcp: tcp('tls-example', '198.18.9.9', 443, null, {}, id),
    tls: tls('tls-example', '198.18.9.9', 'example.com', null, 'target', id),
  };
};

describe('summarizeControls', () => {
  const cases = [
    {
      name: 'everything answers: network up, STUN open',
      o: () =>
        obs({
          queries: [localOk, dohOk, udpCtl],
          tls_handshakes: [tlsOk().tls],
          x_stun: [stun('s1', '198.18.5.1:3478', 'answer'), stun('s2', '198.18.5.2:19302', 'answer')],
        }),
      expect: { network: 'up', classification: 'open', blocked: [] as number[] },
    },
    {
      name: 'STUN silent on 3478, answered on 19302: port-based blocking',
      o: () =>
        obs({
          queries: [localOk, dohOk, udpCtl],
          tls_handshakes: [tlsOk().tls],
          x_stun: [
            stun('s1', '198.18.5.1:3478', 'silent'),
            stun('s3', '198.18.5.3:3478', 'silent'),
            stun('s2', '198.18.5.2:19302', 'answer'),
          ],
        }),
      expect: { network: 'up', classification: 'port_blocked', blocked: [3478] },
    },
    {
      name: 'a single silent control on a port is one dead server, not a blocked port',
      o: () =>
        obs({
          queries: [localOk, dohOk, udpCtl],
          tls_handshakes: [tlsOk().tls],
          x_stun: [
            stun('s2', '198.18.5.2:19302', 'silent'),
            stun('s1', '198.18.5.1:3478', 'answer'),
            stun('s3', '198.18.5.3:3478', 'answer'),
          ],
        }),
      expect: { network: 'up', classification: 'open', blocked: [] as number[] },
    },
    {
      name: 'one 3478 server down but another answers: still open',
      o: () =>
        obs({
          queries: [localOk, dohOk, udpCtl],
          tls_handshakes: [tlsOk().tls],
          x_stun: [
            stun('s1', '198.18.5.1:3478', 'silent'),
            stun('s3', '198.18.5.3:3478', 'answer'),
            stun('s2', '198.18.5.2:19302', 'answer'),
          ],
        }),
      expect: { network: 'up', classification: 'open', blocked: [] },
    },
    {
      name: 'STUN silent everywhere while UDP DNS works: signature-based',
      o: () =>
        obs({
          queries: [localOk, dohOk, udpCtl],
          tls_handshakes: [tlsOk().tls],
          x_stun: [stun('s1', '198.18.5.1:3478', 'silent'), stun('s2', '198.18.5.2:19302', 'silent')],
        }),
      expect: { network: 'up', classification: 'signature_blocked', blocked: [] },
    },
    {
      name: 'only DNS gets through (captive portal): STUN silence proves nothing',
      o: () =>
        obs({
          queries: [localOk, dohOk, udpCtl],
          tls_handshakes: [
            tls('tls-example', '198.18.9.9', 'example.com', 'generic_timeout_error', 'target', nextId()),
          ],
          x_stun: [stun('s1', '198.18.5.1:3478', 'silent'), stun('s2', '198.18.5.2:19302', 'silent')],
        }),
      expect: { network: 'partial', classification: 'unknown', blocked: [] as number[] },
    },
    {
      name: 'nothing answers at all: network down',
      o: () =>
        obs({
          queries: [
            query('example.com', 'local', 'generic_timeout_error'),
            query('example.com', 'control', 'generic_timeout_error'),
          ],
          tls_handshakes: [
            tls('tls-example', '198.18.9.9', 'example.com', 'generic_timeout_error', 'target', nextId()),
          ],
          x_stun: [stun('s1', '198.18.5.1:3478', 'silent'), stun('s2', '198.18.5.2:19302', 'silent')],
        }),
      expect: { network: 'down', classification: 'udp_down', blocked: [] },
    },
    {
      name: 'DoH blocked, UDP control and TLS fine: partial but DNS control ok',
      o: () =>
        obs({
          queries: [localOk, query('example.com', 'control', 'connection_reset'), udpCtl],
          tls_handshakes: [tlsOk().tls],
          x_stun: [stun('s2', '198.18.5.2:19302', 'answer')],
        }),
      expect: { network: 'up', classification: 'open', blocked: [] },
    },
    {
      name: 'no STUN control in the catalogue: unknown',
      o: () => obs({ queries: [localOk, dohOk], tls_handshakes: [tlsOk().tls] }),
      expect: { network: 'up', classification: 'unknown', blocked: [] },
    },
  ];
  it.each(cases)('$name', ({ o, expect: e }) => {
    const v = summarizeControls(o());
    expect(v.network).toBe(e.network);
    expect(v.stun.classification).toBe(e.classification);
    expect(v.stun.blocked_ports).toEqual(e.blocked);
  });

  it('records which resolvers answered', () => {
    const v = summarizeControls(
      obs({ queries: [localOk, query('example.com', 'control', 'connection_reset'), udpCtl] }),
    );
    expect(v.dns).toEqual({ ok: true, doh_ok: false, udp_ok: true, local_ok: true });
    expect(v.tls.ok).toBe(false);
    expect(v.network).toBe('partial');
  });

  it('resolvers that answer NXDOMAIN for neutral names (captive or intercepted network) do not count: network down', () => {
    const v = summarizeControls(
      obs({
        queries: [
          query('example.com', 'local', 'dns_nxdomain_error'),
          query('example.com', 'control', 'dns_nxdomain_error', { engine: 'udp', resolver_address: '198.18.0.8:53' }),
          query('example.com', 'control', 'ssl_invalid_hostname'),
        ],
      }),
    );
    expect(v.dns).toEqual({ ok: false, doh_ok: false, udp_ok: false, local_ok: false });
    expect(v.network).toBe('down');
  });
});
