/**
 * Lints a registry (docs/governance.md, "lint"): every rule's findings as diagnostics, with each
 * rule's configured severity (`off` drops them; `--strict` makes every warning an error), sorted
 * by file, line and column.
 */
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { sortDiagnostics } from "../../diagnostics/diagnostic.js";
import type { Registry } from "../../registry/types.js";
import type { LintConfig } from "./config.js";
import { documentationFindings } from "./documentation.js";
import { duplicateFindings } from "./duplicates.js";
import { leakageFindings } from "./leakage.js";
import { FileTexts } from "./locate-word.js";
import { namingFindings } from "./naming.js";
import { LINT_RULES } from "./rules.js";
import type { LintRule } from "./rules.js";

/** A lint diagnostic, with the rule that found it. */
export type LintDiagnostic = Diagnostic & { rule: LintRule };

/** Every finding of the rules not turned off, as warnings or errors (`strict`: all errors). */
export function lintRegistry(reg: Registry, config: LintConfig, strict = false): LintDiagnostic[] {
  const findings = [
    ...namingFindings(reg, config),
    ...duplicateFindings(reg),
    ...leakageFindings(reg, new FileTexts(reg.project.dir)),
    ...documentationFindings(reg),
  ];
  const out: LintDiagnostic[] = [];
  for (const f of findings) {
    const severity = config.severity[f.rule];
    if (severity === "off") continue;
    out.push({
      code: LINT_RULES[f.rule].code,
      severity: strict || severity === "error" ? "error" : "warning",
      message: `${f.message} [${f.rule}]`,
      at: f.at,
      rule: f.rule,
    });
  }
  return sortDiagnostics(out) as LintDiagnostic[];
}
