import { describe, expect, it } from 'vitest';
import { classifyError, scrubAddresses } from '../../../src/net/failure.js';

const errno = (code: string, syscall = 'connect') =>
  Object.assign(new Error(`${syscall} ${code}`), { code, syscall, errno: -1 });
const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('classifyError', () => {
  const table: [string, unknown, string][] = [
    ['ECONNREFUSED', errno('ECONNREFUSED'), 'connection_refused'],
    ['ECONNRESET from a read', errno('ECONNRESET', 'read'), 'connection_reset'],
    ['EPIPE', errno('EPIPE', 'write'), 'connection_reset'],
    ['ETIMEDOUT', errno('ETIMEDOUT'), 'generic_timeout_error'],
    ['EHOSTUNREACH', errno('EHOSTUNREACH'), 'host_unreachable'],
    ['ENETUNREACH', errno('ENETUNREACH'), 'network_unreachable'],
    ['ENETDOWN', errno('ENETDOWN'), 'network_down'],
    ['EAFNOSUPPORT', errno('EAFNOSUPPORT'), 'address_family_not_supported'],
    ['EADDRNOTAVAIL', errno('EADDRNOTAVAIL'), 'address_not_available'],
    ['EACCES', errno('EACCES'), 'permission_denied'],
    ['EPERM', errno('EPERM'), 'permission_denied'],
    ['ECONNABORTED', errno('ECONNABORTED'), 'connection_aborted'],
    ['socket hang up (ECONNRESET without syscall)', coded('ECONNRESET', 'socket hang up'), 'eof_error'],
    [
      'TLS peer closed before handshake',
      coded('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established'),
      'eof_error',
    ],
    ['plain "socket hang up"', new Error('socket hang up'), 'eof_error'],
    ['unexpected EOF', new Error('unexpected EOF while reading'), 'eof_error'],
    ['undici other side closed', coded('UND_ERR_SOCKET', 'other side closed'), 'eof_error'],
    [
      'AbortError by name',
      Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }),
      'interrupted',
    ],
    ['DOMException AbortError', new DOMException('aborted', 'AbortError'), 'interrupted'],
    ['ABORT_ERR', coded('ABORT_ERR'), 'interrupted'],
    ['undici aborted', coded('UND_ERR_ABORTED'), 'interrupted'],
    ['undici connect timeout', coded('UND_ERR_CONNECT_TIMEOUT'), 'generic_timeout_error'],
    ['undici headers timeout', coded('UND_ERR_HEADERS_TIMEOUT'), 'generic_timeout_error'],
    ['TLS handshake timeout', coded('ERR_TLS_HANDSHAKE_TIMEOUT'), 'generic_timeout_error'],
    ['ws handshake timeout message', new Error('Opening handshake has timed out'), 'generic_timeout_error'],
    [
      'altname invalid',
      coded('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"),
      'ssl_invalid_hostname',
    ],
    ['OpenSSL hostname mismatch', coded('HOSTNAME_MISMATCH'), 'ssl_invalid_hostname'],
    ['leaf signature', coded('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'ssl_unknown_authority'],
    ['self-signed in chain', coded('SELF_SIGNED_CERT_IN_CHAIN'), 'ssl_unknown_authority'],
    ['depth-zero self-signed', coded('DEPTH_ZERO_SELF_SIGNED_CERT'), 'ssl_unknown_authority'],
    ['issuer cert', coded('UNABLE_TO_GET_ISSUER_CERT'), 'ssl_unknown_authority'],
    ['issuer cert locally', coded('UNABLE_TO_GET_ISSUER_CERT_LOCALLY'), 'ssl_unknown_authority'],
    ['expired', coded('CERT_HAS_EXPIRED'), 'ssl_invalid_certificate'],
    ['not yet valid', coded('CERT_NOT_YET_VALID'), 'ssl_invalid_certificate'],
    ['bad signature', coded('CERT_SIGNATURE_FAILURE'), 'ssl_invalid_certificate'],
    ['revoked', coded('CERT_REVOKED'), 'ssl_invalid_certificate'],
    ['handshake failure alert', coded('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'), 'ssl_failed_handshake'],
    ['protocol version alert', coded('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'), 'ssl_failed_handshake'],
    ['wrong version number', coded('ERR_SSL_WRONG_VERSION_NUMBER'), 'ssl_failed_handshake'],
    ['EPROTO', coded('EPROTO'), 'ssl_failed_handshake'],
    ['getaddrinfo ENOTFOUND', coded('ENOTFOUND', 'getaddrinfo ENOTFOUND example.org'), 'dns_nxdomain_error'],
    ['ENODATA', coded('ENODATA'), 'dns_no_answer'],
    ['ESERVFAIL', coded('ESERVFAIL'), 'dns_servfail_error'],
    ['EREFUSED', coded('EREFUSED'), 'dns_refused_error'],
    ['EAI_AGAIN', coded('EAI_AGAIN'), 'dns_temporary_failure'],
    ['EAI_FAIL', coded('EAI_FAIL'), 'dns_non_recoverable_failure'],
    ['c-ares ETIMEOUT', coded('ETIMEOUT'), 'generic_timeout_error'],
    [
      'fetch wrapper with cause',
      Object.assign(new TypeError('fetch failed'), { cause: errno('ECONNREFUSED') }),
      'connection_refused',
    ],
    [
      'AggregateError from happy eyeballs',
      new AggregateError([errno('ENETUNREACH'), errno('ECONNREFUSED')], 'all failed'),
      'network_unreachable',
    ],
  ];
  it.each(table)('%s', (_name, err, expected) => {
    expect(classifyError(err)).toBe(expected);
  });

  it('turns anything else into unknown_failure with addresses scrubbed', () => {
    const err = Object.assign(new Error('bind 10.1.2.3:5000 and [2001:db8::7]:443 went wrong'), { code: 'EWEIRD' });
    expect(classifyError(err)).toBe('unknown_failure: bind [scrubbed]:5000 and [[scrubbed]]:443 went wrong');
  });

  it('copes with non-Error values', () => {
    expect(classifyError('boom at 192.0.2.1')).toBe('unknown_failure: boom at [scrubbed]');
    expect(classifyError(undefined)).toBe('unknown_failure: undefined');
    expect(classifyError(new Error(''))).toBe('unknown_failure: no message');
  });
});

describe('scrubAddresses', () => {
  const table: [string, string][] = [
    ['connect ECONNREFUSED 127.0.0.1:443', 'connect ECONNREFUSED [scrubbed]:443'],
    ['from 203.0.113.9.', 'from [scrubbed].'],
    ['v6 ::1 and fe80::1%eth0 and 2001:db8:0:0:1:0:0:1', 'v6 [scrubbed] and [scrubbed]%eth0 and [scrubbed]'],
    ['mapped ::ffff:198.51.100.4 here', 'mapped [scrubbed] here'],
    ['[2001:db8::1]:53 timed out', '[[scrubbed]]:53 timed out'],
    ['error:10.0.0.1', 'error:[scrubbed]'],
    // Not addresses: versions, MACs, times, hex words, "::" separators.
    ['node v20.20.2, TLSv1.3, OpenSSL 3.0.15', 'node v20.20.2, TLSv1.3, OpenSSL 3.0.15'],
    ['mac 00:1a:2b:3c:4d:5e at 12:30:45', 'mac 00:1a:2b:3c:4d:5e at 12:30:45'],
    ['Error:: deadbeef cafe', 'Error:: deadbeef cafe'],
    ['999.1.1.1 is not an address', '999.1.1.1 is not an address'],
  ];
  it.each(table)('%s', (input, expected) => {
    expect(scrubAddresses(input)).toBe(expected);
  });
});
