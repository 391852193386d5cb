// The target catalogue is data: one JSON file per service in probes/, validated on load.
// Adding a service means dropping in one file that matches this schema; no code change.

import { isIP } from 'node:net';
import { z } from 'zod';
import {
  attributeType,
  bindingExchange,
  type ExchangeSpec,
  isHex16,
  STUN_ATTRIBUTES,
  STUN_METHODS,
  type StunMethodName,
} from '../model/exchange.js';
import { SERVICE_PATHS, type ServicePath } from '../model/verdict.js';

export const ROLES = ['chat', 'web', 'registration', 'media', 'call', 'control'] as const;
export type Role = (typeof ROLES)[number];

/** The user-facing paths a service verdict is split into (defined with the verdicts). */
export const PATHS = SERVICE_PATHS;
export type { ServicePath };

/** Registration and media travel with messaging (the 2016 ban left photos and voice notes working). */
export const DEFAULT_PATH_FOR_ROLE: Record<Role, ServicePath | null> = {
  chat: 'chat',
  registration: 'chat',
  media: 'chat',
  web: 'web',
  call: 'call',
  control: null,
};

const port = z.number().int().min(1).max(65535);
const hostname = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:_-]+$/, 'must be a hostname or an IP address literal');

const common = {
  /** Unique within its file; measurement evidence refers to it. */
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" and "-"'),
  role: z.enum(ROLES),
  /** Override of the role's default path. */
  path: z.enum(PATHS).optional(),
  /** Sub-label inside a service, reported separately (e.g. "skype-legacy" vs "teams"). */
  group: z.string().min(1).optional(),
  /**
   * Where this hostname/port fact comes from. A source starting with "unverified" marks a target whose
   * failure is reported but never counted towards a verdict (old traces, third-party port lists).
   */
  source: z.string().min(3),
  enabled: z.boolean().default(true),
  notes: z.string().optional(),
};

export const dnsTarget = z.object({ ...common, check: z.literal('dns'), host: hostname }).strict();

export const tcpTarget = z
  .object({
    ...common,
    check: z.literal('tcp'),
    host: hostname,
    ports: z.array(port).min(1),
    /** Bytes written after connect (hex) to provoke a DPI reset, e.g. WhatsApp's "WA" chat header. */
    preamble_hex: z
      .string()
      .regex(/^([0-9a-fA-F]{2})+$/)
      .optional(),
  })
  .strict();

export const tlsTarget = z
  .object({
    ...common,
    check: z.literal('tls'),
    host: hostname,
    port: port.default(443),
    /** Defaults to host. */
    sni: z.string().min(1).optional(),
    alpn: z.array(z.string().min(1)).optional(),
  })
  .strict();

const httpsUrl = z
  .string()
  .url()
  .refine((u) => u.startsWith('https://'), 'must be an https:// URL');
const wssUrl = z
  .string()
  .url()
  .refine((u) => u.startsWith('wss://'), 'must be a wss:// URL');

export const httpsTarget = z.object({ ...common, check: z.literal('https'), url: httpsUrl }).strict();

export const websocketTarget = z
  .object({
    ...common,
    check: z.literal('websocket'),
    url: wssUrl,
    origin: z.string().url().optional(),
    /** HTTP status of a working upgrade. */
    expect_status: z.number().int().default(101),
  })
  .strict();

const attributeName = z
  .string()
  .refine(
    (s) => attributeType(s) !== undefined,
    `a STUN attribute name (${Object.keys(STUN_ATTRIBUTES).join(', ')}) or a number like "0x4000"`,
  );
/** A 14-bit STUN message type written as hex ("0x0801"): the first two bits of a STUN header are zero. */
const messageTypeHex = z
  .string()
  .refine((s) => isHex16(s) && parseInt(s, 16) < 0x4000, 'a STUN message type like "0x0801" (at most 0x3fff)');

const exchangeAttribute = z
  .object({
    type: attributeName,
    /** The value as hex bytes; or `text` (UTF-8); neither: an empty value. */
    hex: z
      .string()
      .regex(/^([0-9a-fA-F]{2}){0,256}$/, 'hex bytes, at most 256')
      .optional(),
    text: z.string().max(256).optional(),
  })
  .strict()
  .refine((a) => a.hex === undefined || a.text === undefined, 'give "hex" or "text", not both');

const exchangeRequest = z
  .object({
    method: z.enum(Object.keys(STUN_METHODS) as [StunMethodName, ...StunMethodName[]]).optional(),
    message_type: messageTypeHex.optional(),
    attributes: z.array(exchangeAttribute).max(16).default([]),
    fingerprint: z.boolean().default(false),
  })
  .strict()
  .refine(
    (r) => (r.method === undefined) !== (r.message_type === undefined),
    'give exactly one of "method" and "message_type"',
  );

const exchangeAnswer = z
  .object({
    class: z.enum(['success', 'error']).optional(),
    message_type: messageTypeHex.optional(),
    error_code: z.number().int().min(300).max(699).optional(),
    attributes: z.array(attributeName).max(16).optional(),
    realm: z.string().min(1).max(128).optional(),
  })
  .strict();

/** One STUN-framed exchange with a call relay, as data (src/model/exchange.ts explains the fields). */
export const exchange = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" and "-"'),
    request: exchangeRequest,
    answer: exchangeAnswer.optional(),
    marks: z.string().min(1).optional(),
    source: z.string().min(3),
    notes: z.string().optional(),
  })
  .strict();

export const stunTarget = z
  .object({
    ...common,
    check: z.literal('stun'),
    host: hostname,
    ports: z.array(port).min(1),
    /**
     * The exchanges to try, each with what a live server answers and a source. An exchange without a
     * known answer is still sent and whatever comes back is recorded, but its silence proves nothing.
     */
    exchanges: z.array(exchange).min(1).max(8).optional(),
    /**
     * Shorthand for a single Binding exchange: true when this server is known to answer an
     * unauthenticated Binding request (public STUN servers), false when not.
     */
    answers_binding: z.boolean().optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if ((t.exchanges === undefined) === (t.answers_binding === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['exchanges'],
        message: 'give "exchanges" (or the shorthand "answers_binding" for a single Binding), not both and not neither',
      });
    }
    const seen = new Set<string>();
    t.exchanges?.forEach((e, i) => {
      if (seen.has(e.id))
        ctx.addIssue({ code: 'custom', path: ['exchanges', i, 'id'], message: `duplicate exchange id "${e.id}"` });
      seen.add(e.id);
    });
  });

/** A neutral UDP/TCP resolver used as a DNS control. */
export const resolverTarget = z
  .object({
    ...common,
    check: z.literal('resolver'),
    /** An IP address: a control resolver reached by name would depend on the DNS it is meant to check. */
    address: z.string().refine((a) => isIP(a) !== 0, 'must be an IP address'),
    port: port.default(53),
  })
  .strict();

/** A DNS-over-HTTPS resolver: the encrypted DNS control. */
export const dohTarget = z.object({ ...common, check: z.literal('doh'), url: httpsUrl }).strict();

export const target = z.discriminatedUnion('check', [
  dnsTarget,
  tcpTarget,
  tlsTarget,
  httpsTarget,
  websocketTarget,
  stunTarget,
  resolverTarget,
  dohTarget,
]);

const cidr = z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'must be a CIDR prefix like 198.18.0.0/15');

/** Network-wide settings that only the controls file may carry. */
export const controlNetwork = z
  .object({
    /** SNI used for the second handshake to the same address, to tell SNI filtering from IP blocking. */
    neutral_sni: z.string().min(1),
    /** Answers in these prefixes are never called bogus (lets a lab use 198.18.0.0/15 or 127.0.0.0/8). */
    public_ranges: z.array(cidr).default([]),
    /** Addresses known to be censors' sinkholes or block pages: an answer among them is bogus. */
    sinkholes: z.array(z.string().min(1)).default([]),
  })
  .strict();

export const catalogueFile = z
  .object({
    $schema: z.string().optional(),
    service: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
    name: z.string().min(1),
    description: z.string().optional(),
    /** Exactly one file in a catalogue directory is the controls file. */
    kind: z.enum(['service', 'controls']).default('service'),
    network: controlNetwork.optional(),
    targets: z.array(target).min(1),
  })
  .strict();

export type Target = z.infer<typeof target>;
export type DnsTarget = z.infer<typeof dnsTarget>;
export type TcpTarget = z.infer<typeof tcpTarget>;
export type TlsTarget = z.infer<typeof tlsTarget>;
export type HttpsTarget = z.infer<typeof httpsTarget>;
export type WebSocketTarget = z.infer<typeof websocketTarget>;
export type StunTarget = z.infer<typeof stunTarget>;
export type ResolverTarget = z.infer<typeof resolverTarget>;
export type DohTarget = z.infer<typeof dohTarget>;
export type ControlNetwork = z.infer<typeof controlNetwork>;
export type CatalogueFile = z.infer<typeof catalogueFile>;

/** The exchanges a STUN target tries (the `answers_binding` shorthand is one Binding). */
export function exchangesOf(t: StunTarget): ExchangeSpec[] {
  return t.exchanges ?? [bindingExchange(t.answers_binding ?? false, t.source)];
}

/** True when the catalogue knows what a live server answers to at least one of the target's exchanges. */
export function answersKnown(t: StunTarget): boolean {
  return exchangesOf(t).some((e) => e.answer !== undefined);
}

export function pathOf(t: Target): ServicePath | null {
  return t.path ?? DEFAULT_PATH_FOR_ROLE[t.role];
}

export function isInformational(t: Pick<Target, 'source'>): boolean {
  return /^unverified\b/i.test(t.source.trim());
}

/** The host a target names (a name or an IP literal, without IPv6 brackets); none for resolver controls. */
export function targetHost(t: Target): string | undefined {
  switch (t.check) {
    case 'dns':
    case 'tcp':
    case 'tls':
    case 'stun':
      return t.host.replace(/^\[|\]$/g, '');
    case 'https':
    case 'websocket':
      return new URL(t.url).hostname.replace(/^\[|\]$/g, '');
    case 'resolver':
    case 'doh':
      return undefined;
    default:
      return t satisfies never;
  }
}

/** The hostname a target needs resolved, or undefined for IP literals and resolver controls. */
export function hostOf(t: Target): string | undefined {
  const h = targetHost(t);
  return h !== undefined && isIP(h) === 0 ? h : undefined;
}

/** The address of a target given as an IP literal (a relay, say), or undefined when it has a name. */
export function literalAddressOf(t: Target): string | undefined {
  const h = targetHost(t);
  return h !== undefined && isIP(h) !== 0 ? h : undefined;
}
