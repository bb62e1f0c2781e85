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

/** Every module URL a fresh process loads while running `code` (an ES module inside the package). */
function importsOf(code: string): string[] {
  // Inside the package, "fcompile/client" resolves through package.json "exports", as in a user's project.
  const script = path.resolve(`.client-imports-${process.pid}-${Math.floor(Math.random() * 1e9)}.mjs`);
  writeFileSync(script, code);
  try {
    const hook = pathToFileURL(path.resolve("test/helpers/record-imports.mjs")).href;
    const run = spawnSync(process.execPath, ["--import", hook, script], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    return run.stderr
      .split("\n")
      .filter((l) => l.startsWith("FC_IMPORT "))
      .map((l) => l.slice("FC_IMPORT ".length));
  } finally {
    rmSync(script, { force: true });
  }
}

describe("fcompile/client", () => {
  it("never loads the compiler or a warehouse driver, only the client and the store's driver", () => {
    const loaded = importsOf(`import { createOnlineClient, OnlineError } from "fcompile/client";
const s = await createOnlineClient({ project: "t_imports", store: { type: "sqlite", path: "/nonexistent/online.sqlite" } }).catch((e) => e);
if (!(s instanceof OnlineError)) throw new Error("expected an OnlineError for a missing SQLite store");
const r = await createOnlineClient({ project: "t_imports", store: { type: "redis", url: "redis://127.0.0.1:6379/0" } });
const e = await r.getOnlineFeatures({ features: ["v:f"], entityRows: [] }).catch((e) => e);
if (!(e instanceof OnlineError) || e.code !== "BAD_REQUEST") throw new Error("expected BAD_REQUEST for an unloaded view, got " + e);
await r.close();
`);
    expect(loaded.some((u) => u.endsWith("/dist/client/index.js"))).toBe(true);
    expect(loaded.some((u) => u.includes("/ioredis/"))).toBe(true);
    expect(loaded.some((u) => u.includes("/better-sqlite3/"))).toBe(true);
    for (const re of FORBIDDEN) expect(loaded.filter((u) => re.test(u))).toEqual([]);
  });

  it("loads no store driver until a store is used, and only that store's", () => {
    const bare = importsOf(
      `import { createOnlineClient } from "fcompile/client";\nif (typeof createOnlineClient !== "function") throw new Error("no client");\n`,
    );
    expect(bare.some((u) => u.endsWith("/dist/client/index.js"))).toBe(true);
    expect(bare.filter((u) => /\/ioredis\/|\/better-sqlite3\/|\/dist\/online\/(redis|sqlite)\/(reader|writer)\.js/.test(u))).toEqual([]);
    const sqliteOnly = importsOf(`import { createOnlineClient } from "fcompile/client";
await createOnlineClient({ project: "t_imports", store: { type: "sqlite", path: "/nonexistent/online.sqlite" } }).catch(() => undefined);
`);
    expect(sqliteOnly.some((u) => u.includes("/better-sqlite3/"))).toBe(true);
    expect(
      sqliteOnly.filter((u) => /\/ioredis\/|\/dist\/online\/redis\/(reader|writer)\.js|\/dist\/online\/sqlite\/writer\.js/.test(u)),
    ).toEqual([]);
  });
});
