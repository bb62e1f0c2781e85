import type { ColumnCheck, PushLayout } from "../online/layout.js";
import type { FeatureView, Registry } from "../registry/types.js";
import { rowSourceOf } from "../registry/types.js";
import type { AggregationStateColumns } from "../compile/aggregation-state.js";
import { sourceRelation } from "../compile/relations.js";
import type { CompileTarget } from "../compile/relations.js";
import { FcUserError } from "../diagnostics/diagnostic.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { dedupeKeyRefusal, distinctTextKind, distinctTextRefusal } from "../registry/push-checks.js";
import type { Warehouse } from "../warehouse/warehouse.js";

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

/** Float and decimal column types as DuckDB and PostgreSQL describe them (NaN and ±Infinity are refused in them). */
export const FLOAT_TYPE = /^(FLOAT|FLOAT4|FLOAT8|REAL|DOUBLE|DOUBLE PRECISION|DECIMAL|NUMERIC)\b/i;

const INTEGER_BITS: Record<string, 16 | 32 | 64> = {
  SMALLINT: 16,
  INT2: 16,
  INTEGER: 32,
  INT: 32,
  INT4: 32,
  BIGINT: 64,
  INT8: 64,
};

/**
 * The check of pushed values for a column of `engineType` as DuckDB or PostgreSQL describes it
 * (ColumnCheck, src/online/layout.ts); undefined for the types pushes do not check (text, dates,
 * unsigned or 128-bit integers, …: the warehouse decides offline, the views' types online).
 */
export function columnCheckOf(engineType: string): ColumnCheck | undefined {
  const t = engineType.trim().toUpperCase();
  const bits = INTEGER_BITS[t];
  if (bits) return { kind: "integer", bits };
  if (/^(FLOAT|FLOAT4|FLOAT8|REAL|DOUBLE|DOUBLE PRECISION)$/.test(t)) return { kind: "float" };
  const d = /^(DECIMAL|NUMERIC)(?:\((\d+)(?:,\s*(\d+))?\))?$/.exec(t);
  if (d) return d[2] === undefined ? { kind: "decimal" } : { kind: "decimal", precision: Number(d[2]), scale: Number(d[3] ?? 0) };
  if (t === "BOOLEAN" || t === "BOOL") return { kind: "bool" };
  if (t === "TIMESTAMP" || t === "TIMESTAMP WITHOUT TIME ZONE") return { kind: "timestamp" };
  return undefined;
}

/**
 * Completes the push layouts from the warehouse's description of each push source (docs/push.md):
 * its columns (a pushed row with another column is refused) and its float columns (NaN and
 * ±Infinity refused); each count_distinct value's `textOf`, the kind of its source column, so a
 * pushed value's text is the warehouse's text of it; and `dedupeTextOf`, so a pushed id is
 * compared with the ids `load` recorded as the warehouse writes them. A column whose text cannot
 * be matched (a float, …) is FC018 (at the aggregation, or at the source for its dedupe_key), for
 * every such view and source at once, before load writes anything (a file source's are refused at
 * build already).
 */
export async function settlePushLayouts(
  wh: Pick<Warehouse, "describe">,
  reg: Registry,
  ct: CompileTarget,
  pushed: readonly { view: FeatureView; push: PushLayout | undefined }[],
): Promise<void> {
  const described = new Map<string, { name: string; type: string }[]>();
  const problems: Diagnostic[] = [];
  const refusedSources = new Set<string>();
  for (const { view, push } of pushed) {
    if (!push) continue;
    let cols = described.get(push.source);
    if (!cols) described.set(push.source, (cols = await wh.describe(sourceRelation(reg.sources.get(push.source)!, ct))));
    push.columns = cols.map((c) => c.name);
    push.floatColumns = cols.filter((c) => FLOAT_TYPE.test(c.type.trim())).map((c) => c.name);
    push.columnChecks = Object.fromEntries(
      cols.flatMap((c) => {
        const check = columnCheckOf(c.type);
        return check ? [[c.name, check]] : [];
      }),
    );
    const types = new Map(cols.map((c) => [c.name, c.type]));
    if (push.dedupeKey !== null) {
      const type = types.get(push.dedupeKey) ?? "unknown";
      const kind = distinctTextKind(type);
      if (kind) push.dedupeTextOf = kind;
      else if (!refusedSources.has(push.source)) {
        refusedSources.add(push.source);
        const src = reg.sources.get(push.source)!;
        problems.push({ code: "FC018", severity: "error", message: dedupeKeyRefusal(src.name, push.dedupeKey, type), at: src.at });
      }
    }
    if (view.kind !== "aggregation") continue;
    for (const v of push.values) {
      if (v.as !== "text") continue;
      const type = types.get(v.column) ?? "unknown";
      const kind = distinctTextKind(type);
      if (kind) v.textOf = kind;
      else {
        const f = view.features.find((g) => g.aggregation.function === "count_distinct" && g.aggregation.column === v.column)!;
        problems.push({ code: "FC018", severity: "error", message: distinctTextRefusal(f.name, view.name, v.column, type), at: f.at });
      }
    }
  }
  if (problems.length > 0) throw new FcUserError(problems);
}
