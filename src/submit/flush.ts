// Sends what waits in the spool. Nothing leaves the spool unless the collector confirmed it or refused
// it for good; an unreachable collector only delays things. Used by `voipprobe submit` and, through
// spoolAndSubmit, by `voipprobe run --submit` (results are written first, then spooled, then sent).

import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { tryLock } from '../fs/pid-lock.js';
import type { Measurement } from '../model/measurement.js';
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { CollectorClient, type SubmitOutcome, type SubmitProtocol } from './client.js';
import { Spool, type SpoolEntry, type SpoolItem } from './spool.js';

export interface SubmitOptions {
  spoolDir: string;
  collector: { url: string; token?: string; protocol?: SubmitProtocol; timeoutMs?: number };
  /** Requests in flight at once. */
  concurrency?: number;
  /** Immediate retries of a transient failure within this flush (OONI's spec allows up to 3). */
  retries?: number;
  /** Pause before the first immediate retry (doubled after each). */
  retryDelayMs?: number;
  backoff?: BackoffPolicy;
  /** Ignore the persisted backoff times (a person asked for a retry now). */
  ignoreBackoff?: boolean;
  /** After this many items in a row failed to reach the collector, stop: it is down. */
  giveUpAfter?: number;
  now?: () => Date;
  random?: () => number;
  logger?: Logger;
}

export interface FlushSummary {
  /** Confirmed by the collector and removed from the spool. */
  sent: number;
  /** Still in the spool after a failed attempt (will be retried after the backoff). */
  failed: number;
  /** Not tried in this flush: their backoff time has not come, or the flush stopped early. */
  waiting: number;
  /** Moved to rejected/ with the collector's reason. */
  rejected: number;
  /** Items in the spool after the flush. */
  remaining: number;
  /** Why the flush stopped early (bad token, wrong URL, collector down), if it did. */
  stopped?: string;
  /** Another process was already flushing this spool; nothing was sent by this one. */
  busy?: number;
}

export async function flushSpool(opts: SubmitOptions): Promise<FlushSummary> {
  const spool = new Spool(opts.spoolDir);
  const now = opts.now ?? (() => new Date());
  const log = opts.logger;
  const summary: FlushSummary = { sent: 0, failed: 0, waiting: 0, rejected: 0, remaining: 0 };
  const items = spool.list(now());
  if (items.length === 0) return summary;

  const lock = tryLock(join(opts.spoolDir, '.flush.lock'));
  if ('heldBy' in lock) {
    log?.warn({ pid: lock.heldBy }, 'another voipprobe process is submitting this spool; leaving it to that one');
    return { ...summary, waiting: items.length, remaining: items.length, busy: lock.heldBy };
  }
  const client = new CollectorClient(opts.collector);
  const limit = pLimit(opts.concurrency ?? 4);
  const retries = opts.retries ?? 2;
  const giveUpAfter = opts.giveUpAfter ?? 3;
  let unreachableInARow = 0;

  const attempt = async (m: Measurement): Promise<SubmitOutcome> => {
    let out = await client.submit(m);
    for (let i = 0; i < retries && out.kind === 'transient' && !summary.stopped; i++) {
      await sleep((opts.retryDelayMs ?? 500) * 2 ** i);
      out = await client.submit(m);
    }
    return out;
  };

  const handle = async (item: SpoolItem) => {
    if (summary.stopped) {
      summary.waiting++;
      return;
    }
    const entry: SpoolEntry | undefined = spool.read(item, now());
    if (!entry) {
      // Unreadable spool files are moved aside by read(); gone ones were sent by someone else.
      return;
    }
    if (!opts.ignoreBackoff && entry.next_attempt_at && Date.parse(entry.next_attempt_at) > now().getTime()) {
      summary.waiting++;
      return;
    }
    const out = await attempt(entry.measurement);
    switch (out.kind) {
      case 'ok':
        unreachableInARow = 0;
        spool.remove(item);
        summary.sent++;
        log?.debug({ id: entry.id, measurement_uid: out.measurement_uid }, 'submitted');
        return;
      case 'rejected':
        unreachableInARow = 0;
        spool.reject(item, entry, out.status, out.reason, now());
        summary.rejected++;
        log?.error(
          { id: entry.id, status: out.status, reason: out.reason, kept_in: spool.rejectedDir },
          'the collector refused a measurement; kept aside, not retried',
        );
        return;
      case 'transient': {
        const next = new Date(
          now().getTime() + backoffDelay(entry.attempts + 1, opts.backoff ?? DEFAULT_BACKOFF, opts.random),
        );
        spool.recordFailure(item, entry, out.error, next);
        summary.failed++;
        if (++unreachableInARow >= giveUpAfter && !summary.stopped)
          summary.stopped = `collector unreachable: ${out.error}`;
        log?.warn(
          { id: entry.id, error: out.error, next_attempt_at: next.toISOString() },
          'submission failed; kept in the spool',
        );
        return;
      }
      case 'fatal':
        // Not the item's fault: keep it untouched (no backoff), stop, and say why.
        if (!summary.stopped) summary.stopped = out.error;
        summary.waiting++;
        return;
    }
  };

  try {
    await Promise.all(items.map((it) => limit(() => handle(it))));
  } finally {
    await client.close().catch(() => undefined);
    lock.release();
  }
  summary.remaining = spool.list(now()).length;
  if (summary.stopped)
    log?.error(
      { reason: summary.stopped, remaining: summary.remaining },
      'submission stopped; measurements stay in the spool',
    );
  return summary;
}

/**
 * For `voipprobe run --submit`: puts the run's measurements in the spool (durably, before any network
 * I/O), then flushes the whole spool, older leftovers included. Never throws for network trouble.
 */
export async function spoolAndSubmit(
  measurements: Iterable<Measurement>,
  opts: SubmitOptions,
): Promise<FlushSummary & { spooled: number }> {
  const spool = new Spool(opts.spoolDir);
  let spooled = 0;
  for (const m of measurements) if (spool.put(m, (opts.now ?? (() => new Date()))()) === 'added') spooled++;
  const summary = await flushSpool(opts);
  return { ...summary, spooled };
}
