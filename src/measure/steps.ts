// Runs network steps with bounded concurrency, one clock, one abort signal and a transaction id per
// chain. DNS queries get their own, wider limiter: they are single datagrams, and a silent resolver
// must not starve the connection steps queued behind it.

import pLimit, { type LimitFunction } from 'p-limit';
import type { Clock, StepOptions, TrustStore } from '../net/types.js';

export interface StepRunnerOptions {
  clock: Clock;
  timeoutMs: number;
  signal: AbortSignal;
  concurrency: number;
  dnsConcurrency: number;
  ca: TrustStore;
}

/** traceroute processes running at once: each probes every hop in parallel, so a few suffice. */
export const TRACE_PROCESSES = 16;

export interface Progress {
  started: number;
  done: number;
}

export class StepRunner {
  private nextId = 1;
  private readonly chainLimit: LimitFunction;
  private readonly dnsLimit: LimitFunction;
  /** Path traces are child processes (traceroute): a few at a time, whatever the step concurrency. */
  private readonly traceLimit: LimitFunction = pLimit(TRACE_PROCESSES);
  readonly progress: Progress = { started: 0, done: 0 };

  constructor(private readonly o: StepRunnerOptions) {
    this.chainLimit = pLimit(o.concurrency);
    this.dnsLimit = pLimit(o.dnsConcurrency);
  }

  get ca(): TrustStore {
    return this.o.ca;
  }

  get signal(): AbortSignal {
    return this.o.signal;
  }

  get clock(): Clock {
    return this.o.clock;
  }

  private track<T>(p: () => Promise<T>): Promise<T> {
    this.progress.started++;
    return p().finally(() => {
      this.progress.done++;
    });
  }

  /** One DNS query, with its own transaction id. */
  dns<T>(fn: (o: StepOptions) => Promise<T>): Promise<T> {
    const transactionId = this.nextId++;
    return this.dnsLimit(() => this.track(() => fn(this.stepOptions(transactionId))));
  }

  /**
   * One chain (an address/port of a target, layer after layer), holding one concurrency slot; every
   * step in it shares the chain's transaction id.
   */
  chain<T>(target: string, fn: (o: StepOptions) => Promise<T>): Promise<T> {
    const transactionId = this.nextId++;
    return this.chainLimit(() => this.track(() => fn(this.stepOptions(transactionId, target))));
  }

  /** One path trace (a child process), under its own limit; it keeps the transaction id of the chain it serves. */
  trace<T>(fn: () => Promise<T>): Promise<T> {
    return this.traceLimit(() => this.track(fn));
  }

  /**
   * A step that waits on a remote party rather than on the network under test (a question to a
   * helper): its own transaction id and progress count, outside the chain and DNS limits, so that a
   * slow helper never holds back the local measurements.
   */
  aside<T>(fn: (o: StepOptions) => Promise<T>, timeoutMs = this.o.timeoutMs): Promise<T> {
    const transactionId = this.nextId++;
    return this.track(() => fn({ ...this.stepOptions(transactionId), timeoutMs }));
  }

  private stepOptions(transactionId: number, target?: string): StepOptions {
    return {
      clock: this.o.clock,
      timeoutMs: this.o.timeoutMs,
      signal: this.o.signal,
      transactionId,
      ...(target ? { target } : {}),
    };
  }
}
