// In-process servers for the loopback lab, `voipprobe demo` and the integration tests.

export { Blackholes, type HoleAddress } from './blackhole.js';
export { type DnsBehaviour, DnsServer, type DnsServerOptions } from './dns-server.js';
export { dohHandler } from './doh-handler.js';
export type { BoundAddress } from './listen.js';
export {
  BINDING_ONLY,
  DEFAULT_STUN_GARBAGE,
  type StunAnswerRule,
  type StunBehaviour,
  StunServer,
  type StunServerOptions,
} from './stun-server.js';
export { DEFAULT_TCP_REPLY, type TcpBehaviour, TcpServer, type TcpServerOptions } from './tcp-server.js';
export {
  type HttpResponseSpec,
  type HttpRoute,
  type SniBehaviour,
  TlsServer,
  type TlsServerOptions,
  type WsBehaviour,
} from './tls-server.js';
export { Zone, type ZoneRecords } from './zone.js';
