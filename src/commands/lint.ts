import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { readLintConfig } from "../governance/lint/config.js";
import { lintRegistry } from "../governance/lint/lint-registry.js";
import type { LintDiagnostic } from "../governance/lint/lint-registry.js";
import type { ProjectConfig } from "../project/read-project.js";
import type { Registry } from "../registry/types.js";
import { loadProject } from "./common.js";
import type { ProjectOptions } from "./common.js";

export interface LintOptions extends ProjectOptions {
  /** Every finding is an error (exit 1), whatever its configured severity. */
  strict?: boolean;
}

export interface LintResult {
  /** False when a finding is an error (a rule set to `error`, or `strict`). */
  ok: boolean;
  /** The lint findings, sorted by file, line, column. */
  findings: LintDiagnostic[];
  /** The project's own warnings (e.g. a data file that is not there yet). */
  projectDiagnostics: Diagnostic[];
}

/**
 * `fcompile lint`: checks naming, duplicate computations, leakage and documentation
 * (docs/governance.md, "lint"), with the severities of `lint:` in fcompile.yaml. A project that
 * is not valid throws FcUserError with its diagnostics, as `build` reports them.
 */
export async function lint(opts: LintOptions): Promise<LintResult> {
  const { config, registry, diagnostics } = await loadProject(opts.projectDir);
  const findings = lintProject(config, registry, opts.strict);
  return { ok: !findings.some((d) => d.severity === "error"), findings, projectDiagnostics: diagnostics };
}

/** The lint findings of a loaded project, with its `lint:` configuration. */
export function lintProject(config: ProjectConfig, registry: Registry, strict = false): LintDiagnostic[] {
  return lintRegistry(registry, readLintConfig(config.lint), strict);
}
