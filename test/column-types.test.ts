/**
 * Column types of data files on PostgreSQL: every DuckDB type maps to a PostgreSQL type (or is an
 * error naming the file and column), declared types win, and a timestamp column that is a number
 * is reported at the view on both engines.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FcUserError, materialize, run, train } from "../src/index.js";
import { compileRunPlan } from "../src/compile/run-plan.js";
import { DIALECTS } from "../src/dialects/index.js";
import { POSTGRES_MAPPED_LOGICAL_TYPES, duckdbLogicalType, fileColumnTypePostgres } from "../src/dialects/postgres-types.js";
import { formatDiagnostic } from "../src/diagnostics/diagnostic.js";
import { loadRegistry } from "../src/registry/load-registry.js";
import { exportCsv, fileColumns } from "../src/warehouse/file-reader.js";
import { PG_URL, dropSchemas, testSchema, withPg } from "./helpers/postgres.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";

const schemas: string[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await dropSchemas(...schemas);
  dirs.forEach(removeProject);
});

/**
 * A value of every DuckDB logical type a data file can hold, and the PostgreSQL type it must load
 * as. Types no file can hold (TYPE, VARIANT, GEOMETRY without the spatial extension) are checked
 * to be errors instead.
 */
const SAMPLES: Record<string, { sql: string; pg: string }> = {
  BOOLEAN: { sql: "true", pg: "boolean" },
  TINYINT: { sql: "CAST(-7 AS TINYINT)", pg: "smallint" },
  SMALLINT: { sql: "CAST(-300 AS SMALLINT)", pg: "smallint" },
  INTEGER: { sql: "CAST(-70000 AS INTEGER)", pg: "integer" },
  BIGINT: { sql: "CAST(-9007199254740993 AS BIGINT)", pg: "bigint" },
  UTINYINT: { sql: "CAST(200 AS UTINYINT)", pg: "smallint" },
  USMALLINT: { sql: "CAST(60000 AS USMALLINT)", pg: "integer" },
  UINTEGER: { sql: "CAST(4000000000 AS UINTEGER)", pg: "bigint" },
  UBIGINT: { sql: "CAST(18446744073709551615 AS UBIGINT)", pg: "numeric(20,0)" },
  HUGEINT: { sql: "CAST('-170141183460469231731687303715884105727' AS HUGEINT)", pg: "numeric(39,0)" },
  UHUGEINT: { sql: "CAST('340282366920938463463374607431768211455' AS UHUGEINT)", pg: "numeric(39,0)" },
  BIGNUM: { sql: "CAST('123456789012345678901234567890123456789012' AS BIGNUM)", pg: "numeric" },
  FLOAT: { sql: "CAST(1.5 AS FLOAT)", pg: "real" },
  DOUBLE: { sql: "CAST(2.25 AS DOUBLE)", pg: "double precision" },
  DECIMAL: { sql: "CAST(123.456 AS DECIMAL(18,3))", pg: "numeric(18,3)" },
  VARCHAR: { sql: "'a, \"b\"'", pg: "text" },
  JSON: { sql: "CAST('{\"a\": [1, 2]}' AS JSON)", pg: "jsonb" },
  ENUM: { sql: "CAST('b' AS ENUM('a', 'b'))", pg: "text" },
  UUID: { sql: "CAST('12345678-1234-5678-1234-567812345678' AS UUID)", pg: "uuid" },
  BLOB: { sql: "CAST('\\x00\\xFFab' AS BLOB)", pg: "bytea" },
  BIT: { sql: "CAST('10110' AS BIT)", pg: "bit varying" },
  DATE: { sql: "DATE '2024-02-29'", pg: "date" },
  TIME: { sql: "TIME '12:34:56.789'", pg: "time without time zone" },
  TIME_NS: { sql: "CAST('12:34:56.123456789' AS TIME_NS)", pg: "time without time zone" },
  "TIME WITH TIME ZONE": { sql: "CAST('12:34:56+02' AS TIMETZ)", pg: "time with time zone" },
  TIMESTAMP: { sql: "TIMESTAMP '2024-09-01 10:00:00.123456'", pg: "timestamp without time zone" },
  TIMESTAMP_S: { sql: "CAST('2024-09-01 10:00:01' AS TIMESTAMP_S)", pg: "timestamp without time zone" },
  TIMESTAMP_MS: { sql: "CAST('2024-09-01 10:00:00.123' AS TIMESTAMP_MS)", pg: "timestamp without time zone" },
  TIMESTAMP_NS: { sql: "CAST('2024-09-01 10:00:00.123456789' AS TIMESTAMP_NS)", pg: "timestamp without time zone" },
  "TIMESTAMP WITH TIME ZONE": { sql: "CAST('2024-09-01 10:00:00+02' AS TIMESTAMPTZ)", pg: "timestamp with time zone" },
  INTERVAL: { sql: "INTERVAL '1 year 2 days 03:04:05'", pg: "interval" },
  LIST: { sql: "[1, 2, NULL]", pg: "jsonb" },
  ARRAY: { sql: "CAST([1, 2] AS INTEGER[2])", pg: "jsonb" },
  STRUCT: { sql: "{'x': 1, 'y': 'z'}", pg: "jsonb" },
  MAP: { sql: "MAP {'k': 1}", pg: "jsonb" },
  UNION: { sql: "union_value(num := 2)", pg: "jsonb" },
};
const NOT_IN_FILES = ["TYPE", "VARIANT", "GEOMETRY", "NULL"];

async function duck(): Promise<Awaited<ReturnType<DuckDBInstance["connect"]>>> {
  return (await DuckDBInstance.create(":memory:")).connect();
}

describe("DuckDB types → PostgreSQL types", () => {
  it("every logical type DuckDB lists is mapped (a new DuckDB type fails here until it is)", async () => {
    const c = await duck();
    const r = await c.runAndReadAll("SELECT DISTINCT logical_type AS t FROM duckdb_types() WHERE database_name = 'system' ORDER BY 1");
    const logical = r.getRowObjectsJS().map((x) => String(x.t));
    expect(logical.length).toBeGreaterThan(30);
    for (const t of logical) {
      expect(POSTGRES_MAPPED_LOGICAL_TYPES, t).toContain(t);
      expect(Object.keys(SAMPLES).includes(t) || NOT_IN_FILES.includes(t), `${t} has a sample`).toBe(true);
    }
    for (const t of ["GEOMETRY", "VARIANT", "TYPE", "SOMETHING_NEW(1)"]) expect(fileColumnTypePostgres(t)).toHaveProperty("unsupported");
  });

  it("a Parquet column of each type loads into PostgreSQL as its mapped type, value intact", async () => {
    const dir = tempProject({});
    dirs.push(dir);
    const schema = testSchema("fc_types");
    schemas.push(schema);
    const c = await duck();
    await c.run("SET TimeZone = 'UTC'");
    const cols = Object.entries(SAMPLES).map(([t, s], i) => ({ t, name: `c${i}`, ...s }));
    const file = path.join(dir, "all.parquet");
    await c.run(`COPY (SELECT ${cols.map((x) => `${x.sql} AS ${x.name}`).join(", ")}) TO '${file}' (FORMAT parquet)`);
    const read = await fileColumns(file, "parquet");
    const mapped = read.map((col) => {
      const m = fileColumnTypePostgres(col.duckdbType);
      if ("unsupported" in m) throw new Error(`${col.name} ${col.duckdbType}: ${m.unsupported}`);
      return { ...col, ...m };
    });
    const csv = path.join(dir, "all.csv");
    const q = (n: string): string => `"${n}"`;
    await exportCsv(
      file,
      "parquet",
      mapped.map((m) => (m.exportAs ? `${m.exportAs.replaceAll("$", q(m.name))} AS ${q(m.name)}` : q(m.name))).join(", "),
      csv,
    );
    await withPg(async (pg) => {
      await pg.query(`CREATE SCHEMA "${schema}"`);
      await pg.query(`CREATE TABLE "${schema}".t (${mapped.map((m) => `${q(m.name)} ${m.sqlType}`).join(", ")})`);
      const { from } = await import("pg-copy-streams");
      const { pipeline } = await import("node:stream/promises");
      const { createReadStream } = await import("node:fs");
      await pipeline(createReadStream(csv), pg.query(from(`COPY "${schema}".t FROM STDIN (FORMAT csv, HEADER true)`)));
      const types = await pg.query(
        "SELECT column_name, format_type(atttypid, atttypmod) AS type FROM information_schema.columns JOIN pg_attribute ON attrelid = $1::regclass AND attname = column_name WHERE table_schema = $2 ORDER BY ordinal_position",
        [`"${schema}".t`, schema],
      );
      const got = Object.fromEntries(types.rows.map((r: { column_name: string; type: string }) => [r.column_name, r.type]));
      for (const x of cols) {
        // Parquet itself has no type for some (e.g. UHUGEINT, BIGNUM, TIME WITH TIME ZONE are stored differently):
        // the type expected is the mapping of what DuckDB reads back.
        const back = read.find((r) => r.name === x.name)!.duckdbType;
        const expected = duckdbLogicalType(back) === duckdbLogicalType(x.t) || x.t === "DECIMAL" ? x.pg : undefined;
        if (expected) expect(got[x.name], `${x.t} (read back as ${back})`).toBe(expected);
      }
      const values = (await pg.query(`SELECT * FROM "${schema}".t`)).rows[0] as Record<string, unknown>;
      const text = (await pg.query(`SELECT ${cols.map((x) => `CAST(${q(x.name)} AS TEXT) AS ${q(x.name)}`).join(", ")} FROM "${schema}".t`))
        .rows[0] as Record<string, string>;
      for (const x of cols) expect(values[x.name], x.t).not.toBeNull();
      expect(text.c7).toBe("4000000000"); // UINTEGER
      expect(text.c8).toBe("18446744073709551615"); // UBIGINT
      expect(text[cols.find((x) => x.t === "TIMESTAMP_NS")!.name]).toBe("2024-09-01 10:00:00.123456"); // truncated as DuckDB does
      expect(text[cols.find((x) => x.t === "BLOB")!.name]).toBe("\\x00ff6162");
      expect(JSON.parse(text[cols.find((x) => x.t === "STRUCT")!.name]!)).toEqual({ x: 1, y: "z" });
    });
  });

  it("a column no warehouse type holds is an error naming the file, the column and what to do", async () => {
    const dir = tempProject({
      "fcompile.yaml": "name: t\ntargets:\n  pg: {type: postgres, url: x}\n",
      "definitions/d.yml": `entities:
  - {name: user, join_keys: [user_id]}
sources:
  - {name: shapes, path: ../data/shapes.csv, timestamp: ts}
feature_views:
  - {name: v, entities: [user], source: shapes, features: [{name: n, type: int64}]}
`,
      "data/shapes.csv": "user_id,ts,n,shape\n1,2025-01-01,2,x\n",
    });
    dirs.push(dir);
    const reg = (await loadRegistry(dir)).registry!;
    const files = new Map([
      ["shapes", [...(await fileColumns(path.join(dir, "data/shapes.csv"), "csv")).slice(0, 3), { name: "shape", duckdbType: "GEOMETRY" }]],
    ]);
    let err: unknown;
    try {
      compileRunPlan(reg, { dialect: DIALECTS.postgres, schema: "t" }, files);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FcUserError);
    expect((err as FcUserError).diagnostics.map(formatDiagnostic)).toEqual([
      "definitions/d.yml:4:12: error FC003: column 'shape' of data/shapes.csv (source 'shapes') has DuckDB type GEOMETRY, which postgres cannot hold " +
        "(PostgreSQL has no GEOMETRY type without the PostGIS extension); convert or drop the column in the file, or declare it as a feature with a type",
    ]);
  });
});

/** A project on one target type: `files` under data/, definitions as given. */
function project(type: "duckdb" | "postgres", definitions: string, files: Record<string, string>): string {
  const schema = testSchema("fc_types");
  schemas.push(schema);
  const target = type === "duckdb" ? "{type: duckdb, path: w.duckdb}" : `{type: postgres, url: "${PG_URL}", schema: ${schema}}`;
  const dir = tempProject({
    "fcompile.yaml": `name: t\ntarget: w\ntargets:\n  w: ${target}\n`,
    "definitions/d.yml": definitions,
    ...files,
  });
  dirs.push(dir);
  return dir;
}

describe.each(["duckdb", "postgres"] as const)("file source column types on %s", (type) => {
  it("a Parquet TIMESTAMP_NS timestamp and a uint32 key load typed, and train works", async () => {
    const dir = project(
      type,
      `entities:
  - {name: user, join_keys: [user_id]}
sources:
  - {name: events, path: ../data/events.parquet, timestamp: ts}
feature_views:
  - {name: v, entities: [user], source: events, features: [{name: n, type: int64}]}
`,
      { "data/.keep": "" },
    );
    const c = await duck();
    await c.run(
      `COPY (SELECT CAST(u AS UINTEGER) AS user_id, CAST(t AS TIMESTAMP_NS) AS ts, n FROM (VALUES (4000000000, '2025-01-01 00:00:00.000000001', 7), (1, '2025-01-02 00:00:00', 8)) AS x(u, t, n)) TO '${path.join(dir, "data/events.parquet")}' (FORMAT parquet)`,
    );
    await run({ projectDir: dir });
    if (type === "postgres") {
      const types = await withPg(async (pg) =>
        (
          await pg.query(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'source__events' ORDER BY ordinal_position",
            [schemas.at(-1)],
          )
        ).rows.map((r: { column_name: string; data_type: string }) => `${r.column_name}:${r.data_type}`),
      );
      expect(types).toEqual(["user_id:bigint", "ts:timestamp without time zone", "n:bigint"]);
    }
    writeFileSync(path.join(dir, "e.csv"), "user_id,event_timestamp\n4000000000,2025-01-01 00:00:01\n1,2025-01-03 00:00:00\n");
    const out = path.join(dir, "out.csv");
    await train({ projectDir: dir, features: ["v:n"], entitiesFile: path.join(dir, "e.csv"), out });
    expect(readFileSync(out, "utf8").trim().split("\n").slice(1)).toEqual(["4000000000,2025-01-01 00:00:01,7", "1,2025-01-03 00:00:00,8"]);
  });

  it("an entirely empty key column takes its declared type (not text), and train works", async () => {
    const dir = project(
      type,
      `entities:
  - {name: user, join_keys: [{name: user_id, type: int64}]}
sources:
  - {name: clicks, path: ../data/clicks.csv, timestamp: ts}
  - {name: empty, path: ../data/empty.csv, timestamp: ts}
feature_views:
  - {name: c, entities: [user], source: clicks, features: [{name: n, type: int64}]}
  - {name: e, entities: [user], source: empty, features: [{name: m, type: int64}]}
`,
      { "data/clicks.csv": "user_id,ts,n\n1,2025-01-01,5\n", "data/empty.csv": "user_id,ts,m\n,2025-01-01,1\n,2025-01-01,2\n" },
    );
    await run({ projectDir: dir });
    writeFileSync(path.join(dir, "e.csv"), "user_id,event_timestamp\n1,2025-01-02\n");
    const out = path.join(dir, "out.csv");
    await train({ projectDir: dir, features: ["c:n", "e:m"], entitiesFile: path.join(dir, "e.csv"), out });
    expect(readFileSync(out, "utf8").trim().split("\n")).toEqual(["user_id,event_timestamp,n,m", "1,2025-01-02,5,"]);
  });

  it("an epoch-integer timestamp is an error naming the view, the column, its type and what to do", async () => {
    const defs = `entities:
  - {name: user, join_keys: [user_id]}
sources:
  - {name: clicks, path: ../data/clicks.csv, timestamp: ts}
feature_views:
  - {name: epoch_view, entities: [user], source: clicks, features: [{name: n, type: int64}]}
`;
    const dir = project(type, defs, { "data/clicks.csv": "user_id,ts,n\n1,1735689600,5\n" });
    const err = await run({ projectDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FcUserError);
    expect((err as FcUserError).diagnostics.map(formatDiagnostic)).toEqual([
      expect.stringMatching(
        /^definitions\/d\.yml:6:12: error FC003: timestamp column 'ts' of view 'epoch_view' is BIGINT in data\/clicks\.csv: a number, not a timestamp; .*to_timestamp\(col\)/,
      ),
    ]);
  });
});

describe("a table source whose timestamp is an epoch number", () => {
  it("is reported at the view by materialize and train, on both engines", async () => {
    for (const type of ["duckdb", "postgres"] as const) {
      const raw = testSchema("fc_epoch_raw");
      schemas.push(raw);
      const dir = project(
        type,
        `entities:
  - {name: user, join_keys: [user_id]}
sources:
  - {name: t, table: ${raw}.events, timestamp: ts}
feature_views:
  - {name: epoch_table, entities: [user], source: t, features: [{name: n, type: int64}]}
`,
        {},
      );
      const create = [
        `CREATE SCHEMA ${raw}`,
        `CREATE TABLE ${raw}.events AS SELECT CAST(1 AS BIGINT) AS user_id, CAST(1735689600 AS BIGINT) AS ts, CAST(5 AS BIGINT) AS n`,
      ];
      if (type === "postgres") await withPg(async (pg) => void (await pg.query(create.join("; "))));
      else {
        const c = await (await DuckDBInstance.create(path.join(dir, "w.duckdb"))).connect();
        for (const s of create) await c.run(s);
        c.closeSync();
      }
      const err = await materialize({ projectDir: dir, end: "2025-01-02" }).catch((e: unknown) => e);
      expect(
        (err as FcUserError).diagnostics?.map((d) => d.message),
        type,
      ).toEqual([
        expect.stringMatching(
          new RegExp(`^timestamp column 'ts' of view 'epoch_table' is (BIGINT|bigint) in "${raw}"\\."events": a number, not a timestamp`),
        ),
      ]);
      writeFileSync(path.join(dir, "e.csv"), "user_id,event_timestamp\n1,2025-01-02\n");
      const t = await train({
        projectDir: dir,
        features: ["epoch_table:n"],
        entitiesFile: path.join(dir, "e.csv"),
        out: path.join(tmpdir(), `fc-${process.pid}.csv`),
      }).catch((e: unknown) => e);
      expect((t as FcUserError).diagnostics?.[0]?.message, type).toMatch(/timestamp column 'ts' of view 'epoch_table' is (BIGINT|bigint)/);
    }
  });
});
