// In-process servers for the loopback lab, `voipprobe demo` and the integration tests.

export { DnsServer, type DnsBehaviour, type DnsServerOptions } from './dns-server.js';
export { Zone, type ZoneRecords } from './zone.js';
export { dohHandler } from './doh-handler.js';
export { TlsServer, type SniBehaviour, type WsBehaviour, type HttpResponseSpec, type HttpRoute, type TlsServerOptions } from './tls-server.js';
export { TcpServer, DEFAULT_TCP_REPLY, type TcpBehaviour, type TcpServerOptions } from './tcp-server.js';
export { StunServer, BINDING_ONLY, DEFAULT_STUN_GARBAGE, type StunAnswerRule, type StunBehaviour, type StunServerOptions } from './stun-server.js';
export { Blackholes, type HoleAddress } from './blackhole.js';
export type { BoundAddress } from './listen.js';
