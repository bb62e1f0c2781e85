/**
 * Reads back the rows of a view's profile query (compileProfile: one row per feature, part and k)
 * into its features' profiles (profiles/NAME.json's shape).
 */
import type { FeatureType, FeatureView } from "../../registry/types.js";
import { QUERY_QUANTILES } from "./compile-profile.js";
import type { FeatureProfile, ProfileValue } from "./profile-file.js";
import { FLOAT_TOP_VALUES_MAX_DISTINCT, HISTOGRAM_BINS, PROFILE_QUANTILES, profileKind } from "./profile-file.js";

/** A row of a profile query, as the warehouse returns it. */
export type ProfileRow = Record<string, unknown>;

/** The profiles of a view's features (by `<view>:<feature>`) from its profile query's rows. */
export function readProfileRows(view: FeatureView, rows: readonly ProfileRow[]): Record<string, FeatureProfile> {
  const byFeature = new Map<string, ProfileRow[]>();
  let total = 0;
  for (const r of rows) {
    const f = String(r.feature);
    if (r.part === "rows") total = count(r.n);
    else (byFeature.get(f) ?? byFeature.set(f, []).get(f)!).push(r);
  }
  const out: Record<string, FeatureProfile> = {};
  for (const f of view.features) {
    const rs = byFeature.get(f.name) ?? [];
    const part = (p: string): ProfileRow[] => rs.filter((r) => r.part === p).sort((a, b) => Number(a.k) - Number(b.k));
    const one = (p: string): ProfileRow | undefined => part(p)[0];
    const kind = profileKind(f.type);
    const nonNull = count(one("count")?.n);
    const distinct = count(one("distinct")?.n);
    const p: FeatureProfile = {
      view: view.name,
      feature: f.name,
      type: f.type,
      kind,
      count: total,
      nullCount: total - nonNull,
      nullRate: total > 0 ? (total - nonNull) / total : 0,
      distinct,
      min: value(f.type, one("min")?.value),
      max: value(f.type, one("max")?.value),
    };
    const nonFinite = count(one("nonfinite")?.n);
    if (f.type === "float32" || f.type === "float64") p.nonFiniteCount = nonFinite;
    if (kind === "numeric") {
      // Approximate quantiles can stray past the range (DuckDB's t-digest gives 2.2e-308 for all zeros): clamped to it.
      const lo = typeof p.min === "number" ? p.min : Number(p.min);
      const hi = typeof p.max === "number" ? p.max : Number(p.max);
      const qs = part("quantile").map((r) => {
        const x = double(r.x);
        return x === null ? null : Math.min(hi, Math.max(lo, x));
      });
      p.mean = double(one("mean")?.x);
      p.stddev = double(one("stddev")?.x);
      p.quantiles = PROFILE_QUANTILES.map((q) => ({ q, value: qs[QUERY_QUANTILES.indexOf(q)] ?? null }));
      const bins = part("bin").map((r) => count(r.n));
      const edges = Array.from({ length: HISTOGRAM_BINS - 1 }, (_, k) => qs[QUERY_QUANTILES.indexOf((k + 1) / HISTOGRAM_BINS)]);
      p.histogram =
        nonNull - nonFinite === 0
          ? []
          : bins.map((c, k) => ({ lower: k === 0 ? lo : edges[k - 1]!, upper: k === HISTOGRAM_BINS - 1 ? hi : edges[k]!, count: c }));
    }
    const skipped = (f.type === "float32" || f.type === "float64") && distinct > FLOAT_TOP_VALUES_MAX_DISTINCT;
    if (!skipped)
      p.topValues = part("top")
        .map((r) => ({ value: value(f.type, r.value) as ProfileValue, count: count(r.n) }))
        .sort((a, b) => b.count - a.count || compareValues(a.value, b.value));
    out[`${view.name}:${f.name}`] = p;
  }
  return out;
}

/** A count from the driver (bigint, number or text). */
function count(v: unknown): number {
  return v === null || v === undefined ? 0 : Number(v);
}

function double(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

/** A value's text as the profile holds it: numbers as numbers (integers beyond 2^53 as text), booleans, the rest as text. */
function value(t: FeatureType, v: unknown): ProfileValue | null {
  if (v === null || v === undefined) return null;
  const s = String(v);
  switch (t) {
    case "int32":
    case "int64": {
      const b = BigInt(s);
      return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : s;
    }
    case "float32":
    case "float64":
      return Number(s);
    case "bool":
      return s === "true" || s === "t";
    case "timestamp":
    case "string":
      return s;
  }
}

/** The order of equal counts: numbers numerically, false before true, text by bytes (as the query orders). */
function compareValues(a: ProfileValue, b: ProfileValue): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return Buffer.compare(x, y);
}
