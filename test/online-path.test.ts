/**
 * The whole loop on the sample project on every warehouse × online store: materialize, load, get,
 * and verify with zero mismatches (docs/semantics.md, "Online"); once through the CLI as a user
 * runs it, the other combinations through the same command functions in-process.
 */
import { STORE_TYPES, TEST_STORES } from "./helpers/online-stores.js";
import type { OnlineStoreType } from "../src/online/stores.js";
import { execFile, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PG_URL, dropSchemas, testSchema } from "./helpers/postgres.js";
import { REDIS_URL, deleteProjectKeys } from "./helpers/redis.js";
import { build, get, load, materialize, run as runProject, verify } from "../src/index.js";

const bin = path.resolve("bin/fcompile");
let base: string;
const schemas: string[] = [];
const projects: string[] = [];

beforeAll(() => {
  base = mkdtempSync(path.join(tmpdir(), "fc-online-"));
  const src = path.join(base, "template");
  cpSync("sample_project", src, { recursive: true, filter: (p) => !/(data|target|out|warehouse\.duckdb.*|online\.sqlite.*)$/.test(p) });
  const gen = spawnSync(process.execPath, ["generate-data.mjs", "--seed", "11", "--scale", "1"], { cwd: src, encoding: "utf8" });
  expect(gen.status, gen.stderr).toBe(0);
});
afterAll(async () => {
  await dropSchemas(...schemas);
  for (const p of projects) await deleteProjectKeys(p);
  rmSync(base, { recursive: true, force: true });
});

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking the test worker (a blocked worker loses touch with vitest). */
function cli(dir: string, args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: dir, encoding: "utf8", maxBuffer: 1 << 26 }, (err, stdout, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? 2) : 0, stdout, stderr }),
    );
  });
}

function setUp(warehouse: "duckdb" | "postgres", store: OnlineStoreType, tag = ""): { dir: string; run: (...a: string[]) => Promise<Ran> } {
  const name = `t_online_${warehouse}_${store}${tag}_${process.pid}`;
  const schema = testSchema("fc_online");
  schemas.push(schema);
  projects.push(name);
  const dir = path.join(base, name);
  cpSync(path.join(base, "template"), dir, { recursive: true });
  const target =
    warehouse === "duckdb" ? "{type: duckdb, path: warehouse.duckdb}" : `{type: postgres, url: "${PG_URL}", schema: ${schema}}`;
  const online = TEST_STORES[store].yaml;
  const yaml = readFileSync(path.join(dir, "fcompile.yaml"), "utf8");
  writeFileSync(
    path.join(dir, "fcompile.yaml"),
    `name: ${name}\ndefinitions: [definitions]\ntarget: w\ntargets:\n  w: ${target}\nonline: ${online}\n`,
  );
  expect(yaml).toMatch(/^name: shop/m);
  return { dir, run: (...a) => cli(dir, a) };
}

/** The online store of a set-up project: rewrites its `online:` line (the warehouse stays). */
function useStore(dir: string, store: OnlineStoreType): void {
  const file = path.join(dir, "fcompile.yaml");
  writeFileSync(file, readFileSync(file, "utf8").replace(/^online: .*$/m, `online: ${TEST_STORES[store].yaml}`));
}

const ENDS = ["2025-07-01", "2025-08-15T12:00:00Z"];
const GET_AT = "2025-08-15T12:00:00Z";

interface Read {
  featureNames: string[];
  rows: { features: Record<string, { status: string }> }[];
}

// One project per warehouse, built and run once; each store then gets the whole online loop on it.
// The first store on DuckDB runs each step once through the CLI as a user does (its output lines
// and exit codes; the second end in-process); the other combinations call the same command functions in-process, which checks
// the same results without a Node and DuckDB start per step.
for (const warehouse of ["duckdb", "postgres"] as const) {
  describe(`${warehouse} → every online store`, () => {
    let dir: string;
    let run: (...a: string[]) => Promise<Ran>;
    beforeAll(async () => {
      ({ dir, run } = setUp(warehouse, STORE_TYPES[0]!));
      if (warehouse === "duckdb") {
        for (const cmd of [["build"], ["run"]]) {
          const r = await run(...cmd);
          expect(r.status, String(r.stderr)).toBe(0);
        }
      } else {
        expect((await build({ projectDir: dir })).ok).toBe(true);
        await runProject({ projectDir: dir });
      }
    });

    for (const store of STORE_TYPES) {
      const viaCli = warehouse === "duckdb" && store === STORE_TYPES[0];
      it(`${store}: materialize, load, get and verify agree with training${viaCli ? " (through the CLI)" : ""}`, async () => {
        useStore(dir, store);
        for (const end of ENDS) {
          if (viaCli && end === ENDS[0]) {
            const m = await run("materialize", "--end", end);
            expect(m.status, String(m.stderr)).toBe(0);
            expect(String(m.stdout)).toMatch(/materialize ok: 3 views, \d+ rows/);
            const l = await run("load");
            expect(l.status, String(l.stderr)).toBe(0);
            expect(String(l.stdout)).toMatch(/^load ok: 3 views, [\d,]+ rows into /);
            const v = await run("verify", "--end", end, "--sample", "300");
            expect(v.status, `${v.stdout}\n${v.stderr}`).toBe(0);
            expect(String(v.stdout)).toMatch(
              /verify ok: \d+ values of 300 entities compared at the end(?: and \d+ later read times \(aggregation views\))? \(\d+ PRESENT.*\), 0 mismatches/,
            );
          } else {
            const m = await materialize({ projectDir: dir, end });
            expect(m.views).toHaveLength(3);
            expect(m.views.every((v) => v.rows > 0)).toBe(true);
            const l = await load({ projectDir: dir, graceMs: 0 });
            expect(l.views.map((v) => v.rows)).toEqual(m.views.map((v) => v.rows));
            const v = await verify({ projectDir: dir, end, sample: 300 });
            expect(v.entities).toBe(300);
            expect(v.statuses.PRESENT).toBeGreaterThan(0);
            expect(v.compared).toBeGreaterThan(0);
            expect(v.mismatches).toEqual([]);
          }
        }
        let out: Read;
        let nowOut: Read;
        if (viaCli) {
          const g = await run(
            "get",
            "--service",
            "churn_model",
            "--entity",
            "customer_id=1002",
            "--entity",
            "customer_id=424242",
            "--at",
            GET_AT,
          );
          expect(g.status, String(g.stderr)).toBe(0);
          out = JSON.parse(String(g.stdout)) as Read;
          // Read now instead of at the end time: the 2-day ttl has long passed.
          const now = await run("get", "--features", "customer_daily_stats:days_since_last_order", "--entity", "customer_id=1002");
          nowOut = JSON.parse(String(now.stdout)) as Read;
        } else {
          const entityRows = [{ customer_id: "1002" }, { customer_id: "424242" }];
          out = await get({ projectDir: dir, service: "churn_model", entityRows, at: GET_AT });
          nowOut = await get({
            projectDir: dir,
            features: ["customer_daily_stats:days_since_last_order"],
            entityRows: [{ customer_id: "1002" }],
          });
        }
        expect(out.featureNames).toHaveLength(5);
        expect(Object.values(out.rows[0]!.features).some((f) => f.status === "PRESENT")).toBe(true);
        // An unknown customer: NOT_FOUND in the point-in-time views; an empty window in the
        // aggregation view (a count of nothing is 0, the others NULL), as training gives.
        const unknown = out.rows[1]!.features as Record<string, { status: string; value?: unknown; eventTimestamp?: unknown }>;
        expect({ ...unknown.total_orders_30d, value: Number(unknown.total_orders_30d!.value) }).toEqual({
          value: 0,
          eventTimestamp: null,
          status: "PRESENT",
        });
        expect(unknown.lifetime_value).toEqual({ value: null, eventTimestamp: null, status: "NULL_VALUE" });
        expect(unknown.days_since_last_order!.status).toBe("NOT_FOUND");
        expect(unknown.customer_segment!.status).toBe("NOT_FOUND");
        expect(["OUTSIDE_MAX_AGE", "NOT_FOUND"]).toContain(nowOut.rows[0]!.features.days_since_last_order!.status);
      }, 60_000);
    }
  });
}

/** Builds, runs, materializes at `end` and loads the project in-process (the set-up of a CLI check). */
async function loaded(dir: string, end: string): Promise<void> {
  expect((await build({ projectDir: dir })).ok).toBe(true);
  await runProject({ projectDir: dir });
  await materialize({ projectDir: dir, end });
  await load({ projectDir: dir, graceMs: 0 });
}

describe("verify checks what is loaded (through the CLI: its message and exit code)", () => {
  it("refuses an --end other than the loaded one, saying which end is loaded and what to run", async () => {
    const { dir, run } = setUp("duckdb", "sqlite", "_end");
    await loaded(dir, "2025-07-01");
    // Materialize a later end without loading it: the online store is still at 2025-07-01.
    await materialize({ projectDir: dir, end: "2025-08-15" });
    const v = await run("verify", "--end", "2025-08-15", "--sample", "50");
    expect(v.status).toBe(1);
    expect(v.stderr).toMatch(/view 'customer_\w+' is loaded as of 2025-07-01 00:00:00, not 2025-08-15 00:00:00/);
    expect(v.stderr).toContain("Run 'fcompile materialize --end 2025-08-15' and 'fcompile load' first");
    expect(v.stdout).toBe("");
  }, 60_000);

  it("exits 1 and names the entity and feature when the online store holds other values than training", async () => {
    const { dir, run } = setUp("duckdb", "redis", "_mm");
    await loaded(dir, "2025-07-01");
    // Other raw data, loaded into the warehouse but not materialized and loaded online: training moves, online does not.
    const gen = spawnSync(process.execPath, ["generate-data.mjs", "--seed", "12", "--scale", "1"], { cwd: dir, encoding: "utf8" });
    expect(gen.status, gen.stderr).toBe(0);
    await runProject({ projectDir: dir });
    const v = await run("verify", "--end", "2025-07-01", "--sample", "200");
    expect(v.status, v.stderr).toBe(1);
    expect(String(v.stdout)).toMatch(
      /^mismatch: \{"customer_id":\d+\} customer_\w+:\w+: training .*, online .* \((PRESENT|NOT_FOUND|NULL_VALUE|OUTSIDE_MAX_AGE)\)$/m,
    );
    expect(String(v.stdout)).toMatch(/verify FAILED: .* of 200 entities .* [1-9]\d* mismatches/);
    const redis = new Redis(REDIS_URL);
    expect(await redis.exists(`fc:t_online_duckdb_redis_mm_${process.pid}:pointer`)).toBe(1);
    redis.disconnect();
  }, 60_000);
});
