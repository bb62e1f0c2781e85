/**
 * Differential test of docs/semantics.md ("Training"): random projects and data go through the real compiler
 * (`train` on DuckDB) and through the in-memory reference (test/reference/pit-reference.ts);
 * the outputs must agree row for row, in order, with exact types.
 *
 * FC_PIT_RUNS=N changes the number of cases (default 50), FC_PIT_SECONDS the time budget (default
 * 50); FC_KEEP_TMP=1 keeps the temp projects.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { caseArb } from "./reference/arbitraries.js";
import { show } from "./reference/duckdb-harness.js";
import { toArrays } from "./reference/pit-reference.js";
import { referenceFor, trainCase } from "./reference/train-runner.js";

const NUM_RUNS = Number(process.env.FC_PIT_RUNS ?? 50);
/** Time budget of the property (cases after it are skipped, not failed); FC_PIT_SECONDS overrides. */
const SECONDS = Number(process.env.FC_PIT_SECONDS ?? 50);

describe("train() on DuckDB agrees with the reference (point-in-time rules)", () => {
  it(
    "random projects, row for row",
    async () => {
      await fc.assert(
        fc.asyncProperty(caseArb(), async (c) => {
          const want = referenceFor(c);
          const got = await trainCase(c);
          expect(got.reported).toBe(c.entityRows.length);
          expect(got.columns).toEqual(want.columns);
          const wantRows = toArrays(want);
          expect(got.rows.length).toBe(wantRows.length);
          for (let i = 0; i < wantRows.length; i++) {
            expect(got.rows[i], `row ${i} (entity ${show(c.entityRows[i])}); output types ${show(got.types)}`).toEqual(wantRows[i]);
          }
        }),
        { numRuns: NUM_RUNS, interruptAfterTimeLimit: SECONDS * 1000, markInterruptAsFailure: false },
      );
    },
    (SECONDS + 70) * 1000,
  );
});
