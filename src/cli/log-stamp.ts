// A scheduled run's output goes to a log file that collects every run for months (results/cron.log).
// Each of its lines starts with the UTC time it was written, in the same form as the note the crontab
// line writes for a skipped run, so the log reads as one time line.

/** "2026-11-26T10:15:03Z". */
export function logStamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * From now on, every line written to `stream` (process.stdout, process.stderr) starts with the time.
 * Lines written in pieces are stamped once, at their first piece.
 */
export function stampLines(stream: NodeJS.WriteStream, now: () => Date = () => new Date()): void {
  const write = stream.write.bind(stream) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
  let atLineStart = true;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text === '') return write(chunk, ...rest);
    const stamp = `${logStamp(now())} `;
    let out = '';
    for (const part of text.split(/(?<=\n)/)) {
      if (atLineStart) out += stamp;
      out += part;
      atLineStart = part.endsWith('\n');
    }
    // The encoding argument, if any, described `chunk`; `out` is a string.
    return write(out, ...rest.filter((r) => typeof r !== 'string'));
  }) as typeof stream.write;
}
