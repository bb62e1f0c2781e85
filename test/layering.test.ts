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

describe("layering", () => {
  it("no stage imports from a later one (project → registry → compile → warehouse → online → client → server → governance → commands → cli)", () => {
    const backwards: string[] = [];
    for (const file of sourceFiles("src")) {
      const from = stageOf(file);
      for (const m of readFileSync(file, "utf8").matchAll(/(?:from|import\()\s*"(\.[^"]+)"/g)) {
        const to = stageOf(path.join(path.dirname(file), m[1]!));
        if (to === from || to.startsWith("..")) continue;
        expect(STAGES, `${file} imports from unknown stage ${to}`).toContain(to);
        if (STAGES.indexOf(to) > STAGES.indexOf(from)) backwards.push(`${file} → ${m[1]}`);
      }
    }
    expect(backwards).toEqual([]);
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
