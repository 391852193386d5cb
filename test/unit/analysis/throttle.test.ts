// Throttling is judged from every timed exchange of a path, including ones the step timeout cut
// while bytes were still arriving (issue 10, item 4).
import { describe, expect, it } from 'vitest';
import { detectThrottling } from '../../../src/analysis/throttle.js';
import type { Target } from '../../../src/catalogue/schema.js';
import type { Observations } from '../../../src/model/observations.js';
import type { ControlVerdict } from '../../../src/model/verdict.js';
import { CONTROLS_UP, http, obs, received, tcp, tls, ws } from '../../support/obs.js';

const T: Target[] = [
  { id: 'chat', role: 'chat', check: 'tcp', host: 'e1.whatsapp.net', ports: [443], source: 'test', enabled: true },
  { id: 'web', role: 'web', check: 'https', url: 'https://web.whatsapp.com/', source: 'test', enabled: true },
  {
    id: 'ws',
    role: 'web',
    check: 'websocket',
    url: 'wss://web.whatsapp.com/ws/chat',
    expect_status: 101,
    source: 'test',
    enabled: true,
  },
];
const IP = '198.18.1.1';
const timed = (t0: number, t: number) => ({ t0, t });

const cases: { name: string; o: Observations; controls?: ControlVerdict; web?: RegExp; chat?: RegExp }[] = [
  {
    name: 'fast everywhere: nothing',
    o: obs({
      tls_handshakes: [tls('web', IP, 'web.whatsapp.com', null, 'target', 1)],
      requests: [http('web', 'https://web.whatsapp.com/', 200, null, 1)],
    }),
  },
  {
    name: 'handshakes of 3 s against 0.02 s',
    o: obs({ tls_handshakes: [tls('web', IP, 'web.whatsapp.com', null, 'target', 1, timed(0.1, 3.1))] }),
    web: /median TLS handshake 3.00 s over 1/,
  },
  {
    name: 'a completed handshake with an untrusted chain still times the path',
    o: obs({
      tls_handshakes: [tls('web', IP, 'web.whatsapp.com', 'ssl_unknown_authority', 'target', 1, timed(0.1, 2.6))],
    }),
    web: /TLS handshake 2.50 s/,
  },
  {
    name: 'requests cut by the 2 s step timeout while still receiving',
    o: obs({
      requests: [
        http('web', 'https://web.whatsapp.com/', null, 'generic_timeout_error', 1, {
          ...timed(0.2, 2.2),
          x_received: received(17_000, 0.3, 2.1),
        }),
      ],
    }),
    web: /median HTTPS request 2.00 s over 1 \(1 still receiving when the step timed out\)/,
  },
  {
    name: 'a stalled request (nothing after the handshake) is not a yardstick',
    o: obs({
      requests: [
        http('web', 'https://web.whatsapp.com/', null, 'generic_timeout_error', 1, {
          ...timed(0.2, 5.2),
          x_received: received(1300, 0.3, 0.35),
        }),
      ],
    }),
  },
  {
    name: 'a WebSocket upgrade cut while still receiving',
    o: obs({
      x_websocket: [
        {
          ...ws('ws', 'wss://web.whatsapp.com/ws/chat', null, 'generic_timeout_error', 1),
          ...timed(0.3, 2.3),
          x_received: received(3000, 0.35, 2.2),
        },
      ],
    }),
    web: /median WebSocket upgrade 2.00 s over 1 \(1 still receiving/,
  },
  {
    name: 'slow WebSocket upgrades',
    o: obs({ x_websocket: [{ ...ws('ws', 'wss://web.whatsapp.com/ws/chat', 101, null, 1), ...timed(0.3, 2.4) }] }),
    web: /median WebSocket upgrade 2.10 s/,
  },
  {
    name: 'slow TCP connects on the chat path',
    o: obs({
      tcp_connect: [tcp('chat', IP, 443, null, timed(0.1, 1.9)), tcp('chat', IP, 5222, null, timed(0.1, 2.0))],
    }),
    chat: /median TCP connect 1.85 s over 2/,
  },
  {
    name: "connects under a neutral-SNI handshake are not the target's",
    o: obs({ tcp_connect: [tcp('chat', IP, 443, null, { ...timed(0.1, 2.0), x_purpose: 'neutral_sni' })] }),
  },
  {
    name: 'one slow exchange among fast ones of its kind: the median holds',
    o: obs({
      tls_handshakes: [
        tls('web', IP, 'web.whatsapp.com', null, 'target', 1, timed(0.1, 3.1)),
        tls('web', IP, 'web.whatsapp.com', null, 'target', 2),
        tls('ws', IP, 'web.whatsapp.com', null, 'target', 3),
      ],
    }),
  },
  {
    name: 'far but not shaped: 0.9 s more than the control is not enough',
    o: obs({ tls_handshakes: [tls('web', IP, 'web.whatsapp.com', null, 'target', 1, timed(0.1, 1.0))] }),
  },
  {
    name: 'no neutral handshake to compare with: no verdict',
    o: obs({ tls_handshakes: [tls('web', IP, 'web.whatsapp.com', null, 'target', 1, timed(0.1, 3.1))] }),
    controls: { ...CONTROLS_UP, tls: { ok: false } },
  },
];

describe('detectThrottling', () => {
  it.each(cases)('$name', (c) => {
    const out = detectThrottling(T, c.o, c.controls ?? CONTROLS_UP);
    if (c.web) expect(out.web).toMatch(c.web);
    else expect(out.web).toBeUndefined();
    if (c.chat) expect(out.chat).toMatch(c.chat);
    else expect(out.chat).toBeUndefined();
  });
});
