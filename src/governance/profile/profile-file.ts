/**
 * The saved profile `profiles/NAME.json` (docs/governance.md, "fcompile profile"): per feature, the
 * count, NULLs, distinct values, range, moments, quantiles, a 10-bin quantile histogram and the
 * most frequent values of the profiled rows. Written by `fcompile profile --save NAME`; read by
 * `drift:` (its baseline) and by the catalog. The shape is fixed: other tools read it.
 */
import type { FeatureType } from "../../registry/types.js";

/** How a feature is profiled: numbers get moments, quantiles and a histogram; the rest counts and top values. */
export type ProfileKind = "numeric" | "categorical" | "boolean" | "timestamp";

/** A profiled value: a number (integers beyond 2^53 as text), a string, a boolean, or a timestamp as UTC text. */
export type ProfileValue = number | string | boolean;

/** One feature's profile. `mean`, `stddev`, `quantiles` and `histogram` only for numbers; `topValues` absent when skipped. */
export interface FeatureProfile {
  view: string;
  feature: string;
  type: FeatureType;
  kind: ProfileKind;
  /** Profiled rows, NULLs included. */
  count: number;
  nullCount: number;
  /** nullCount / count (0 without rows). */
  nullRate: number;
  /** Distinct non-NULL (a float's: finite) values (exact, but for a float with over FLOAT_TOP_VALUES_MAX_DISTINCT of them: an estimate on DuckDB). */
  distinct: number;
  /** Floats only: the NaN and ±inf values, left out of every statistic below (counted non-NULL in nullCount). */
  nonFiniteCount?: number;
  min: ProfileValue | null;
  max: ProfileValue | null;
  mean?: number | null;
  /** Sample standard deviation. */
  stddev?: number | null;
  /** At PROFILE_QUANTILES (approximate on DuckDB). */
  quantiles?: { q: number; value: number | null }[];
  /** 10 bins between the deciles: the first lower is min, the last upper max; v is in the bin with lower ≤ v < upper, the last includes max. */
  histogram?: { lower: number; upper: number; count: number }[];
  /** Up to TOP_VALUES most frequent non-NULL values, most frequent first, ties by value. */
  topValues?: { value: ProfileValue; count: number }[];
}

/** A saved profile, as `profiles/NAME.json` holds it. */
export interface ProfileFile {
  version: 1;
  name: string;
  project: string;
  target: string;
  /** ISO 8601 UTC. */
  createdAt: string;
  /** UTC `YYYY-MM-DD HH:MM:SS`; null when every row was profiled. */
  start: string | null;
  end: string;
  /** As given (`30d`); null when every row was profiled. */
  window: string | null;
  /** By `<view>:<feature>`. */
  features: Record<string, FeatureProfile>;
}

/** The quantiles a profile records. */
export const PROFILE_QUANTILES: readonly number[] = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];

/** Bins of a numeric histogram (quantile bins: the usual binning of a PSI). */
export const HISTOGRAM_BINS = 10;

/** How many most frequent values a profile keeps. */
export const TOP_VALUES = 20;

/** A float feature with more distinct values than this gets no topValues (a frequency table of unique values says nothing). */
export const FLOAT_TOP_VALUES_MAX_DISTINCT = 10_000;

/** How a feature of a type is profiled. */
export function profileKind(t: FeatureType): ProfileKind {
  switch (t) {
    case "int32":
    case "int64":
    case "float32":
    case "float64":
      return "numeric";
    case "bool":
      return "boolean";
    case "timestamp":
      return "timestamp";
    case "string":
      return "categorical";
  }
}
