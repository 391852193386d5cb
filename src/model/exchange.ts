// A STUN-framed exchange described as data: what the probe sends to a call relay (a Binding, a TURN
// Allocate without credentials, an app's own STUN-framed message) and what a live relay answers to it,
// each with its source. Call targets in probes/*.json list their exchanges (catalogue field
// `exchanges`); src/net/stun.ts sends any such description, the lab's responders answer as one says a
// live relay does, and src/analysis/exchanges.ts checks an answer against it. Adding an exchange for
// a new app is a catalogue edit, never code.

/** STUN/TURN methods by name (RFC 8489, RFC 8656); a request of one of these is sent with the request class. */
export const STUN_METHODS = {
  binding: 0x001,
  allocate: 0x003,
  refresh: 0x004,
  create_permission: 0x008,
  channel_bind: 0x009,
} as const;
export type StunMethodName = keyof typeof STUN_METHODS;

/** Attribute names the catalogue may use instead of a number (RFC 8489, RFC 8656, RFC 5780). */
export const STUN_ATTRIBUTES = {
  'MAPPED-ADDRESS': 0x0001,
  USERNAME: 0x0006,
  'MESSAGE-INTEGRITY': 0x0008,
  'ERROR-CODE': 0x0009,
  'UNKNOWN-ATTRIBUTES': 0x000a,
  'CHANNEL-NUMBER': 0x000c,
  LIFETIME: 0x000d,
  'XOR-PEER-ADDRESS': 0x0012,
  DATA: 0x0013,
  REALM: 0x0014,
  NONCE: 0x0015,
  'XOR-RELAYED-ADDRESS': 0x0016,
  'REQUESTED-TRANSPORT': 0x0019,
  'XOR-MAPPED-ADDRESS': 0x0020,
  SOFTWARE: 0x8022,
  FINGERPRINT: 0x8028,
  'RESPONSE-ORIGIN': 0x802b,
  'OTHER-ADDRESS': 0x802c,
} as const;
export type StunAttributeName = keyof typeof STUN_ATTRIBUTES;

/** One attribute of a request: a name or a "0x4000"-style number, and its value as hex or as UTF-8 text (none: empty). */
export interface ExchangeAttribute {
  type: string;
  hex?: string;
  text?: string;
}

/** What is sent: a method (request class) or a raw 16-bit message type ("0x0801", WhatsApp's ping). */
export interface ExchangeRequest {
  method?: StunMethodName;
  message_type?: string;
  attributes: ExchangeAttribute[];
  /** Append a FINGERPRINT attribute (RFC 8489 14.7). */
  fingerprint: boolean;
}

/**
 * What a live server answers, as the source observed it. Every field present must match; a field left
 * out matches anything. An answer of another kind still proves the packet was heard (it is recorded),
 * but it does not confirm the catalogue.
 */
export interface ExchangeAnswer {
  class?: 'success' | 'error';
  /** Raw message type of the answer ("0x0802", WhatsApp's pong), for answers outside the RFC classes. */
  message_type?: string;
  error_code?: number;
  /** Attributes the answer carries (names or "0x…" numbers), e.g. ["REALM", "NONCE"] for a 401 challenge. */
  attributes?: string[];
  realm?: string;
}

export interface ExchangeSpec {
  /** Unique within its target, e.g. "binding", "allocate", "wa-ping"; recorded as x_exchange. */
  id: string;
  request: ExchangeRequest;
  /** Absent: no answer is known, so silence proves nothing either way. */
  answer?: ExchangeAnswer;
  /** The app-identifying marks this exchange carries on the wire (in the request or in the known answer), as a DPI matches them. */
  marks?: string;
  source: string;
  notes?: string;
}

const HEX16 = /^0x[0-9a-fA-F]{1,4}$/;

export function isHex16(s: string): boolean {
  return HEX16.test(s);
}

/** An attribute's number from its name or "0x…" form; undefined for an unknown name. */
export function attributeType(name: string): number | undefined {
  if (HEX16.test(name)) return parseInt(name, 16);
  return (STUN_ATTRIBUTES as Record<string, number>)[name];
}

/** A number as the catalogue writes it ("0x0014"). */
export function hex16(n: number): string {
  return `0x${n.toString(16).padStart(4, '0')}`;
}

/** The plain Binding request: what the neutral STUN controls are sent, and the legacy `answers_binding` shorthand. */
export function bindingExchange(answers: boolean, source: string): ExchangeSpec {
  return {
    id: 'binding',
    request: { method: 'binding', attributes: [], fingerprint: false },
    ...(answers ? { answer: { class: 'success' as const } } : {}),
    source,
  };
}
