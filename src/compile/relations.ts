import type { Dialect } from "../dialects/dialect.js";
import type { FeatureView, Registry, Source, SqlView } from "../registry/types.js";
import { unreachable } from "../registry/types.js";

/** Where compiled SQL reads and writes: the schema fcompile owns in the warehouse. */
export interface CompileTarget {
  dialect: Dialect;
  /** Schema fcompile creates its tables in (DuckDB: the project name; Postgres: the target's schema). */
  schema: string;
}

/** For exhaustive switches: a case left out makes the call fail to compile. */
export { unreachable };

/** The relation holding a source's rows: a loaded file source, or the user's table. */
export function sourceRelation(src: Source, t: CompileTarget): string {
  switch (src.kind) {
    case "table":
      return t.dialect.qualified(src.table);
    case "file":
      return t.dialect.qualified([t.schema, `source__${src.name}`]);
    default:
      return unreachable(src);
  }
}

/**
 * The table that keeps every row pushed offline to a push source (docs/push.md, "Offline"):
 * `run` unions it back into a file source's table when it rebuilds it from the file.
 */
export function pushedTable(src: Source, t: CompileTarget): [string, string] {
  return [t.schema, `pushed__${src.name}`];
}

/** What a feature view reads its rows from: a source, or the table `run` builds for an SQL view. */
export type ViewInput = { kind: "source"; source: string } | { kind: "sql-view"; view: string };

/** The input of a view (every view kind decides here; a new kind fails to compile until it does). */
export function viewInput(view: FeatureView): ViewInput {
  switch (view.kind) {
    case "plain":
      return { kind: "source", source: view.source };
    case "sql":
      return { kind: "sql-view", view: view.name };
    case "aggregation":
      return view.events.kind === "source" ? { kind: "source", source: view.events.source } : { kind: "sql-view", view: view.name };
    default:
      return unreachable(view);
  }
}

/** The views that read a source directly. */
export function viewsOfSource(reg: Registry, source: string): FeatureView[] {
  return [...reg.views.values()].filter((v) => {
    const input = viewInput(v);
    return input.kind === "source" && input.source === source;
  });
}

/** The table `run` builds for an SQL view. */
export function sqlViewRelation(view: SqlView, t: CompileTarget): string {
  return t.dialect.qualified([t.schema, `view__${view.name}`]);
}

/** The relation a feature view's rows come from. */
export function viewRowsRelation(reg: Registry, view: FeatureView, t: CompileTarget): string {
  const input = viewInput(view);
  switch (input.kind) {
    case "sql-view":
      return t.dialect.qualified([t.schema, `view__${input.view}`]);
    case "source":
      return sourceRelation(reg.sources.get(input.source)!, t);
    default:
      return unreachable(input);
  }
}

/** The typed feature columns of a view, and its timestamp and created-timestamp columns, quoted. */
export function viewColumns(
  view: FeatureView,
  t: CompileTarget,
): {
  ts: string;
  created?: string;
  /** `expr` casts to the declared type; `orderExpr` is how it orders in a tie-break. */
  features: { expr: string; alias: string; orderExpr: string }[];
} {
  const q = (s: string): string => t.dialect.quote(s);
  return {
    ts: q(view.timestamp),
    created: view.createdTimestamp ? q(view.createdTimestamp) : undefined,
    features: view.features.map((f) => {
      const expr = `CAST(${q(f.name)} AS ${t.dialect.sqlType(f.type)})`;
      return { expr, alias: q(f.name), orderExpr: t.dialect.orderKey(expr, f.type) };
    }),
  };
}

/**
 * The order that ranks rows with equal (keys, timestamp): by created timestamp (NULL lowest), then —
 * for rows equal on both — by the feature values in declared order (NULL lowest). The winner is the
 * greatest, so every engine, and training and materialization, pick the same row. `desc` lists
 * the winner first; ascending lists it last.
 */
export function tieBreak(created: string | undefined, features: readonly string[], desc = true): string[] {
  const dir = desc ? "DESC NULLS LAST" : "ASC NULLS FIRST";
  return [...(created ? [created] : []), ...features].map((e) => `${e} ${dir}`);
}

/** The table `materialize` writes a view's latest values into (what `load` reads). */
export function materializationTable(view: FeatureView, t: CompileTarget): [string, string] {
  return [t.schema, `mat__${view.name}`];
}

/** The materialization table as a qualified relation. */
export function materializationRelation(view: FeatureView, t: CompileTarget): string {
  return t.dialect.qualified(materializationTable(view, t));
}

/** The table where `materialize` records, per view, the end time it last materialized to (the watermark). */
export const WATERMARK_TABLE = "fc_materializations";
