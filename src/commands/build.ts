import { buildManifest } from "../registry/manifest.js";
import { compileClientAccessors } from "../compile/client-accessors.js";
import { compileProject } from "../compile/compile-project.js";
import { FcUserError } from "../diagnostics/diagnostic.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { VERSION } from "../version.js";
import { compileTargets } from "../warehouse/targets.js";
import { dataFileColumns, loadProject } from "./common.js";
import type { ProjectOptions } from "./common.js";
import type { LintDiagnostic } from "../governance/lint/lint-registry.js";
import { lintProject } from "./lint.js";
import { writeTargetDir } from "./target-dir.js";

/**
 * `fcompile build`: validate and compile; writes target/ atomically only when there is no error.
 * `lint` holds the lint findings of a project that compiles (docs/governance.md, "lint"), as
 * warnings unless their rule is set to `error` or `strict` is given: an error among them writes
 * nothing. `diagnostics` are the project's own problems.
 */
export async function build(opts: ProjectOptions & { strict?: boolean }): Promise<{
  ok: boolean;
  diagnostics: Diagnostic[];
  lint?: LintDiagnostic[];
  files: number;
}> {
  let loaded;
  try {
    loaded = await loadProject(opts.projectDir);
  } catch (err) {
    if (err instanceof FcUserError) return { ok: false, diagnostics: err.diagnostics, files: 0 };
    throw err;
  }
  const { config, registry } = loaded;
  // Every dialect the targets use, with the schema of its first target (`${VAR}`s expanded).
  const compiled = compileTargets(config);
  if (compiled.diagnostics.length > 0) {
    return { ok: false, diagnostics: [...loaded.diagnostics, ...compiled.diagnostics], files: 0 };
  }
  const files = new Map<string, string>();
  files.set("manifest.json", JSON.stringify(buildManifest(registry, VERSION), null, 2) + "\n");
  try {
    // File sources whose data file is there get their tables typed from it, as `run` will.
    const dataFiles = compiled.targets.length > 0 ? dataFileColumns(registry, true) : new Map();
    for (const ct of compiled.targets) {
      for (const [rel, sql] of compileProject(registry, ct, dataFiles)) files.set(`compiled/${ct.dialect.name}/${rel}`, sql);
    }
  } catch (err) {
    if (err instanceof FcUserError) return { ok: false, diagnostics: [...loaded.diagnostics, ...err.diagnostics], files: 0 };
    throw err;
  }
  for (const [name, ts] of compileClientAccessors(registry)) files.set(`client/${name}`, ts);
  const lint = lintProject(config, registry, opts.strict);
  if (lint.some((d) => d.severity === "error")) return { ok: false, diagnostics: loaded.diagnostics, lint, files: 0 };
  writeTargetDir(config.dir, files);
  return { ok: true, diagnostics: loaded.diagnostics, lint, files: files.size };
}
