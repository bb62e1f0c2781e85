/**
 * fcompile outside its clone (docs/install.md): `npm pack` ships what an install needs — dist,
 * the SQL templates, the scaffold, the JSON Schemas — and nothing else, and the tarball installed
 * into an empty folder runs `init`, `build`, `run`, `train` and `materialize` there. Needs the
 * npm registry or its local cache (`--prefer-offline`); the install skips install scripts, so
 * better-sqlite3 (the SQLite online store) is not compiled and the online steps are not run here.
 */
import { spawnSync } from "node:child_process";
import type { SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repo = process.cwd();
const tmp = mkdtempSync(path.join(tmpdir(), "fc-install-"));
let tarball: string;
let packed: string[];

function sh(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" } });
}

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(repo, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(repo, path.join(e.parentPath, e.name)).split(path.sep).join("/"));
}

beforeAll(() => {
  // dist/ is already built (npm test builds first); --ignore-scripts keeps pack from rebuilding it under running tests.
  const r = sh("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], repo);
  expect(r.status, r.stderr).toBe(0);
  const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(tmp, info!.filename);
  packed = info!.files.map((f) => f.path).sort();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("the npm package", () => {
  it("holds dist, the templates, the scaffold and the schemas, and no tests, benchmarks, sources or source maps", () => {
    const allowed =
      /^(bin\/fcompile|package\.json|README\.md|LICENSE|dist\/.+\.(js|d\.ts)|dist\/catalog-app\/catalog\.css|dist\/project\/schema-validators\.cjs|templates\/.+|scaffold\/.+|src\/project\/[a-z]+\.schema\.json)$/;
    expect(packed.filter((f) => !allowed.test(f))).toEqual([]);
    for (const f of [
      "bin/fcompile",
      "dist/cli/main.js",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/client/index.js",
      "dist/client/index.d.ts",
      "src/project/config.schema.json",
      "src/project/definitions.schema.json",
      "scaffold/gitignore",
      "dist/catalog-app/catalog-app.js",
      "dist/catalog-app/catalog.css",
      "dist/project/schema-validators.cjs",
    ])
      expect(packed).toContain(f);
    // Every template and scaffold file, and every schema the code reads.
    for (const f of [...filesUnder("templates"), ...filesUnder("scaffold")]) expect(packed).toContain(f);
    for (const f of filesUnder("src").filter((f) => f.endsWith(".schema.json"))) expect(packed).toContain(f);
    // No stale output: each compiled file has its source (the build empties dist/ first); the
    // catalog's bundle is built from src/catalog-app/main.ts, the schema validators (.cjs) from
    // src/project/*.schema.json.
    const stale = packed.filter(
      (f) =>
        /^dist\/.+\.js$/.test(f) &&
        f !== "dist/catalog-app/catalog-app.js" &&
        !existsSync(path.join(repo, f.replace(/^dist/, "src").replace(/\.js$/, ".ts"))),
    );
    expect(stale).toEqual([]);
    // The package points only at files it holds.
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
      bin: Record<string, string>;
      exports: Record<string, Record<string, string>>;
    };
    for (const p of [...Object.values(pkg.bin), ...Object.values(pkg.exports).flatMap((e) => Object.values(e))])
      expect(packed).toContain(p.replace(/^\.\//, ""));
  });

  it("installed from the tarball into an empty folder: init, build, run, train, materialize work there", () => {
    const app = path.join(tmp, "app");
    mkdirSync(app);
    writeFileSync(path.join(app, "package.json"), '{ "name": "app", "private": true }\n');
    const install = sh("npm", ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], app);
    expect(install.status, install.stderr).toBe(0);
    // Transitive dependencies support the Node versions fcompile declares (no EBADENGINE).
    expect(install.stderr).not.toMatch(/EBADENGINE|deprecated/);

    // `npx fcompile` finds the installed command once; the steps then run that command directly
    // (the same file, without an npm start per step).
    const version = sh("npx", ["--no", "--", "fcompile", "--version"], app);
    const installed = path.join(app, "node_modules", ".bin", "fcompile");
    const fcompile = (cwd: string, ...args: string[]) => sh(installed, args, cwd);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version);
    expect(fcompile(app, "init", "demo").status).toBe(0);
    const demo = path.join(app, "demo");
    for (const [args, out] of [
      [["build"], /^build ok: \d+ files/],
      [["run"], /^run ok: 1 relation built/],
      [
        ["train", "--service", "driver_ranking", "--entities", "data/driver_labels.csv", "--out", "train.csv"],
        /^train ok: 4 rows x 3 features/,
      ],
      [["materialize", "--end", "2025-01-01T12:00:00Z"], /materialize ok: 1 view, 3 rows/],
      [["docs"], /^wrote .*index\.html: \d+ features? /],
    ] as const) {
      const r = fcompile(demo, ...args);
      expect(r.status, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(out);
    }
    expect(readFileSync(path.join(demo, "train.csv"), "utf8").split("\n")[0]).toBe(
      "driver_id,event_timestamp,label,conv_rate,acc_rate,trips_today",
    );
    // The definitions' $schema comment points at the installed package's schema.
    const yml = readFileSync(path.join(demo, "definitions/drivers.yml"), "utf8");
    const schema = /\$schema=(\S+)/.exec(yml)?.[1];
    expect(schema && existsSync(path.resolve(demo, "definitions", schema))).toBe(true);

    // What fcompile wrote is ignored by git; what the user wrote is not.
    expect(sh("git", ["init", "-q"], demo).status).toBe(0);
    const tracked = sh("git", ["add", "--dry-run", "-A"], demo).stdout;
    expect(
      tracked
        .split("\n")
        .filter(Boolean)
        .map((l) => l.replace(/^add '(.*)'$/, "$1"))
        .sort(),
    ).toEqual([
      ".gitignore",
      "data/driver_hourly_stats.csv",
      "data/driver_labels.csv",
      "definitions/drivers.yml",
      "fcompile.yaml",
      "train.csv",
    ]);
  });

  it("installed from a checkout (npm install /path/to/fcompile) the command runs", () => {
    const app = path.join(tmp, "from-checkout");
    mkdirSync(app);
    writeFileSync(path.join(app, "package.json"), '{ "name": "from_checkout", "private": true }\n');
    // --ignore-scripts: the checkout is built already (its `prepare` would rebuild dist/ under the running tests).
    const install = sh("npm", ["install", repo, "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], app);
    expect(install.status, install.stderr).toBe(0);
    const r = sh("npx", ["--no", "--", "fcompile", "init", "p"], app);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(app, "p/fcompile.yaml"), "utf8")).toMatch(/^name: p$/m);
  });
});
