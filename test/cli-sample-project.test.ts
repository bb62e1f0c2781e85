import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** The CLI end to end on a copy of the sample project, as a user runs it (needs `npm run build`). */
const bin = path.resolve("bin/fcompile");
let dir: string;

function fcompile(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: "utf8" });
}

beforeAll(() => {
  dir = path.join(mkdtempSync(path.join(tmpdir(), "fc-cli-")), "shop");
  cpSync("sample_project", dir, { recursive: true, filter: (src) => !/(data|target|out|warehouse\.duckdb.*)$/.test(src) });
  const gen = spawnSync(process.execPath, ["generate-data.mjs", "--seed", "7", "--scale", "1"], { cwd: dir, encoding: "utf8" });
  expect(gen.status, gen.stderr).toBe(0);
});
afterAll(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

describe("fcompile CLI on the sample project", () => {
  it("--help on every command is useful", () => {
    for (const cmd of [
      [],
      ["build"],
      ["run"],
      ["train"],
      ["init"],
      ["materialize"],
      ["load"],
      ["get"],
      ["verify"],
      ["serve"],
      ["status"],
      ["clean"],
      ["plan"],
      ["ls"],
      ["monitor"],
    ]) {
      const r = fcompile(...cmd, "--help");
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/Usage: fcompile/);
    }
    expect(fcompile("train", "--help").stdout).toMatch(/--entities-sql/);
    expect(fcompile("materialize", "--help").stdout).toMatch(/--load .*then load/);
    expect(fcompile("status", "--help").stdout).toMatch(/load-behind .*another materialization/);
    expect(fcompile("clean", "--help").stdout).toMatch(/never touched/);
    expect(fcompile("plan", "--help").stdout).toMatch(/BREAKING .*removed or retyped feature/);
    expect(fcompile("ls", "--help").stdout).toMatch(/fcompile ls features --owner/);
    expect(fcompile("serve", "--help").stdout).toMatch(/--log-features <file>/);
    expect(fcompile("monitor", "--help").stdout).toMatch(/Exit code: 0 when no feature failed/);
    // Every command is listed in the top-level help.
    const top = fcompile("--help").stdout;
    for (const c of [
      "init",
      "build",
      "run",
      "train",
      "materialize",
      "load",
      "get",
      "verify",
      "serve",
      "status",
      "clean",
      "plan",
      "ls",
      "monitor",
    ])
      expect(top).toMatch(new RegExp(`^  ${c}\\b`, "m"));
  });

  it("init names the project after the folder, says so when the folder name is not one, and checks --name", () => {
    const parent = mkdtempSync(path.join(tmpdir(), "fc-init-"));
    try {
      const run = (...args: string[]) => spawnSync(process.execPath, [bin, "init", ...args], { cwd: parent, encoding: "utf8" });
      const digits = run("123");
      expect(digits.status, digits.stderr).toBe(0);
      expect(digits.stdout).toMatch(
        /^created project 'features' \(the folder name '123' is not a project name; change 'name:' in fcompile\.yaml, or use --name\)/,
      );
      expect(readFileSync(path.join(parent, "123/fcompile.yaml"), "utf8")).toMatch(/^name: features$/m);
      expect(run("my-shop").stdout).toMatch(/^created project 'my_shop' \(the folder name 'my-shop' is not a project name/);
      expect(run("shop").stdout).toMatch(/^created project 'shop': 5 files in shop:/);
      const named = run("x", "--name", "orders_v2");
      expect(named.stdout).toMatch(/^created project 'orders_v2': /);
      expect(readFileSync(path.join(parent, "x/fcompile.yaml"), "utf8")).toMatch(/^name: orders_v2$/m);
      const bad = run("y", "--name", "9bad");
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain("<command line>:1:1: error FC015: '9bad' is not a project name");
      expect(existsSync(path.join(parent, "y"))).toBe(false);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it("a reader that closes the pipe early (`fcompile … | head`) is not an error", async () => {
    // The read end is closed before the child writes: its write fails with EPIPE.
    const child = spawn(process.execPath, [bin, "load", "--help"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });

  it("train before run says what to do next", () => {
    expect(fcompile("build").status).toBe(0);
    const r = fcompile("train", "--service", "churn_model", "--entities", "data/churn_labels.csv", "--out", "t.csv");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/run 'fcompile run' first/);
  });

  it("build, run, train: one row per entity row, in input order, with a summary line", async () => {
    expect(fcompile("build").stdout).toMatch(/^build ok: 79 files/);
    expect(existsSync(path.join(dir, "target/compiled/postgres/train/churn_model.sql"))).toBe(true);
    const manifest = JSON.parse(readFileSync(path.join(dir, "target/manifest.json"), "utf8"));
    expect(Object.keys(manifest.features)).toContain("customer_orders:total_orders_30d");
    expect(manifest.features["customer_orders:total_orders_30d"].aggregation).toEqual({ function: "count", window: "30d" });
    expect(manifest.lineage["customer_profile:customer_segment"].tables).toEqual(["data/customers.csv", "data/orders.csv"]);
    expect(existsSync(path.join(dir, "target/compiled/duckdb/train/churn_model.sql"))).toBe(true);

    expect(fcompile("run").status).toBe(0);
    // The sample's data tests and freshness pass on its last 30 days, as the demo runs them.
    const tested = fcompile("test", "--at", "2026-01-01", "--window", "30d");
    expect(tested.stdout, tested.stderr).toMatch(/^test ok: 17 checks, 0 failed, 0 warned/m);
    expect(tested.status).toBe(0);
    for (const out of ["train.csv", "train.parquet"]) {
      const r = fcompile("train", "--service", "churn_model", "--entities", "data/churn_labels.csv", "--out", out);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^train ok: \d+ rows x 5 features -> /);
    }
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    const read = async (sql: string) => (await conn.runAndReadAll(sql)).getRowsJS();
    const labels = await read(
      `SELECT customer_id::VARCHAR, event_timestamp::VARCHAR FROM read_csv('${dir}/data/churn_labels.csv', all_varchar=true)`,
    );
    for (const out of ["train.csv", "train.parquet"]) {
      const rows = await read(`SELECT customer_id::VARCHAR, event_timestamp::VARCHAR FROM '${dir}/${out}'`);
      expect(rows.map((r) => r.join("|").replace(/\.0+$/, ""))).toEqual(labels.map((r) => r.join("|")));
    }
    const cols = (await conn.runAndReadAll(`SELECT * FROM '${dir}/train.parquet' LIMIT 0`)).columnNames();
    expect(cols).toEqual([
      "customer_id",
      "event_timestamp",
      "churned",
      "total_orders_30d",
      "avg_order_value_30d",
      "days_since_last_order",
      "customer_segment",
      "lifetime_value",
    ]);
    conn.closeSync();
  });

  it("--entities-sql and --features with --full-names", () => {
    const r = fcompile(
      "train",
      "--features",
      "customer_profile:*",
      "--full-names",
      "--entities-sql",
      "SELECT 1001 AS customer_id, TIMESTAMP '2025-06-01' AS event_timestamp",
      "--out",
      "one.csv",
    );
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(path.join(dir, "one.csv"), "utf8");
    expect(text.split("\n")[0]).toBe("customer_id,event_timestamp,customer_profile__customer_segment,customer_profile__country");
    expect(text.split("\n").filter(Boolean)).toHaveLength(2);
  });

  it("bad command-line input exits 1 with a next step; usage errors exit 2", () => {
    const unknown = fcompile("train", "--service", "nope", "--entities", "data/churn_labels.csv", "--out", "x.csv");
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/unknown feature service 'nope'; known: churn_model/);
    const noTs = fcompile(
      "train",
      "--service",
      "churn_model",
      "--entities",
      "data/churn_labels.csv",
      "--out",
      "x.csv",
      "--timestamp-column",
      "ts",
    );
    expect(noTs.status).toBe(1);
    expect(noTs.stderr).toMatch(/no timestamp column 'ts'.*pass --timestamp-column/);
    expect(fcompile("train", "--bogus").status).toBe(2);
    expect(fcompile("frobnicate").status).toBe(2);
  });
});
