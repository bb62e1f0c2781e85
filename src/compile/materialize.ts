import type { FeatureView, Registry } from "../registry/types.js";
import type { CompileTarget } from "./relations.js";
import { tieBreak, viewColumns, viewRowsRelation } from "./relations.js";

/**
 * Compiles the materialization query of a view (SPEC.md §4): per entity, the row training
 * would choose at T = end. With `withStart`, only entities with a row at or after the start.
 */
export function compileMaterialization(reg: Registry, view: FeatureView, t: CompileTarget, withStart = false): string {
  const q = (s: string): string => t.dialect.quote(s);
  const cols = viewColumns(view, t);
  return t.dialect.render("materialize", {
    viewName: view.name,
    relation: viewRowsRelation(reg, view, t),
    keys: view.joinKeys.map(q),
    ts: cols.ts,
    tsOut: q(view.timestamp),
    created: cols.created,
    features: cols.features,
    orderBy: [
      "__fc_ts DESC",
      ...tieBreak(
        cols.created ? "__fc_created" : undefined,
        cols.features.map((f, i) => t.dialect.orderKey(f.alias, view.features[i]!.type)),
      ),
    ],
    ttl: view.ttlSeconds !== undefined ? t.dialect.interval(view.ttlSeconds) : undefined,
    hasStart: withStart,
    end: t.dialect.parameter("fc_end"),
    start: t.dialect.parameter("fc_start"),
  });
}
