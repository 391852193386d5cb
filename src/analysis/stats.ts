// The statistics the test-call verdict rests on, written out so they can be read and checked:
// quantiles, a two-proportion z-test (loss), a two-sample Kolmogorov-Smirnov test (delay and
// delivered-throughput distributions, as Wehe uses it), and Wehe's area test. Pure.

/** The q-quantile (0..1) of `xs` by linear interpolation; undefined for no data. */
export function quantile(xs: readonly number[], q: number): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export function mean(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** erfc(x) for x >= 0 (W. J. Cody's rational Chebyshev approximation via Numerical Recipes' erfcc, |error| < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Two-sided p-value of a standard normal statistic. */
export function normalTwoSided(z: number): number {
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

/**
 * Two-proportion z-test (pooled): do `x1` of `n1` and `x2` of `n2` differ? Two-sided p-value. Packet
 * losses of two interleaved flows are the two proportions; with hundreds of packets per flow the
 * normal approximation holds (n p >= 5 is checked: below it the test says p = 1, no claim).
 */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): { z: number; p: number } {
  if (n1 === 0 || n2 === 0) return { z: 0, p: 1 };
  const pooled = (x1 + x2) / (n1 + n2);
  if (pooled === 0 || pooled === 1) return { z: 0, p: 1 };
  // Too few events on both sides for the normal approximation: make no claim.
  if (Math.min(x1 + x2, n1 + n2 - x1 - x2) < 5) return { z: 0, p: 1 };
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const z = (x1 / n1 - x2 / n2) / se;
  return { z, p: normalTwoSided(z) };
}

/** Kolmogorov's limiting distribution Q_KS(λ) = 2 Σ (-1)^(j-1) exp(-2 j² λ²). */
function qKs(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0;
  let sign = 1;
  for (let j = 1; j <= 100; j++) {
    const term = sign * Math.exp(-2 * j * j * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
    sign = -sign;
  }
  return Math.max(0, Math.min(1, 2 * sum));
}

/**
 * Two-sample Kolmogorov-Smirnov test: D = the largest distance between the two empirical
 * distributions, and its asymptotic p-value (Stephens' small-sample correction of λ, as in Numerical
 * Recipes' kstwo).
 */
export function ksTwoSample(a: readonly number[], b: readonly number[]): { d: number; p: number } {
  if (a.length === 0 || b.length === 0) return { d: 0, p: 1 };
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const ne = (x.length * y.length) / (x.length + y.length);
  const sq = Math.sqrt(ne);
  return { d, p: qKs((sq + 0.12 + 0.11 / sq) * d) };
}

/**
 * Wehe's area test on two throughput samples: (mean(control) - mean(treated)) / max(means). Positive
 * when the treated flow delivered less.
 */
export function areaTest(treated: readonly number[], control: readonly number[]): number {
  const t = mean(treated) ?? 0;
  const c = mean(control) ?? 0;
  const m = Math.max(t, c);
  return m === 0 ? 0 : (c - t) / m;
}
