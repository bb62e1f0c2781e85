/**
 * `verify` on a view with `hop:` (docs/aggregations.md, "Hop"): it compares each online value with
 * training over the widened window [floor_hop(t − w), t) at the end and at later read times, and
 * finds 0 mismatches on DuckDB and PostgreSQL — while the same reads differ from the exact view's
 * (so the check is not trivially met), and an exact view still verifies beside it.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOnlineClient } from "../src/client/index.js";
import { build, load, materialize, run as runProject, verify } from "../src/index.js";
import { PG_URL, dropSchemas, testSchema } from "./helpers/postgres.js";
import { TEST_STORES } from "./helpers/online-stores.js";

let base: string;
const schemas: string[] = [];
const projects: string[] = [];

beforeAll(() => {
  base = mkdtempSync(path.join(tmpdir(), "fc-hopverify-"));
  const src = path.join(base, "template");
  cpSync("sample_project", src, { recursive: true, filter: (p) => !/(data|target|out|warehouse\.duckdb.*|online\.sqlite.*)$/.test(p) });
  const gen = spawnSync(process.execPath, ["generate-data.mjs", "--seed", "5", "--scale", "0.3"], { cwd: src, encoding: "utf8" });
  expect(gen.status, gen.stderr).toBe(0);
  // The sample's order aggregates again, served with a 1-day hop, over the orders file as a batch
  // source (no pushes here; a hop view after pushes is verified in test/push-verify.test.ts).
  writeFileSync(
    path.join(src, "definitions", "customer_orders_hop.yml"),
    [
      "sources:",
      "  - {name: orders_batch, path: ../data/orders.csv, timestamp: order_ts}",
      "feature_views:",
      "  - name: customer_orders_hop",
      "    entities: [customer]",
      "    source: orders_batch",
      "    hop: 1d",
      "    aggregations:",
      "      - {name: orders_30d, function: count, window: 30d}",
      "      - {name: orders_2d, function: count, window: 2d}",
      "      - {name: amount_sum_30d, function: sum, column: amount, window: 30d}",
      "      - {name: amount_avg_7d, function: avg, column: amount, window: 7d}",
      "      - {name: amount_stddev_30d, function: stddev, column: amount, window: 30d}",
      "      - {name: amount_min_7d, function: min, column: amount, window: 7d}",
      "      - {name: amount_max_30d, function: max, column: amount, window: 30d, filter: 'amount < 500'}",
      "      - {name: last_order_7d, function: last, column: order_id, window: 7d}",
      "      - {name: lifetime_orders, function: count, window: lifetime}",
      "",
    ].join("\n"),
  );
});
afterAll(async () => {
  await dropSchemas(...schemas);
  for (const p of projects) await TEST_STORES.sqlite.cleanup(p);
  rmSync(base, { recursive: true, force: true });
});

describe("verify checks a hop view against training over its widened windows", () => {
  for (const warehouse of ["duckdb", "postgres"] as const) {
    it(`${warehouse}: 0 mismatches, at an end with microseconds, while exact and hop values differ`, async () => {
      const name = `t_hopverify_${warehouse}_${process.pid}`;
      projects.push(name);
      const schema = testSchema("fc_hopverify");
      schemas.push(schema);
      const dir = path.join(base, name);
      cpSync(path.join(base, "template"), dir, { recursive: true });
      const target =
        warehouse === "duckdb" ? "{type: duckdb, path: warehouse.duckdb}" : `{type: postgres, url: "${PG_URL}", schema: ${schema}}`;
      writeFileSync(
        path.join(dir, "fcompile.yaml"),
        `name: ${name}\ndefinitions: [definitions]\ntarget: w\ntargets:\n  w: ${target}\nonline: ${TEST_STORES.sqlite.yaml}\n`,
      );
      expect((await build({ projectDir: dir })).ok).toBe(true);
      await runProject({ projectDir: dir });
      const end = "2025-08-15T12:34:56.789012Z";
      await materialize({ projectDir: dir, end });
      await load({ projectDir: dir, graceMs: 0 });
      const v = await verify({ projectDir: dir, end, sample: 150 });
      expect(v.mismatches).toEqual([]);
      expect(v.statuses.PRESENT).toBeGreaterThan(0);
      // The approximation shows: the hop view's 2-day count differs from the exact count for some entities.
      const client = await createOnlineClient({ project: name, store: TEST_STORES.sqlite.config(dir) as never });
      try {
        const rows = Array.from({ length: 300 }, (_, i) => ({ customer_id: 1001 + i }));
        const res = await client.getOnlineFeatures({
          features: ["customer_orders_hop:orders_30d", "customer_orders:total_orders_30d"],
          entityRows: rows,
          at: "2025-08-16T18:00:00Z",
        });
        const differ = res.rows.filter((r) => {
          const f = r.features as Record<string, { value: unknown }>;
          return Number(f.orders_30d!.value) !== Number(f.total_orders_30d!.value);
        });
        expect(differ.length).toBeGreaterThan(0);
        // Never fewer: the widened window only adds events.
        for (const r of res.rows) {
          const f = r.features as Record<string, { value: unknown }>;
          expect(Number(f.orders_30d!.value)).toBeGreaterThanOrEqual(Number(f.total_orders_30d!.value));
        }
      } finally {
        await client.close();
      }
    });
  }
});
