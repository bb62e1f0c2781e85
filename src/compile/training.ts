import type { FeatureRef, Registry } from "../registry/types.js";
import { indexOnly } from "./pit-index.js";
import type { CompileTarget } from "./relations.js";
import { tieBreak, viewColumns, viewRowsRelation } from "./relations.js";

/** What a training set is made of. */
export interface TrainingRequest {
  /** Shown in the header comment, e.g. "service churn_model". */
  title: string;
  features: FeatureRef[];
  /** SQL for the entity rows: a relation name, a table function call, or a parenthesized SELECT. */
  entities: string;
  timestampColumn: string;
  /** Name output columns `view__feature` instead of `feature`. */
  fullNames: boolean;
  /**
   * The entity rows' columns, when known (at train time). Dialects without `* EXCLUDE` list them;
   * without it they select `e.*`.
   */
  entityColumns?: string[];
}

/** The output column name of a feature. */
export function outputName(ref: FeatureRef, fullNames: boolean): string {
  return fullNames ? `${ref.view}__${ref.feature}` : ref.feature;
}

/** Compiles the point-in-time training query of docs/semantics.md ("Training"). */
export function compileTraining(reg: Registry, t: CompileTarget, req: TrainingRequest): string {
  const q = (s: string): string => t.dialect.quote(s);
  const viewNames = [...new Set(req.features.map((f) => f.view))];
  const views = viewNames.map((name, i) => {
    const view = reg.views.get(name)!;
    const cols = viewColumns(view, t);
    const used = view.features.filter((f) => req.features.some((r) => r.view === name && r.feature === f.name));
    const usedCols = cols.features.filter((c) => used.some((f) => q(f.name) === c.alias));
    return {
      name,
      cte: q(`${name}__rows`),
      alias: `v${i + 1}`,
      describe: `feature view ${name}${view.ttl ? ` (ttl ${view.ttl})` : ""}`,
      relation: viewRowsRelation(reg, view, t),
      keyList: view.joinKeys,
      keys: view.joinKeys.map((k) => ({ entity: q(k), view: q(k) })),
      ts: cols.ts,
      created: cols.created,
      features: usedCols,
      partitionBy: view.joinKeys.map(q),
      tsExpr: `CAST(${cols.ts} AS TIMESTAMP)`,
      // Ascending, so the row to keep is the last of its (keys, timestamp) run.
      orderBy: tieBreak(
        cols.created,
        cols.features.map((f) => f.orderExpr),
        false,
      ),
      orderByTies: tieBreak(
        cols.created,
        cols.features.map((f) => f.orderExpr),
      ),
      ttl: view.ttlSeconds !== undefined ? t.dialect.interval(view.ttlSeconds) : undefined,
      // PostgreSQL: whether the view's index (pitIndex) covers the lookup, and the columns its
      // tie-break reads, which the index-only lookup returns.
      indexOnly: t.dialect.wantsIndexes && indexOnly(view),
      tieColumns: [...new Set([...(cols.created ? [cols.created] : []), ...cols.features.map((f) => f.alias)])],
    };
  });
  const outputs = req.features.map((ref) => {
    const v = views.find((x) => x.name === ref.view)!;
    return { alias: v.alias, column: q(ref.feature), name: q(outputName(ref, req.fullNames)), ttl: v.ttl };
  });
  return t.dialect.render("training", {
    title: req.title,
    entities: req.entities,
    entityTs: q(req.timestampColumn),
    entityColumns: req.entityColumns?.map(q),
    views,
    outputs,
  });
}
