/**
 * One feature's entry of a saved profile (profiles/NAME.json; docs/governance.md, "fcompile
 * profile") checked for the fields the catalog reads, as src/governance/profile/profile-file.ts
 * defines them.
 */
import type { FeatureProfile } from "./profiles.js";

const KINDS = new Set(["numeric", "categorical", "boolean", "timestamp"]);

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x) && x >= 0;
const isValue = (x: unknown): x is number | string | boolean =>
  (typeof x === "number" && Number.isFinite(x)) || typeof x === "string" || typeof x === "boolean";

/**
 * The entry as the catalog keeps it, or undefined when a field it needs is missing or wrong:
 * `kind` one of numeric, categorical, boolean, timestamp; `count`, `nullRate` (0 to 1) and
 * `distinct` numbers ≥ 0. `nullCount` missing: `nullRate × count`. Optional fields of a wrong
 * type are dropped (`min`, `max`, `mean` as null; `histogram` bins and `topValues` that are not
 * `{lower, upper, count}` / `{value, count}` left out).
 */
export function checkedFeatureProfile(id: string, x: unknown): FeatureProfile | undefined {
  if (!isObject(x)) return undefined;
  const { kind, count, nullRate, distinct } = x;
  if (typeof kind !== "string" || !KINDS.has(kind)) return undefined;
  if (!isCount(count) || !isCount(nullRate) || nullRate > 1 || !isCount(distinct)) return undefined;
  const colon = id.indexOf(":");
  const histogram = Array.isArray(x.histogram)
    ? x.histogram.filter(
        (b): b is { lower: number; upper: number; count: number } =>
          isObject(b) && typeof b.lower === "number" && typeof b.upper === "number" && b.lower <= b.upper && isCount(b.count),
      )
    : undefined;
  const topValues = Array.isArray(x.topValues)
    ? x.topValues.filter(
        (v): v is { value: string | number | boolean; count: number } => isObject(v) && isValue(v.value) && isCount(v.count),
      )
    : undefined;
  return {
    view: typeof x.view === "string" ? x.view : id.slice(0, colon),
    feature: typeof x.feature === "string" ? x.feature : id.slice(colon + 1),
    type: typeof x.type === "string" ? x.type : "",
    kind: kind as FeatureProfile["kind"],
    count,
    nullCount: isCount(x.nullCount) ? x.nullCount : Math.round(nullRate * count),
    nullRate,
    distinct,
    min: isValue(x.min) ? x.min : null,
    max: isValue(x.max) ? x.max : null,
    mean: typeof x.mean === "number" && Number.isFinite(x.mean) ? x.mean : null,
    ...(histogram ? { histogram } : {}),
    ...(topValues ? { topValues } : {}),
  };
}

/** Rows of the profile with a value of the feature (`count − nullCount`). */
export function valuesIn(p: FeatureProfile): number {
  return p.count - p.nullCount;
}
