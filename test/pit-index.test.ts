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

describe("pitIndexFacts: whether train finds the index its lookups walk, and a guarantee that (keys, ts) is unique", () => {
  it("PostgreSQL: a valid, non-partial btree index on (keys in any order, timestamp) first; nothing else", async () => {
    const { PostgresWarehouse } = await import("../src/warehouse/postgres.js");
    const { PG_URL, dropSchemas, testSchema, withPg } = await import("./helpers/postgres.js");
    const s = testSchema("fc_pitidx");
    const q = (t: string): string => `"${s}"."${t}"`;
    try {
      await withPg(async (c) => {
        await c.query(`CREATE SCHEMA "${s}"`);
        for (const t of [
          "plain",
          "reversed",
          "partial",
          "expr",
          "none",
          "wider",
          "composite",
          "hashed",
          "Mixed",
          "pk",
          "uniq_rev",
          "uniq_key",
          "uniq_part",
          "uniq_wider",
          "uniq_expr",
        ]) {
          const cols =
            t === "composite"
              ? "a bigint, b text, ts timestamp, f double precision"
              : t === "Mixed"
                ? `"UserId" bigint, "Ts" timestamp`
                : "user_id bigint, ts timestamp, f double precision";
          await c.query(`CREATE TABLE ${q(t)} (${cols})`);
        }
        await c.query(`CREATE INDEX ON ${q("plain")} (user_id, ts)`);
        await c.query(`CREATE INDEX ON ${q("reversed")} (ts, user_id)`);
        await c.query(`CREATE INDEX ON ${q("partial")} (user_id, ts) WHERE ts > '2020-01-01'`);
        await c.query(`CREATE INDEX ON ${q("expr")} (user_id, (ts + interval '1 hour'))`);
        await c.query(`CREATE INDEX ON ${q("wider")} (user_id, ts, f) INCLUDE (f)`);
        await c.query(`CREATE INDEX ON ${q("composite")} (b, a, ts) INCLUDE (f)`);
        await c.query(`CREATE INDEX ON ${q("hashed")} USING hash (user_id)`);
        await c.query(`CREATE INDEX ON ${q("Mixed")} ("UserId", "Ts")`);
        await c.query(`CREATE VIEW ${q("a_view")} AS SELECT * FROM ${q("plain")}`);
        // Unique: a PRIMARY KEY, a unique index in another column order, one on the key alone.
        await c.query(`ALTER TABLE ${q("pk")} ADD PRIMARY KEY (user_id, ts)`);
        await c.query(`CREATE UNIQUE INDEX ON ${q("uniq_rev")} (ts, user_id)`);
        await c.query(`CREATE UNIQUE INDEX ON ${q("uniq_key")} (user_id)`);
        // Not a guarantee on (keys, ts): partial, wider than (keys, ts), over an expression.
        await c.query(`CREATE UNIQUE INDEX ON ${q("uniq_part")} (user_id, ts) WHERE f > 0`);
        await c.query(`CREATE UNIQUE INDEX ON ${q("uniq_wider")} (user_id, ts, f)`);
        await c.query(`CREATE UNIQUE INDEX ON ${q("uniq_expr")} (user_id, (ts + interval '1 hour'))`);
      });
      const reg = { sources: new Map(), views: new Map(), entities: new Map(), services: new Map() } as unknown as Registry;
      const wh = await PostgresWarehouse.open({ name: "pg", type: "postgres", url: PG_URL, schema: s } as never, reg);
      try {
        const has = async (t: string, keys: string[], ts: string) => (await wh.pitIndexFacts(q(t), keys, ts)).lookup;
        const unique = async (t: string) => (await wh.pitIndexFacts(q(t), ["user_id"], "ts")).unique;
        expect(await has("plain", ["user_id"], "ts")).toBe(true);
        expect(await has("reversed", ["user_id"], "ts")).toBe(false);
        expect(await has("partial", ["user_id"], "ts")).toBe(false);
        expect(await has("expr", ["user_id"], "ts")).toBe(false);
        expect(await has("none", ["user_id"], "ts")).toBe(false);
        expect(await has("wider", ["user_id"], "ts")).toBe(true);
        expect(await has("composite", ["a", "b"], "ts")).toBe(true);
        expect(await has("composite", ["a"], "ts")).toBe(false);
        expect(await has("hashed", ["user_id"], "ts")).toBe(false);
        expect(await has("Mixed", ["UserId"], "Ts")).toBe(true);
        expect(await has("Mixed", ["userid"], "ts")).toBe(false);
        expect(await has("a_view", ["user_id"], "ts")).toBe(false);
        expect(await has("no_such_table", ["user_id"], "ts")).toBe(false);
        expect(await has("pk", ["user_id"], "ts")).toBe(true);
        expect(await has("uniq_rev", ["user_id"], "ts")).toBe(false);
        for (const t of ["pk", "uniq_rev", "uniq_key"]) expect(await unique(t), t).toBe(true);
        for (const t of ["plain", "partial", "uniq_part", "uniq_wider", "uniq_expr", "a_view", "no_such_table"])
          expect(await unique(t), t).toBe(false);
        expect((await wh.pitIndexFacts(q("composite"), ["a", "b"], "ts")).unique).toBe(false);
      } finally {
        await wh.close();
      }
    } finally {
      await dropSchemas(s);
    }
  });

  it("DuckDB: reads duckdb_indexes() and duckdb_constraints() (its training query needs no index; a unique one drops the dedup)", async () => {
    const { DuckDbWarehouse } = await import("../src/warehouse/duckdb.js");
    const dir = tempProject({});
    dirs.push(dir);
    const wh = await DuckDbWarehouse.open({ name: "local", type: "duckdb", path: ":memory:", schema: "t" } as never, dir);
    try {
      const run = (sql: string) => (wh as unknown as { exec(s: string): Promise<number> }).exec(sql);
      await run(`CREATE SCHEMA raw`);
      await run(`CREATE TABLE raw.stats (user_id BIGINT, ts TIMESTAMP, f DOUBLE)`);
      const facts = (t: string, keys = ["user_id"], ts = "ts") => wh.pitIndexFacts(t, keys, ts);
      expect(await facts('"raw"."stats"')).toEqual({ lookup: false, unique: false });
      await run(`CREATE INDEX stats_ix ON raw.stats (user_id, ts)`);
      expect(await facts('"raw"."stats"')).toEqual({ lookup: true, unique: false });
      expect((await facts('"raw"."stats"', ["ts"], "user_id")).lookup).toBe(false);
      expect(await facts('"raw"."other"')).toEqual({ lookup: false, unique: false });
      await run(`CREATE TABLE raw.pk (user_id BIGINT, ts TIMESTAMP, f DOUBLE, PRIMARY KEY (user_id, ts))`);
      await run(`CREATE TABLE raw.uq (user_id BIGINT, ts TIMESTAMP, f DOUBLE, UNIQUE (ts, user_id))`);
      await run(`CREATE TABLE raw."Odd t" ("User Id" BIGINT, "t,s" TIMESTAMP)`);
      await run(`CREATE UNIQUE INDEX odd_ix ON raw."Odd t" ("User Id", "t,s")`);
      await run(`CREATE TABLE raw.wide (user_id BIGINT, ts TIMESTAMP, f DOUBLE, UNIQUE (user_id, ts, f))`);
      await run(`CREATE TABLE raw.ex (user_id BIGINT, ts TIMESTAMP)`);
      await run(`CREATE UNIQUE INDEX ex_ix ON raw.ex (user_id, (ts + INTERVAL 1 hour))`);
      expect((await facts('"raw"."pk"')).unique).toBe(true);
      expect((await facts('"raw"."uq"')).unique).toBe(true);
      expect((await facts('"raw"."Odd t"', ["User Id"], "t,s")).unique).toBe(true);
      expect((await facts('"raw"."wide"')).unique).toBe(false);
      expect((await facts('"raw"."ex"')).unique).toBe(false);
    } finally {
      await wh.close();
    }
  });
});
