/**
 * Checks the harness (data round-trips exactly through DuckDB tables, Parquet and CSV files) and
 * checks the reference against a hand-written DuckDB SQL point-in-time join, so that a
 * disagreement in the differential test can be blamed on the compiler, not on the harness or
 * on DuckDB's value ordering (NaN, UTF-8 strings, NULLs, 64-bit ints).
 */
import path from "node:path";
import fc from "fast-check";
import { assertAsyncProperty } from "../helpers/property.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDBInstance } from "@duckdb/node-api";
import type { DuckDBConnection } from "@duckdb/node-api";
import { caseArb, toRefViews } from "./arbitraries.js";
import type { GenCase } from "./arbitraries.js";
import {
  copyToParquet,
  createTable,
  entityTable,
  query,
  quoteIdent,
  removeDir,
  show,
  sqlType,
  tempDir,
  viewTables,
  writeEntitiesCsv,
} from "./duckdb-harness.js";
import { durationMicros, pointInTimeJoin, toArrays } from "./pit-reference.js";

let instance: DuckDBInstance;
let conn: DuckDBConnection;
let dir: string;
let n = 0;

beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  conn = await instance.connect();
  dir = tempDir("fcompile-harness-");
});
afterAll(() => {
  conn.disconnectSync();
  instance.closeSync();
  removeDir(dir);
});

/** Loads a case into fresh schemas of the in-memory database; returns the schema name. */
async function load(c: GenCase): Promise<string> {
  const schema = `c${n++}`;
  for (const t of viewTables(c)) await createTable(conn, { ...t, table: t.table.replace(/^raw\./, `${schema}.`) });
  await createTable(conn, entityTable(c, `${schema}.entities`));
  return schema;
}

/** The point-in-time join written as DuckDB SQL (ROW_NUMBER over candidates). */
function pitSql(c: GenCase, schema: string): string {
  const e = (col: string) => `e.${quoteIdent(col)}`;
  const ts = e(c.timestampColumn);
  const refs = c.features.flatMap((r) => {
    const [v, f] = r.split(":") as [string, string];
    const view = c.views.find((x) => x.name === v)!;
    return (f === "*" ? view.features.map((x) => x.name) : [f]).map((feature) => ({ view, feature }));
  });
  const joins = c.views.map((v, i) => {
    const keys = c.entities[v.entity]!.keys.map((k) => k.name);
    const vts = `s.${quoteIdent(v.timestampColumn)}`;
    const order = [
      `${vts} DESC`,
      ...(v.createdColumn === null ? [] : [`s.${quoteIdent(v.createdColumn)} DESC NULLS LAST`]),
      ...v.features.map((f) => `s.${quoteIdent(f.name)} DESC NULLS LAST`),
    ].join(", ");
    const ttl = v.ttl === null ? "" : ` AND ${vts} >= ${ts} - to_microseconds(${durationMicros(v.ttl)})`;
    return `LEFT JOIN (
      SELECT * FROM (
        SELECT e.__rid, ${v.features.map((f) => `s.${quoteIdent(f.name)}`).join(", ")},
               row_number() OVER (PARTITION BY e.__rid ORDER BY ${order}) AS __rn
        FROM ent e JOIN ${schema}.${quoteIdent(v.table.split(".")[1]!)} s
          ON ${keys.map((k) => `s.${quoteIdent(k)} = ${e(k)}`).join(" AND ")}
         AND ${vts} <= ${ts}${ttl}
      ) WHERE __rn = 1
    ) j${i} ON j${i}.__rid = e.__rid`;
  });
  const cols = [
    ...c.entityColumns.map((col) => e(col.name)),
    ...refs.map(
      (r) =>
        `j${c.views.indexOf(r.view)}.${quoteIdent(r.feature)} AS ${quoteIdent(c.fullNames ? `${r.view.name}__${r.feature}` : r.feature)}`,
    ),
  ];
  return `WITH ent AS (SELECT *, row_number() OVER () AS __rid FROM ${schema}.entities)
    SELECT ${cols.join(", ")} FROM ent e ${joins.join("\n")} ORDER BY e.__rid`;
}

describe("harness round trips", () => {
  it("tables, Parquet and CSV files give back exactly the values written", async () => {
    await assertAsyncProperty(
      fc.asyncProperty(caseArb(), async (c) => {
        const schema = await load(c);
        for (const t of viewTables(c)) {
          const r = await query(conn, `SELECT * FROM ${schema}.${quoteIdent(t.table.split(".")[1]!)}`);
          expect(r.columns).toEqual(t.columns.map((x) => x.name));
          expect(r.rows).toEqual(t.rows.map((row) => t.columns.map((x) => row[x.name] ?? null)));
        }
        const et = entityTable(c);
        const want = et.rows.map((row) => et.columns.map((x) => row[x.name] ?? null));
        const pq = path.join(dir, `${schema}.parquet`);
        await copyToParquet(conn, `${schema}.entities`, pq);
        expect((await query(conn, `SELECT * FROM read_parquet('${pq}')`)).rows).toEqual(want);
        if (c.entitiesVia === "csv") {
          const csv = path.join(dir, `${schema}.csv`);
          writeEntitiesCsv(csv, et);
          // Read with the table's types (a key column may be empty in every row: nothing to sniff).
          const types = et.columns.map((x) => `'${x.name}': '${sqlType(x.type)}'`).join(", ");
          const r = await query(conn, `SELECT * FROM read_csv('${csv}', auto_detect = false, header = true, columns = {${types}})`);
          expect(r.columns).toEqual(et.columns.map((x) => x.name));
          expect(r.rows, show(r.types)).toEqual(want);
        }
      }),
      { runs: 60, minRuns: 20, seconds: 30 },
    );
  }, 60_000);
});

describe("reference vs a hand-written DuckDB PIT query", () => {
  it("agree row for row", async () => {
    await assertAsyncProperty(
      fc.asyncProperty(caseArb(), async (c) => {
        const schema = await load(c);
        const got = await query(conn, pitSql(c, schema));
        const ref = pointInTimeJoin({
          views: toRefViews(c),
          entityRows: c.entityRows,
          entityColumns: c.entityColumns.map((x) => x.name),
          features: c.features,
          timestampColumn: c.timestampColumn,
          fullNames: c.fullNames,
        });
        expect(got.columns).toEqual(ref.columns);
        expect(got.rows).toEqual(toArrays(ref));
      }),
      { runs: 150, minRuns: 50, seconds: 30 },
    );
  }, 60_000);
});
