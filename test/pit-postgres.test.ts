/**
 * The differential test's third column: the same random projects and data on PostgreSQL, through
 * the real `train` (LATERAL … LIMIT 1 over an index), against the in-memory reference and DuckDB.
 */
import { createReadStream, createWriteStream, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import fc from "fast-check";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { build, loadProject, train } from "../src/index.js";
import { compileMaterialization } from "../src/compile/materialize.js";
import { DIALECTS } from "../src/dialects/index.js";
import { PG_URL, dropSchemas, testSchema, withPg } from "./helpers/postgres.js";
import { caseArb, gridTs, toRefViews } from "./reference/arbitraries.js";
import { keyOf, materializeReference } from "./reference/materialize-reference.js";
import type { GenCase } from "./reference/arbitraries.js";
import {
  createTable,
  entityTable,
  readOutput,
  removeDir,
  show,
  tempDir,
  viewTables,
  withDuckDB,
  writeProjectFiles,
} from "./reference/duckdb-harness.js";
import { sqlType as duckType } from "./reference/duckdb-harness.js";
import type { ColumnType, TableSpec } from "./reference/duckdb-harness.js";
import { isoFromMicros, toArrays } from "./reference/pit-reference.js";
import { referenceFor } from "./reference/train-runner.js";

const PG_TYPES: Record<ColumnType, string> = {
  int64: "BIGINT",
  float64: "DOUBLE PRECISION",
  string: "TEXT",
  label: "TEXT",
  bool: "BOOLEAN",
  timestamp: "TIMESTAMP",
};

const schemas: string[] = [];
afterAll(() => dropSchemas(...schemas));

/** The case's tables in `raw` become tables in a schema of this test's own. */
function inSchema(c: GenCase, raw: string): GenCase {
  return { ...c, views: c.views.map((v) => ({ ...v, table: `${raw}.${v.table.split(".")[1]}` })) };
}

/** Loads a table into PostgreSQL through a CSV written by DuckDB (exact for every type used). */
async function loadPg(dir: string, spec: TableSpec): Promise<void> {
  const csv = path.join(dir, `${spec.table}.csv`);
  await withDuckDB(path.join(dir, "warehouse.duckdb"), async (conn) => {
    await conn.run(`COPY ${spec.table} TO '${csv}' (FORMAT csv, HEADER true)`);
  });
  await withPg(async (c) => {
    const cols = spec.columns.map((x) => `"${x.name}" ${PG_TYPES[x.type]}`).join(", ");
    await c.query(`CREATE TABLE ${spec.table} (${cols})`);
    await pipeline(createReadStream(csv), c.query(copyFrom(`COPY ${spec.table} FROM STDIN (FORMAT csv, HEADER true)`)));
  });
}

describe("PostgreSQL agrees with the reference (point-in-time training and materialization)", () => {
  it("random projects: training row for row in input order, and materialization", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(), fc.integer({ min: -2, max: 60 }), async (generated, endHour) => {
        const raw = testSchema("fc_raw");
        const out = testSchema("fc_t");
        schemas.push(raw, out);
        const c = inSchema(generated, raw);
        const dir = tempDir("fcompile-pg-");
        try {
          writeProjectFiles(dir, c);
          writeFileSync(
            path.join(dir, "fcompile.yaml"),
            // Sequential scans off: the lookups walk the advised indexes (index-only) even on these tiny tables.
            stringify({
              name: "t",
              target: "pg",
              targets: { pg: { type: "postgres", url: `${PG_URL}?options=-c%20enable_seqscan%3Doff`, schema: out } },
            }),
          );
          const entities = entityTable(c, `${raw}.entities`);
          const tables = [...viewTables(c), entities];
          await withDuckDB(path.join(dir, "warehouse.duckdb"), async (conn) => {
            for (const t of tables) await createTable(conn, t);
          });
          await withPg((pgc) => pgc.query(`CREATE SCHEMA "${raw}"`));
          for (const t of tables) await loadPg(dir, t);
          // The indexes `build` advises for these table sources, so that training walks them.
          await build({ projectDir: dir });
          const advice = path.join(dir, "target/compiled/postgres/index-advice.sql");
          await withPg(async (pgc) => {
            await pgc.query(readFileSync(advice, "utf8"));
            for (const t of viewTables(c)) await pgc.query(`VACUUM ANALYZE ${t.table}`);
          });
          const file = path.join(dir, "out.parquet");
          const res = await train({
            projectDir: dir,
            features: c.features,
            entitiesSql: `SELECT * FROM ${raw}.entities`,
            out: file,
            ...(c.timestampColumn === "event_timestamp" ? {} : { timestampColumn: c.timestampColumn }),
            ...(c.fullNames ? { fullNames: true } : {}),
          });
          const got = await readOutput(file);
          const want = referenceFor(c);
          expect(res.rows).toBe(c.entityRows.length);
          expect(got.columns).toEqual(want.columns);
          const wantRows = toArrays(want);
          for (let i = 0; i < wantRows.length; i++) {
            expect(got.rows[i], `row ${i} (entity ${show(c.entityRows[i])}); output types ${show(got.types)}`).toEqual(wantRows[i]);
          }
          // Materialization: the compiled PostgreSQL query against the reference at T = end.
          const { registry } = await loadProject(dir);
          const end = gridTs(endHour);
          for (const ref of toRefViews(c)) {
            const sql = compileMaterialization(registry, registry.views.get(ref.name)!, { dialect: DIALECTS.postgres, schema: out });
            const mat = path.join(dir, `mat_${ref.name}.parquet`);
            await withPg(async (pgc) => {
              await pgc.query("SET TimeZone = 'UTC'");
              await pgc.query(`SET fcompile.end_time = '${isoFromMicros(end)}'`);
              const csv = `${mat}.csv`;
              const cols = [...ref.joinKeys, ref.timestampColumn ?? "ts", ...ref.features].map((n) => `"${n}"`).join(", ");
              const copy = `COPY (SELECT ${cols} FROM (${sql}) AS m) TO STDOUT (FORMAT csv, HEADER true)`;
              await pipeline(pgc.query(copyTo(copy)), createWriteStream(csv));
              await withDuckDB(path.join(dir, "warehouse.duckdb"), async (conn) => {
                // Read back with the types the view's table has in DuckDB (same spec as in PostgreSQL).
                const v = c.views.find((x) => x.name === ref.name)!;
                const spec = viewTables(c).find((t) => t.table === v.table)!;
                const types = [...ref.joinKeys, ref.timestampColumn ?? "ts", ...ref.features].map((n) => {
                  const col = spec.columns.find((x) => x.name === n)!;
                  return `'${n}': '${duckType(col.type)}'`;
                });
                await conn.run(
                  `COPY (SELECT * FROM read_csv('${csv}', header = true, auto_detect = false, allow_quoted_nulls = false, columns = {${types.join(", ")}})) TO '${mat}' (FORMAT parquet)`,
                );
              });
            });
            const gotMat = await readOutput(mat);
            const wantMat = materializeReference(ref, end);
            expect(gotMat.rows.length, `materialized rows of ${ref.name}`).toBe(wantMat.length);
            const byKey = new Map(gotMat.rows.map((r) => [keyOf(r, ref.joinKeys.length), r]));
            for (const w of wantMat) expect(byKey.get(keyOf(w, ref.joinKeys.length)), `materialized ${ref.name}`).toEqual(w);
          }
        } finally {
          removeDir(dir);
          await dropSchemas(raw, out);
        }
      }),
      { numRuns: Number(process.env.FC_PG_RUNS ?? 30) },
    );
  });
});
