/**
 * The drift statistics of `fcompile test` (`drift:`) and `fcompile monitor`: the population
 * stability index over bins, its usual bands, and the two-sample Kolmogorov–Smirnov statistic
 * (docs/governance.md, "Drift").
 */

/** A share below this (an empty bin) counts as this, so that ln(a/e) stays finite: the usual floor. */
export const PSI_EMPTY_SHARE = 1e-4;

/**
 * The population stability index of `actual` against `expected`: Σ (aᵢ − eᵢ)·ln(aᵢ / eᵢ), where
 * aᵢ and eᵢ are bin i's share of each side's total (counts in, shares computed here; an empty bin
 * counts as PSI_EMPTY_SHARE). Both arrays hold counts of the same bins, in the same order.
 * 0 when the distributions match; ≥ 0 always. Throws on arrays of different lengths. With no
 * counts on either side there is nothing to compare: NaN.
 */
export function populationStabilityIndex(expected: readonly number[], actual: readonly number[]): number {
  if (expected.length !== actual.length) throw new Error(`PSI bins differ: ${expected.length} expected, ${actual.length} actual`);
  const eTotal = expected.reduce((s, c) => s + c, 0);
  const aTotal = actual.reduce((s, c) => s + c, 0);
  if (eTotal <= 0 || aTotal <= 0) return Number.NaN;
  let psi = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i] / eTotal, PSI_EMPTY_SHARE);
    const a = Math.max(actual[i] / aTotal, PSI_EMPTY_SHARE);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

/** The usual reading of a PSI: below 0.1 no change, 0.1 to 0.25 a minor change, above 0.25 a major one. */
export type PsiBand = "none" | "minor" | "major";

export function psiBand(psi: number): PsiBand {
  if (!(psi >= 0.1)) return "none";
  return psi <= 0.25 ? "minor" : "major";
}

/**
 * The two-sample Kolmogorov–Smirnov statistic: the largest distance between the empirical CDFs of
 * `a` and `b`, in [0, 1]. NaN values are dropped; NaN when either side is then empty. Sorts copies.
 */
export function ksStatistic(a: readonly number[], b: readonly number[]): number {
  const x = a.filter((v) => !Number.isNaN(v)).sort((p, q) => p - q);
  const y = b.filter((v) => !Number.isNaN(v)).sort((p, q) => p - q);
  if (x.length === 0 || y.length === 0) return Number.NaN;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/**
 * The KS statistic from two CDFs known only at shared points (a saved profile's bin edges): the
 * largest |expected − actual| over the points, each a share in [0, 1] of its side at or below the
 * point. A lower bound of the exact statistic; exact when every value is one of the points.
 */
export function ksFromCdfPoints(points: readonly { expected: number; actual: number }[]): number {
  let d = 0;
  for (const p of points) d = Math.max(d, Math.abs(p.expected - p.actual));
  return d;
}

/**
 * The edges of `bins` bins that each hold about as many of `values` as the others (quantile
 * bins: the usual binning of a PSI), as the distinct inner edges in ascending order: a value v
 * falls in bin k, the number of edges ≤ v. Fewer edges when values repeat; none for an empty or
 * constant input. NaN values are dropped.
 */
export function quantileEdges(values: readonly number[], bins: number): number[] {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((p, q) => p - q);
  const edges: number[] = [];
  if (sorted.length === 0) return edges;
  for (let k = 1; k < bins; k++) {
    const edge = sorted[Math.min(sorted.length - 1, Math.floor((k * sorted.length) / bins))];
    if (edge > sorted[0] && (edges.length === 0 || edge > edges[edges.length - 1])) edges.push(edge);
  }
  return edges;
}

/** The count of `values` in each bin of `edges` (quantileEdges): edges.length + 1 counts. NaN values are dropped. */
export function binCounts(values: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (edges[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]++;
  }
  return counts;
}
