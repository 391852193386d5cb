// What a lying helper answers (the namespace lab's fake helpers and the loopback tests): every step it
// was asked about worked, or every one failed, DNS included. Pure.

import { type HelperResponse, helperRequest } from '../../protocol/helper.js';

/** What a lying helper answers to a question: every step it was asked about worked, or failed. */
export function lie(body: string, works: boolean): HelperResponse {
  const q = helperRequest.parse(JSON.parse(body));
  const step = works ? { status: true, failure: null } : { status: false, failure: 'connection_refused' };
  return {
    tcp_connect: Object.fromEntries(q.tcp_connect.map((e) => [e, step])),
    tls_handshake: Object.fromEntries((q.x_tls ?? []).map((t) => [t.endpoint, { server_name: t.sni, ...step }])),
    http_request: works
      ? { body_length: 1000, failure: null, title: '', headers: {}, status_code: 200 }
      : { body_length: -1, failure: 'connection_refused', title: '', headers: {}, status_code: -1 },
    dns: works
      ? { failure: null, addrs: q.tcp_connect.map((e) => e.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')) }
      : { failure: 'dns_name_error', addrs: [] },
    x_websocket: Object.fromEntries(
      (q.x_websocket?.addresses ?? []).map((a) => [
        a,
        { status: works ? 101 : null, failure: works ? null : 'connection_refused' },
      ]),
    ),
    x_udp: Object.fromEntries(
      (q.x_udp ?? []).map((u) => [
        u.endpoint,
        {
          exchange: 'stun_binding',
          sent: 1,
          response: works ? { class: 'success' as const, message_type: 0x0101 } : null,
          failure: works ? null : 'generic_timeout_error',
        },
      ]),
    ),
    // Traces: the relay itself answered at the first hop, or no router answered at all.
    x_trace: Object.fromEntries(
      (q.x_trace ?? []).map((t) => [
        `${t.protocol}:${t.endpoint}`,
        works
          ? {
              failure: null,
              hops: [
                { ttl: 1, address: t.endpoint.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''), rtt_ms: [1], lost: 0 },
              ],
              reached: true,
            }
          : { failure: null, hops: [{ ttl: 1, address: null, rtt_ms: [], lost: 2 }], reached: false },
      ]),
    ),
  };
}
