/**
 * Differential test of the point-in-time semantics (docs/semantics.md, "Training"): random
 * projects and data go through the real `train` on every dialect (test/helpers/targets.ts) and
 * through the in-memory reference (test/reference/pit-reference.ts). The engines' output files
 * must be equal as files — CSV byte for byte, Parquet read back value for value and type for
 * type — and equal to the reference row for row, in order, with exact types.
 *
 * On PostgreSQL, half the cases first create the indexes `build` advises (so the lookups walk
 * them), half train without them. The property has a time budget and fails when it cannot reach
 * its minimum number of cases (test/helpers/property.ts; FC_PROPERTY_SCALE scales it).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { build } from "../src/index.js";
import { assertAsyncProperty, testTimeout } from "./helpers/property.js";
import type { PropertyBudget } from "./helpers/property.js";
import { DIALECT_NAMES, closeTestTargets } from "./helpers/targets.js";
import { caseArb } from "./reference/arbitraries.js";
import { show } from "./reference/duckdb-harness.js";
import { expectedRows, referenceFor, trainCase } from "./reference/train-runner.js";
import type { TrainRun } from "./reference/train-runner.js";

const BUDGET: PropertyBudget = { runs: 30, minRuns: 10, seconds: 35 };

afterAll(closeTestTargets);

describe(`train() on ${DIALECT_NAMES.join(", ")} agrees with the reference and across engines`, () => {
  it(
    "random projects: the same output file on every engine, row for row the reference's",
    async () => {
      await assertAsyncProperty(
        fc.asyncProperty(caseArb(), fc.constantFrom<"csv" | "parquet">("csv", "parquet"), fc.boolean(), async (c, out, indexed) => {
          const want = expectedRows(c);
          const runs = new Map<string, TrainRun>();
          for (const dialect of DIALECT_NAMES) {
            const got = await trainCase(c, {
              dialect,
              out,
              before: async (wh, dir) => {
                if (!indexed || dialect !== "postgres") return;
                await build({ projectDir: dir });
                await wh.exec(readFileSync(path.join(dir, "target/compiled/postgres/index-advice.sql"), "utf8"));
              },
            });
            expect(got.reported, dialect).toBe(c.entityRows.length);
            expect(got.columns, dialect).toEqual(referenceFor(c).columns);
            expect(got.rows.length, `${dialect} rows`).toBe(want.length);
            for (let i = 0; i < want.length; i++) {
              expect(got.rows[i], `${dialect} row ${i} (entity ${show(c.entityRows[i])}); types ${show(got.types)}`).toEqual(want[i]);
            }
            runs.set(dialect, got);
          }
          const [first, ...rest] = DIALECT_NAMES;
          for (const d of rest) {
            const a = runs.get(first!)!;
            const b = runs.get(d)!;
            if (out === "csv") expect(b.bytes.toString("utf8"), `${d} CSV file vs ${first}`).toBe(a.bytes.toString("utf8"));
            else
              expect({ columns: b.columns, types: b.types, rows: b.rows }, `${d} Parquet file vs ${first}`).toEqual({
                columns: a.columns,
                types: a.types,
                rows: a.rows,
              });
          }
        }),
        BUDGET,
      );
    },
    testTimeout(BUDGET, 90),
  );
});
