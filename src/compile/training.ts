import { featureOutputName } from "../registry/feature-refs.js";
import type { AggregationView, FeatureRef, FeatureView, Registry } from "../registry/types.js";
import { aggregationViewContext } from "./aggregation-training.js";
import { NamePicker, entityRowIdColumn } from "./internal-names.js";
import type { CompileTarget } from "./relations.js";
import { tieBreak, unreachable, viewColumns, viewRowsRelation } from "./relations.js";
import { chooseAggregationShape, chooseShape } from "./training-shapes.js";
import type { AggregationDensity, AggregationShape, IndexState, ShapeChoice } from "./training-shapes.js";
import type {
  SortMergeStage,
  TrainingFeatureContext,
  TrainingNames,
  TrainingTemplateContext,
  TrainingViewContext,
} from "../dialects/training-context.js";

export type { SortMergeStage, TrainingFeatureContext, TrainingNames, TrainingTemplateContext, TrainingViewContext };

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
   * The entity rows' columns, when known (at train time). Internal names are chosen to differ from
   * them; dialects without `* EXCLUDE` list them (without them they select every column).
   */
  entityColumns?: string[];
  /**
   * Per view name, whether the index its lookups walk exists (checked by `train` on dialects that
   * want indexes). A view missing here is `assumed`: `build` writes the index advice instead.
   */
  indexes?: ReadonlyMap<string, IndexState>;
  /**
   * Views whose relation the warehouse guarantees to hold one row per (join keys, timestamp) (a
   * unique index or constraint, checked by `train`): their tie-break is skipped.
   */
  uniqueViews?: ReadonlySet<string>;
  /**
   * Aggregation views read only the events before this time (SQL of a TIMESTAMP): `verify`
   * compares online reads after a materialization's end, whose state holds the events before it.
   */
  eventsBefore?: string;
  /**
   * Per aggregation view name, its events' density (measured by `train`): with it an aggregation
   * view may get the tiles shape (chooseAggregationShape). Without it, the join shape.
   */
  densities?: ReadonlyMap<string, AggregationDensity>;
  /** Every aggregation view in this shape where it can have it (tests and benchmarks). */
  aggregationShape?: AggregationShape;
  /**
   * With `eventsBefore`: push sources whose `pushed__<source>` table exists; their views also read
   * the events pushed at or after that time (docs/push.md, "verify").
   */
  pushedSources?: ReadonlySet<string>;
  /**
   * Per point-in-time view name, a condition (SQL over its relation, rowsKeptSince) that its rows
   * must meet: `verify` reads a plain view over a push source as the online store holds it.
   */
  rowsKept?: ReadonlyMap<string, string>;
}

/** The output column name of a feature: the registry's rule (featureOutputName), which checks names for clashes. */
export const outputName = featureOutputName;

/** The compiled query and the shape chosen for each view. */
export interface CompiledTraining {
  sql: string;
  shapes: { view: string; choice: ShapeChoice }[];
}

/** Compiles the point-in-time training query of docs/semantics.md ("Training"). */
export function compileTraining(reg: Registry, t: CompileTarget, req: TrainingRequest): string {
  return compileTrainingWithShapes(reg, t, req).sql;
}

/** compileTraining, also returning the shape chosen for each view and why. */
export function compileTrainingWithShapes(reg: Registry, t: CompileTarget, req: TrainingRequest): CompiledTraining {
  const q = (s: string): string => t.dialect.quote(s);
  const viewNames = [...new Set(req.features.map((f) => f.view))];
  const allViews = viewNames.map((name) => reg.views.get(name)!);
  // Point-in-time views get a row each; aggregation views aggregate events (aggregation-training.ts).
  const viewsUsed = allViews.filter((v): v is Exclude<FeatureView, AggregationView> => v.kind !== "aggregation");
  const aggregationViewsUsed = allViews.filter((v): v is AggregationView => v.kind === "aggregation");
  const names = pickNames(reg, t, req, allViews);
  const picker = names.picker;
  // The sort-merge stages' chain: where the next stage reads entity rows from, and what it carries.
  const carried = {
    from: names.quoted.entityRows,
    columns: [...(req.entityColumns ?? []).map(q), names.quoted.rowId, names.quoted.entityTs],
  };
  const smTieBreak = new Map<string, string[]>();
  const smOutputs = new Map<string, Map<string, string>>();
  const views = viewsUsed.map((view, i): TrainingViewContext => {
    const cols = viewColumns(view, t);
    const rowsRelation = viewRowsRelation(reg, view, t);
    const choice = chooseShape(t.dialect, view, rowsRelation, req.indexes?.get(view.name) ?? "assumed", req.uniqueViews?.has(view.name));
    const kept = req.rowsKept?.get(view.name);
    const relation = kept === undefined ? rowsRelation : `(SELECT * FROM ${rowsRelation} WHERE ${kept})`;
    // Inside a view's CTE or lookup the keys keep their names, and so do the features unless one
    // is named like a key or like an internal column.
    const inside = new NamePicker([...view.joinKeys, ...Object.values(names.raw)]);
    const allFeatures = view.features.map((f, j): TrainingFeatureContext & { timelineOrder: string } => {
      const alias = q(inside.pick(f.name));
      return { ...cols.features[j]!, alias, timelineOrder: t.dialect.orderKey(alias, f.type) };
    });
    const used = allFeatures.filter((_, j) => req.features.some((r) => r.view === view.name && r.feature === view.features[j]!.name));
    const timelineTieBreak = [...(cols.created ? [names.quoted.created] : []), ...allFeatures.map((f) => f.timelineOrder)];
    let stage: SortMergeStage | undefined;
    if (choice.shape === "sort-merge") {
      if (!req.entityColumns) throw new Error(`the sort-merge shape of view ${view.name} needs the entity rows' columns`);
      const smFeatures = view.features.map((f, j) => ({
        expr: cols.features[j]!.expr,
        name: q(picker.pick(`__fc_${view.name}_${f.name}`)),
        type: f.type,
      }));
      stage = {
        from: carried.from,
        carried: [...carried.columns],
        keys: view.joinKeys.map((k) => ({ name: q(picker.pick(`__fc_key_${k}`)), entity: q(k), view: q(k) })),
        features: smFeatures.map(({ expr, name }) => ({ expr, name })),
        outputs: smFeatures
          .filter((_, j) => req.features.some((r) => r.view === view.name && r.feature === view.features[j]!.name))
          .map((f) => f.name),
      };
      smTieBreak.set(view.name, [
        ...(cols.created ? [names.quoted.created] : []),
        ...smFeatures.map((f) => t.dialect.orderKey(f.name, f.type)),
      ]);
      carried.from = q(picker.pick(`${view.name}__stage`));
      carried.columns.push(...stage.outputs);
      smOutputs.set(view.name, new Map(view.features.map((f, j) => [f.name, smFeatures[j]!.name])));
    }
    return {
      name: view.name,
      shape: choice.shape,
      reason: choice.reason,
      asof: choice.shape === "asof",
      asofUnique: choice.shape === "asof-unique",
      lookupTies: choice.shape === "lookup-ties",
      lookupMax: choice.shape === "lookup-max",
      lookupUnique: choice.shape === "lookup-unique",
      sortMerge: choice.shape === "sort-merge",
      cte: stage ? carried.from : q(picker.pick(`${view.name}__rows`)),
      alias: q(picker.pick(`v${i + 1}`)),
      describe: `feature view ${view.name}${view.ttl ? ` (ttl ${view.ttl})` : ""}`,
      relation,
      keyList: view.joinKeys,
      keys: view.joinKeys.map((k) => ({ entity: q(k), view: q(k) })),
      ts: cols.ts,
      tsExpr: `CAST(${cols.ts} AS TIMESTAMP)`,
      created: cols.created,
      allFeatures: allFeatures.map(({ expr, alias, orderExpr }) => ({ expr, alias, orderExpr })),
      features: used.map(({ expr, alias, orderExpr }) => ({ expr, alias, orderExpr })),
      partitionBy: view.joinKeys.map(q),
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
      timelineOrder: (smTieBreak.get(view.name) ?? timelineTieBreak).map((e) => `${e} ASC NULLS FIRST`),
      stage,
      ttl: view.ttlSeconds !== undefined ? t.dialect.interval(view.ttlSeconds) : undefined,
      tieColumns: [...new Set([...(cols.created ? [cols.created] : []), ...cols.features.map((f) => f.alias)])],
    };
  });
  const aggregations = aggregationViewsUsed.map((view, i) => {
    const features = view.features.filter((f) => req.features.some((r) => r.view === view.name && r.feature === f.name));
    const choice = chooseAggregationShape(
      t.dialect,
      features,
      req.indexes?.get(view.name) ?? "assumed",
      req.densities?.get(view.name),
      req.aggregationShape,
    );
    return aggregationViewContext(reg, view, t, names.quoted, picker, features, i, req.eventsBefore, choice, req.pushedSources);
  });
  const outputs = req.features.map((ref) => {
    const agg = aggregations.find((a) => a.context.name === ref.view);
    if (agg) return { ...agg.outputs.get(ref.feature)!, name: q(outputName(ref, req.fullNames)), ttl: undefined };
    const v = views.find((x) => x.name === ref.view)!;
    const view = viewsUsed.find((x) => x.name === ref.view)!;
    const f = v.allFeatures[view.features.findIndex((x) => x.name === ref.feature)]!;
    // A sort-merge view's features are columns of the last stage, which the final SELECT reads as names.entityRows.
    const sm = smOutputs.get(ref.view)?.get(ref.feature);
    if (sm) return { alias: names.quoted.entityRows, column: sm, name: q(outputName(ref, req.fullNames)), ttl: undefined };
    return { alias: v.alias, column: f.alias, name: q(outputName(ref, req.fullNames)), ttl: v.ttl };
  });
  const context: TrainingTemplateContext = {
    title: req.title,
    entities: req.entities,
    entityTsColumn: q(req.timestampColumn),
    entityColumns: req.entityColumns?.map(q),
    numberRows: t.dialect.numbersEntityRows === "query",
    names: names.quoted,
    views,
    finalFrom: carried.from,
    aggregationViews: aggregations.map((a) => a.context),
    outputs,
  };
  return {
    sql: t.dialect.render("training", context),
    shapes: [
      ...views.map((v) => ({ view: v.name, choice: { shape: v.shape, reason: v.reason } })),
      ...aggregations.map((a) => ({
        view: a.context.name,
        choice: { shape: a.context.shape, reason: a.context.reason },
      })),
    ],
  };
}

/**
 * The internal names of one query: every CTE name, alias and helper column differs from every
 * entity column, every column of the views used, every part of their relations' names, and each
 * other (NamePicker).
 */
function pickNames(
  reg: Registry,
  t: CompileTarget,
  req: TrainingRequest,
  views: FeatureView[],
): { picker: NamePicker; raw: Record<keyof TrainingNames, string>; quoted: TrainingNames } {
  const userNames = [...(req.entityColumns ?? []), req.timestampColumn];
  for (const v of views) {
    userNames.push(v.name, ...v.joinKeys, v.timestamp, ...v.features.map((f) => f.name));
    if (v.createdTimestamp) userNames.push(v.createdTimestamp);
    switch (v.kind) {
      case "plain":
        userNames.push(v.source);
        break;
      case "sql":
        break;
      case "aggregation":
        if (v.events.kind === "source") userNames.push(v.events.source);
        break;
      default:
        return unreachable(v);
    }
  }
  for (const s of reg.sources.values()) if (s.kind === "table") userNames.push(...s.table);
  userNames.push(t.schema);
  const picker = new NamePicker(userNames);
  // Where the warehouse numbers entity rows on load, it names the column by the same rule.
  const rowId = t.dialect.numbersEntityRows === "load" ? entityRowIdColumn(req.entityColumns ?? []) : picker.pick("__fc_row_id");
  picker.reserve(rowId);
  const raw: Record<keyof TrainingNames, string> = {
    entityRows: picker.pick("entity_rows"),
    entityInput: picker.pick("e"),
    rowId,
    entityTs: picker.pick("__fc_entity_ts"),
    ts: picker.pick("__fc_ts"),
    kind: picker.pick("__fc_kind"),
    seq: picker.pick("__fc_seq"),
    created: picker.pick("__fc_created"),
    timeline: picker.pick("t"),
    window: picker.pick("w"),
    next: picker.pick("__fc_next_kind"),
    matchTs: picker.pick("__fc_match_ts"),
    matchWindow: picker.pick("mw"),
    row: picker.pick("r"),
    probe: picker.pick("m"),
  };
  const quoted = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, t.dialect.quote(v)])) as unknown as TrainingNames;
  return { picker, raw, quoted };
}
