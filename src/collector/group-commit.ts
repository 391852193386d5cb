// Group commit: requests that arrive while one batch is being made durable wait and go together in
// the next one, so one fsync (or one COMMIT) covers many measurements. Nobody is answered before the
// batch holding their measurement is durable.

export class GroupCommitter<I, O> {
  private queue: { input: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private running = false;

  constructor(
    private readonly commit: (inputs: I[]) => Promise<O[]>,
    private readonly maxBatch = 1000,
  ) {}

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  /** Resolves when everything queued so far is committed (or failed). */
  async idle(): Promise<void> {
    while (this.running || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const outs = await this.commit(batch.map((b) => b.input));
          for (const [i, b] of batch.entries()) b.resolve(outs[i]!);
        } catch (e) {
          for (const b of batch) b.reject(e);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
