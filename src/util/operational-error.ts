// Something around the program stopped it, not a bug in it and not the user's input: a port already in
// use, a store another collector holds, a database role that does not exist, no crontab command. The CLI
// says it in one sentence and exits 1; a stack trace would only hide the sentence (see cli/common.ts).

export class OperationalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OperationalError';
  }
}

/**
 * Errors the system reports about the world (ENOENT, EACCES, ENOSPC, EADDRINUSE, ECONNREFUSED...):
 * operational too, whoever threw them. Node's system errors carry an errno code and a syscall.
 */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException | undefined;
  return (
    e instanceof Error && typeof e.code === 'string' && /^E[A-Z0-9]+$/.test(e.code) && typeof e.syscall === 'string'
  );
}
