/**
 * Runs a GenCase through the real compiler on any dialect: writes the project, loads its tables
 * into that dialect's test warehouse (test/helpers/targets.ts), calls train(), and reads the
 * output back as reference values.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { train } from "../../src/index.js";
import type { TrainOptions } from "../../src/index.js";
import type { DialectName } from "../../src/dialects/index.js";
import { TEST_TARGETS } from "../helpers/targets.js";
import type { CaseWarehouse } from "../helpers/targets.js";
import type { GenCase } from "./arbitraries.js";
import { toRefViews } from "./arbitraries.js";
import {
  copyToParquet,
  createTable,
  csvText,
  entityTable,
  query,
  readOutput,
  removeDir,
  tempDir,
  viewTables,
  withDuckDB,
  writeEntitiesCsv,
  writeProjectFiles,
} from "./duckdb-harness.js";
import type { ColumnType, ReadResult } from "./duckdb-harness.js";
import { pointInTimeJoin, resolveFeatures, toArrays } from "./pit-reference.js";
import type { PitResult, Value } from "./pit-reference.js";

export interface TrainRun extends ReadResult {
  /** train()'s own row count. */
  reported: number;
  /** The output file's bytes (CSV: its text; compare engines with it). */
  bytes: Buffer;
}

/** The case with its `raw.` tables moved to schema `raw`. */
export function inSchema(c: GenCase, raw: string): GenCase {
  return { ...c, views: c.views.map((v) => ({ ...v, table: `${raw}.${v.table.split(".")[1]}` })) };
}

export interface TrainCaseOptions {
  dialect?: DialectName;
  out?: "parquet" | "csv";
  extra?: Partial<TrainOptions>;
  /** Called with the prepared warehouse and project folder before train() (e.g. to add indexes). */
  before?: (wh: CaseWarehouse, dir: string) => Promise<void>;
}

/** Writes the case as a project on `dialect` (default DuckDB), runs train(), reads the output back. */
export async function trainCase(c: GenCase, opts: TrainCaseOptions = {}): Promise<TrainRun> {
  const dir = tempDir();
  const wh = await TEST_TARGETS[opts.dialect ?? "duckdb"].prepare(dir);
  try {
    const cc = inSchema(c, wh.rawSchema);
    writeProjectFiles(dir, cc, "t", wh.target);
    const entities = entityTable(cc, `${wh.rawSchema}.entities`);
    await wh.createTables([...viewTables(cc), ...(c.entitiesVia === "sql" ? [entities] : [])]);
    if (c.entitiesVia === "parquet") {
      await withDuckDB(":memory:", async (conn) => {
        const t = { ...entities, table: "raw.entities" };
        await createTable(conn, t);
        await copyToParquet(conn, t.table, path.join(dir, "entities.parquet"));
      });
    }
    if (c.entitiesVia === "csv") writeEntitiesCsv(path.join(dir, "entities.csv"), entities);
    await opts.before?.(wh, dir);
    const out = path.join(dir, `out.${opts.out ?? "parquet"}`);
    const res = await train({
      projectDir: dir,
      features: c.features,
      ...(c.entitiesVia === "sql"
        ? { entitiesSql: `SELECT * FROM ${wh.rawSchema}.entities` }
        : { entitiesFile: path.join(dir, `entities.${c.entitiesVia}`) }),
      out,
      ...(c.timestampColumn === "event_timestamp" ? {} : { timestampColumn: c.timestampColumn }),
      ...(c.fullNames ? { fullNames: true } : {}),
      ...opts.extra,
    });
    const read = opts.out === "csv" ? await readCsvOutput(c, out) : await readOutput(out);
    return { ...read, reported: res.rows, bytes: readFileSync(out) };
  } finally {
    removeDir(dir);
    await wh.cleanup();
  }
}

/** The reference answer for a case. */
export function referenceFor(c: GenCase): PitResult {
  return pointInTimeJoin({
    views: toRefViews(c),
    entityRows: c.entityRows,
    entityColumns: c.entityColumns.map((x) => x.name),
    features: c.features,
    timestampColumn: c.timestampColumn,
    fullNames: c.fullNames,
  });
}

/**
 * The rows a Parquet output must hold: the reference's, where the entity columns of a CSV entity
 * file come out as the text they were written as (a CSV has no types; its text is kept).
 */
export function expectedRows(c: GenCase, rows: Value[][] = toArrays(referenceFor(c))): Value[][] {
  if (c.entitiesVia !== "csv") return rows;
  const types = c.entityColumns.map((col) => col.type as ColumnType);
  return rows.map((r) => r.map((v, i) => (i < types.length ? csvText(v, types[i]!) : v)));
}

const DUCK_TYPES: Record<ColumnType, string> = {
  int64: "BIGINT",
  float64: "DOUBLE",
  string: "VARCHAR",
  label: "VARCHAR",
  bool: "BOOLEAN",
  timestamp: "TIMESTAMP WITH TIME ZONE",
};

/**
 * Reads a training CSV of case `c` with the column types the output must have (no sniffing): the
 * entity columns of a CSV entity file as text, the others and the features as their types.
 */
export async function readCsvOutput(c: GenCase, file: string): Promise<ReadResult> {
  const views = toRefViews(c);
  const entityTypes = c.entityColumns.map((col) => (c.entitiesVia === "csv" ? "VARCHAR" : DUCK_TYPES[col.type as ColumnType]));
  const featureTypes = resolveFeatures(views, c.features).map((f) => {
    const type = c.views.find((v) => v.name === f.view)!.features.find((x) => x.name === f.feature)!.type;
    return DUCK_TYPES[type];
  });
  const names = referenceFor(c).columns;
  const types = [...entityTypes, ...featureTypes];
  const columns = names.map((n, i) => `'c${i}': '${types[i]}'`).join(", ");
  return withDuckDB(":memory:", async (conn) => {
    await conn.run("SET TimeZone = 'UTC'");
    const r = await query(
      conn,
      `SELECT * FROM read_csv('${file.replaceAll("'", "''")}', auto_detect = false, header = true, quote = '"', escape = '"', allow_quoted_nulls = false, columns = {${columns}})`,
    );
    return { ...r, columns: names };
  });
}
