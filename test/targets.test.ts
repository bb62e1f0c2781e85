import { describe, expect, it } from "vitest";
import { DiagnosticBag, formatDiagnostic } from "../src/diagnostics/diagnostic.js";
import type { FcUserError } from "../src/diagnostics/diagnostic.js";
import { expandEnv } from "../src/project/env.js";
import { readProject } from "../src/project/read-project.js";
import { resolveTarget } from "../src/project/targets.js";
import { removeProject, tempProject } from "./helpers/temp-project.js";

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
