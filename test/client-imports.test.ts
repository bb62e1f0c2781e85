/**
 * `fcompile/client` stays thin (STYLE.md): importing it and reading from either store loads no
 * compiler, DuckDB, pg or Handlebars. Checked on the built package, in a fresh process that records
 * every module it loads.
 */
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const FORBIDDEN = [
  /@duckdb/,
  /node_modules\/pg\//,
  /pg-copy-streams/,
  /handlebars/,
  /node-sql-parser/,
  /\/ajv\//,
  /\/yaml\//,
  /\/dist\/(compile|registry|project|warehouse|dialects|cli|api)\//,
  /\/dist\/api\.js/,
];

describe("fcompile/client", () => {
  it("never loads the compiler or a warehouse driver, only the client and the store's driver", () => {
    // Inside the package, "fcompile/client" resolves through package.json "exports", as in a user's project.
    const script = path.resolve(`.client-imports-${process.pid}.mjs`);
    writeFileSync(
      script,
      `import { createOnlineClient, OnlineError } from "fcompile/client";
const s = await createOnlineClient({ project: "t_imports", store: { type: "sqlite", path: "/nonexistent/online.sqlite" } }).catch((e) => e);
if (!(s instanceof OnlineError)) throw new Error("expected an OnlineError for a missing SQLite store");
const r = await createOnlineClient({ project: "t_imports", store: { type: "redis", url: "redis://127.0.0.1:6379/0" } });
const e = await r.getOnlineFeatures({ features: ["v:f"], entityRows: [] }).catch((e) => e);
if (!(e instanceof OnlineError) || e.code !== "BAD_REQUEST") throw new Error("expected BAD_REQUEST for an unloaded view, got " + e);
await r.close();
`,
    );
    try {
      const hook = pathToFileURL(path.resolve("test/helpers/record-imports.mjs")).href;
      const run = spawnSync(process.execPath, ["--import", hook, script], { encoding: "utf8" });
      expect(run.status, run.stderr).toBe(0);
      const loaded = run.stderr
        .split("\n")
        .filter((l) => l.startsWith("FC_IMPORT "))
        .map((l) => l.slice("FC_IMPORT ".length));
      expect(loaded.some((u) => u.endsWith("/dist/client/index.js"))).toBe(true);
      expect(loaded.some((u) => u.includes("/ioredis/"))).toBe(true);
      expect(loaded.some((u) => u.includes("/better-sqlite3/"))).toBe(true);
      for (const re of FORBIDDEN) expect(loaded.filter((u) => re.test(u))).toEqual([]);
    } finally {
      rmSync(script, { force: true });
    }
  });
});
