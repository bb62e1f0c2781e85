/**
 * The compiled materialization query (SPEC.md §4: per entity, exactly what training returns at
 * T = end) against the in-memory reference, on random projects and data.
 */
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadProject } from "../src/api.js";
import { compileMaterialization } from "../src/compile/materialize.js";
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
              const got = await query(conn, `SELECT * FROM (${sql}) ORDER BY ALL`);
              const tsCol = ref.timestampColumn ?? "ts";
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
});
