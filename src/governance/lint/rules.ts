/**
 * The rules of `fcompile lint` (docs/governance.md, "lint"): each has a name (the key under
 * `lint: rules:` in fcompile.yaml), a code in the FC101…FC120 block, and a default severity.
 */
import type { DiagnosticCode } from "../../diagnostics/codes.js";
import type { SourceLocation } from "../../diagnostics/diagnostic.js";

/** How a rule's findings are reported: not at all, as warnings, or as errors (exit 1). */
export type LintSeverity = "off" | "warn" | "error";

/** Every lint rule: its code and what it checks. */
export const LINT_RULES = {
  snake_case: { code: "FC101", summary: "a name that is not snake_case" },
  window_suffix: { code: "FC102", summary: "a window suffix in a feature name that differs from its aggregation's window" },
  type_in_name: { code: "FC103", summary: "a type name inside a feature name" },
  view_in_name: { code: "FC104", summary: "the view's own name repeated inside a feature name" },
  duplicate_aggregation: { code: "FC105", summary: "an aggregation that computes the same as another one" },
  duplicate_expression: { code: "FC106", summary: "an SQL view feature whose expression equals another one's" },
  wall_clock: { code: "FC107", summary: "SQL that reads the wall clock (now(), current_date, …)" },
  following_frame: { code: "FC108", summary: "a window frame that reads FOLLOWING rows" },
  label_leak: { code: "FC109", summary: "a feature computed from a label column" },
  feature_description: { code: "FC110", summary: "a feature without a description" },
  view_owner: { code: "FC111", summary: "a view without an owner" },
  view_freshness: { code: "FC112", summary: "a view without freshness" },
} as const satisfies Record<string, { code: DiagnosticCode; summary: string }>;

/** A lint rule's name, e.g. `wall_clock`. */
export type LintRule = keyof typeof LINT_RULES;

export const LINT_RULE_NAMES = Object.keys(LINT_RULES) as LintRule[];

/** One finding of a rule, before its severity is applied. */
export interface LintFinding {
  rule: LintRule;
  message: string;
  at: SourceLocation;
}
