import type { DiagnosticBag, SourceLocation } from "../diagnostics/diagnostic.js";
import { suggest } from "./suggest.js";
import type { FeatureRef, Registry } from "./types.js";

/**
 * Resolves `view:feature` / `view:*` references to single features, in order. Unknown views or
 * features and duplicates are reported; so are two features with the same name unless
 * `allowNameClash` (full `view__feature` names keep them apart).
 */
export function resolveFeatureRefs(
  reg: Registry,
  refs: readonly string[],
  at: (index: number) => SourceLocation,
  bag: DiagnosticBag,
  context: string,
  allowNameClash = false,
): FeatureRef[] {
  const out: FeatureRef[] = [];
  const byName = new Map<string, FeatureRef>();
  refs.forEach((ref, i) => {
    const m = /^([^:]+):(.+)$/.exec(ref);
    if (!m) {
      bag.error("FC003", `feature reference '${ref}' must be 'view:feature' or 'view:*'`, at(i));
      return;
    }
    const [, viewName, featureName] = m as unknown as [string, string, string];
    const view = reg.views.get(viewName);
    if (!view) {
      bag.error("FC006", `unknown feature view '${viewName}' in ${context}${suggest(viewName, reg.views.keys())}`, at(i));
      return;
    }
    const chosen = featureName === "*" ? view.features : view.features.filter((f) => f.name === featureName);
    if (chosen.length === 0) {
      const known = view.features.map((f) => f.name);
      bag.error(
        "FC006",
        `view '${viewName}' has no feature '${featureName}'${suggest(featureName, known)} (it has: ${known.join(", ")})`,
        at(i),
      );
      return;
    }
    for (const f of chosen) {
      const prev = byName.get(f.name);
      if (prev && prev.view === f.view) {
        bag.error("FC010", `feature '${viewName}:${f.name}' is listed twice in ${context}`, at(i));
        continue;
      }
      if (prev && !allowNameClash) {
        bag.error(
          "FC010",
          `feature name '${f.name}' is in both '${prev.view}' and '${f.view}' in ${context}; rename one (training with --full-names names columns view__feature)`,
          at(i),
        );
        continue;
      }
      const r = { view: f.view, feature: f.name };
      byName.set(f.name, r);
      out.push(r);
    }
  });
  return out;
}
