import { existsSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { viewRowsRelation } from "../compile/relations.js";
import type { CompileTarget } from "../compile/relations.js";
import { compileTraining, compileTrainingWithShapes, outputName } from "../compile/training.js";
import { aggregationDensity, aggregationDensitySql, shapeLine } from "../compile/training-shapes.js";
import type { AggregationDensity, AggregationShape, IndexState, TrainingShape } from "../compile/training-shapes.js";
import { DiagnosticBag, FcUserError, usageError, userError } from "../diagnostics/diagnostic.js";
import { resolveFeatureRefs } from "../registry/feature-refs.js";
import type { FeatureRef, Registry } from "../registry/types.js";
import type { EntitySource, Warehouse } from "../warehouse/warehouse.js";
import type { EntitySpec } from "../warehouse/entity-rows.js";
import type { SourceLocation } from "../diagnostics/diagnostic.js";
import { checkReady, compileTargetFor, loadProject, openWarehouse } from "./common.js";
import type { ProjectOptions } from "./common.js";
import { explainSumOverflow } from "./sum-overflow.js";

/** Options of `train` (README "Commands"). */
export interface TrainOptions extends ProjectOptions {
  /** Called with the warehouse's progress estimate (percent) while the query runs. */
  onProgress?: (percent: number) => void;
  service?: string;
  /** `view:feature` or `view:*` references. */
  features?: string[];
  /** A CSV or Parquet file of entity rows. */
  entitiesFile?: string;
  /** A SELECT run in the warehouse that yields the entity rows. */
  entitiesSql?: string;
  /** Output file, `.csv` or `.parquet`. */
  out: string;
  /** Entity timestamp column; default `event_timestamp`. */
  timestampColumn?: string;
  fullNames?: boolean;
  /**
   * Every aggregation view in this shape where it can have it, instead of the one the catalog and
   * the measured density choose (tests and benchmarks; docs/aggregations.md, "Training").
   */
  aggregationShape?: AggregationShape;
}

/**
 * The training query `train` would run, without running it (for benchmarks and for users who
 * schedule the SQL themselves). `entities` is SQL for the entity rows, e.g. a table name.
 */
export async function trainingSql(
  opts: Omit<TrainOptions, "out" | "entitiesFile" | "entitiesSql"> & {
    entities: string;
    /** Compile every view as if its index were there (`present`, the default) or not (`absent`: the sort-merge shape where the dialect has lookups). */
    index?: Exclude<IndexState, "assumed">;
    /** Compile every view as if a unique index or constraint made (join keys, timestamp) unique (the asof-unique and lookup-unique shapes). */
    unique?: boolean;
    /** The entity rows' columns (needed by the sort-merge shape; on PostgreSQL without the row id column, see entityRowIdColumn). */
    entityColumns?: string[];
    /**
     * Ask the warehouse, as `train` does: the catalog's index facts (unless `index` is given: then
     * it is taken as the index state) and the aggregation views' density (the query `train`
     * would run on this data).
     */
    measure?: boolean;
  },
): Promise<string> {
  const { config, registry } = await loadProject(opts.projectDir);
  const { target, ct } = compileTargetFor(config, opts.target);
  const features = chooseFeatures(registry, { ...opts, out: "" });
  let facts: Awaited<ReturnType<typeof catalogFacts>>;
  if (opts.measure) {
    const wh = await openWarehouse(target, config.dir, registry);
    try {
      facts = await catalogFacts(
        wh,
        registry,
        ct,
        features.map((f) => f.view),
        opts.aggregationShape,
        opts.index,
      );
    } finally {
      await wh.close();
    }
  } else {
    facts = {
      indexes: new Map(features.map((f) => [f.view, opts.index ?? "present"] as const)),
      uniqueViews: new Set(opts.unique ? features.map((f) => f.view) : []),
      densities: new Map(),
    };
  }
  return compileTraining(registry, ct, {
    ...trainingRequest(opts, features, opts.entities),
    ...facts,
    aggregationShape: opts.aggregationShape,
    entityColumns: opts.entityColumns,
  });
}

/**
 * Per view, what the warehouse's catalog says (Warehouse.pitIndexFacts): whether the index its
 * point-in-time lookups walk exists, on dialects that want one (Dialect.wantsIndexes), and, on
 * every dialect, whether a unique index or constraint makes (join keys, timestamp) unique. Per
 * aggregation view whose shape depends on it, the density of its events (one aggregate query over
 * them, aggregationDensitySql): not where the lateral shape is taken anyway (its index exists) or
 * a shape is forced.
 */
async function catalogFacts(
  wh: Warehouse,
  reg: Registry,
  ct: CompileTarget,
  views: string[],
  force?: AggregationShape,
  index?: Exclude<IndexState, "assumed">,
): Promise<{ indexes: Map<string, IndexState>; uniqueViews: Set<string>; densities: Map<string, AggregationDensity> }> {
  const indexes = new Map<string, IndexState>();
  const uniqueViews = new Set<string>();
  const densities = new Map<string, AggregationDensity>();
  for (const name of new Set(views)) {
    const view = reg.views.get(name)!;
    const relation = viewRowsRelation(reg, view, ct);
    const facts = await wh.pitIndexFacts(relation, view.joinKeys, view.timestamp);
    const lookup = index ? index === "present" : facts.lookup;
    if (ct.dialect.wantsIndexes) indexes.set(name, lookup ? "present" : "absent");
    if (facts.unique) uniqueViews.add(name);
    if (view.kind === "aggregation" && !force && !(ct.dialect.wantsIndexes && lookup)) {
      const sql = aggregationDensitySql(ct.dialect, relation, view.joinKeys, view.timestamp);
      for await (const batch of wh.readRows(sql, { what: `measuring the density of ${view.name}'s events` }))
        for (const row of batch) densities.set(name, aggregationDensity(row));
    }
  }
  return { indexes, uniqueViews, densities };
}

/** What to compile for a `train` call. */
function trainingRequest(
  opts: Pick<TrainOptions, "service" | "features" | "timestampColumn" | "fullNames">,
  features: FeatureRef[],
  entities: string,
) {
  return {
    title: opts.service ? `service ${opts.service}` : `features ${(opts.features ?? []).join(", ")}`,
    features,
    entities,
    timestampColumn: opts.timestampColumn ?? "event_timestamp",
    fullNames: !!opts.fullNames,
  };
}

/** The shapes `build` compiles (it assumes the lookup index and knows nothing of uniqueness). */
const BUILD_SHAPES: ReadonlySet<TrainingShape> = new Set(["asof", "lookup-ties", "lookup-max", "aggregate-join"]);

/** `fcompile train`: a point-in-time correct training set, streamed by the warehouse into a file. */
export async function train(opts: TrainOptions): Promise<{
  rows: number;
  features: number;
  ms: number;
  out: string;
  /** The shape of each view's point-in-time join and why (docs/training.md). */
  shapes: { view: string; shape: TrainingShape; reason: string }[];
  /**
   * Lines to print: one per view that could not get its index lookup, e.g.
   * `shape of stats: sort-merge (no index on "raw"."stats" (user_id, ts))`.
   */
  notes: string[];
}> {
  const started = performance.now();
  const { config, registry } = await loadProject(opts.projectDir);
  const { target, ct } = compileTargetFor(config, opts.target);
  const features = chooseFeatures(registry, opts);
  const out = path.resolve(opts.out);
  const format = out.endsWith(".parquet") ? "parquet" : out.endsWith(".csv") ? "csv" : undefined;
  if (!format) throw usageError(`--out must end in .csv or .parquet (got ${opts.out})`);
  if (!existsSync(path.dirname(out))) throw userError("FC015", `output folder ${path.dirname(out)} does not exist`);
  const entitySource = entitiesFrom(opts);
  const timestampColumn = opts.timestampColumn ?? "event_timestamp";
  const wh = await openWarehouse(target, config.dir, registry);
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    await checkReady(
      wh,
      registry,
      ct,
      features.map((f) => f.view),
    );
    const entities = await wh.loadEntities(entitySource, entitySpec(registry, ct, features, timestampColumn, !!opts.fullNames));
    const facts = await catalogFacts(
      wh,
      registry,
      ct,
      features.map((f) => f.view),
      opts.aggregationShape,
    );
    const { sql, shapes } = compileTrainingWithShapes(registry, ct, {
      ...trainingRequest(opts, features, entities.relation),
      entityColumns: entities.columns,
      ...facts,
      aggregationShape: opts.aggregationShape,
    });
    // A service's query is the one `build` wrote (with this run's entity columns filled in),
    // unless what the catalog says changed a view's shape: sort-merge where there is no index,
    // or a shape without tie-break where (keys, timestamp) is unique.
    const asCompiled = shapes.every((x) => BUILD_SHAPES.has(x.choice.shape));
    const what =
      opts.service && asCompiled ? `training query (target/compiled/${ct.dialect.name}/train/${opts.service}.sql)` : "training query";
    const rows = await wh.exportQuery(sql, tmp, format, { what, onProgress: opts.onProgress, entities }).catch((err: unknown) => {
      throw explainSumOverflow(err, registry, features);
    });
    renameSync(tmp, out);
    return {
      rows,
      features: features.length,
      ms: performance.now() - started,
      out,
      shapes: shapes.map((x) => ({ view: x.view, ...x.choice })),
      notes: shapes
        .filter((x) => x.choice.shape === "sort-merge" || x.choice.shape === "aggregate-tiles" || x.choice.shape === "aggregate-lateral")
        .map((x) => shapeLine(x.view, x.choice)),
    };
  } finally {
    rmSync(tmp, { force: true });
    await wh.close();
  }
}

function chooseFeatures(reg: Registry, opts: TrainOptions): FeatureRef[] {
  if (!!opts.service === !!opts.features?.length) throw usageError("give exactly one of --service NAME or --features VIEW:FEATURE,…");
  if (opts.service) {
    const s = reg.services.get(opts.service);
    if (!s) throw userError("FC006", `unknown feature service '${opts.service}'; known: ${[...reg.services.keys()].join(", ") || "none"}`);
    return s.features;
  }
  const bag = new DiagnosticBag();
  const refs = resolveFeatureRefs(
    reg,
    opts.features!,
    () => ({ file: "<command line>", line: 1, col: 1 }),
    bag,
    "--features",
    !!opts.fullNames,
  );
  if (bag.hasErrors) throw new FcUserError(bag.items);
  return refs;
}

function entitiesFrom(opts: TrainOptions): EntitySource {
  if (!!opts.entitiesFile === !!opts.entitiesSql)
    throw usageError('give exactly one of --entities FILE (.csv or .parquet) or --entities-sql "SELECT …"');
  if (opts.entitiesSql) return { sql: opts.entitiesSql.trim().replace(/;+\s*$/, "") };
  const file = path.resolve(opts.entitiesFile!);
  const format = file.endsWith(".parquet") ? "parquet" : file.endsWith(".csv") ? "csv" : undefined;
  if (!format) throw usageError(`--entities must be a .csv or .parquet file (got ${opts.entitiesFile})`);
  if (!existsSync(file)) throw userError("FC015", `entity file ${opts.entitiesFile} not found`);
  return { file, format, display: opts.entitiesFile! };
}

/**
 * What the warehouse needs to read the entity rows: the timestamp column, each join key with its
 * type (declared on the entity, or else the type of the first view's key column in the
 * warehouse), and the checks of the input's columns.
 */
export function entitySpec(reg: Registry, ct: CompileTarget, features: FeatureRef[], tsCol: string, fullNames: boolean): EntitySpec {
  const keys = new Map<string, EntitySpec["keys"][number]>();
  for (const f of features) {
    const view = reg.views.get(f.view)!;
    for (const k of view.joinKeys) {
      if (!keys.has(k)) keys.set(k, { name: k, type: view.keyTypes[k], typeFrom: viewRowsRelation(reg, view, ct) });
    }
  }
  return {
    timestampColumn: tsCol,
    keys: [...keys.values()],
    reserved: features.map((f) => outputName(f, fullNames)),
    checkColumns: (columns, at) => checkEntityColumns(reg, features, columns, tsCol, fullNames, at),
  };
}

/** The entity rows' columns hold the timestamp and every join key, and no feature repeats one of them. */
function checkEntityColumns(
  reg: Registry,
  features: FeatureRef[],
  columns: string[],
  tsCol: string,
  fullNames: boolean,
  at: SourceLocation,
): void {
  const have = new Set(columns);
  const problems: string[] = [];
  const list = `(columns: ${columns.join(", ")})`;
  if (!have.has(tsCol))
    problems.push(`entity rows have no timestamp column '${tsCol}' ${list}; name it in the header, or pass --timestamp-column NAME`);
  const keys = new Set(features.flatMap((f) => reg.views.get(f.view)!.joinKeys));
  for (const k of keys) if (!have.has(k)) problems.push(`entity rows have no join key column '${k}' ${list}; add it to the entity rows`);
  for (const f of features) {
    const name = outputName(f, fullNames);
    if (have.has(name))
      problems.push(
        `feature column '${name}' would repeat an entity column of the same name; ` +
          (fullNames ? "rename that entity column" : "rename that entity column, or pass --full-names"),
      );
  }
  if (problems.length > 0) throw new FcUserError(problems.map((message) => ({ code: "FC015", severity: "error", message, at })));
}
