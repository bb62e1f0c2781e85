import type { FeatureView, Registry } from "../registry/types.js";
import type { CompileTarget } from "./relations.js";
import { materializationRelation, tieBreak, viewColumns, viewRowsRelation } from "./relations.js";

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
  return t.dialect.render("materialize", {
    viewName: view.name,
    relation: viewRowsRelation(reg, view, t),
    previous: mode.previous,
    keys,
    ts: cols.ts,
    columns: [
      ...keys,
      `CAST(${cols.ts} AS TIMESTAMP) AS __fc_ts`,
      ...(cols.created ? [`${cols.created} AS __fc_created`] : []),
      ...cols.features.map((f) => `${f.expr} AS ${f.alias}`),
    ].join(",\n    "),
    outputColumns: [
      ...keys,
      `__fc_ts AS ${cols.ts}`,
      ...(cols.created ? [`__fc_created AS ${cols.created}`] : []),
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
