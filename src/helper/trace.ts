// Path traces from the helper's side (the outside view of path localisation, docs/calls.md): the same
// TTL-limited probes the probe makes (src/net/trace.ts), towards an endpoint the same request measures.
// A trace costs a process and up to 2 probes per TTL, so the helper runs a bounded number at once and
// answers the rest "busy" at once instead of queueing them past the request's budget.

import type { TraceCapability } from '../net/index.js';
import { findTraceTool, traceRoute } from '../net/index.js';
import type { StepOptions } from '../net/types.js';
import type { HelperRequest, HelperTraceResult } from '../protocol/helper.js';
import { NOT_NEEDED } from '../protocol/helper-words.js';
import { delay } from '../util/delay.js';
import { splitHostPort } from '../util/ip.js';

/** Traces the helper runs at once over all clients (a default; `voipprobe helper --max-traces`). */
export const DEFAULT_TRACE_SLOTS = 32;

/** The helper's trace capacity: a counter of slots and the tool (found once). */
export class TraceSlots {
  private busy = 0;
  constructor(
    readonly size: number,
    private readonly capability: () => TraceCapability = findTraceTool,
  ) {
    if (!(size >= 0)) throw new RangeError('trace slots must be >= 0');
  }

  tool(): TraceCapability {
    return this.capability();
  }

  /** Runs `fn` in a slot, or returns undefined at once when every slot is taken. */
  async run<T>(fn: () => Promise<T>): Promise<T | undefined> {
    if (this.busy >= this.size) return undefined;
    this.busy++;
    try {
      return await fn();
    } finally {
      this.busy--;
    }
  }
}

/** The highest TTL, as the probe's own traces. */
const MAX_TTL = 30;
/**
 * A trace asked "if unanswered" waits half the step timeout for an answer to the endpoint's exchanges
 * first. By then a probe that saw the path open withdrew its question (so a clean run costs no trace),
 * and the probe's own traces are done: routers rate-limit their ICMP answers, and two traces through
 * the same routers at once would take answers from each other.
 */
const HEDGE_SHARE = 0.5;

type TraceAsk = NonNullable<HelperRequest['x_trace']>[number];

/** The key of a trace in the answer: "udp:ip:port". */
export const traceKey = (t: Pick<TraceAsk, 'protocol' | 'endpoint'>) => `${t.protocol}:${t.endpoint}`;

/**
 * One trace asked of the helper, already admitted by the target policy and the request's own
 * endpoints. Never throws on a network or tool failure: the answer carries it.
 */
export async function traceForClient(
  ask: TraceAsk,
  slots: TraceSlots,
  step: () => StepOptions,
  o: {
    /** The request's step timeout: the trace ends within it (the hedge included). */
    timeoutMs: number;
    /** For `if_unanswered`: aborted once an exchange at the endpoint is answered. */
    answered?: AbortSignal;
  },
): Promise<HelperTraceResult> {
  const tool = slots.tool();
  if (!tool.available) return { failure: `unknown_failure: the helper cannot trace: ${tool.reason}` };
  const { host: ip, port } = splitHostPort(ask.endpoint, 0);
  const hedge = Math.floor(o.timeoutMs * HEDGE_SHARE);
  if (o.answered && !(await delay(hedge, o.answered))) return { failure: NOT_NEEDED };
  const base = step();
  const signal = o.answered && base.signal ? AbortSignal.any([base.signal, o.answered]) : (o.answered ?? base.signal);
  const rec = await slots.run(() =>
    traceRoute({
      ...base,
      ...(signal ? { signal } : {}),
      // traceroute is stopped half a second after its wait: the whole trace fits in the step timeout.
      timeoutMs: Math.max(100, o.timeoutMs - hedge - 500),
      ip,
      port,
      protocol: ask.protocol,
      purpose: 'relay_udp',
      tool,
      maxTtl: ask.max_ttl ?? MAX_TTL,
    }),
  );
  if (!rec) return { failure: `unknown_failure: the helper is running ${slots.size} traces already (busy)` };
  if (o.answered?.aborted) return { failure: NOT_NEEDED };
  return {
    failure: rec.failure,
    hops: rec.hops.map(({ asn: _a, as_name: _n, ...h }) => ({
      ...h,
      ...(h.other_addresses ? { other_addresses: h.other_addresses.slice(0, 4) } : {}),
      ...(h.flags ? { flags: h.flags.slice(0, 4) } : {}),
    })),
    reached: rec.reached,
    method: rec.method,
    max_ttl: rec.max_ttl,
    x_duration_s: Math.round((rec.t - rec.t0) * 1000) / 1000,
  };
}
