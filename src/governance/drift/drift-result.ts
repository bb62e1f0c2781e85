/**
 * A drift check's verdict from its query's rows (compileDrift: the tested rows' count per bin):
 * the PSI of the tested rows against the baseline over the bins, its band, and for numbers the KS
 * statistic from the two CDFs at every bin's end (the bins partition the line in order, values
 * outside the baseline's range apart: a lower bound of the exact one, exact when the baseline was
 * binned by its values and the tested values are among them).
 * Fails when the PSI is above max_psi, or the KS above max_ks when given.
 */
import type { CompiledDrift } from "./compile-drift.js";
import type { PsiBand } from "./statistics.js";
import { ksFromCdfPoints, populationStabilityIndex, psiBand } from "./statistics.js";

/** How many bins a result shows (those whose share moved most). */
export const DRIFT_SAMPLE_BINS = 5;

/** What a drift check found. */
export interface DriftVerdict {
  status: "pass" | "fail";
  /** null when the tested rows hold no non-NULL value (nothing to compare: the check passes). */
  psi: number | null;
  band: PsiBand | null;
  /** Numbers only; null otherwise. */
  ks: number | null;
  /** The bins whose share moved most: `{bin, expected, actual}` (shares in [0, 1]). */
  sample: { bin: string; expected: number; actual: number }[];
}

/** The verdict of a drift check given its query's rows (`bin`, `n`). */
export function driftVerdict(check: CompiledDrift, rows: readonly Record<string, unknown>[]): DriftVerdict {
  const expected = check.bins.expected;
  const actual = new Array<number>(expected.length).fill(0);
  for (const r of rows) actual[Number(r.bin)] += Number(r.n);
  const psi = populationStabilityIndex(expected, actual);
  if (Number.isNaN(psi)) return { status: "pass", psi: null, band: null, ks: null, sample: [] };
  const eTotal = expected.reduce((s, c) => s + c, 0);
  const aTotal = actual.reduce((s, c) => s + c, 0);
  let ks: number | null = null;
  if (check.bins.cuts) {
    // The share at or below each bin's end: that bin and those before it.
    const points: { expected: number; actual: number }[] = [];
    let e = 0;
    let a = 0;
    for (let i = 0; i < check.bins.cuts.length; i++) {
      e += expected[i]!;
      a += actual[i]!;
      points.push({ expected: e / eTotal, actual: a / aTotal });
    }
    ks = ksFromCdfPoints(points);
  }
  const sample = expected
    .map((c, i) => ({ bin: check.bins.labels[i]!, expected: c / eTotal, actual: actual[i]! / aTotal }))
    .sort((x, y) => Math.abs(y.actual - y.expected) - Math.abs(x.actual - x.expected))
    .slice(0, DRIFT_SAMPLE_BINS);
  const failed = psi > check.maxPsi || (check.maxKs !== undefined && ks !== null && ks > check.maxKs);
  return { status: failed ? "fail" : "pass", psi, band: psiBand(psi), ks, sample };
}
