import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { init } from "../src/commands/init.js";
import { afterAll, describe, expect, it } from "vitest";
import { dataFileColumns, loadProject } from "../src/commands/common.js";
import { compileProject } from "../src/compile/compile-project.js";
import { DIALECTS } from "../src/dialects/index.js";

/** Golden files of the generated SQL: reviewed like code. UPDATE_GOLDEN=1 rewrites them. */
const initRoot = mkdtempSync(path.join(tmpdir(), "fc-golden-"));
const initProject = path.join(initRoot, "drivers");
init(initProject);
afterAll(() => rmSync(initRoot, { recursive: true, force: true }));
const CASES = { composite: "test/fixtures/composite", init: initProject, push: "test/fixtures/push" } as const;

describe.each(Object.keys(DIALECTS))("golden SQL: %s", (dialectName) => {
  const dialect = DIALECTS[dialectName as keyof typeof DIALECTS];
  it.each(Object.entries(CASES))("%s", async (name, dir) => {
    const loaded = await loadProject(dir);
    expect(loaded.diagnostics).toEqual([]);
    // Data files that are there type their sources' tables, as in `build`.
    const dataFiles = dataFileColumns(loaded.registry, true);
    const files = compileProject(loaded.registry, { dialect, schema: loaded.registry.project.name }, dataFiles);
    const goldenDir = path.join("test/golden", name, dialectName);
    if (process.env.UPDATE_GOLDEN) {
      for (const [rel, sql] of files) {
        mkdirSync(path.dirname(path.join(goldenDir, rel)), { recursive: true });
        writeFileSync(path.join(goldenDir, rel), sql);
      }
    }
    const onDisk = (readdirSync(goldenDir, { recursive: true }) as string[]).filter((f) => f.endsWith(".sql")).sort();
    expect([...files.keys()].sort()).toEqual(onDisk.map((f) => f.split(path.sep).join("/")));
    for (const [rel, sql] of files) expect(sql, rel).toBe(readFileSync(path.join(goldenDir, rel), "utf8"));
  });
});
