/**
 * Training/serving skew, one feature at a time (docs/governance.md, "fcompile monitor"): the
 * training set's values against the values served, by PSI (numbers: the training values' 10
 * quantile bins; categories: the training set's top values and one bin for the rest), the exact
 * two-sample KS statistic (numbers), the share of missing values on each side, and how old the
 * served values were. NaN and ±Infinity are dropped from PSI and KS on both sides. Statistics
 * from ../drift/statistics.ts.
 */
import { binCounts, ksStatistic, populationStabilityIndex, psiBand, quantileEdges } from "../drift/statistics.js";
import type { PsiBand } from "../drift/statistics.js";
import { parseTimestamp } from "../../timestamps.js";
import { duration } from "./format-skew.js";
import type { LoggedValue, ServedFeature } from "./served-log.js";

/** How a feature's values are compared: numbers (and timestamps, as seconds since 1970) or categories (strings, booleans). */
export type MonitorKind = "numeric" | "timestamp" | "categorical";

/** Quantile bins of a number's PSI (as `fcompile profile` and `drift:`). */
export const NUMBER_BINS = 10;
/** Categories with a bin of their own (the training set's most frequent); the rest share one. */
export const TOP_CATEGORIES = 20;

/** One feature's column of the training set. */
export interface TrainingColumn {
  /** Rows, nulls included. */
  count: number;
  nullCount: number;
  /** The non-null values: numbers (timestamps as seconds since 1970), or categories as text (booleans `true`/`false`). */
  values: number[] | string[];
}

/** When a feature fails (docs/governance.md, "fcompile monitor", thresholds). */
export interface Thresholds {
  /** PSI above this fails. */
  maxPsi: number;
  /** KS above this fails (numbers); no limit when undefined. */
  maxKs?: number;
  /** The served missing rate above the training null rate by more than this fails. */
  maxMissingIncrease: number;
  /** The 95th percentile of served age above this many seconds fails; no limit when undefined. */
  maxAgeSeconds?: number;
}

/** Served age, seconds (requestTime − eventTimestamp of PRESENT values). */
export interface AgeSummary {
  median: number;
  p95: number;
  max: number;
}

/** One feature's comparison: what `monitor --json` prints per feature. */
export interface FeatureSkew {
  /** Output name (a training-set column, a key of the log's `features`). */
  name: string;
  /** `view:feature` as logged, or null. */
  feature: string | null;
  kind: MonitorKind;
  /** pass / fail, or `not_in_training` (served, but the training set has no such column: not compared, not failed). */
  status: "pass" | "fail" | "not_in_training";
  trainingCount: number;
  trainingNullRate: number | null;
  servedCount: number;
  /** Lines per status. */
  servedStatuses: Record<string, number>;
  /** Share of served lines whose status is not PRESENT. */
  servedMissingRate: number;
  /** servedMissingRate − trainingNullRate. */
  missingIncrease: number | null;
  /** null when a side has no value to compare. */
  psi: number | null;
  band: PsiBand | null;
  /** Numbers only; null otherwise or without values. */
  ks: number | null;
  age: AgeSummary | null;
  /** The limits applied to this feature (the age limit may come from the view's ttl). */
  maxAgeSeconds: number | null;
  /** Why it failed, one phrase each; empty when it passed. */
  failures: string[];
}

/** Compares one served feature with its training column (undefined: not in the training set). */
export function compareFeature(
  served: ServedFeature,
  kind: MonitorKind,
  training: TrainingColumn | undefined,
  limits: Thresholds,
): FeatureSkew {
  const missing = served.count - (served.statuses.PRESENT ?? 0);
  const servedMissingRate = served.count === 0 ? 0 : missing / served.count;
  const age = ageSummary(served.ages);
  const base = {
    name: served.name,
    feature: served.ref,
    kind,
    servedCount: served.count,
    servedStatuses: served.statuses,
    servedMissingRate,
    age,
    maxAgeSeconds: limits.maxAgeSeconds ?? null,
  };
  if (!training)
    return {
      ...base,
      status: "not_in_training",
      trainingCount: 0,
      trainingNullRate: null,
      missingIncrease: null,
      psi: null,
      band: null,
      ks: null,
      failures: [],
    };
  const trainingNullRate = training.count === 0 ? 0 : training.nullCount / training.count;
  let psi: number;
  let ks: number | null = null;
  if (kind === "categorical") {
    psi = categoryPsi(training.values as string[], served.values.map(categoryOf));
  } else {
    // NaN and ±Infinity (a double column of the training set, "NaN"/"Infinity" text in the log) have no bin and no place in a CDF.
    const t = (training.values as number[]).filter(Number.isFinite);
    const s = served.values.map(kind === "timestamp" ? secondsOf : numberOf).filter(Number.isFinite);
    const edges = quantileEdges(t, NUMBER_BINS);
    psi = populationStabilityIndex(binCounts(t, edges), binCounts(s, edges));
    ks = nullIfNaN(ksStatistic(t, s));
  }
  const psiOrNull = nullIfNaN(psi);
  const missingIncrease = servedMissingRate - trainingNullRate;
  const failures: string[] = [];
  if (psiOrNull !== null && psiOrNull > limits.maxPsi) failures.push(`PSI ${psiOrNull.toFixed(3)} > ${limits.maxPsi}`);
  if (ks !== null && limits.maxKs !== undefined && ks > limits.maxKs) failures.push(`KS ${ks.toFixed(3)} > ${limits.maxKs}`);
  if (missingIncrease > limits.maxMissingIncrease)
    failures.push(
      `missing ${percent(servedMissingRate)} served vs ${percent(trainingNullRate)} null in training (> +${percent(limits.maxMissingIncrease)})`,
    );
  if (age && limits.maxAgeSeconds !== undefined && age.p95 > limits.maxAgeSeconds)
    failures.push(`p95 age ${ageOver(age.p95, limits.maxAgeSeconds)}`);
  return {
    ...base,
    status: failures.length > 0 ? "fail" : "pass",
    trainingCount: training.count,
    trainingNullRate,
    missingIncrease,
    psi: psiOrNull,
    band: psiOrNull === null ? null : psiBand(psiOrNull),
    ks,
    failures,
  };
}

/** PSI over the training set's TOP_CATEGORIES most frequent values (ties by value) and one bin for every other value. */
export function categoryPsi(training: readonly string[], served: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const v of training) counts.set(v, (counts.get(v) ?? 0) + 1);
  const top = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, TOP_CATEGORIES)
    .map((e) => e[0]);
  const bin = new Map(top.map((v, i) => [v, i]));
  const expected = new Array<number>(top.length + 1).fill(0);
  const actual = new Array<number>(top.length + 1).fill(0);
  for (const v of training) expected[bin.get(v) ?? top.length]++;
  for (const v of served) actual[bin.get(v) ?? top.length]++;
  return populationStabilityIndex(expected, actual);
}

/** The median, 95th percentile and largest of `ages` (nearest rank), or null for none. */
export function ageSummary(ages: readonly number[]): AgeSummary | null {
  if (ages.length === 0) return null;
  const s = [...ages].sort((a, b) => a - b);
  const rank = (q: number): number => s[Math.max(0, Math.ceil(q * s.length) - 1)]!;
  return { median: rank(0.5), p95: rank(0.95), max: s[s.length - 1]! };
}

function numberOf(v: LoggedValue): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  return Number(v); // int64 digits as text, "NaN", "Infinity"
}

function secondsOf(v: LoggedValue): number {
  if (typeof v !== "string") return numberOf(v);
  const t = parseTimestamp(v);
  return t === undefined ? Number.NaN : Number(t) / 1e6;
}

function categoryOf(v: LoggedValue): string {
  return String(v);
}

/** `age > limit` in the table's units (d/h/m/s), in seconds when those would show the two alike (601s > 600s). */
function ageOver(age: number, limit: number): string {
  const [a, l] = [duration(age), duration(limit)];
  return a === l ? `${Math.round(age)}s > ${Math.round(limit)}s` : `${a} > ${l}`;
}

function nullIfNaN(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}

function percent(r: number): string {
  return `${(r * 100).toFixed(1)}%`;
}
