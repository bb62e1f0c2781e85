/**
 * Golden files of the compiled data tests (docs/governance.md, "fcompile test"): each test's query
 * returning the failing rows, per dialect, as `build` writes it under `test/<view>/<name>.sql`.
 * UPDATE_GOLDEN=1 rewrites them.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadProject } from "../src/commands/common.js";
import { DIALECTS } from "../src/dialects/index.js";
import { dataTestFiles } from "../src/governance/test/compile-data-tests.js";

describe.each(Object.keys(DIALECTS))("golden data tests: %s", (dialectName) => {
  it("governance fixture", async () => {
    const dialect = DIALECTS[dialectName as keyof typeof DIALECTS];
    const loaded = await loadProject("test/fixtures/governance");
    expect(loaded.diagnostics).toEqual([]);
    const files = dataTestFiles(loaded.registry, { dialect, schema: "t" });
    const goldenDir = path.join("test/golden/governance", dialectName);
    if (process.env.UPDATE_GOLDEN)
      for (const [rel, sql] of files) {
        mkdirSync(path.dirname(path.join(goldenDir, rel)), { recursive: true });
        writeFileSync(path.join(goldenDir, rel), sql);
      }
    const onDisk = (readdirSync(goldenDir, { recursive: true }) as string[]).filter((f) => f.endsWith(".sql"));
    expect([...files.keys()].sort()).toEqual(onDisk.map((f) => f.split(path.sep).join("/")).sort());
    expect([...files.keys()]).toContain("test/orders_checked/amount__not_null.sql");
    for (const [rel, sql] of files) expect(sql, rel).toBe(readFileSync(path.join(goldenDir, rel), "utf8"));
  });
});
