import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { build } from "../src/commands/build.js";
import { DiagnosticBag, formatDiagnostic } from "../src/diagnostics/diagnostic.js";
import type { FcUserError } from "../src/diagnostics/diagnostic.js";
import { expandEnv } from "../src/project/env.js";
import { readProject } from "../src/project/read-project.js";
import { TARGETS, compileTargets, resolveTarget } from "../src/warehouse/targets.js";
import { CONFIG, removeProject, tempProject } from "./helpers/temp-project.js";

describe("${VAR} expansion", () => {
  it("expands set variables and defaults, and reports unset ones", () => {
    const env = { A: "x", EMPTY: "" };
    expect(expandEnv("${A}/${B:-def}/${EMPTY:-e}", env)).toEqual({ value: "x/def/e", missing: [] });
    expect(expandEnv("pre-${NOPE}-post", env)).toEqual({ value: "pre--post", missing: ["NOPE"] });
  });

  it("a target's unset variable is an error only when that target is used, at its line", () => {
    const dir = tempProject({
      "fcompile.yaml":
        "name: t\ntarget: local\ntargets:\n  local: {type: duckdb, path: w.duckdb}\n  pg:\n    type: postgres\n    url: ${FC_SURELY_UNSET_URL}\n    schema: ${FC_SCHEMA:-feat}\n",
      "definitions/a.yml": "entities: []\n",
    });
    try {
      const raw = readProject(dir, new DiagnosticBag())!;
      expect(resolveTarget(raw.config)).toMatchObject({ type: "duckdb" });
      const err = (() => {
        try {
          resolveTarget(raw.config, "pg");
        } catch (e) {
          return e as FcUserError;
        }
        return undefined;
      })();
      expect(err?.diagnostics.map(formatDiagnostic)).toEqual([
        "fcompile.yaml:7:10: error FC014: environment variable FC_SURELY_UNSET_URL is not set (used by target 'pg'); set it or write ${FC_SURELY_UNSET_URL:-default}",
      ]);
      process.env.FC_SURELY_UNSET_URL = "postgres://u@h/db";
      expect(resolveTarget(raw.config, "pg")).toMatchObject({ url: "postgres://u@h/db", schema: "feat" });
    } finally {
      delete process.env.FC_SURELY_UNSET_URL;
      removeProject(dir);
    }
  });
});

describe("target types (TARGETS)", () => {
  it("an unknown type is a located diagnostic, never a default", () => {
    const dir = tempProject({
      "fcompile.yaml": "name: t\ntargets:\n  wh:\n    type: snowflake\n",
      "definitions/a.yml": "entities: []\n",
    });
    try {
      const bag = new DiagnosticBag();
      const raw = readProject(dir, bag);
      // The schema's enum already refuses it when reading fcompile.yaml…
      expect(bag.items.map(formatDiagnostic)).toEqual([expect.stringMatching(/^fcompile\.yaml:4:11: error FC003: .*duckdb.*postgres/)]);
      // (the definitions are still read, so their problems come out in the same run; the bag has the error)
      expect(raw?.files.map((f) => f.yaml.file)).toEqual(["definitions/a.yml"]);
      // …and the code never treats it as one of the known types.
      const other = tempConfigDir();
      const config = { ...readProject(other, new DiagnosticBag())!.config, target: undefined };
      removeProject(other);
      config.targets = { wh: { type: "snowflake" as "duckdb" } };
      const known = Object.keys(TARGETS).join(", ");
      expect(known).toMatch(/^duckdb, postgres/);
      expect(() => resolveTarget(config)).toThrow(`target 'wh' has unknown type 'snowflake'; known types: ${known}`);
      expect(compileTargets(config).diagnostics.map((d) => d.message)).toEqual([
        `target 'wh' has unknown type 'snowflake'; known types: ${known}`,
      ]);
    } finally {
      removeProject(dir);
    }
  });

  it("the config schema's target types are TARGETS' keys", () => {
    const schema = JSON.parse(readFileSync("src/project/config.schema.json", "utf8")) as {
      properties: { targets: { additionalProperties: { properties: { type: { enum: string[] } } } } };
    };
    expect(schema.properties.targets.additionalProperties.properties.type.enum).toEqual(Object.keys(TARGETS));
  });

  it("build compiles with the expanded schema; an unset url is not needed to compile", () => {
    const dir = tempConfigDir(
      "name: t\ntargets:\n  local: {type: duckdb}\n  pg: {type: postgres, url: '${FC_SURELY_UNSET_URL}', schema: '${FC_SURELY_UNSET_SCHEMA:-feat}'}\n",
    );
    try {
      const { config } = readProject(dir, new DiagnosticBag())!;
      const r = compileTargets(config);
      expect(r.diagnostics).toEqual([]);
      expect(r.targets.map((t) => [t.dialect.name, t.schema])).toEqual([
        ["duckdb", "t"],
        ["postgres", "feat"],
      ]);
    } finally {
      removeProject(dir);
    }
  });
});

function tempConfigDir(config = CONFIG): string {
  return tempProject({ "fcompile.yaml": config, "definitions/a.yml": "entities: []\n" });
}

describe("build expands the target settings it compiles with", () => {
  it("a ${VAR:-x} schema is written expanded into the compiled SQL", async () => {
    const dir = tempProject({
      "fcompile.yaml":
        "name: t\ntargets:\n  pg: {type: postgres, url: '${FC_SURELY_UNSET_URL}', schema: '${FC_SURELY_UNSET_SCHEMA:-feat}'}\n",
      "definitions/a.yml": `entities:
  - {name: user, join_keys: [user_id]}
sources:
  - {name: clicks, table: raw.clicks, timestamp: ts}
feature_views:
  - {name: v, entities: [user], source: clicks, features: [{name: n, type: int64}]}
`,
    });
    try {
      const r = await build({ projectDir: dir });
      expect(r.diagnostics).toEqual([]);
      const sql = readFileSync(path.join(dir, "target/compiled/postgres/materialize/v.incremental.sql"), "utf8");
      expect(sql).toContain('"feat"."mat__v"');
      expect(sql).not.toContain("${");
    } finally {
      removeProject(dir);
    }
  });

  it("a schema with a control character (e.g. a newline from ${VAR}) is refused at its line, and nothing is written", async () => {
    process.env.FC_TEST_SCHEMA_NL = "feat\nSELECT 1/0; --";
    const dir = tempProject({
      "fcompile.yaml": "name: t\ntargets:\n  pg: {type: postgres, url: 'postgres://x@127.0.0.1/test', schema: '${FC_TEST_SCHEMA_NL}'}\n",
      "definitions/a.yml": "entities: []\n",
    });
    try {
      const r = await build({ projectDir: dir });
      expect(r.ok).toBe(false);
      expect(r.diagnostics.map(formatDiagnostic)).toEqual([
        "fcompile.yaml:3:68: error FC013: schema \"feat\\nSELECT 1/0; --\" of target 'pg' must be 1 to 63 characters without control characters (after ${VAR} expansion); e.g. schema: features",
      ]);
      expect(existsSync(path.join(dir, "target"))).toBe(false);
    } finally {
      delete process.env.FC_TEST_SCHEMA_NL;
      removeProject(dir);
    }
  });
});
