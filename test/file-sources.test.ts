import { readFileSync } from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { build, run, train } from "../src/index.js";
import { CONFIG, removeProject, tempProject } from "./helpers/temp-project.js";

const DEFS = `entities:
  - {name: user, join_keys: [user_id]}
sources:
  - {name: clicks_csv, path: ../data/clicks.csv, timestamp: ts}
  - {name: clicks_parquet, path: ../data/clicks.parquet, timestamp: ts}
feature_views:
  - {name: from_csv, entities: [user], source: clicks_csv, features: [{name: clicks, type: int64}]}
  - {name: from_parquet, entities: [user], source: clicks_parquet, ttl: 1h, features: [{name: clicks, type: int64}]}
`;

const dir = tempProject({
  "fcompile.yaml": CONFIG,
  "definitions/d.yml": DEFS,
  "data/clicks.csv": "user_id,ts,clicks\n1,2025-01-01 00:00:00,3\n1,2025-01-01 02:00:00,4\n9007199254740993,2025-01-01 00:00:00,5\n",
});
afterAll(() => removeProject(dir));

describe("file sources (CSV and Parquet)", () => {
  it("are loaded by run and read by train, paths relative to the YAML file", async () => {
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    await conn.run(`COPY (SELECT * FROM read_csv('${dir}/data/clicks.csv')) TO '${dir}/data/clicks.parquet' (FORMAT parquet)`);
    conn.closeSync();
    expect((await build({ projectDir: dir })).ok).toBe(true);
    const runSql = readFileSync(path.join(dir, "target/compiled/duckdb/run/002_source__clicks_parquet.sql"), "utf8");
    expect(runSql).toContain("read_parquet('data/clicks.parquet')");
    await run({ projectDir: dir });
    const out = path.join(dir, "out.csv");
    await train({
      projectDir: dir,
      features: ["from_csv:clicks", "from_parquet:clicks"],
      fullNames: true,
      entitiesSql: `SELECT * FROM (VALUES (1, TIMESTAMP '2025-01-01 01:30:00'), (1, TIMESTAMP '2025-01-01 02:30:00'), (9007199254740993, TIMESTAMP '2025-01-01 00:59:59')) AS e(user_id, event_timestamp)`,
      out,
    });
    expect(readFileSync(out, "utf8").trim().split("\n")).toEqual([
      "user_id,event_timestamp,from_csv__clicks,from_parquet__clicks",
      "1,2025-01-01T01:30:00Z,3,", // 1.5 h old: outside the Parquet view's 1 h ttl (timestamps as in docs/values.md)
      "1,2025-01-01T02:30:00Z,4,4",
      "9007199254740993,2025-01-01T00:59:59Z,5,5",
    ]);
  });
});
