/**
 * Naming rules (docs/governance.md, "lint"): snake_case names (FC101); a window suffix in an
 * aggregation feature's name equal to its window, normalized (`7d` = `168h` = `1w`; FC102); no
 * type word (FC103) or the view's own name (FC104) inside a feature name. Each at the name.
 */
import { parseDuration } from "../../registry/durations.js";
import type { Registry } from "../../registry/types.js";
import type { LintConfig } from "./config.js";
import type { LintFinding } from "./rules.js";

const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
/** A `_`-separated part of a name that reads as a duration: `7d`, `24h`, `1w`, `90m`, `30s`. */
const WINDOW_WORD = /^[0-9]+[smhdw]$/;

/** The naming findings of a registry. */
export function namingFindings(reg: Registry, config: LintConfig): LintFinding[] {
  const out: LintFinding[] = [];
  const snake = (kind: string, name: string, at: LintFinding["at"]): void => {
    if (!SNAKE.test(name))
      out.push({ rule: "snake_case", message: `${kind} '${name}' is not snake_case: rename it to '${toSnake(name)}'`, at });
  };
  for (const e of reg.entities.values()) snake("entity", e.name, e.at);
  for (const s of reg.sources.values()) snake("source", s.name, s.at);
  for (const s of reg.services.values()) snake("service", s.name, s.at);
  for (const view of reg.views.values()) {
    snake("view", view.name, view.at);
    for (const f of view.features) {
      snake(`feature (of view '${view.name}')`, f.name, f.at);
      const words = f.name.toLowerCase().split("_");
      if ("aggregation" in f) {
        const a = (f as { aggregation: { window: string; windowSeconds?: number } }).aggregation;
        for (const w of words.filter((x) => WINDOW_WORD.test(x))) {
          const seconds = parseDuration(w);
          if (a.windowSeconds !== undefined && seconds === a.windowSeconds) continue;
          out.push({
            rule: "window_suffix",
            message: `feature '${f.name}' of view '${view.name}' says ${w} but its window is ${a.window}: rename it (e.g. '${f.name.replace(w, a.window)}') or change the window`,
            at: f.at,
          });
        }
      }
      const typeWord = words.find((w) => config.typeWords.has(w));
      if (typeWord !== undefined)
        out.push({
          rule: "type_in_name",
          message: `feature '${f.name}' of view '${view.name}' has the type word '${typeWord}' in its name: drop it (the type is declared, and may change)`,
          at: f.at,
        });
      if (`_${f.name.toLowerCase()}_`.includes(`_${view.name}_`))
        out.push({
          rule: "view_in_name",
          message: `feature '${f.name}' repeats its view's name '${view.name}': drop it (with full names the output is '${view.name}__${f.name}' already)`,
          at: f.at,
        });
    }
  }
  return out;
}

/** `CustomerID` → `customer_id`, `order--count_` → `order_count`. */
function toSnake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}
