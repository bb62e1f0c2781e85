/**
 * The sample project for `fcompile docs` tests, two ways: with its real outputs (generated data,
 * `build`, `run`, `test` against its committed profile), and with hand-written inputs for what
 * the real ones cannot show — two profiles of one feature (the newer wins), a profile with no
 * name and no most frequent values, a failing drift check whose baseline is missing — in the
 * fixed formats of docs/governance.md (profiles/*.json, target/test_results.json).
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { fcompileOk } from "./cli.js";

/** The tested instant and window of the sample's checks, as its demo runs them. */
export const SAMPLE_TEST_ARGS = ["--at", "2026-01-01", "--window", "30d"];

/**
 * The sample project (with its committed profiles/november_2025.json) in a new temp folder, its
 * data generated (`--seed 42 --scale 1`), then `fcompile build`, `run` and `test --at 2026-01-01
 * --window 30d` (so target/test_results.json holds its drift checks); returns the folder.
 * Needs `npm run build`; takes some 20 s.
 */
export async function sampleWithRealOutputs(prefix = "fc-docs-real-"): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  cpSync("sample_project", dir, { recursive: true, filter: (src) => !/(data|target|out|warehouse\.duckdb.*|online\.sqlite.*)$/.test(src) });
  const gen = await new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile(process.execPath, ["generate-data.mjs", "--seed", "42", "--scale", "1"], { cwd: dir }, (err, _out, stderr) =>
      resolve({ code: err ? 1 : 0, stderr }),
    ),
  );
  expect(gen.code, gen.stderr).toBe(0);
  await fcompileOk(dir, "build");
  await fcompileOk(dir, "run");
  await fcompileOk(dir, "test", ...SAMPLE_TEST_ARGS);
  return dir;
}

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
      "customer_orders:lifetime_value": {
        view: "customer_orders",
        feature: "lifetime_value",
        type: "float64",
        kind: "numeric",
        count: 2200,
        nullCount: 0,
        nullRate: 0,
        distinct: 2200,
        min: edges[0]! * 30,
        max: 26000 * scale,
        mean: 1500 * scale,
        stddev: 900 * scale,
        quantiles: QUANTILES.map((q, i) => ({ q, value: (i + 1) * 500 * scale })),
        // No topValues: a profile of many distinct floats need not list them.
        // The last bin runs to 26000: far wider than the others together.
        histogram: edges
          .slice(0, -1)
          .map((lower, i) => ({ lower: lower * 30, upper: i === 9 ? 26000 * scale : edges[i + 1]! * 30, count: 220 })),
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
  start: "2025-06-01 06:00:00",
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
    {
      view: "customer_orders",
      feature: "avg_order_value_30d",
      name: "avg_order_value_30d__drift",
      kind: "drift",
      status: "fail",
      failing: 1,
      psi: 0.4123,
      band: "major",
      ks: 0.3051,
      baseline: "november_2025",
      maxPsi: 0.25,
      maxKs: 0.2,
      sample: [
        { bin: "[66.04588363030516, 78.06718966230378)", expected: 0.1, actual: 0.31 },
        { bin: "[5, 20)", expected: 0.1, actual: 0.02 },
      ],
      file: "target/compiled/duckdb/test/customer_orders/avg_order_value_30d__drift.sql",
    },
    {
      view: "customer_profile",
      name: "unique_per_entity_and_time",
      kind: "unique_per_entity_and_time",
      status: "fail",
      failing: 2,
      sample: [],
      file: "target/compiled/duckdb/test/customer_profile/unique_per_entity_and_time.sql",
    },
  ],
  freshness: [
    { view: "customer_orders", status: "pass", newest: "2025-07-01 05:12:00", ageSeconds: 2880, warnAfter: "1d", errorAfter: "3d" },
    { view: "customer_profile", status: "warn", newest: "2025-06-28 00:00:00", ageSeconds: 280800, warnAfter: "2d", errorAfter: "7d" },
  ],
};

/**
 * The sample project (no data, target, warehouse, nor its own profile) in a new temp folder, with
 * two saved profiles (the newer one must win; it has an empty `name`, so its file's name shows),
 * an older november_2025.json holding customer_segment only (a drift baseline that is not the
 * newest profile; avg_order_value_30d's is missing) and target/test_results.json; returns the
 * folder.
 */
export function sampleWithCatalogInputs(prefix = "fc-docs-"): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  cpSync("sample_project", dir, { recursive: true, filter: (src) => !/(data|target|out|profiles|warehouse\.duckdb.*)$/.test(src) });
  mkdirSync(path.join(dir, "profiles"));
  writeFileSync(path.join(dir, "profiles", "june.json"), JSON.stringify(profileFixture("", "2025-07-01T05:00:00Z")));
  writeFileSync(path.join(dir, "profiles", "may.json"), JSON.stringify(profileFixture("may", "2025-06-01T05:00:00Z", 100)));
  // The drift baseline of the sample's features, holding customer_segment only (and older than june).
  const november = profileFixture("november_2025", "2025-05-01T05:00:00Z") as { features: Record<string, unknown> };
  november.features = { "customer_profile:customer_segment": november.features["customer_profile:customer_segment"] };
  writeFileSync(path.join(dir, "profiles", "november_2025.json"), JSON.stringify(november));
  mkdirSync(path.join(dir, "target"));
  writeFileSync(path.join(dir, "target", "test_results.json"), JSON.stringify(TEST_RESULTS, null, 2));
  return dir;
}
