/**
 * Runs a GenCase through the real compiler: writes the project and its DuckDB warehouse to a
 * temp folder, calls train(), and reads the output back as reference values.
 */
import path from "node:path";
import { train } from "../../src/index.js";
import type { TrainOptions } from "../../src/index.js";
import type { GenCase } from "./arbitraries.js";
import { toRefViews } from "./arbitraries.js";
import {
  copyToParquet,
  createTable,
  entityTable,
  readOutput,
  removeDir,
  tempDir,
  viewTables,
  withDuckDB,
  writeEntitiesCsv,
  writeProjectFiles,
} from "./duckdb-harness.js";
import type { ReadResult } from "./duckdb-harness.js";
import { pointInTimeJoin } from "./pit-reference.js";
import type { PitResult } from "./pit-reference.js";

export interface TrainRun extends ReadResult {
  /** train()'s own row count. */
  reported: number;
}

/** Writes the case as a project, runs train(), reads the output back. */
export async function trainCase(c: GenCase, opts: { out?: "parquet" | "csv"; extra?: Partial<TrainOptions> } = {}): Promise<TrainRun> {
  const dir = tempDir();
  try {
    writeProjectFiles(dir, c);
    const entities = entityTable(c);
    await withDuckDB(path.join(dir, "warehouse.duckdb"), async (conn) => {
      for (const t of viewTables(c)) await createTable(conn, t);
      await createTable(conn, entities);
      if (c.entitiesVia === "parquet") await copyToParquet(conn, entities.table, path.join(dir, "entities.parquet"));
    });
    if (c.entitiesVia === "csv") writeEntitiesCsv(path.join(dir, "entities.csv"), entities);
    const out = path.join(dir, `out.${opts.out ?? "parquet"}`);
    const res = await train({
      projectDir: dir,
      features: c.features,
      ...(c.entitiesVia === "sql"
        ? { entitiesSql: "SELECT * FROM raw.entities" }
        : { entitiesFile: path.join(dir, `entities.${c.entitiesVia}`) }),
      out,
      ...(c.timestampColumn === "event_timestamp" ? {} : { timestampColumn: c.timestampColumn }),
      ...(c.fullNames ? { fullNames: true } : {}),
      ...opts.extra,
    });
    return { ...(await readOutput(out)), reported: res.rows };
  } finally {
    removeDir(dir);
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
