/**
 * Documentation rules (docs/governance.md, "lint"): every feature has a description (FC110, at the
 * feature's name), every view an owner (FC111) and `freshness:` (FC112), at the view's name.
 */
import type { Registry } from "../../registry/types.js";
import type { LintFinding } from "./rules.js";

/** The documentation findings of a registry. */
export function documentationFindings(reg: Registry): LintFinding[] {
  const out: LintFinding[] = [];
  for (const view of reg.views.values()) {
    if (!view.owner)
      out.push({
        rule: "view_owner",
        message: `view '${view.name}' has no owner: add 'owner:' (a team or an address to ask)`,
        at: view.at,
      });
    if (!view.freshness)
      out.push({
        rule: "view_freshness",
        message: `view '${view.name}' has no freshness: add 'freshness: {warn_after: …, error_after: …}' (how old its newest event may get)`,
        at: view.at,
      });
    for (const f of view.features)
      if (!f.description)
        out.push({
          rule: "feature_description",
          message: `feature '${view.name}:${f.name}' has no description: add 'description:' (what it means, in which unit)`,
          at: f.at,
        });
  }
  return out;
}
