/**
 * `lint:` of fcompile.yaml (docs/governance.md): per-rule severity and naming options. The schema
 * (src/project/config.schema.json) checks its shape; what it leaves out takes the defaults.
 *
 * ```yaml
 * lint:
 *   rules: {view_owner: error, view_freshness: off}
 *   naming: {type_words: [int, float, str]}
 * ```
 */
import type { LintRule, LintSeverity } from "./rules.js";
import { LINT_RULE_NAMES } from "./rules.js";

/** The lint configuration in effect. */
export interface LintConfig {
  /** Severity of each rule (default: warn for every rule). */
  severity: Record<LintRule, LintSeverity>;
  /** Words that name a type; one of them as a `_`-separated part of a feature name is FC103. */
  typeWords: ReadonlySet<string>;
}

/** Default `naming: type_words`. */
export const DEFAULT_TYPE_WORDS = [
  "int",
  "int32",
  "int64",
  "integer",
  "bigint",
  "float",
  "float32",
  "float64",
  "double",
  "str",
  "string",
  "varchar",
  "bool",
  "boolean",
];

/** The configuration from `lint:` as written (undefined: none; anything malformed was reported by the schema and is ignored). */
export function readLintConfig(raw: unknown): LintConfig {
  const o = isObj(raw) ? raw : {};
  const rules = isObj(o.rules) ? o.rules : {};
  const naming = isObj(o.naming) ? o.naming : {};
  const severity = Object.fromEntries(
    LINT_RULE_NAMES.map((r) => {
      const s = rules[r];
      return [r, s === "off" || s === "warn" || s === "error" ? s : "warn"];
    }),
  ) as Record<LintRule, LintSeverity>;
  const words = Array.isArray(naming.type_words) ? naming.type_words.filter((w): w is string => typeof w === "string") : DEFAULT_TYPE_WORDS;
  return { severity, typeWords: new Set(words.map((w) => w.toLowerCase())) };
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
