// One step's deadline: the caller's AbortSignal and the step timeout folded into a single signal,
// remembering which of the two fired, because an abort is `interrupted` and an expiry is
// `generic_timeout_error` whatever error the socket library raised as a consequence.

import type { Failure } from '../model/failure.js';
import { classifyError } from './failure.js';
import type { StepOptions } from './types.js';

export interface StepDeadline {
  /** Aborted when the step times out or the caller aborts. */
  readonly signal: AbortSignal;
  /** `interrupted` or `generic_timeout_error` once the step was stopped; null while it may run. */
  stopped(): Failure;
  /** Failure for an error: the stop reason if the step was stopped, else the error's classification. */
  failureOf(err: unknown): Failure;
  /** Milliseconds left before the timeout (0 when stopped). */
  remainingMs(): number;
  /** Clears the timer and detaches from the caller's signal. Idempotent. */
  dispose(): void;
}

export function checkStepOptions(o: StepOptions): void {
  if (typeof o.clock !== 'function') throw new TypeError('clock must be a function');
  if (!Number.isFinite(o.timeoutMs) || o.timeoutMs <= 0)
    throw new RangeError(`timeoutMs must be > 0, got ${o.timeoutMs}`);
}

export function stepDeadline(o: StepOptions): StepDeadline {
  checkStepOptions(o);
  const controller = new AbortController();
  const endsAt = performance.now() + o.timeoutMs;
  let reason: Failure = null;
  const stop = (why: Failure) => {
    if (reason) return;
    reason = why;
    controller.abort(new DOMException(why ?? 'stopped', 'AbortError'));
  };
  const timer = setTimeout(() => stop('generic_timeout_error'), o.timeoutMs);
  const onAbort = () => stop('interrupted');
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener('abort', onAbort, { once: true });

  return {
    signal: controller.signal,
    stopped: () => reason,
    failureOf: (err) => reason ?? classifyError(err),
    remainingMs: () => (reason ? 0 : Math.max(0, endsAt - performance.now())),
    dispose: () => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    },
  };
}
