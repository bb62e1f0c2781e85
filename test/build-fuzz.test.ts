import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { build } from "../src/index.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";
import { assertAsyncProperty } from "./helpers/property.js";

const FIXTURE = "test/fixtures/composite";
const yaml = readFileSync(path.join(FIXTURE, "definitions/all.yml"), "utf8");
const sql = readFileSync(path.join(FIXTURE, "definitions/price_changes.sql"), "utf8");
const config = "name: shop\ntargets:\n  local: {type: duckdb, path: ':memory:'}\n";
const dir = tempProject({ "fcompile.yaml": config, "definitions/all.yml": yaml, "definitions/price_changes.sql": sql });
afterAll(() => removeProject(dir));

/** A definition file damaged in one of the ways an editor session can damage it. */
const damaged = fc.oneof(
  fc.nat({ max: yaml.length }).map((n) => yaml.slice(0, n)),
  fc.tuple(fc.nat({ max: yaml.length }), fc.nat({ max: 20 })).map(([at, n]) => yaml.slice(0, at) + yaml.slice(at + n)),
  fc
    .tuple(fc.nat({ max: yaml.length }), fc.string({ unit: fc.constantFrom(..."{}[]:-,'\"#&*!|> \n\t\\%@`?"), maxLength: 8 }))
    .map(([at, s]) => yaml.slice(0, at) + s + yaml.slice(at)),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: fc.constantFrom(..."ab:- \n[]{}0"), maxLength: 200 }),
);

// Each case is one in-process build of a small project (tens of ms when idle).
const FUZZ_BUDGET = { runs: Number(process.env.FUZZ_RUNS ?? 300), minRuns: 100, seconds: 40 };

describe("fuzz: random and truncated YAML", () => {
  it("build never throws: diagnostics with positions, or success", async () => {
    await assertAsyncProperty(
      fc.asyncProperty(damaged, async (text) => {
        writeFileSync(path.join(dir, "definitions/all.yml"), text);
        const r = await build({ projectDir: dir });
        if (!r.ok) {
          expect(r.diagnostics.length).toBeGreaterThan(0);
          for (const d of r.diagnostics) {
            expect(d.at.line).toBeGreaterThanOrEqual(1);
            expect(d.at.col).toBeGreaterThanOrEqual(1);
            expect(d.code).toMatch(/^FC\d{3}$/);
          }
        }
      }),
      FUZZ_BUDGET,
    );
  });

  it("the CLI exits 1 with diagnostics and no stack trace", () => {
    for (const cut of [17, 120, 333, yaml.length - 5]) {
      writeFileSync(path.join(dir, "definitions/all.yml"), yaml.slice(0, cut) + "\n  - {name: [\n");
      const r = spawnSync(process.execPath, ["bin/fcompile", "build", "--project", dir], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^definitions\/all\.yml:\d+:\d+: error FC\d{3}: /m);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    }
  });
});
