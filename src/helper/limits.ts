// Per-client admission for the helper: a token bucket (sustained rate and burst) and a cap on
// requests in flight per client and in total. Keyed by the client's address, held in memory only
// (never logged), and bounded: past `maxClients` the longest-idle entry is forgotten.

export interface ClientLimitsOptions {
  /** Sustained requests per second per client. */
  ratePerS: number;
  /** Requests a client may send at once after being idle (a probe run asks about every target together). */
  burst: number;
  /** Requests in flight per client. */
  maxInFlight: number;
  /** Requests in flight over all clients (the helper's own capacity). */
  maxInFlightTotal: number;
  /** Clients remembered at once. */
  maxClients: number;
  now?: () => number;
}

export type Admission =
  | { ok: true; release(): void }
  | { ok: false; status: 429 | 503; reason: string; retryAfterS: number };

interface Bucket {
  tokens: number;
  at: number;
  inFlight: number;
}

export class ClientLimits {
  private readonly buckets = new Map<string, Bucket>();
  private total = 0;
  private readonly now: () => number;

  constructor(private readonly o: ClientLimitsOptions) {
    if (
      !(o.ratePerS > 0) ||
      !(o.burst >= 1) ||
      !(o.maxInFlight >= 1) ||
      !(o.maxInFlightTotal >= 1) ||
      !(o.maxClients >= 1)
    )
      throw new RangeError('invalid client limits');
    this.now = o.now ?? (() => performance.now() / 1000);
  }

  /** Requests in flight over all clients. */
  get inFlight(): number {
    return this.total;
  }

  /** Clients currently remembered (for tests: the map stays bounded). */
  get clients(): number {
    return this.buckets.size;
  }

  admit(client: string): Admission {
    const now = this.now();
    let b = this.buckets.get(client);
    if (b) {
      b.tokens = Math.min(this.o.burst, b.tokens + (now - b.at) * this.o.ratePerS);
      b.at = now;
      // Most recently used last: eviction takes the first idle one.
      this.buckets.delete(client);
      this.buckets.set(client, b);
    } else {
      b = { tokens: this.o.burst, at: now, inFlight: 0 };
      this.evict();
      this.buckets.set(client, b);
    }
    if (this.total >= this.o.maxInFlightTotal)
      return {
        ok: false,
        status: 503,
        reason: `the helper is at its capacity (${this.o.maxInFlightTotal} requests in flight)`,
        retryAfterS: 1,
      };
    if (b.inFlight >= this.o.maxInFlight)
      return {
        ok: false,
        status: 429,
        reason: `at most ${this.o.maxInFlight} requests in flight per client`,
        retryAfterS: 1,
      };
    if (b.tokens < 1)
      return {
        ok: false,
        status: 429,
        reason: `rate limit: ${this.o.ratePerS} requests/s per client (burst ${this.o.burst})`,
        retryAfterS: Math.ceil((1 - b.tokens) / this.o.ratePerS),
      };
    b.tokens -= 1;
    b.inFlight++;
    this.total++;
    const bucket = b;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        bucket.inFlight--;
        this.total--;
      },
    };
  }

  private evict(): void {
    if (this.buckets.size < this.o.maxClients) return;
    for (const [k, v] of this.buckets) {
      if (v.inFlight === 0) {
        this.buckets.delete(k);
        return;
      }
    }
    // Every remembered client has a request in flight: forget the oldest anyway (its release still
    // decrements its own bucket object and the total).
    const first = this.buckets.keys().next();
    if (!first.done) this.buckets.delete(first.value);
  }
}
