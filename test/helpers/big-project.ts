import { DuckDBInstance } from "@duckdb/node-api";
import path from "node:path";
import { tempProject } from "./temp-project.js";

/**
 * A project with one view over a DuckDB table of `n` entities (one row each, ts 2025-01-01), whose
 * every feature value is `generation` — so a reader can tell which load it sees.
 */
export function bigProject(name: string, online: string): string {
  return tempProject(
    {
      "fcompile.yaml": `name: ${name}\ntarget: w\ntargets:\n  w: {type: duckdb, path: warehouse.duckdb}\nonline: ${online}\n`,
      "definitions/d.yml": `entities:
  - {name: user, join_keys: [user_id]}
sources:
  - {name: big, table: raw.big, timestamp: ts}
feature_views:
  - name: stats
    entities: [user]
    source: big
    features: [{name: a, type: int64}, {name: b, type: float64}, {name: c, type: string}]
`,
    },
    "fc-big-",
  );
}

/** (Re)writes raw.big with n entities whose values all equal `generation`. */
export async function writeBigTable(dir: string, n: number, generation: number): Promise<void> {
  const db = await DuckDBInstance.create(path.join(dir, "warehouse.duckdb"));
  const conn = await db.connect();
  try {
    await conn.run("CREATE SCHEMA IF NOT EXISTS raw");
    await conn.run(
      `CREATE OR REPLACE TABLE raw.big AS SELECT i AS user_id, TIMESTAMP '2025-01-01' AS ts, ${generation}::BIGINT AS a, ` +
        `${generation}::DOUBLE AS b, 'gen-${generation}' AS c FROM range(${n}) t(i)`,
    );
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
