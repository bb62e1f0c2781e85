/**
 * Output names never clash (issue 9, B.3), over random view and feature names containing `__`:
 * a service builds iff no two of its features share an output name with or without full names
 * (case-insensitively), and then the names training gives them are distinct in both modes;
 * `--features` is refused (FC015) iff two share a name in the mode asked for.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { build } from "../src/index.js";
import { outputName } from "../src/compile/training.js";
import { DiagnosticBag } from "../src/diagnostics/diagnostic.js";
import { resolveFeatureRefs } from "../src/registry/feature-refs.js";
import { loadRegistry } from "../src/registry/load-registry.js";
import type { FeatureRef } from "../src/registry/types.js";
import { CONFIG, removeProject, tempProject } from "./helpers/temp-project.js";
import { assertAsyncProperty } from "./helpers/property.js";

const dir = tempProject({ "fcompile.yaml": CONFIG, "definitions/d.yml": "" });
afterAll(() => removeProject(dir));

/** Names made of a few short segments joined by `_` or `__`, so `a__b` + `c` and `a` + `b__c` meet often. */
const segmented = (letters: string[]) =>
  fc
    .array(fc.tuple(fc.constantFrom("_", "__"), fc.constantFrom(...letters)), { minLength: 0, maxLength: 3 })
    .chain((rest) => fc.constantFrom(...letters).map((first) => first + rest.map(([sep, s]) => sep + s).join("")));
const viewName = segmented(["a", "b", "ab"]);
const featureName = segmented(["a", "b", "ab", "A", "B"]);

const views = fc.uniqueArray(
  fc.record({ name: viewName, features: fc.uniqueArray(featureName, { minLength: 1, maxLength: 3, selector: (f) => f.toLowerCase() }) }),
  { minLength: 1, maxLength: 4, selector: (v) => v.name },
);

// Each case is one in-process build (or registry load) of a small project.
const BUDGET = { runs: 150, minRuns: 50, seconds: 40 };

function definitions(vs: { name: string; features: string[] }[], service: boolean): string {
  const lines = [
    "entities:\n  - {name: e, join_keys: [id]}",
    "sources:\n  - {name: s, table: raw.s, timestamp: ts}",
    "feature_views:",
    ...vs.map(
      (v) =>
        `  - {name: ${v.name}, entities: [e], source: s, features: [${v.features.map((f) => `{name: ${f}, type: int64}`).join(", ")}]}`,
    ),
  ];
  if (service) lines.push("feature_services:", "  - name: svc", `    features: [${vs.map((v) => `${v.name}:*`).join(", ")}]`);
  return lines.join("\n") + "\n";
}

const distinct = (names: string[]): boolean => new Set(names.map((n) => n.toLowerCase())).size === names.length;
const refsOf = (vs: { name: string; features: string[] }[]): FeatureRef[] =>
  vs.flatMap((v) => v.features.map((feature) => ({ view: v.name, feature })));

describe("output names (property)", () => {
  it("a service builds iff its output names are distinct in both modes; then training's names are distinct", async () => {
    await assertAsyncProperty(
      fc.asyncProperty(views, async (vs) => {
        writeFileSync(path.join(dir, "definitions/d.yml"), definitions(vs, true));
        const refs = refsOf(vs);
        const clash = !distinct(refs.map((r) => r.feature)) || !distinct(refs.map((r) => `${r.view}__${r.feature}`));
        const r = await build({ projectDir: dir });
        expect(r.ok, JSON.stringify(r.diagnostics)).toBe(!clash);
        if (r.ok) {
          for (const full of [false, true]) expect(distinct(refs.map((f) => outputName(f, full)))).toBe(true);
        } else {
          for (const d of r.diagnostics) expect(d.code).toBe("FC010");
        }
      }),
      BUDGET,
    );
  });

  it("--features is refused (FC015) iff two features share an output name in the mode asked for", async () => {
    await assertAsyncProperty(
      fc.asyncProperty(views, fc.boolean(), async (vs, fullNames) => {
        writeFileSync(path.join(dir, "definitions/d.yml"), definitions(vs, false));
        const loaded = await loadRegistry(dir);
        expect(loaded.registry, JSON.stringify(loaded.diagnostics)).toBeDefined();
        const refs = refsOf(vs);
        const bag = new DiagnosticBag();
        const got = resolveFeatureRefs(
          loaded.registry!,
          refs.map((r) => `${r.view}:${r.feature}`),
          () => ({ file: "<command line>", line: 1, col: 1 }),
          bag,
          "--features",
          fullNames,
        );
        const clash = !distinct(refs.map((r) => outputName(r, fullNames)));
        expect(bag.hasErrors).toBe(clash);
        for (const d of bag.items) expect(d.code).toBe("FC015");
        if (!clash) expect(got).toEqual(refs);
        expect(distinct(got.map((r) => outputName(r, fullNames)))).toBe(true);
      }),
      BUDGET,
    );
  });
});
