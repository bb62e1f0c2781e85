#!/usr/bin/env node
// The whole loop on the embedded defaults: generate data, build, run, test the data, train, materialize, load
// into the embedded online store, read online, push a new order, and check online against training.
// Usage: npm run demo [-- --scale N]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const fcompile = path.join(root, "bin", "fcompile");
const scaleArg = process.argv.indexOf("--scale");
const scale = scaleArg > 0 ? process.argv[scaleArg + 1] : "1";

function step(title, cmd, args) {
  process.stdout.write(
    `\n\x1b[1m$ ${[cmd === process.execPath ? "node" : cmd, ...args].map((a) => (a.includes(" ") ? JSON.stringify(a) : a)).join(" ")}\x1b[0m   # ${title}\n`,
  );
  const r = spawnSync(cmd, args, { cwd: here, stdio: "inherit" });
  if (r.status !== 0) {
    process.stderr.write(`\ndemo stopped: '${title}' failed (exit code ${r.status}).\n`);
    process.exit(r.status ?? 2);
  }
}

// A fresh warehouse each time, so the demo is the same on every run.
for (const f of ["warehouse.duckdb", "warehouse.duckdb.wal", "online.sqlite", "online.sqlite-wal", "online.sqlite-shm"])
  rmSync(path.join(here, f), { force: true });
if (!existsSync(path.join(here, "out"))) mkdirSync(path.join(here, "out"));

step("generate the raw data (seeded)", process.execPath, ["generate-data.mjs", "--seed", "42", "--scale", scale]);
step("validate and compile the definitions", process.execPath, [fcompile, "build"]);
step("load the file sources and build the SQL feature views in DuckDB", process.execPath, [fcompile, "run"]);
step(
  "data tests, drift against the saved profile of November 2025 (profiles/), and freshness, on the last 30 days (the data ends on 2026-01-01)",
  process.execPath,
  [fcompile, "test", "--at", "2026-01-01", "--window", "30d"],
);
step("a point-in-time correct training set for the churn model", process.execPath, [
  fcompile,
  "train",
  "--service",
  "churn_model",
  "--entities",
  "data/churn_labels.csv",
  "--out",
  "out/churn_training.parquet",
]);

// A few rows of the result, read back with DuckDB.
const { DuckDBInstance } = await import("@duckdb/node-api");
const db = await DuckDBInstance.create(":memory:");
const conn = await db.connect();
const result = await conn.runAndReadAll(
  `SELECT * FROM read_parquet('${path.join(here, "out/churn_training.parquet").replace(/'/g, "''")}') LIMIT 8`,
);
const columns = result.columnNames();
const cells = [
  columns,
  ...result
    .getRowsJS()
    .map((r) =>
      r.map((v) =>
        v === null
          ? "NULL"
          : v instanceof Date
            ? v.toISOString().replace("T", " ").slice(0, 19)
            : typeof v === "number"
              ? String(Math.round(v * 100) / 100)
              : String(v),
      ),
    ),
];
const widths = columns.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
process.stdout.write("\nFirst rows of out/churn_training.parquet:\n");
for (const [n, r] of cells.entries()) {
  process.stdout.write("  " + r.map((c, i) => c.padEnd(widths[i])).join("  ") + "\n");
  if (n === 0) process.stdout.write("  " + widths.map((w) => "-".repeat(w)).join("  ") + "\n");
}
conn.closeSync();

// The serving half: the same definitions, materialized as of an end time and loaded online.
const END = "2025-08-15";
step(`the latest feature values per customer as of ${END}`, process.execPath, [fcompile, "materialize", "--end", END]);
step("push them into the embedded online store (online.sqlite)", process.execPath, [fcompile, "load"]);
step("an online read as of the end time (ttl and aggregation windows are evaluated then)", process.execPath, [
  fcompile,
  "get",
  "--features",
  "customer_orders:total_orders_30d,customer_profile:customer_segment",
  "--entity",
  "customer_id=1002",
  "--at",
  END,
]);
step("the same read 20 days later: the 30-day window has moved on, with no new materialization", process.execPath, [
  fcompile,
  "get",
  "--features",
  "customer_orders:total_orders_30d,customer_orders:lifetime_value",
  "--entity",
  "customer_id=1002",
  "--at",
  "2025-09-04",
]);
// A new order arrives after the materialization: pushed, it counts online at once (and is appended
// where training reads orders, so training and serving still agree).
writeFileSync(path.join(here, "data/new_order.csv"), "order_id,customer_id,order_ts,amount\n900000001,1002,2025-08-20 10:00:00,42.50\n");
step("push a new order of customer 1002, online and offline", process.execPath, [
  fcompile,
  "push",
  "--source",
  "orders",
  "--file",
  "data/new_order.csv",
  "--to",
  "online_and_offline",
]);
step("the same read again: the pushed order is counted", process.execPath, [
  fcompile,
  "get",
  "--features",
  "customer_orders:total_orders_30d,customer_orders:lifetime_value",
  "--entity",
  "customer_id=1002",
  "--at",
  "2025-09-04",
]);
step("check online against training for 500 customers, pushed order included: zero mismatches expected", process.execPath, [
  fcompile,
  "verify",
  "--end",
  END,
  "--sample",
  "500",
]);
step("a catalog of the features anyone can browse offline (search, owners, tests, distributions, lineage)", process.execPath, [
  fcompile,
  "docs",
]);
process.stdout.write(
  "\nCompiled SQL you can read and run yourself: sample_project/target/compiled/duckdb/\n" +
    "Registry: sample_project/target/manifest.json; typed client accessors: sample_project/target/client/\n" +
    'Read from your code: import { createOnlineClient } from "fcompile/client"\n' +
    "Browse the catalog: open sample_project/target/docs/index.html (or: cd sample_project && ../bin/fcompile docs --serve)\n",
);
