// The TLS library's own error code (OpenSSL's reason, as Node names it: ERR_SSL_...), kept next to
// the df-007 failure because it says who ended the handshake: `..._ALERT_...` codes are alerts the
// server sent; the others are our side giving up on what the server sent (an old protocol version,
// an oversized certificate message). It carries no address, only the code.

const TLS_CODE = /^ERR_SSL_[A-Z0-9_]{1,100}$/;

interface ErrorLike {
  code?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The first ERR_SSL_* code in an error or the errors it wraps (undici and AggregateError wrap them). */
export function tlsErrorCode(err: unknown, depth = 0): string | undefined {
  if (depth > 4 || err === null || typeof err !== 'object') return undefined;
  const e = err as ErrorLike;
  if (typeof e.code === 'string' && TLS_CODE.test(e.code)) return e.code;
  return (
    tlsErrorCode(e.cause, depth + 1) ?? (Array.isArray(e.errors) ? tlsErrorCode(e.errors[0], depth + 1) : undefined)
  );
}
