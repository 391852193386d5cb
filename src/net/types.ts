// Options shared by every network primitive. A primitive never throws on a network failure: it
// returns a timed observation with a df-007 failure string. It throws only on misuse (bad arguments).

/** Seconds since the measurement started; every t0/t comes from here. */
export type Clock = () => number;

export interface StepOptions {
  clock: Clock;
  /** Per-step timeout; on expiry the observation's failure is `generic_timeout_error`. */
  timeoutMs: number;
  /** Aborting (Ctrl-C, run deadline) ends the step promptly with failure `interrupted`. */
  signal?: AbortSignal;
  /** Links the observations of one target/address chain (OONI's transaction_id). */
  transactionId: number;
  /** Catalogue target id, copied to x_target. */
  target?: string;
}

/** PEM certificates to trust instead of the defaults (system roots + --ca-file); undefined = Node's defaults. */
export type TrustStore = string[] | undefined;
