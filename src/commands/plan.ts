import { readFileSync } from "node:fs";
import path from "node:path";
import { FcUserError, userError } from "../diagnostics/diagnostic.js";
import { fileError } from "../diagnostics/file-errors.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { compareManifests } from "../governance/plan/compare-manifests.js";
import { countByClass } from "../governance/plan/format-plan.js";
import { parseManifest } from "../governance/plan/manifest-shape.js";
import type { PlanClass, PlanItem } from "../governance/plan/plan-items.js";
import { compileInMemory } from "./build.js";
import type { ProjectOptions } from "./common.js";

export interface PlanOptions extends ProjectOptions {
  /** The deployed build's manifest.json; default `<project>/target/manifest.json`. */
  against?: string;
}

/** What `plan` found. */
export interface PlanResult {
  project: string;
  /** The manifest compared against, as given (or the default's path relative to the project). */
  against: string;
  /** Items per class. */
  summary: Record<PlanClass, number>;
  /** Every change, by class, kind, name (src/governance/plan/plan-items.ts). */
  items: PlanItem[];
  /** Warnings of the project's build (FC011: a data file missing, …). */
  diagnostics: Diagnostic[];
}

/**
 * `fcompile plan`: compiles the project in memory, as `build` does (target/ is not written), and
 * compares its manifest with a deployed one: what was added, removed and changed, classified as
 * breaking, backfill, non-breaking or documentation-only. Throws FcUserError with the project's
 * diagnostics when it does not build, FC015 when the manifest is missing, and FC015 at
 * `manifest:line:col` when it is not one (src/governance/plan/manifest-shape.ts).
 */
export async function plan(opts: PlanOptions): Promise<PlanResult> {
  const compiled = await compileInMemory(opts);
  if (!compiled.ok) throw new FcUserError(compiled.diagnostics);
  const against = opts.against ?? path.join(path.relative(process.cwd(), compiled.dir!) || ".", "target", "manifest.json");
  let text: string;
  try {
    text = readFileSync(opts.against ?? path.join(compiled.dir!, "target", "manifest.json"), "utf8");
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : (err as Error).message;
    throw userError("FC015", `manifest ${against} ${why}; pass --against the manifest.json of the deployed build`);
  }
  const before = parseManifest(text, against);
  const after = parseManifest(compiled.files.get("manifest.json")!, "the project's manifest");
  if (before.metadata.project !== after.metadata.project)
    throw fileError(
      "FC015",
      `the manifest of project '${before.metadata.project}', not of '${after.metadata.project}'; pass --against the manifest.json of this project's deployed build`,
      against,
    );
  const items = compareManifests(before, after);
  return { project: after.metadata.project, against, summary: countByClass(items), items, diagnostics: compiled.diagnostics };
}
