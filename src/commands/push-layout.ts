import type { PushLayout } from "../online/layout.js";
import type { FeatureView, Registry } from "../registry/types.js";
import { rowSourceOf } from "../registry/types.js";
import type { AggregationStateColumns } from "../compile/aggregation-state.js";

/**
 * What the online store keeps about pushes for one view (docs/push.md): undefined unless the
 * view's rows are a push source's rows (plain views, aggregation views over a source). `state`:
 * an aggregation view's state columns (aggregationStateColumns), whose values and flags the
 * pushed events must fill in the same order. Filters come compiled by the registry
 * (`filterExpr`, src/registry/push-checks.ts).
 */
export function pushLayout(reg: Registry, view: FeatureView, state?: AggregationStateColumns): PushLayout | undefined {
  const sourceName = rowSourceOf(view);
  const src = sourceName === undefined ? undefined : reg.sources.get(sourceName);
  if (!src?.push) return undefined;
  const common = {
    source: src.name,
    keys: [...view.joinKeys],
    timestamp: view.timestamp,
    created: view.createdTimestamp ?? null,
    latenessMicros: view.latenessSeconds === undefined ? null : String(BigInt(view.latenessSeconds) * 1_000_000n),
    dedupeKey: src.dedupeKey ?? null,
  };
  if (view.kind !== "aggregation") return { ...common, values: view.features.map((f) => ({ column: f.name, as: "value" })), filters: [] };
  if (!state) throw new Error(`pushLayout: aggregation view '${view.name}' needs its state columns`);
  const compiled = new Map(
    view.features.flatMap((f) => (f.aggregation.filterExpr ? [[f.aggregation.filter!, f.aggregation.filterExpr]] : [])),
  );
  const values: PushLayout["values"] = [];
  const filters: PushLayout["filters"] = [];
  for (const v of state.values) {
    if ("column" in v.from) values.push({ column: v.from.column, as: v.from.as });
    else {
      const expr = compiled.get(v.from.filter);
      // The registry compiles every filter of a push view or refuses the build (FC018).
      if (!expr) throw new Error(`pushLayout: filter of view '${view.name}' was not compiled: ${v.from.filter}`);
      filters.push(expr);
    }
  }
  return { ...common, values, filters };
}
