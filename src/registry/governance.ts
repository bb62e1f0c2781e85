/**
 * The governance declarations of a project (docs/governance.md): a feature's `tests:` and
 * `drift:`, a view's `freshness:` and `tests:`, a source's `labels:`. The schema checks their
 * shapes (src/project/definitions.schema.json); this reads them and checks what the schema cannot
 * (a range whose min exceeds its max, a test that does not fit the feature's type, warn_after
 * after error_after), each problem located, every one in the same run.
 */
import type { DiagnosticBag, SourceLocation } from "../diagnostics/diagnostic.js";
import type { YamlPath } from "../project/yaml-file.js";
import { parseDuration } from "./durations.js";
import type { DriftCheck, FeatureTest, FeatureType, Freshness, Registry, ViewTest } from "./types.js";

type Obj = Record<string, unknown>;

/** Default `max_psi` of a drift check: the usual "major change" band starts above 0.25. */
export const DEFAULT_MAX_PSI = 0.25;

const NUMERIC: ReadonlySet<FeatureType> = new Set(["int32", "int64", "float32", "float64"]);

/**
 * A feature's `tests:` (`raw`, shaped by the schema but for the items `skip` names, already
 * reported; undefined: none). Tests that cannot
 * apply to the feature's `type` (when known: a range of a string, accepted values of a float) are
 * FC003 and left out (fitTestsToType); so is a range whose min exceeds its max.
 */
export function readFeatureTests(
  raw: unknown,
  feature: string,
  view: string,
  type: FeatureType | undefined,
  bag: DiagnosticBag,
  at: (...p: YamlPath) => SourceLocation,
  skip: (index: number) => boolean = () => false,
): FeatureTest[] {
  if (!Array.isArray(raw)) return [];
  const out: FeatureTest[] = [];
  raw.forEach((t, i) => {
    if (skip(i)) return; // reported by the schema check
    const where = at("tests", i);
    if (t === "not_null") return void out.push({ kind: "not_null", at: where });
    if (!t || typeof t !== "object") return;
    const o = t as Obj;
    if (typeof o.max_null_rate === "number") return void out.push({ kind: "max_null_rate", rate: o.max_null_rate, at: where });
    if (o.range && typeof o.range === "object") {
      const r = o.range as Obj;
      const min = typeof r.min === "number" ? r.min : undefined;
      const max = typeof r.max === "number" ? r.max : undefined;
      if (min !== undefined && max !== undefined && min > max)
        return bag.error(
          "FC003",
          `range of feature '${feature}' in view '${view}': min ${min} is greater than max ${max}`,
          at("tests", i, "range"),
        );
      return void out.push({ kind: "range", ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), at: where });
    }
    if (Array.isArray(o.accepted_values))
      return void out.push({ kind: "accepted_values", values: o.accepted_values as (string | number | boolean)[], at: where });
  });
  return type === undefined ? out : fitTestsToType(out, feature, view, type, bag);
}

/**
 * The tests that fit a feature of `type`; each other one is FC003 at it: a range applies to
 * numbers, accepted values to text, integers and booleans, each value of the feature's type.
 */
export function fitTestsToType(tests: FeatureTest[], feature: string, view: string, type: FeatureType, bag: DiagnosticBag): FeatureTest[] {
  return tests.filter((t) => {
    if (t.kind === "range" && !NUMERIC.has(type)) {
      bag.error("FC003", `a range test applies to numbers; feature '${feature}' of view '${view}' is ${type}`, t.at);
      return false;
    }
    if (t.kind !== "accepted_values") return true;
    if (type === "float32" || type === "float64" || type === "timestamp") {
      bag.error(
        "FC003",
        `accepted_values applies to text, integers and booleans; feature '${feature}' of view '${view}' is ${type} (use a range)`,
        t.at,
      );
      return false;
    }
    const wrong = t.values.find((v) => !fitsType(v, type));
    if (wrong !== undefined) {
      bag.error("FC003", `accepted value ${JSON.stringify(wrong)} of feature '${feature}' in view '${view}' is not a ${type}`, t.at);
      return false;
    }
    return true;
  });
}

/** A value of `accepted_values` can be a value of a feature of `type`. */
function fitsType(v: string | number | boolean, type: FeatureType): boolean {
  switch (type) {
    case "string":
      return typeof v === "string";
    case "bool":
      return typeof v === "boolean";
    case "int32":
    case "int64":
      return typeof v === "number" && Number.isInteger(v);
    default:
      return true;
  }
}

/** A feature's `drift:` (shaped by the schema; undefined: none). */
export function readDrift(raw: unknown, at: (...p: YamlPath) => SourceLocation): DriftCheck | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const o = raw as Obj;
  if (typeof o.baseline !== "string") return undefined;
  return {
    baseline: o.baseline,
    maxPsi: typeof o.max_psi === "number" ? o.max_psi : DEFAULT_MAX_PSI,
    ...(typeof o.max_ks === "number" ? { maxKs: o.max_ks } : {}),
    at: at("drift"),
    baselineAt: at("drift", "baseline"),
  };
}

/** A view's `freshness:` (shaped by the schema); warn_after after error_after is FC003. */
export function readFreshness(
  raw: unknown,
  view: string,
  bag: DiagnosticBag,
  at: (...p: YamlPath) => SourceLocation,
): Freshness | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const o = raw as Obj;
  const warnAfter = typeof o.warn_after === "string" ? o.warn_after : undefined;
  const errorAfter = typeof o.error_after === "string" ? o.error_after : undefined;
  if (warnAfter === undefined && errorAfter === undefined) return undefined;
  const warnAfterSeconds = warnAfter === undefined ? undefined : parseDuration(warnAfter);
  const errorAfterSeconds = errorAfter === undefined ? undefined : parseDuration(errorAfter);
  if (warnAfterSeconds !== undefined && errorAfterSeconds !== undefined && warnAfterSeconds > errorAfterSeconds) {
    bag.error(
      "FC003",
      `freshness of view '${view}': warn_after (${warnAfter}) is longer than error_after (${errorAfter}); a view goes stale in warning first`,
      at("freshness", "warn_after"),
    );
    return undefined;
  }
  return {
    ...(warnAfter !== undefined ? { warnAfter, warnAfterSeconds } : {}),
    ...(errorAfter !== undefined ? { errorAfter, errorAfterSeconds } : {}),
    at: at("freshness"),
  };
}

/** A view's `tests:` (shaped by the schema). */
export function readViewTests(raw: unknown, at: (...p: YamlPath) => SourceLocation): ViewTest[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((t, i) =>
    t === "unique_per_entity_and_time" ? [{ kind: "unique_per_entity_and_time" as const, at: at("tests", i) }] : [],
  );
}

/** Each `labels:` column of a file source whose data file was read must be one of its columns (FC017). */
export function checkLabels(reg: Registry, bag: DiagnosticBag, at: (source: string, i: number) => SourceLocation): void {
  for (const src of reg.sources.values()) {
    const cols = reg.dataFiles.get(src.name);
    if (!cols) continue;
    src.labels.forEach((label, i) => {
      if (!cols.some((c) => c.name === label))
        bag.error(
          "FC017",
          `label '${label}' of source '${src.name}' is not a column of its data file (columns: ${cols.map((c) => c.name).join(", ")})`,
          at(src.name, i),
        );
    });
  }
}
