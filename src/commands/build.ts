import { buildManifest } from "../registry/manifest.js";
import { compileClientAccessors } from "../compile/client-accessors.js";
import { compileProject } from "../compile/compile-project.js";
import { FcUserError } from "../diagnostics/diagnostic.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Registry } from "../registry/types.js";
import { dataTestFiles } from "../governance/test/compile-data-tests.js";
import { profileFiles } from "../governance/profile/compile-profile.js";
import { compileDriftChecks } from "../governance/drift/compile-drift.js";
import { readProfiles } from "./profile-files.js";
import { VERSION } from "../version.js";
import { compileTargets } from "../warehouse/targets.js";
import { dataFileColumns, loadProject } from "./common.js";
import type { ProjectOptions } from "./common.js";
import type { ProjectConfig } from "../project/read-project.js";
import type { LintDiagnostic } from "../governance/lint/lint-registry.js";
import { lintProject } from "./lint.js";
import { writeTargetDir } from "./target-dir.js";

/** What `build` would write, compiled in memory: file path under target/ → text. */
export interface CompiledBuild {
  ok: boolean;
  diagnostics: Diagnostic[];
  /** Every file of target/ (`manifest.json`, `compiled/…`, `client/…`); empty when not ok. */
  files: Map<string, string>;
  /** The validated project (undefined when it did not load). */
  registry?: Registry;
  /** The project folder (undefined when it did not load). */
  dir?: string;
  /** The project's configuration (undefined when it did not load). */
  config?: ProjectConfig;
}

/**
 * Validates and compiles a project as `build` does, writing nothing (`build`, and `plan`, which
 * compares the manifest it would write with a deployed one).
 */
export async function compileInMemory(opts: ProjectOptions): Promise<CompiledBuild> {
  let loaded;
  try {
    loaded = await loadProject(opts.projectDir);
  } catch (err) {
    if (err instanceof FcUserError) return { ok: false, diagnostics: err.diagnostics, files: new Map() };
    throw err;
  }
  const { config, registry } = loaded;
  const failed = (ds: Diagnostic[]): CompiledBuild => ({ ok: false, diagnostics: [...loaded.diagnostics, ...ds], files: new Map() });
  // Every dialect the targets use, with the schema of its first target (`${VAR}`s expanded).
  const compiled = compileTargets(config);
  if (compiled.diagnostics.length > 0) return failed(compiled.diagnostics);
  const files = new Map<string, string>();
  const driftWarnings: Diagnostic[] = [];
  files.set("manifest.json", JSON.stringify(buildManifest(registry, VERSION), null, 2) + "\n");
  try {
    // File sources whose data file is there get their tables typed from it, as `run` will.
    const dataFiles = compiled.targets.length > 0 ? dataFileColumns(registry, true) : new Map();
    // drift: baselines are read now: their bins go into the compiled check. A missing one warns
    // (the first profile is saved after the first build); `test` refuses to run it.
    const profiles = readProfiles(config.dir, registry);
    for (const ct of compiled.targets) {
      for (const [rel, sql] of compileProject(registry, ct, dataFiles)) files.set(`compiled/${ct.dialect.name}/${rel}`, sql);
      for (const [rel, sql] of dataTestFiles(registry, ct)) files.set(`compiled/${ct.dialect.name}/${rel}`, sql);
      for (const [rel, sql] of profileFiles(registry, ct)) files.set(`compiled/${ct.dialect.name}/${rel}`, sql);
      const drift = compileDriftChecks(registry, ct, profiles, "warning");
      for (const c of drift.checks) files.set(`compiled/${ct.dialect.name}/${c.path}`, `${c.sql};\n`);
      if (ct === compiled.targets[0]) driftWarnings.push(...drift.diagnostics.map(({ view: _, ...d }) => d));
    }
  } catch (err) {
    if (err instanceof FcUserError) return failed(err.diagnostics);
    throw err;
  }
  for (const [name, ts] of compileClientAccessors(registry)) files.set(`client/${name}`, ts);
  return { ok: true, diagnostics: [...loaded.diagnostics, ...driftWarnings], files, registry, dir: config.dir, config };
}

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
  const r = await compileInMemory(opts);
  if (!r.ok) return { ok: false, diagnostics: r.diagnostics, files: 0 };
  const lint = lintProject(r.config!, r.registry!, opts.strict);
  if (lint.some((d) => d.severity === "error")) return { ok: false, diagnostics: r.diagnostics, lint, files: 0 };
  writeTargetDir(r.dir!, r.files);
  return { ok: true, diagnostics: r.diagnostics, lint, files: r.files.size };
}
