import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Data flows one way (README, "How the code is laid out"): a stage may import from the stages
 * before it, never from one after it. Each entry is a folder or a top-level file of src/.
 */
const STAGES = [
  "diagnostics",
  "timestamps.ts",
  "version.ts",
  "suggest.ts",
  "project",
  "registry",
  "dialects",
  "compile",
  "warehouse",
  "online",
  "client",
  "server",
  "governance",
  "commands",
  "cli",
  "index.ts",
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
  );
}

const stageOf = (file: string): string => path.relative("src", file).split(path.sep)[0]!.replace(/\.js$/, ".ts");

/**
 * The catalog's browser app (src/catalog-app, bundled by esbuild, run by `fcompile docs`' page)
 * stands apart from the stages: it may import its own files, the two bundled libraries, and
 * types (`import type`) of the catalog data, nothing else; no stage imports it.
 */
const BROWSER_APP = "catalog-app";
const BROWSER_LIBRARIES = ["@dagrejs/dagre", "@observablehq/plot"];

describe("layering", () => {
  it("no stage imports from a later one (project → registry → compile → warehouse → online → client → server → governance → commands → cli)", () => {
    const backwards: string[] = [];
    for (const file of sourceFiles("src")) {
      const from = stageOf(file);
      if (from === BROWSER_APP) continue;
      for (const m of readFileSync(file, "utf8").matchAll(/(?:from|import\()\s*"(\.[^"]+)"/g)) {
        const to = stageOf(path.join(path.dirname(file), m[1]!));
        if (to === from || to.startsWith("..")) continue;
        expect(to, `${file} imports the browser app`).not.toBe(BROWSER_APP);
        expect(STAGES, `${file} imports from unknown stage ${to}`).toContain(to);
        if (STAGES.indexOf(to) > STAGES.indexOf(from)) backwards.push(`${file} → ${m[1]}`);
      }
    }
    expect(backwards).toEqual([]);
  });

  it("the browser app imports its own files, the bundled libraries and catalog-data types only", () => {
    const wrong: string[] = [];
    for (const file of sourceFiles(path.join("src", BROWSER_APP)))
      for (const m of readFileSync(file, "utf8").matchAll(/^import (type )?[^;]*? from "([^"]+)";/gms)) {
        const [, typeOnly, spec] = m as unknown as [string, string | undefined, string];
        const ok = BROWSER_LIBRARIES.includes(spec)
          ? true
          : spec.startsWith("./")
            ? true
            : typeOnly !== undefined && spec === "../governance/docs/catalog-data.js";
        if (!ok) wrong.push(`${file} → ${spec}`);
      }
    expect(wrong).toEqual([]);
  });

  it("src/index.ts only re-exports", () => {
    const lines = readFileSync("src/index.ts", "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("//"));
    for (const l of lines) expect(l).toMatch(/^export (type )?\{[^}]*\} from "\.\/[^"]+\.js";$/);
  });
});
