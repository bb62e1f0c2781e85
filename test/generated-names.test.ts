/**
 * Generated column names never clash with the user's, in materialization and in verify (the kind of fault where a
 * `created_timestamp` that is the timestamp column itself made PostgreSQL fail with `column "ts"
 * specified more than once`): materialize, load and get agree with training on both warehouses.
 */
import { afterAll, describe, expect, it } from "vitest";
import { get, load, materialize, run, verify } from "../src/index.js";
import { PG_URL, dropSchemas, testSchema } from "./helpers/postgres.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";

const schemas: string[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await dropSchemas(...schemas);
  dirs.forEach(removeProject);
});

const TARGETS = {
  duckdb: () => "{type: duckdb, path: warehouse.duckdb}",
  postgres: () => {
    const schema = testSchema("fc_matnames");
    schemas.push(schema);
    return `{type: postgres, url: "${PG_URL}", schema: ${schema}}`;
  },
};

describe.each(Object.keys(TARGETS) as (keyof typeof TARGETS)[])("materialize on %s", (engine) => {
  it("a created timestamp that is the timestamp column: one column out, the latest row per entity", async () => {
    const dir = tempProject({
      "fcompile.yaml": `name: t\ntarget: w\ntargets:\n  w: ${TARGETS[engine]()}\nonline: {type: sqlite, path: online.sqlite}\n`,
      "definitions/d.yml": `entities:
  - {name: user, join_keys: [{name: user_id, type: int64}]}
sources:
  - {name: clicks, path: ../data/clicks.csv, timestamp: ts, created_timestamp: ts}
feature_views:
  - {name: stats, entities: [user], source: clicks, features: [{name: n, type: int64}]}
`,
      "data/clicks.csv": "user_id,ts,n\n1,2025-01-01 00:00:00,3\n1,2025-01-02 00:00:00,5\n2,2025-01-01 12:00:00,7\n",
    });
    dirs.push(dir);
    await run({ projectDir: dir });
    const m = await materialize({ projectDir: dir, end: "2025-01-03" });
    expect(m.views.map((v) => [v.view, v.rows])).toEqual([["stats", 2]]);
    await load({ projectDir: dir });
    const r = await get({ projectDir: dir, features: ["stats:n"], entityRows: [{ user_id: 1 }, { user_id: 2 }], at: "2025-01-03" });
    expect(r.rows.map((row) => [row.features.n!.value, row.features.n!.eventTimestamp])).toEqual([
      [5n, "2025-01-02T00:00:00Z"],
      [7n, "2025-01-01T12:00:00Z"],
    ]);
  });

  it("verify compares features whose full names clash (a:b__c and a__b:c) without a clash of its own", async () => {
    const dir = tempProject({
      "fcompile.yaml": `name: t\ntarget: w\ntargets:\n  w: ${TARGETS[engine]()}\nonline: {type: sqlite, path: online.sqlite}\n`,
      "definitions/d.yml": `entities:
  - {name: user, join_keys: [{name: user_id, type: int64}]}
sources:
  - {name: clicks, path: ../data/clicks.csv, timestamp: ts}
feature_views:
  - {name: a, entities: [user], source: clicks, features: [{name: b__c, type: int64}]}
  - {name: a__b, entities: [user], source: clicks, features: [{name: c, type: int64}]}
`,
      "data/clicks.csv": "user_id,ts,b__c,c\n1,2025-01-01 00:00:00,3,30\n2,2025-01-01 12:00:00,7,70\n",
    });
    dirs.push(dir);
    await run({ projectDir: dir });
    await materialize({ projectDir: dir, end: "2025-01-02" });
    await load({ projectDir: dir });
    const r = await verify({ projectDir: dir, end: "2025-01-02" });
    expect(r.mismatches).toEqual([]);
    expect([r.entities, r.features, r.compared]).toEqual([2, 2, 4]);
  });
});
