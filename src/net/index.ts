// Public API of the network primitives: the only code in voipprobe that touches sockets to measure.

export type { Clock, StepOptions, TrustStore } from './types.js';
export { classifyError, scrubAddresses } from './failure.js';
export { queryUdp, type UdpQueryOptions } from './dns-udp.js';
export { queryTcp, type DnsServerQueryOptions } from './dns-tcp.js';
export { lookupSystem, closeSystemResolver, useSystemResolver, systemNameservers, parseResolvConf } from './dns-system.js';
export { queryDoh, closeDohAgents, type DohQueryOptions } from './doh.js';
export { tcpConnect } from './tcp.js';
export { tlsHandshake, trustStore, type TlsHandshakeOptions } from './tls.js';
export { httpsGet, BROWSER_USER_AGENT, type HttpsGetOptions } from './http.js';
export { wsUpgrade, type WsUpgradeOptions } from './ws.js';
export { stunBinding, stunExchange, retransmitSchedule, type StunBindingOptions, type StunExchangeOptions } from './stun.js';
export {
  checkExchangeRequest,
  MAX_EXCHANGE_REQUEST_BYTES,
  newTransactionId,
  encodeBindingRequest,
  encodeBindingSuccess,
  encodeBindingError,
  encodeExchangeRequest,
  encodeMessage,
  requestType,
  messageType,
  decodeStunMessage,
  type StunMessage,
  type StunAttributes,
  type StunDecodeResult,
} from './stun-codec.js';
export { networkHasIpv6, localAddresses } from './interfaces.js';
export { traceRoute, findTraceTool, parseHopLine, traceArgs, type TraceCapability, type TraceOptions, type TraceProtocol } from './trace.js';
export { urlHost } from './address.js';
export { defaultPort } from './dial.js';
export { callHelper, closeHelperPools, helperLabel, type HelperCall, type HelperCallOptions } from './helper-client.js';
export { runCallFlows, type CallFlowPlan, type CallFlowTrace, type CallFlowsResult, type ReceivedReply, type SentPacket } from './call-flow.js';
