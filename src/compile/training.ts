import type { FeatureRef, FeatureView, Registry } from "../registry/types.js";
import { NamePicker, entityRowIdColumn } from "./internal-names.js";
import type { CompileTarget } from "./relations.js";
import { tieBreak, viewColumns, viewRowsRelation } from "./relations.js";
import { chooseShape } from "./training-shapes.js";
import type { IndexState, ShapeChoice, TrainingShape } from "./training-shapes.js";

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
}

/** The output column name of a feature. */
export function outputName(ref: FeatureRef, fullNames: boolean): string {
  return fullNames ? `${ref.view}__${ref.feature}` : ref.feature;
}

/** Names the training query makes up (all quoted), none equal to a name the user wrote. */
export interface TrainingNames {
  /** CTE of the entity rows. */
  entityRows: string;
  /** Alias of the entity relation inside that CTE. */
  entityInput: string;
  /** Entity rows' input position (1, 2, …). */
  rowId: string;
  /** The entity row's timestamp as TIMESTAMP. */
  entityTs: string;
  /** A view row's timestamp as TIMESTAMP. */
  ts: string;
  /** sort-merge: 0 for a view row, 1 for an entity row. */
  kind: string;
  /** sort-merge: how many view rows of the key come up to this row, in timeline order. */
  seq: string;
  /** sort-merge: the alias of the timeline's rows. */
  timeline: string;
  /** sort-merge: the timeline's window. */
  window: string;
  /** sort-merge: the kind of the next row in the timeline (1: an entity row). */
  next: string;
  /** sort-merge: the timestamp of the view row an entity row is matched with. */
  matchTs: string;
  /** sort-merge: the window that hands a view row's values to the entity rows after it. */
  matchWindow: string;
  /** sort-merge: the created timestamp, under a name that cannot clash with a key or feature. */
  created: string;
  /** Table aliases inside a view's lookup (its rows; the max(ts) probe's rows). */
  row: string;
  probe: string;
}

/** A feature column of a view as the template uses it. */
export interface TrainingFeatureContext {
  /** The source column cast to its declared type. */
  expr: string;
  /** Its name inside the view's CTE or lookup: the feature's own, or `name_2`, … where that clashes. */
  alias: string;
  /** How it orders in a tie-break (Dialect.orderKey). */
  orderExpr: string;
}

/** One feature view of the request, for the dialect's training template. */
export interface TrainingViewContext {
  name: string;
  shape: TrainingShape;
  /** Why this shape (printed by `train`). */
  reason: string;
  /** Flags for the template, one per shape (Handlebars has no equality test). */
  asof: boolean;
  lookupTies: boolean;
  lookupMax: boolean;
  sortMerge: boolean;
  /** asof: the deduplicated rows; sort-merge: the stage. */
  cte: string;
  /** Alias of the view's result in the final SELECT. */
  alias: string;
  describe: string;
  relation: string;
  keyList: string[];
  /** Join keys: the entity rows' column and the view's column (both quoted). */
  keys: { entity: string; view: string }[];
  ts: string;
  tsExpr: string;
  created?: string;
  /** Every feature of the view (the tie-break reads them all). */
  allFeatures: TrainingFeatureContext[];
  /** The features the request asks for. */
  features: TrainingFeatureContext[];
  partitionBy: string[];
  /** The tie-break ascending (the winner last). */
  orderBy: string[];
  /** The tie-break descending (the winner first). */
  orderByTies: string[];
  /** sort-merge: the tie-break over the timeline's columns, ascending. */
  timelineOrder: string[];
  /** sort-merge: this view's stage (see SortMergeStage). */
  stage?: SortMergeStage;
  ttl?: string;
  /** lookup-ties: the columns the index-only lookup returns (created timestamp and features). */
  tieColumns: string[];
}

/**
 * The sort-merge shape is a chain of stages, one per view that has it: each stage takes every
 * entity row of the one before (its columns and the features found so far) and adds this view's
 * features, so no join with a row estimate the planner cannot know is ever needed.
 */
export interface SortMergeStage {
  /** The relation the stage reads entity rows from: the entity rows' CTE or the previous stage. */
  from: string;
  /** The columns it carries through unchanged: the entity columns, the row id, the entity timestamp, earlier stages' features. */
  carried: string[];
  /** The join keys: a name in the timeline, the entity rows' column, the view's column. */
  keys: { name: string; entity: string; view: string }[];
  /** Every feature of the view under a name in the timeline (the tie-break reads them all). */
  features: { expr: string; name: string }[];
  /** The requested features: their name in the timeline, which is also their name in the stage's output. */
  outputs: string[];
}

/** The context of templates/<dialect>/training.sql.hbs. */
export interface TrainingTemplateContext {
  title: string;
  entities: string;
  /** The entity rows' timestamp column (quoted). */
  entityTsColumn: string;
  /** The entity rows' columns (quoted), when known. */
  entityColumns?: string[];
  /** The training query numbers the entity rows itself (Dialect.numbersEntityRows = "query"). */
  numberRows: boolean;
  names: TrainingNames;
  views: TrainingViewContext[];
  /** The relation the final SELECT reads entity rows from (as names.entityRows): the last sort-merge stage, or the entity rows' CTE. */
  finalFrom: string;
  outputs: { alias: string; column: string; name: string; ttl?: string }[];
}

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
  const viewsUsed = viewNames.map((name) => reg.views.get(name)!);
  const names = pickNames(reg, t, req, viewsUsed);
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
    const relation = viewRowsRelation(reg, view, t);
    const choice = chooseShape(t.dialect, view, relation, req.indexes?.get(view.name) ?? "assumed");
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
      lookupTies: choice.shape === "lookup-ties",
      lookupMax: choice.shape === "lookup-max",
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
  const outputs = req.features.map((ref) => {
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
    outputs,
  };
  return {
    sql: t.dialect.render("training", context),
    shapes: views.map((v) => ({ view: v.name, choice: { shape: v.shape, reason: v.reason } })),
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
      default:
        return unknownViewKind(v);
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

/** A view kind this file does not handle yet: adding one to FeatureView makes this a compile error. */
function unknownViewKind(view: never): never {
  throw new Error(`unknown feature view kind ${(view as { kind?: string }).kind}`);
}
