/**
 * The sample project copied to a temp folder with the inputs `fcompile docs` reads beside the
 * definitions: a saved profile (profiles/*.json, the fixed format of docs/governance.md) and the
 * last test results (target/test_results.json), written here until `fcompile profile` exists.
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const QUANTILES = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];

/** A profile of customer_orders:avg_order_value_30d (numbers) and customer_profile:customer_segment (categories). */
export function profileFixture(name: string, createdAt: string, scale = 1): unknown {
  const edges = [5, 20, 32, 41, 50, 58, 67, 78, 92, 120, 260].map((x) => x * scale);
  const histogram = edges.slice(0, -1).map((lower, i) => ({ lower, upper: edges[i + 1]!, count: 180 + ((i * 37) % 40) }));
  return {
    version: 1,
    name,
    project: "shop",
    target: "local",
    createdAt,
    start: "2025-06-01 00:00:00",
    end: "2025-07-01 00:00:00",
    window: "30d",
    features: {
      "customer_orders:avg_order_value_30d": {
        view: "customer_orders",
        feature: "avg_order_value_30d",
        type: "float64",
        kind: "numeric",
        count: 2200,
        nullCount: 200,
        nullRate: 200 / 2200,
        distinct: 1900,
        min: edges[0],
        max: edges[10],
        mean: 61.2 * scale,
        stddev: 30.5 * scale,
        quantiles: QUANTILES.map((q, i) => ({ q, value: edges[Math.min(10, i + 1)] })),
        histogram,
        topValues: [{ value: 49.99 * scale, count: 12 }],
      },
      "customer_profile:customer_segment": {
        view: "customer_profile",
        feature: "customer_segment",
        type: "string",
        kind: "categorical",
        count: 1000,
        nullCount: 0,
        nullRate: 0,
        distinct: 4,
        min: null,
        max: null,
        topValues: [
          { value: "regular", count: 520 },
          { value: "dormant", count: 240 },
          { value: "new", count: 150 },
          { value: "vip", count: 90 },
        ],
      },
    },
  };
}

/** What `fcompile test` writes to target/test_results.json: one passing and one failing test, freshness of two views. */
export const TEST_RESULTS = {
  project: "shop",
  target: "local",
  at: "2025-07-01 06:00:00",
  start: null,
  generatedAt: "2025-07-01T06:00:03.000Z",
  ok: false,
  tests: [
    {
      view: "customer_orders",
      feature: "avg_order_value_30d",
      name: "avg_order_value_30d_not_null",
      kind: "not_null",
      status: "pass",
      failing: 0,
      sample: [],
      file: "target/compiled/duckdb/test/customer_orders/avg_order_value_30d_not_null.sql",
    },
    {
      view: "customer_orders",
      feature: "avg_order_value_30d",
      name: "avg_order_value_30d_range",
      kind: "range",
      status: "fail",
      failing: 3,
      sample: [],
      file: "target/compiled/duckdb/test/customer_orders/avg_order_value_30d_range.sql",
    },
  ],
  freshness: [
    { view: "customer_orders", status: "pass", newest: "2025-07-01 05:12:00", ageSeconds: 2880, warnAfter: "1d", errorAfter: "3d" },
    { view: "customer_profile", status: "warn", newest: "2025-06-28 00:00:00", ageSeconds: 280800, warnAfter: "2d", errorAfter: "7d" },
  ],
};

/**
 * The sample project (no data, target, warehouse) in a new temp folder, with two saved profiles
 * (the newer one must win) and target/test_results.json; returns the folder.
 */
export function sampleWithCatalogInputs(prefix = "fc-docs-"): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  cpSync("sample_project", dir, { recursive: true, filter: (src) => !/(data|target|out|profiles|warehouse\.duckdb.*)$/.test(src) });
  mkdirSync(path.join(dir, "profiles"));
  writeFileSync(path.join(dir, "profiles", "june.json"), JSON.stringify(profileFixture("june", "2025-07-01T05:00:00Z")));
  writeFileSync(path.join(dir, "profiles", "may.json"), JSON.stringify(profileFixture("may", "2025-06-01T05:00:00Z", 100)));
  mkdirSync(path.join(dir, "target"));
  writeFileSync(path.join(dir, "target", "test_results.json"), JSON.stringify(TEST_RESULTS, null, 2));
  return dir;
}
