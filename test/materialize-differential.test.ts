/**
 * The compiled materialization query (per entity, exactly what training returns at T = end) on
 * every dialect (test/helpers/targets.ts), against the in-memory reference, on random projects and
 * data: full runs, and an incremental merge that must equal a full run. Each property has a time
 * budget and fails when it cannot reach its minimum number of cases (test/helpers/property.ts).
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { loadProject } from "../src/index.js";
import { compileIncrementalMaterialization, compileMaterialization } from "../src/compile/materialize.js";
import { DIALECTS } from "../src/dialects/index.js";
import type { DialectName } from "../src/dialects/index.js";
import { assertAsyncProperty, testTimeout } from "./helpers/property.js";
import type { PropertyBudget } from "./helpers/property.js";
import { DIALECT_NAMES, TEST_TARGETS, closeTestTargets } from "./helpers/targets.js";
import type { CaseWarehouse } from "./helpers/targets.js";
import { caseArb, gridTs, toRefViews } from "./reference/arbitraries.js";
import type { GenCase } from "./reference/arbitraries.js";
import { removeDir, tempDir, viewTables, writeProjectFiles } from "./reference/duckdb-harness.js";
import { keyOf, materializeReference } from "./reference/materialize-reference.js";
import type { Value } from "./reference/pit-reference.js";
import { inSchema } from "./reference/train-runner.js";

const BUDGET: PropertyBudget = { runs: 25, minRuns: 8, seconds: 18 };

afterAll(closeTestTargets);

/** Writes the case as a project on `dialect` with its tables loaded, runs `fn`, cleans up. */
async function onDialect<T>(
  dialect: DialectName,
  c: GenCase,
  fn: (wh: CaseWarehouse, registry: Awaited<ReturnType<typeof loadProject>>["registry"]) => Promise<T>,
): Promise<T> {
  const dir = tempDir("fcompile-mat-");
  const wh = await TEST_TARGETS[dialect].prepare(dir);
  try {
    const cc = inSchema(c, wh.rawSchema);
    writeProjectFiles(dir, cc, "t", wh.target);
    await wh.createTables(viewTables(cc));
    const { registry } = await loadProject(dir);
    return await fn(wh, registry);
  } finally {
    removeDir(dir);
    await wh.cleanup();
  }
}

function expectSameRows(got: Value[][], want: Value[][], keyCount: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  const byKey = new Map(got.map((r) => [keyOf(r, keyCount), r]));
  for (const w of want) expect(byKey.get(keyOf(w, keyCount)), `${what}, keys ${keyOf(w, keyCount)}`).toEqual(w);
}

describe.each(DIALECT_NAMES)("materialization query on %s agrees with the reference", (dialect) => {
  it(
    "random projects: one row per entity, the row training picks at T = end",
    async () => {
      await assertAsyncProperty(
        fc.asyncProperty(caseArb(), fc.integer({ min: -2, max: 60 }), async (c, endHour) => {
          const end = gridTs(endHour);
          await onDialect(dialect, c, async (wh, registry) => {
            for (const ref of toRefViews(c)) {
              const sql = compileMaterialization(registry, registry.views.get(ref.name)!, {
                dialect: DIALECTS[dialect],
                schema: wh.schema,
              });
              const cols = [...ref.joinKeys, ref.timestampColumn ?? "ts", ...ref.features].map((n) => `"${n}"`).join(", ");
              const got = await wh.rows(`SELECT ${cols} FROM (${sql}) AS m`, { fc_end: end });
              expectSameRows(got, materializeReference(ref, end), ref.joinKeys.length, `view ${ref.name}`);
            }
          });
        }),
        BUDGET,
      );
    },
    testTimeout(BUDGET),
  );

  it(
    "incremental: a full run at E1, then a merge of the rows since E1, equals a full run at E2",
    async () => {
      await assertAsyncProperty(
        fc.asyncProperty(caseArb(), fc.integer({ min: -2, max: 60 }), fc.integer({ min: 0, max: 30 }), async (c, endHour, step) => {
          const [e1, e2] = [gridTs(endHour), gridTs(endHour + step)];
          await onDialect(dialect, c, async (wh, registry) => {
            for (const ref of toRefViews(c)) {
              const view = registry.views.get(ref.name)!;
              const target = { dialect: DIALECTS[dialect], schema: wh.schema };
              const mat = DIALECTS[dialect].qualified([wh.schema, `mat__${ref.name}`]);
              await wh.rows(`CREATE TABLE ${mat} AS ${compileMaterialization(registry, view, target)}`, { fc_end: e1 });
              const sql = compileIncrementalMaterialization(registry, view, target);
              const cols = [...ref.joinKeys, ref.timestampColumn ?? "ts", ...ref.features].map((n) => `"${n}"`).join(", ");
              const got = await wh.rows(`SELECT ${cols} FROM (${sql}) AS m`, { fc_start: e1, fc_end: e2 });
              expectSameRows(got, materializeReference(ref, e2), ref.joinKeys.length, `view ${ref.name}`);
            }
          });
        }),
        BUDGET,
      );
    },
    testTimeout(BUDGET),
  );
});
