/**
 * The PostgreSQL point-in-time index (pitIndex): which columns it INCLUDEs, when the training
 * query relies on an index-only lookup, and the advice `build` writes for table sources.
 */
import { afterAll, describe, expect, it } from "vitest";
import { loadProject } from "../src/index.js";
import { indexAdvice } from "../src/compile/compile-project.js";
import { indexOnly, pitIndex, pitIndexes } from "../src/compile/pit-index.js";
import { compileTraining } from "../src/compile/training.js";
import { DIALECTS } from "../src/dialects/index.js";
import type { Registry } from "../src/registry/types.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeProject));

const many = Array.from({ length: 31 }, (_, i) => `{name: f${i}, type: float64}`).join(", ");

async function registry(): Promise<Registry> {
  const dir = tempProject({
    "fcompile.yaml": 'name: t\ntarget: pg\ntargets:\n  pg: {type: postgres, url: "postgres://x@localhost/db", schema: s}\n',
    "definitions/d.yml": `entities:
  - {name: user, join_keys: [user_id]}
sources:
  - {name: events, table: raw.events, timestamp: ts, created_timestamp: loaded_at}
  - {name: wide, table: raw.wide, timestamp: ts}
feature_views:
  - {name: numbers, entities: [user], source: events, features: [{name: n, type: int64}, {name: seen, type: timestamp}]}
  - {name: labels, entities: [user], source: events, features: [{name: label, type: string}]}
  - {name: too_many, entities: [user], source: wide, features: [${many}]}
`,
  });
  dirs.push(dir);
  const { registry, diagnostics } = await loadProject(dir);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return registry;
}

describe("pitIndex", () => {
  it("INCLUDEs the created timestamp and the features, unless a feature is a string or there are more than 32 columns", async () => {
    const reg = await registry();
    const v = (name: string) => reg.views.get(name)!;
    expect(pitIndex(v("numbers"))).toEqual({ key: ["user_id", "ts"], include: ["loaded_at", "n", "seen"] });
    expect(indexOnly(v("numbers"))).toBe(true);
    expect(pitIndex(v("labels"))).toEqual({ key: ["user_id", "ts"], include: [] });
    expect(indexOnly(v("labels"))).toBe(false);
    expect(pitIndex(v("too_many"))).toEqual({ key: ["user_id", "ts"], include: [] });
    expect(indexOnly(v("too_many"))).toBe(false);
    // The key-only index of `labels` is left out: the one of `numbers` has the same key.
    expect(pitIndexes([v("numbers"), v("labels"), v("numbers")])).toEqual([pitIndex(v("numbers"))]);
  });

  it("index advice, and the training query's shape per view", async () => {
    const reg = await registry();
    const t = { dialect: DIALECTS.postgres, schema: "s" };
    const advice = indexAdvice(reg, t)!;
    const statements = advice.split("\n").filter((l) => l.startsWith("CREATE"));
    expect(statements).toEqual([
      expect.stringMatching(
        /^CREATE INDEX IF NOT EXISTS "fc_events_user_id_ts_[0-9a-f]{8}" ON "raw"."events" \("user_id", "ts"\) INCLUDE \("loaded_at", "n", "seen"\);$/,
      ),
      'CREATE INDEX IF NOT EXISTS "fc_wide_user_id_ts" ON "raw"."wide" ("user_id", "ts");',
    ]);
    expect(advice).toContain("-- for feature views numbers, labels\n");
    const sql = (view: string) =>
      compileTraining(reg, t, {
        title: view,
        features: [{ view, feature: reg.views.get(view)!.features[0].name }],
        entities: "e",
        timestampColumn: "event_timestamp",
        fullNames: false,
      });
    expect(sql("numbers")).toContain("FETCH FIRST 1 ROW WITH TIES");
    expect(sql("numbers")).toContain('SELECT "r"."loaded_at", "r"."n", "r"."seen"\n');
    expect(sql("labels")).toContain('SELECT max("m".');
    expect(sql("labels")).not.toContain("WITH TIES");
  });
});
