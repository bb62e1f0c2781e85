/**
 * `build` needs no data (issue 9, B.8): a missing data file is a warning at build and an error at
 * `run`; a file that is there has its header checked with DuckDB's sniffer (a `;`-separated CSV,
 * a Parquet file); `train` does not read the data file again once `run` has loaded it.
 */
import { spawnSync } from "node:child_process";
import { cpSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { build, run, train } from "../src/index.js";
import { formatDiagnostic } from "../src/diagnostics/diagnostic.js";
import { CONFIG, removeProject, tempProject } from "./helpers/temp-project.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeProject));
const project = (files: Record<string, string>): string => {
  const dir = tempProject({ "fcompile.yaml": CONFIG, ...files });
  dirs.push(dir);
  return dir;
};
const cli = (...args: string[]) => spawnSync(process.execPath, ["bin/fcompile", ...args], { encoding: "utf8" });

const DEFS = `entities:
  - {name: user, join_keys: [user_id]}
sources:
  - name: clicks
    path: ../data/clicks.csv
    timestamp: ts
feature_views:
  - {name: v, entities: [user], source: clicks, features: [{name: n, type: int64}]}
`;

describe("build needs no data", () => {
  it("builds sample_project copied without data/ (a fresh clone): warnings, exit 0", () => {
    const dir = tempProject({});
    dirs.push(dir);
    cpSync("sample_project", dir, { recursive: true, filter: (src) => !/[/\\](data|target)$|\.duckdb$|\.sqlite$/.test(src) });
    rmSync(path.join(dir, "data"), { recursive: true, force: true });
    const r = cli("build", "--project", dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^build ok: \d+ files written/);
    expect(r.stderr.trim().split("\n")).toEqual([
      "definitions/sources.yml:5:11: warning FC011: data file '../data/customers.csv' of source 'customers' not found (looked for data/customers.csv, relative to this YAML file); build goes on without it, but 'fcompile run' needs it: create it before running, or fix 'path'",
      "definitions/sources.yml:11:11: warning FC011: data file '../data/orders.csv' of source 'orders' not found (looked for data/orders.csv, relative to this YAML file); build goes on without it, but 'fcompile run' needs it: create it before running, or fix 'path'",
    ]);
    const manifest = JSON.parse(readFileSync(path.join(dir, "target/manifest.json"), "utf8")) as { entities: Record<string, unknown> };
    expect(Object.keys(manifest.entities)).toEqual(["customer"]);
  });

  it("a missing data file is an error at run", async () => {
    const dir = project({ "definitions/d.yml": DEFS });
    expect((await build({ projectDir: dir })).ok).toBe(true);
    const r = cli("run", "--project", dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "definitions/d.yml:5:11: error FC011: data file '../data/clicks.csv' of source 'clicks' not found (looked for data/clicks.csv, relative to this YAML file); create it, or fix 'path'",
    );
  });

  it("train does not need the data file after run has loaded it", async () => {
    const dir = project({
      "definitions/d.yml": DEFS,
      "data/clicks.csv": "user_id,ts,n\n1,2025-01-01 00:00:00,3\n2,2025-01-02 00:00:00,4\n",
    });
    expect((await build({ projectDir: dir })).ok).toBe(true);
    await run({ projectDir: dir });
    rmSync(path.join(dir, "data/clicks.csv"));
    const out = path.join(dir, "out.csv");
    await train({
      projectDir: dir,
      features: ["v:n"],
      entitiesSql: "SELECT * FROM (VALUES (1, TIMESTAMP '2025-01-03'), (2, TIMESTAMP '2025-01-01')) AS e(user_id, event_timestamp)",
      out,
    });
    expect(readFileSync(out, "utf8").trim().split("\n")).toEqual([
      "user_id,event_timestamp,n",
      "1,2025-01-03T00:00:00Z,3", // timestamps as docs/values.md writes them
      "2,2025-01-01T00:00:00Z,",
    ]);
  });
});

describe("the header check reads files as run does (DuckDB's sniffer)", () => {
  it("a ;-separated CSV: its columns are found, and a missing one is named with the real column list", async () => {
    const ok = project({ "definitions/d.yml": DEFS, "data/clicks.csv": "user_id;ts;n\n1;2025-01-01 00:00:00;3\n" });
    const r = await build({ projectDir: ok });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(r.ok).toBe(true);

    const bad = project({ "definitions/d.yml": DEFS, "data/clicks.csv": "user_id;ts;m\n1;2025-01-01 00:00:00;3\n" });
    const r2 = await build({ projectDir: bad });
    expect(r2.diagnostics.map(formatDiagnostic)).toEqual([
      "definitions/d.yml:8:67: error FC017: feature column 'n' is not in data/clicks.csv (columns: user_id, ts, m)",
    ]);
  });

  it("a quoted header with a comma inside a name", async () => {
    const dir = project({
      "definitions/d.yml": DEFS,
      "data/clicks.csv": '"user_id","ts","n","a, b"\n1,2025-01-01 00:00:00,3,x\n',
    });
    expect((await build({ projectDir: dir })).diagnostics.map(formatDiagnostic)).toEqual([]);
  });

  it("a Parquet file is checked at build too", async () => {
    const dir = project({
      "definitions/d.yml": DEFS.replace("clicks.csv", "clicks.parquet"),
      "data/clicks.csv": "user_id,ts,m\n1,2025-01-01 00:00:00,3\n",
    });
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const conn = await (await DuckDBInstance.create(":memory:")).connect();
    await conn.run(`COPY (SELECT * FROM read_csv('${dir}/data/clicks.csv')) TO '${dir}/data/clicks.parquet' (FORMAT parquet)`);
    conn.closeSync();
    expect((await build({ projectDir: dir })).diagnostics.map(formatDiagnostic)).toEqual([
      "definitions/d.yml:8:67: error FC017: feature column 'n' is not in data/clicks.parquet (columns: user_id, ts, m)",
    ]);
  });

  it("a file DuckDB cannot read is an error at the source's path", async () => {
    const dir = project({
      "definitions/d.yml": DEFS.replace("clicks.csv", "clicks.parquet"),
      "data/clicks.parquet": "this is not parquet\n",
    });
    expect((await build({ projectDir: dir })).diagnostics.map(formatDiagnostic)).toEqual([
      expect.stringMatching(
        /^definitions\/d\.yml:5:11: error FC011: data file data\/clicks\.parquet of source 'clicks' cannot be read as PARQUET: .+; fix the file or the path$/,
      ),
    ]);
  });
});
