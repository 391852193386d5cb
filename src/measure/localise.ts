// Path localisation for call relays that ignore strangers: how far packets towards a relay travel.
// For one relay chain (address, UDP port) whose exchanges are still unanswered after a short hedge,
// three TTL-limited probe series run at once, all within the time the exchanges have left (so
// localisation never costs a second step timeout, only the hedge beyond the first):
//   relay_udp      UDP on the call port to the relay;
//   relay_compare  another protocol to the same address (TCP SYN to 443 as root, else ICMP echo where
//                  ping sockets are allowed), shared by every chain towards that address;
//   neutral_udp    UDP on the same port to a neutral server (a STUN control), shared per port.
// Every router that answers is mapped to its network with the offline ASN database. The UDP series
// stops as soon as a router of the relay's own network answers: then the exchanges that no live relay
// is known to answer stop waiting too. Nothing here judges: src/analysis/call.ts reads the records.

import { performance } from 'node:perf_hooks';
import type { PathTrace, TracePurpose } from '../model/observations.js';
import { findTraceTool, type TraceCapability, type TraceProtocol, traceRoute } from '../net/index.js';
import { delay } from '../util/delay.js';
import { hostPort } from '../util/ip.js';
import type { StepRunner } from './steps.js';

/** A network an address belongs to. */
export interface AsnInfo {
  asn: number;
  organisation: string;
}

export type AsnOf = (ip: string) => Promise<AsnInfo | undefined>;

/** Maps a router to its network (replacing whatever it said before); none without a database or an answer. */
export async function annotateHop(
  hop: { address: string | null; asn?: number; as_name?: string },
  asnOf: AsnOf | undefined,
): Promise<void> {
  delete hop.asn;
  delete hop.as_name;
  const info = hop.address ? await asnOf?.(hop.address) : undefined;
  if (info) {
    hop.asn = info.asn;
    hop.as_name = info.organisation;
  }
}

export interface LocaliserOptions {
  steps: StepRunner;
  /** The run's step timeout: exchanges and traces together fit in it. */
  timeoutMs: number;
  /** ASN lookup for routers and destinations (CLI: the bundled database or --asn-db); none: hops without networks. */
  asnOf?: AsnOf;
  /** A neutral server's address (a STUN control), for the neutral comparison. */
  neutralAddress: () => Promise<string | undefined>;
  /** Which tool to use; default findTraceTool() (tests pass their own). */
  capability?: () => TraceCapability;
  /** How long a chain waits for an answer before localising; default min(250 ms, timeout / 4). */
  hedgeMs?: number;
}

/** The port the same-address TCP comparison probes: relays that take TCP take it on 443 (Teams' fallback). */
export const COMPARE_TCP_PORT = 443;
/** The comparisons start when UDP probes have not entered the relay's network this long after they left. */
export const COMPARE_AFTER_MS = 300;
/** Traces end this long before the chain's exchanges would time out (process start and exit). */
const END_MARGIN_MS = 250;

const isLoopback = (ip: string) => /^127\./.test(ip) || ip === '::1';

export interface LocateRequest {
  ip: string;
  port: number;
  target: string;
  transactionId: number;
  /** Aborted when the chain no longer needs localisation (an exchange was answered). */
  cancel: AbortSignal;
  /** Called once a router of the relay's own network answered the UDP probes (the path is open that far). */
  onRelayNetwork?: () => void;
}

/** What one run found out about localisation (for the CLI's once-per-run notice). */
export interface LocalisationStatus {
  /** A relay chain needed localisation. */
  wanted: boolean;
  capability?: TraceCapability;
}

export class Localiser {
  private readonly compares = new Map<string, Promise<PathTrace>>();
  private readonly neutrals = new Map<number, Promise<PathTrace | undefined>>();
  readonly status: LocalisationStatus = { wanted: false };
  readonly hedgeMs: number;

  constructor(private readonly o: LocaliserOptions) {
    this.hedgeMs = o.hedgeMs ?? Math.min(250, Math.floor(o.timeoutMs / 4));
  }

  private capability(): TraceCapability {
    this.status.capability ??= (this.o.capability ?? findTraceTool)();
    return this.status.capability;
  }

  /** A trace record for probes that could not be made (no tool, no privilege): the line says why. */
  private unavailable(
    purpose: TracePurpose,
    protocol: TraceProtocol,
    address: string,
    why: string,
    req: Pick<LocateRequest, 'target' | 'transactionId'>,
    relay?: string,
  ): PathTrace {
    const t = this.o.steps.clock();
    return {
      address,
      protocol,
      method: 'none',
      x_purpose: purpose,
      ...(relay ? { x_relay: relay } : {}),
      max_ttl: 0,
      hops: [],
      reached: false,
      failure: `unknown_failure: ${why}`,
      t0: t,
      t,
      transaction_id: req.transactionId,
      x_target: req.target,
    };
  }

  /** One trace; stops once a router of `stopAsn`'s network (or the destination) answered. */
  private async trace(p: {
    ip: string;
    port: number;
    protocol: TraceProtocol;
    purpose: TracePurpose;
    relay?: string;
    req: Pick<LocateRequest, 'target' | 'transactionId'>;
    timeoutMs: number;
    signal: AbortSignal;
    stopAsn?: number;
    onStop?: () => void;
  }): Promise<PathTrace> {
    const cap = this.capability();
    if (!cap.available)
      return this.unavailable(p.purpose, p.protocol, hostPort(p.ip, p.port), cap.reason, p.req, p.relay);
    const rec = await traceRoute({
      clock: this.o.steps.clock,
      timeoutMs: p.timeoutMs,
      signal: p.signal,
      transactionId: p.req.transactionId,
      target: p.req.target,
      ip: p.ip,
      port: p.port,
      protocol: p.protocol,
      purpose: p.purpose,
      ...(p.relay ? { relay: p.relay } : {}),
      tool: cap,
      onHop: async (hop) => {
        await annotateHop(hop, this.o.asnOf);
        const inside = p.stopAsn !== undefined && hop.asn === p.stopAsn;
        if (inside) p.onStop?.();
        return inside;
      },
    });
    const dest = await this.o.asnOf?.(p.ip);
    if (dest) rec.destination_asn = dest.asn;
    return rec;
  }

  /**
   * Waits the hedge, then (if the chain still needs it) probes the way to one relay: UDP first; the
   * comparisons only if UDP has not entered the relay's network shortly after (a clean network then
   * costs one traceroute per relay port). Everything ends one step timeout after the hedge at the latest.
   * Resolves to the records to keep with the chain; empty when cancelled (an exchange was answered).
   */
  async locate(req: LocateRequest): Promise<PathTrace[]> {
    const steps = this.o.steps;
    if (!(await delay(this.hedgeMs, req.cancel, steps.signal))) return [];
    // One step timeout from here: a silent relay's chain then ends at most the hedge after its exchanges,
    // and a loaded machine still gives the probes their time.
    const endsAt = performance.now() + this.o.timeoutMs;
    this.status.wanted = true;
    const relay = hostPort(req.ip, req.port);
    const left = () => Math.max(50, endsAt - performance.now() - END_MARGIN_MS);
    if (isLoopback(req.ip))
      return [
        this.unavailable(
          'relay_udp',
          'udp',
          relay,
          'the relay is on this machine (loopback): there is no path to localise',
          req,
        ),
      ];
    const relayAsn = (await this.o.asnOf?.(req.ip))?.asn;
    let open = false;
    let done: PathTrace | undefined;
    const signal = AbortSignal.any([steps.signal, req.cancel]);
    const udp = steps
      .trace(() =>
        this.trace({
          ip: req.ip,
          port: req.port,
          protocol: 'udp',
          purpose: 'relay_udp',
          req,
          timeoutMs: left(),
          signal,
          ...(relayAsn !== undefined ? { stopAsn: relayAsn } : {}),
          onStop: () => {
            open = true;
            req.onRelayNetwork?.();
          },
        }),
      )
      .then((r) => (done = r));
    await Promise.race([udp, delay(COMPARE_AFTER_MS, req.cancel, steps.signal)]);
    if (req.cancel.aborted) return [];
    // Open, reached, or could not run at all: nothing to compare.
    if (open || (done && (done.reached || (done.failure !== null && done.hops.length === 0)))) return [await udp];
    // UDP has not entered the relay's network yet: the comparisons tell a drop from routers that ignore probes.
    const compare = this.compareTrace(req.ip, relayAsn, left(), req);
    const neutral = this.neutralTrace(req.port, left(), req);
    const u = await udp;
    // Entered the relay's network after all: the comparisons (shared, running on) are not needed here.
    if (open || req.cancel.aborted) return req.cancel.aborted ? [] : [u];
    const [c, n] = await Promise.all([compare, neutral]);
    if (req.cancel.aborted) return [];
    const mine = (x: PathTrace): PathTrace => ({
      ...x,
      hops: x.hops.map((h) => ({ ...h })),
      transaction_id: req.transactionId,
      x_target: req.target,
      x_relay: relay,
    });
    return [u, mine(c), ...(n ? [mine(n)] : [])];
  }

  private compareTrace(
    ip: string,
    relayAsn: number | undefined,
    timeoutMs: number,
    req: LocateRequest,
  ): Promise<PathTrace> {
    let p = this.compares.get(ip);
    if (!p) {
      const cap = this.capability();
      if (cap.available && cap.compare === 'none') {
        p = Promise.resolve(
          this.unavailable(
            'relay_compare',
            'tcp',
            hostPort(ip, COMPARE_TCP_PORT),
            cap.note ?? 'no comparison probes on this machine',
            req,
          ),
        );
      } else {
        const protocol: TraceProtocol = cap.available && cap.compare === 'icmp' ? 'icmp' : 'tcp';
        p = this.o.steps.trace(() =>
          this.trace({
            ip,
            port: COMPARE_TCP_PORT,
            protocol,
            purpose: 'relay_compare',
            req,
            timeoutMs,
            signal: this.o.steps.signal,
            ...(relayAsn !== undefined ? { stopAsn: relayAsn } : {}),
          }),
        );
      }
      this.compares.set(ip, p);
    }
    return p;
  }

  private neutralTrace(port: number, timeoutMs: number, req: LocateRequest): Promise<PathTrace | undefined> {
    let p = this.neutrals.get(port);
    if (!p) {
      p = this.o.neutralAddress().then(async (ip) => {
        if (!ip) return undefined;
        const asn = (await this.o.asnOf?.(ip))?.asn;
        return this.o.steps.trace(() =>
          this.trace({
            ip,
            port,
            protocol: 'udp',
            purpose: 'neutral_udp',
            req,
            timeoutMs,
            signal: this.o.steps.signal,
            ...(asn !== undefined ? { stopAsn: asn } : {}),
          }),
        );
      });
      this.neutrals.set(port, p);
    }
    return p;
  }
}
