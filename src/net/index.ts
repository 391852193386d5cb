// Public API of the network primitives: the only code in voipprobe that touches sockets to measure.

export { urlHost } from './address.js';
export {
  type CallFlowPlan,
  type CallFlowsResult,
  type CallFlowTrace,
  type ReceivedReply,
  runCallFlows,
  type SentPacket,
} from './call-flow.js';
export { defaultPort } from './dial.js';
export {
  closeSystemResolver,
  lookupSystem,
  parseResolvConf,
  systemNameservers,
  useSystemResolver,
} from './dns-system.js';
export { type DnsServerQueryOptions, queryTcp } from './dns-tcp.js';
export { queryUdp, type UdpQueryOptions } from './dns-udp.js';
export { closeDohAgents, type DohQueryOptions, queryDoh } from './doh.js';
export { classifyError, scrubAddresses } from './failure.js';
export { callHelper, closeHelperPools, type HelperCall, type HelperCallOptions, helperLabel } from './helper-client.js';
export { BROWSER_USER_AGENT, type HttpsGetOptions, httpsGet } from './http.js';
export { localAddresses, networkHasIpv6 } from './interfaces.js';
export {
  retransmitSchedule,
  type StunBindingOptions,
  type StunExchangeOptions,
  stunBinding,
  stunExchange,
} from './stun.js';
export {
  checkExchangeRequest,
  decodeStunMessage,
  encodeBindingError,
  encodeBindingRequest,
  encodeBindingSuccess,
  encodeExchangeRequest,
  encodeMessage,
  MAX_EXCHANGE_REQUEST_BYTES,
  messageType,
  newTransactionId,
  requestType,
  type StunAttributes,
  type StunDecodeResult,
  type StunMessage,
} from './stun-codec.js';
export { tcpConnect } from './tcp.js';
export { type TlsHandshakeOptions, tlsHandshake, trustStore } from './tls.js';
export {
  findTraceTool,
  parseHopLine,
  type TraceCapability,
  type TraceOptions,
  type TraceProtocol,
  traceArgs,
  traceRoute,
} from './trace.js';
export type { Clock, StepOptions, TrustStore } from './types.js';
export { type WsUpgradeOptions, wsUpgrade } from './ws.js';
