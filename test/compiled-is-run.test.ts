/**
 * The compiled SQL is the SQL that runs: what `run` and `materialize` send to the warehouse equals
 * the statements of the files `build` wrote under target/compiled/<dialect>/, statement by
 * statement, on every target type. Only data streaming (the file behind a COPY … FROM STDIN) and
 * run-time parameters (the end and start time) come from elsewhere.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { build, materialize, run } from "../src/index.js";
import { splitStatements } from "../src/compile/sql-script.js";
import { TARGETS } from "../src/warehouse/targets.js";
import type { ExecutedStatement } from "../src/warehouse/warehouse.js";
import { PG_URL, dropSchemas, testSchema } from "./helpers/postgres.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";

const schemas: string[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await dropSchemas(...schemas);
  dirs.forEach(removeProject);
});

/** A target of each type, on the test's own schema or file ("compile-only" for a type with no runner). */
const TARGET_YAML: Record<keyof typeof TARGETS, ((schema: string) => string) | "compile-only"> = {
  duckdb: () => "{type: duckdb, path: warehouse.duckdb}",
  postgres: (schema) => `{type: postgres, url: "${PG_URL}", schema: ${schema}}`,
};
const RUNNABLE = (Object.keys(TARGETS) as (keyof typeof TARGETS)[]).filter((t) => TARGET_YAML[t] !== "compile-only");

function project(type: keyof typeof TARGETS): string {
  const schema = testSchema("fc_compiled");
  schemas.push(schema);
  const yaml = TARGET_YAML[type];
  if (yaml === "compile-only") throw new Error(`${type} is compile-only`);
  const dir = tempProject({
    "fcompile.yaml": `name: t\ntarget: w\ntargets:\n  w: ${yaml(schema)}\n`,
    "definitions/d.yml": `entities:
  - {name: user, join_keys: [user_id]}
sources:
  - {name: clicks, path: ../data/clicks.csv, timestamp: ts, created_timestamp: created}
feature_views:
  - {name: raw_clicks, entities: [user], source: clicks, ttl: 2d, features: [{name: clicks, type: int64}, {name: label, type: string}]}
  - {name: doubled, entities: [user], sql: doubled.sql, timestamp: ts, features: [{name: twice, type: int64}]}
feature_services:
  - {name: s, features: ["raw_clicks:*", "doubled:twice"]}
`,
    // A `;` in a string and a trailing comment: the statements still split where they end.
    "definitions/doubled.sql": "SELECT user_id, ts, clicks * 2 AS twice FROM {{source \"clicks\"}} WHERE label <> 'a;b' -- not that one\n",
    "data/clicks.csv":
      "user_id,ts,created,clicks,label\n1,2025-01-01 00:00:00,2025-01-01 00:00:00,3,x\n2,2025-01-01 00:00:00,,4,a;b\n1,2025-01-02 06:00:00,,5,y\n",
  });
  dirs.push(dir);
  return dir;
}

/** The statements of compiled files, in order. */
function compiled(dir: string, files: string[]): string[] {
  return files.flatMap((f) => splitStatements(readFileSync(path.join(dir, "target/compiled", f), "utf8")));
}

function recorder(): { log: ExecutedStatement[]; onStatement: (s: ExecutedStatement) => void } {
  const log: ExecutedStatement[] = [];
  return { log, onStatement: (s) => log.push(s) };
}

const sqlOf = (log: ExecutedStatement[]): string[] => log.flatMap((s) => (s.kind === "parameter" ? [] : [s.sql]));

describe.each(RUNNABLE)("compiled files are what runs: %s", (type) => {
  it("run executes target/compiled/<dialect>/run/*.sql in file order, streaming only the data files", async () => {
    const dir = project(type);
    const b = await build({ projectDir: dir });
    expect(b.diagnostics).toEqual([]);
    const dialect = TARGETS[type].dialect;
    const runDir = path.join(dir, "target/compiled", dialect, "run");
    const files = readdirSync(runDir)
      .sort()
      .map((f) => `${dialect}/run/${f}`);
    const r = recorder();
    await run({ projectDir: dir, onStatement: r.onStatement });
    expect(sqlOf(r.log)).toEqual(compiled(dir, files));
    // Data comes in only through COPY … FROM STDIN, on engines that do not read files themselves.
    const streams = r.log.filter((s) => s.kind === "stream");
    expect(streams.map((s) => (s.kind === "stream" ? s.data : ""))).toEqual(dialect === "postgres" ? ["data/clicks.csv"] : []);
    for (const s of streams) expect(s.kind === "stream" && /^COPY .* FROM STDIN/m.test(s.sql)).toBe(true);
  });

  it("materialize executes _begin.sql, each view's file of its mode, _commit.sql; parameters are the end and start", async () => {
    const dir = project(type);
    await build({ projectDir: dir });
    await run({ projectDir: dir });
    const dialect = TARGETS[type].dialect;
    const m = (f: string): string => `${dialect}/materialize/${f}`;
    const cases: { opts: Parameters<typeof materialize>[0]; files: string[]; params: string[] }[] = [
      { opts: { projectDir: dir, end: "2025-01-02" }, files: ["raw_clicks.sql", "doubled.sql"], params: ["fc_end", "fc_end"] },
      {
        opts: { projectDir: dir, end: "2025-01-03", incremental: true },
        files: ["raw_clicks.incremental.sql", "doubled.incremental.sql"],
        params: ["fc_end", "fc_start", "fc_end", "fc_start"],
      },
      {
        opts: { projectDir: dir, end: "2025-01-03", start: "2025-01-01T12:00:00", views: ["doubled"] },
        files: ["doubled.incremental.sql"],
        params: ["fc_end", "fc_start"],
      },
    ];
    for (const c of cases) {
      const r = recorder();
      const result = await materialize({ ...c.opts, onStatement: r.onStatement });
      expect(sqlOf(r.log)).toEqual(compiled(dir, ["_begin.sql", ...c.files, "_commit.sql"].map(m)));
      expect(r.log.flatMap((s) => (s.kind === "parameter" ? [s.name] : []))).toEqual(c.params);
      expect(result.views.every((v) => v.rows > 0)).toBe(true);
    }
    // A window run (--start, nothing to merge) uses the .window file.
    const fresh = project(type);
    await build({ projectDir: fresh });
    await run({ projectDir: fresh });
    const r = recorder();
    await materialize({ projectDir: fresh, end: "2025-01-03", start: "2025-01-02", views: ["raw_clicks"], onStatement: r.onStatement });
    expect(sqlOf(r.log)).toEqual(compiled(fresh, ["_begin.sql", "raw_clicks.window.sql", "_commit.sql"].map(m)));
  });
});
