// Raw, timed observations: what each network step saw, under OONI's names (df-002 dnst, df-005
// tcpconnect, df-006 tlshandshake, df-001 http, df-008 netevents) or `x_` ones. The types are the zod
// schema's (src/model/schema/observations.ts), where each field is described.

import type { z } from 'zod';
import type * as s from './schema/observations.js';

export type Dropped = z.infer<typeof s.droppedSchema>;
/** Which side of the comparison a resolver sits on: the network's own (`local`) or a neutral control. */
export type ResolverRole = z.infer<typeof s.resolverRoleSchema>;
export type DnsAnswer = z.infer<typeof s.dnsAnswerSchema>;
export type DnsReply = z.infer<typeof s.dnsReplySchema>;
/** df-002 `queries` entry. */
export type DnsQuery = z.infer<typeof s.dnsQuerySchema>;
/** df-005 `tcp_connect` entry. */
export type TcpConnect = z.infer<typeof s.tcpConnectSchema>;
export type Received = z.infer<typeof s.receivedSchema>;
export type PeerCertificate = z.infer<typeof s.peerCertificateSchema>;
/** df-006 `tls_handshakes` entry. */
export type TlsHandshake = z.infer<typeof s.tlsHandshakeSchema>;
export type HeaderList = z.infer<typeof s.headerListSchema>;
/** df-001 `requests` entry (subset). */
export type HttpRequest = z.infer<typeof s.httpRequestSchema>;
export type WebSocketUpgrade = z.infer<typeof s.webSocketUpgradeSchema>;
export type StunAddress = z.infer<typeof s.stunAddressSchema>;
export type StunExchange = z.infer<typeof s.stunExchangeSchema>;
export type TraceHop = z.infer<typeof s.traceHopSchema>;
export type TracePurpose = z.infer<typeof s.tracePurposeSchema>;
export type PathTrace = z.infer<typeof s.pathTraceSchema>;
/** df-008 `network_events` entry. */
export type NetworkEvent = z.infer<typeof s.networkEventSchema>;
export type HelperExchange = z.infer<typeof s.helperExchangeSchema>;
/** All raw observations of one measurement, under OONI's names. */
export type Observations = z.infer<typeof s.observationsSchema>;

/** The names of the arrays of records in Observations (all but the test call, which is one record). */
export type ObservationKey = {
  [K in keyof Observations]-?: NonNullable<Observations[K]> extends readonly unknown[] ? K : never;
}[keyof Observations];

/** Keyed by the type: an array added to Observations does not compile until it is named here. */
const OBSERVATION_ARRAYS: Record<ObservationKey, true> = {
  queries: true,
  tcp_connect: true,
  tls_handshakes: true,
  requests: true,
  network_events: true,
  x_websocket: true,
  x_stun: true,
  x_traces: true,
  x_helper: true,
};

/**
 * Every array of records, once, in the order of Observations: what an evidence reference points into
 * (EvidenceRef.key) and what a run sorts by time.
 */
export const OBSERVATION_KEYS = Object.keys(OBSERVATION_ARRAYS) as readonly ObservationKey[];

export function emptyObservations(): Observations {
  return {
    queries: [],
    tcp_connect: [],
    tls_handshakes: [],
    requests: [],
    network_events: [],
    x_websocket: [],
    x_stun: [],
    x_traces: [],
  };
}
