import { materializationHash } from "../registry/manifest.js";
import type { FeatureView, Registry } from "../registry/types.js";
import type { CompileTarget } from "./relations.js";
import { WATERMARK_TABLE, materializationRelation, materializationTable, tieBreak, viewColumns, viewRowsRelation } from "./relations.js";
import { statementsOf } from "./sql-script.js";
import { compileAggregationState } from "./aggregation-state.js";
import type { CompiledScript } from "./sql-script.js";

/**
 * How `materialize` runs a view, recorded in its watermark: `full` (all rows up to the end),
 * `window` (only rows since `--start`, no earlier materialization to merge), `incremental` (the
 * previous materialization merged with the rows since the start).
 */
export type MaterializeRunMode = "full" | "window" | "incremental";

/** Every mode, in the order `build` writes their files. */
export const MATERIALIZE_MODES: readonly MaterializeRunMode[] = ["full", "window", "incremental"];

/** How a materialization query reads: all rows, rows since a start, or a merge with the previous result. */
export interface MaterializeMode {
  /** Only rows at or after the start parameter (`fc_start`) are read from the view. */
  withStart?: boolean;
  /** Merge with this previous materialization (incremental); implies `withStart`. */
  previous?: string;
}

/**
 * Compiles the materialization query of a view (docs/semantics.md, "Online"): per entity, the row training
 * would choose at T = end. Its columns: the join keys, the timestamp, the created timestamp
 * (kept so that a later incremental merge breaks ties exactly as training does), the features.
 */
export function compileMaterialization(reg: Registry, view: FeatureView, t: CompileTarget, mode: MaterializeMode = {}): string {
  const q = (s: string): string => t.dialect.quote(s);
  const cols = viewColumns(view, t);
  const keys = view.joinKeys.map(q);
  // A created timestamp that is the timestamp column itself comes out once (it still breaks no ties).
  const createdOut = cols.created && view.createdTimestamp !== view.timestamp;
  return t.dialect.render("materialize", {
    viewName: view.name,
    relation: viewRowsRelation(reg, view, t),
    previous: mode.previous,
    keys,
    ts: cols.ts,
    columns: [
      ...keys,
      `CAST(${cols.ts} AS ${t.dialect.sqlType("timestamp")}) AS __fc_ts`,
      ...(cols.created ? [`${cols.created} AS __fc_created`] : []),
      ...cols.features.map((f) => `${f.expr} AS ${f.alias}`),
    ].join(",\n    "),
    outputColumns: [
      ...keys,
      `__fc_ts AS ${cols.ts}`,
      ...(createdOut ? [`__fc_created AS ${cols.created}`] : []),
      ...cols.features.map((f) => f.alias),
    ].join(",\n  "),
    orderBy: [
      "__fc_ts DESC",
      ...tieBreak(
        cols.created ? "__fc_created" : undefined,
        cols.features.map((f, i) => t.dialect.orderKey(f.alias, view.features[i]!.type)),
      ),
    ],
    ttl: view.ttlSeconds !== undefined ? t.dialect.interval(view.ttlSeconds) : undefined,
    hasStart: !!mode.withStart || !!mode.previous,
    end: t.dialect.parameter("fc_end"),
    start: t.dialect.parameter("fc_start"),
  });
}

/** Compiles the incremental variant: the view's materialization table merged with rows since the last end. */
export function compileIncrementalMaterialization(reg: Registry, view: FeatureView, t: CompileTarget): string {
  return compileMaterialization(reg, view, t, { previous: materializationRelation(view, t) });
}

/** The path under `target/compiled/<dialect>/` of a view's materialization in a mode. */
export function materializeScriptPath(view: string, mode: MaterializeRunMode): string {
  return `materialize/${view}${mode === "full" ? "" : `.${mode}`}.sql`;
}

/**
 * A view's materialization as `materialize` executes it: the query built into a new table,
 * swapped in, and the watermark recorded (its upsert returns the row count). The end (and start)
 * time are run-time parameters (Dialect.parameter).
 */
export function compileMaterializeScript(reg: Registry, view: FeatureView, t: CompileTarget, mode: MaterializeRunMode): CompiledScript {
  const d = t.dialect;
  const [schema, table] = materializationTable(view, t);
  const building = d.qualified([schema, `${table}__fc_new`]);
  const query =
    view.kind === "aggregation"
      ? // An aggregation view's state: its events (a `--start` window run builds it in full: its
        // windows need every event of the longest window, not only those since the start).
        compileAggregationState(
          reg,
          view,
          t,
          d.parameter("fc_end"),
          mode === "incremental" ? { previous: materializationRelation(view, t), start: d.parameter("fc_start") } : undefined,
        )
      : compileMaterialization(reg, view, t, {
          withStart: mode !== "full",
          previous: mode === "incremental" ? materializationRelation(view, t) : undefined,
        });
  const text = d.render("materialize-view", {
    viewName: view.name,
    mode,
    query: query.trimEnd(),
    building,
    relation: d.qualified([schema, table]),
    table: d.quote(table),
    indexes: [],
    analyze: false,
    watermarks: d.qualified([schema, WATERMARK_TABLE]),
    viewHash: d.stringLiteral(materializationHash(reg, view)),
    viewLiteral: d.stringLiteral(view.name),
    end: d.parameter("fc_end"),
    start: mode === "full" || (view.kind === "aggregation" && mode === "window") ? "NULL" : d.parameter("fc_start"),
  });
  return { path: materializeScriptPath(view.name, mode), statements: statementsOf(text, { creates: building }) };
}

/** `materialize/_begin.sql` and `_commit.sql`: the one transaction all views are materialized in. */
export function compileMaterializeFrame(t: CompileTarget): { begin: CompiledScript; commit: CompiledScript } {
  const d = t.dialect;
  const begin = d.render("begin", {
    title: `fcompile materialize: the latest feature values per entity into schema ${t.schema}`,
    lock: d.transactionLock?.(`fcompile:${t.schema}`),
    schema: d.quote(t.schema),
    watermarks: d.qualified([t.schema, WATERMARK_TABLE]),
  });
  return {
    begin: { path: "materialize/_begin.sql", statements: statementsOf(begin) },
    commit: { path: "materialize/_commit.sql", statements: statementsOf(d.render("commit", {})) },
  };
}

/** The column of the watermark upsert's result (RETURNING) that holds the view's row count. */
export const ROW_COUNT_COLUMN = "row_count";
