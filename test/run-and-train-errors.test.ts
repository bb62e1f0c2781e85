import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterEach, describe, expect, it } from "vitest";
import { FcUserError, run, train } from "../src/index.js";
import { formatDiagnostic } from "../src/diagnostics/diagnostic.js";
import { WarehouseError } from "../src/warehouse/warehouse.js";
import { CONFIG, removeProject, tempProject } from "./helpers/temp-project.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(removeProject));

async function sql(dir: string, statements: string): Promise<unknown[][]> {
  const db = await DuckDBInstance.create(path.join(dir, "warehouse.duckdb"));
  const conn = await db.connect();
  const r = await conn.runAndReadAll(statements);
  const rows = r.getRowsJS();
  conn.closeSync();
  db.closeSync();
  return rows;
}

const VIEWS = `entities:
  - {name: customer, join_keys: [customer_id]}
sources:
  - {name: raw, table: raw.events, timestamp: ts}
feature_views:
  - name: first
    entities: [customer]
    sql: first.sql
    timestamp: ts
    features: [{name: x, type: int64}]
  - name: second
    entities: [customer]
    sql: second.sql
    timestamp: ts
    features: [{name: y, type: int64}]
  - name: plain
    entities: [customer]
    source: raw
    features: [{name: z, type: int64}, {name: w, type: int64}]
`;

describe("run is all or nothing", () => {
  it("a failing SQL view leaves every table of the previous run as it was", async () => {
    const dir = tempProject({
      "fcompile.yaml": CONFIG,
      "definitions/v.yml": VIEWS,
      "definitions/first.sql": 'SELECT customer_id, ts, x FROM {{source "raw"}}',
      "definitions/second.sql": 'SELECT customer_id, ts, x + 1 AS y FROM {{ref "first"}}',
    });
    dirs.push(dir);
    await sql(
      dir,
      "CREATE SCHEMA raw; CREATE TABLE raw.events AS SELECT 1 AS customer_id, TIMESTAMP '2025-01-01' AS ts, 10 AS x, 5 AS z, 6 AS w",
    );
    await run({ projectDir: dir });
    expect(await sql(dir, "SELECT x FROM t.view__first")).toEqual([[10]]);

    // New data, and a second view whose SQL now fails at run time (division of a string).
    await sql(dir, "INSERT INTO raw.events VALUES (2, TIMESTAMP '2025-01-02', 20, 5, 6)");
    writeFileSync(path.join(dir, "definitions/second.sql"), "SELECT customer_id, ts, CAST('a' AS INTEGER) AS y FROM {{ref \"first\"}}");
    await expect(run({ projectDir: dir })).rejects.toThrow(WarehouseError);
    expect(await sql(dir, "SELECT x FROM t.view__first ORDER BY x")).toEqual([[10]]);
    expect(await sql(dir, "SELECT y FROM t.view__second")).toEqual([[11]]);
  });

  it("a built view that lacks a declared column is reported at the view, and nothing is kept", async () => {
    const dir = tempProject({
      "fcompile.yaml": CONFIG,
      "definitions/v.yml": VIEWS,
      "definitions/first.sql": 'SELECT * FROM {{source "raw"}}',
      "definitions/second.sql": 'SELECT * EXCLUDE (x) FROM {{ref "first"}}',
    });
    dirs.push(dir);
    await sql(
      dir,
      "CREATE SCHEMA raw; CREATE TABLE raw.events AS SELECT 1 AS customer_id, TIMESTAMP '2025-01-01' AS ts, 10 AS x, 5 AS z, 6 AS w",
    );
    const err = await run({ projectDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FcUserError);
    expect((err as FcUserError).diagnostics.map(formatDiagnostic)).toEqual([
      `definitions/v.yml:11:11: error FC017: column 'y' of view 'second' is not in "t"."view__second" (columns: customer_id, ts, z, w)`,
    ]);
    expect(await sql(dir, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 't'")).toEqual([[0n]]);
  });
});

describe("train checks the warehouse before it runs", () => {
  it("a table source without a declared column is reported at the view", async () => {
    const dir = tempProject({
      "fcompile.yaml": CONFIG,
      "definitions/v.yml": VIEWS,
      "definitions/first.sql": "SELECT 1",
      "definitions/second.sql": "SELECT 1",
    });
    dirs.push(dir);
    await sql(dir, "CREATE SCHEMA raw; CREATE TABLE raw.events AS SELECT 1 AS customer_id, TIMESTAMP '2025-01-01' AS ts, 5 AS z");
    const err = await train({
      projectDir: dir,
      features: ["plain:*"],
      entitiesSql: "SELECT 1 AS customer_id, TIMESTAMP '2025-02-01' AS event_timestamp",
      out: path.join(dir, "out.csv"),
    }).catch((e: unknown) => e);
    expect((err as FcUserError).diagnostics.map(formatDiagnostic)).toEqual([
      `definitions/v.yml:16:11: error FC017: column 'w' of view 'plain' is not in "raw"."events" (columns: customer_id, ts, z)`,
    ]);
  });
});

describe("fcompile train names the entity file's line and column (the CLI as a user runs it; needs npm run build)", () => {
  const bin = path.resolve("bin/fcompile");

  it("a short row, and a key that is not an integer, exit 1 with file:line:col diagnostics", async () => {
    const dir = tempProject({
      "fcompile.yaml": CONFIG,
      "definitions/v.yml": `entities:
  - {name: customer, join_keys: [customer_id]}
sources:
  - {name: raw, table: raw.events, timestamp: ts}
feature_views:
  - name: plain
    entities: [customer]
    source: raw
    features: [{name: z, type: int64}]
`,
      "labels.csv": "customer_id,event_timestamp,label\n1,2025-02-01,a\n2,2025-02-01\n",
      "keys.csv": "customer_id,event_timestamp,label\n1,2025-02-01,a\nabc,2025-02-01,b\n",
    });
    dirs.push(dir);
    await sql(dir, "CREATE SCHEMA raw; CREATE TABLE raw.events AS SELECT 1 AS customer_id, TIMESTAMP '2025-01-01' AS ts, 5 AS z");
    const trainCli = (entities: string) =>
      spawnSync(process.execPath, [bin, "train", "--features", "plain:z", "--entities", entities, "--out", "out.csv"], {
        cwd: dir,
        encoding: "utf8",
      });
    const short = trainCli("labels.csv");
    expect(short.status, short.stderr).toBe(1);
    expect(short.stderr).toContain(
      "labels.csv:3:13: error FC015: row has 2 fields, the header has 3 (customer_id, event_timestamp, label): every row needs one field per header column (an empty field is a NULL)",
    );
    expect(short.stderr).not.toContain("no timestamp column");
    const keys = trainCli("keys.csv");
    expect(keys.status, keys.stderr).toBe(1);
    expect(keys.stderr).toContain("keys.csv:3:1: error FC015: column 'customer_id': 'abc' is not an int64");
    expect(keys.stderr).not.toMatch(/Could not convert/);
  });
});
