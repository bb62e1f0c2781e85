/**
 * Names the features behind a warehouse's int64 overflow in a training query. An int64 `sum`
 * whose total leaves the int64 range fails in the warehouse (DuckDB: a HUGEINT that cannot be
 * cast to BIGINT; PostgreSQL: `bigint out of range`), as it fails an online read, rather than
 * wrap (docs/aggregations.md, "Names and types"). The warehouse's own message names only
 * fcompile's internal columns (`__fc_v1`), so the error is restated with the features.
 */
import { userError } from "../diagnostics/diagnostic.js";
import type { FeatureRef, Registry } from "../registry/types.js";

const OVERFLOW = /out of range for the destination type INT64|bigint out of range|Overflow in (?:SUM|addition) of INT64/i;

/**
 * `err` restated when it is an int64 overflow and the request has int64 `sum` features
 * (FC016, naming them, the warehouse's message kept as the cause); otherwise `err` as it is.
 */
export function explainSumOverflow(err: unknown, reg: Registry, features: readonly FeatureRef[]): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (!OVERFLOW.test(message)) return err;
  const sums = features.flatMap(({ view, feature }) => {
    const v = reg.views.get(view);
    if (v?.kind !== "aggregation") return [];
    const f = v.features.find((x) => x.name === feature);
    return f?.aggregation.function === "sum" && f.type === "int64" ? [`${view}:${feature} (sum of ${f.aggregation.column})`] : [];
  });
  if (sums.length === 0) return err;
  const first = message.split("\n")[0]!.replace(/^error FC016: /, "");
  return userError(
    "FC016",
    `an int64 sum left the int64 range (±9223372036854775807) for some entity row, so training fails rather than wrap (online reads fail alike): ${sums.join(", ")}. ` +
      `Sum it as float64 instead (aggregate over 'sql:' rows that CAST the column to DOUBLE PRECISION), or aggregate a smaller unit. Warehouse said: ${first}`,
  );
}
