// Waiting that gives way to cancellation: the hedges before path localisation (the probe's and the
// helper's) wait a while unless the work stopped being needed meanwhile.

/** Resolves true after `ms`, false as soon as any of the signals aborts (at once if one already has). */
export function delay(ms: number, ...signals: AbortSignal[]): Promise<boolean> {
  if (signals.some((s) => s.aborted)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (v: boolean) => {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener('abort', onAbort);
      resolve(v);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
  });
}
