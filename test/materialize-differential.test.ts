/**
 * The compiled materialization query (docs/semantics.md, "Online": per entity, exactly what training returns at
 * T = end) against the in-memory reference, on random projects and data.
 */
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadProject } from "../src/index.js";
import { compileIncrementalMaterialization, compileMaterialization } from "../src/compile/materialize.js";
import { DIALECTS } from "../src/dialects/index.js";
import { caseArb, gridTs, toRefViews } from "./reference/arbitraries.js";
import { createTable, query, removeDir, tempDir, viewTables, withDuckDB, writeProjectFiles } from "./reference/duckdb-harness.js";
import { materializeReference, keyOf } from "./reference/materialize-reference.js";
import { isoFromMicros } from "./reference/pit-reference.js";
import type { Value } from "./reference/pit-reference.js";

describe("materialization query on DuckDB agrees with the reference", () => {
  it("random projects: one row per entity, the row training picks at T = end", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(), fc.integer({ min: -2, max: 60 }), async (c, endHour) => {
        const dir = tempDir("fcompile-mat-");
        try {
          writeProjectFiles(dir, c);
          const { registry } = await loadProject(dir);
          const end = gridTs(endHour);
          const refViews = toRefViews(c);
          await withDuckDB(path.join(dir, "warehouse.duckdb"), async (conn) => {
            await conn.run("SET TimeZone = 'UTC'");
            for (const t of viewTables(c)) await createTable(conn, t);
            await conn.run(`SET VARIABLE fc_end = TIMESTAMP '${isoFromMicros(end)}'`);
            for (const ref of refViews) {
              const view = registry.views.get(ref.name)!;
              const sql = compileMaterialization(registry, view, { dialect: DIALECTS.duckdb, schema: "t" });
              const tsCol = ref.timestampColumn ?? "ts";
              const cols = [...ref.joinKeys, tsCol, ...ref.features].map((n) => `"${n}"`).join(", ");
              const got = await query(conn, `SELECT ${cols} FROM (${sql}) ORDER BY ALL`);
              const want = materializeReference(ref, end);
              expect(got.columns).toEqual([...ref.joinKeys, tsCol, ...ref.features]);
              expect(got.rows.length, `view ${ref.name}`).toBe(want.length);
              const sortKey = (r: Value[]): string => keyOf(r, ref.joinKeys.length);
              const gotByKey = new Map(got.rows.map((r) => [sortKey(r), r]));
              for (const w of want) expect(gotByKey.get(sortKey(w)), `view ${ref.name}, keys ${sortKey(w)}`).toEqual(w);
            }
          });
        } finally {
          removeDir(dir);
        }
      }),
      { numRuns: Number(process.env.FC_MAT_RUNS ?? 40) },
    );
  });

  it("incremental: a full run at E1, then a merge of the rows since E1, equals a full run at E2", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(), fc.integer({ min: -2, max: 60 }), fc.integer({ min: 0, max: 30 }), async (c, endHour, step) => {
        const dir = tempDir("fcompile-mat-inc-");
        try {
          writeProjectFiles(dir, c);
          const { registry } = await loadProject(dir);
          const [e1, e2] = [gridTs(endHour), gridTs(endHour + step)];
          await withDuckDB(path.join(dir, "warehouse.duckdb"), async (conn) => {
            await conn.run("SET TimeZone = 'UTC'");
            await conn.run("CREATE SCHEMA t");
            for (const t of viewTables(c)) await createTable(conn, t);
            for (const ref of toRefViews(c)) {
              const view = registry.views.get(ref.name)!;
              const target = { dialect: DIALECTS.duckdb, schema: "t" };
              await conn.run(`SET VARIABLE fc_end = TIMESTAMP '${isoFromMicros(e1)}'`);
              await conn.run(`CREATE TABLE t."mat__${ref.name}" AS ${compileMaterialization(registry, view, target)}`);
              await conn.run(`SET VARIABLE fc_start = TIMESTAMP '${isoFromMicros(e1)}'`);
              await conn.run(`SET VARIABLE fc_end = TIMESTAMP '${isoFromMicros(e2)}'`);
              const sql = compileIncrementalMaterialization(registry, view, target);
              const cols = [...ref.joinKeys, ref.timestampColumn ?? "ts", ...ref.features].map((n) => `"${n}"`).join(", ");
              const got = await query(conn, `SELECT ${cols} FROM (${sql})`);
              const want = materializeReference(ref, e2);
              expect(got.rows.length, `view ${ref.name}`).toBe(want.length);
              const gotByKey = new Map(got.rows.map((r) => [keyOf(r, ref.joinKeys.length), r]));
              for (const w of want) expect(gotByKey.get(keyOf(w, ref.joinKeys.length)), `view ${ref.name}`).toEqual(w);
            }
          });
        } finally {
          removeDir(dir);
        }
      }),
      { numRuns: Number(process.env.FC_MAT_RUNS ?? 40) },
    );
  });
});
