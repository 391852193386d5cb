// Failure strings from OONI's df-007 vocabulary. A failure is data, not an exception: every network
// step records one of these (or null for success).

import { z } from 'zod';

export const FAILURES = [
  'dns_nxdomain_error',
  'dns_no_answer',
  'dns_servfail_error',
  'dns_refused_error',
  'dns_bogon_error',
  'dns_server_misbehaving',
  'dns_reply_with_wrong_query_id',
  'dns_temporary_failure',
  'dns_non_recoverable_failure',
  'connection_refused',
  'connection_reset',
  'connection_aborted',
  'generic_timeout_error',
  'eof_error',
  'host_unreachable',
  'network_unreachable',
  'network_down',
  'address_family_not_supported',
  'address_not_available',
  'permission_denied',
  'ssl_invalid_hostname',
  'ssl_unknown_authority',
  'ssl_invalid_certificate',
  'ssl_failed_handshake',
  'http_request_failed',
  'interrupted',
] as const;

export const knownFailureSchema = z.enum(FAILURES);

/** A df-007 string, `unknown_failure: <scrubbed message>`, or null for success. */
export const failureSchema = z.union([knownFailureSchema, z.templateLiteral(['unknown_failure: ', z.string()]), z.null()]);
