import type { DiagnosticBag, SourceLocation } from "../diagnostics/diagnostic.js";
import type { DiagnosticCode } from "../diagnostics/codes.js";
import { suggest } from "../suggest.js";
import type { FeatureRef, Registry } from "./types.js";

/**
 * The column name a chosen feature gets in training output and online reads: `feature`, or with
 * full names `view__feature` (README, "Point-in-time semantics").
 */
export function featureOutputName(ref: FeatureRef, fullNames: boolean): string {
  return fullNames ? `${ref.view}__${ref.feature}` : ref.feature;
}

/** The longest column name every engine keeps whole (PostgreSQL cuts names to 63 bytes). */
const MAX_NAME = 63;

/**
 * Resolves `view:feature` / `view:*` references to single features, in order, and checks that
 * their output names cannot clash. Names compare case-insensitively (DuckDB treats `Total` and
 * `total` as one column).
 *
 * - `fullNames` undefined (a feature service): the service must be usable both ways, so output
 *   names must be distinct with and without full names; a clash is FC010 at the reference.
 * - `fullNames` true/false (`--features` on the command line, for that mode): a clash is a usage
 *   error, FC015.
 *
 * In both cases an output name may not equal a join key of the chosen views (join keys come first
 * in the output), nor be longer than 63 characters (PostgreSQL would cut it). Unknown views or features (FC006) and malformed references (FC003) are
 * reported too; every problem goes to `bag`. Returns the features that can be used.
 */
export function resolveFeatureRefs(
  reg: Registry,
  refs: readonly string[],
  at: (index: number) => SourceLocation,
  bag: DiagnosticBag,
  context: string,
  fullNames?: boolean,
): FeatureRef[] {
  const code: DiagnosticCode = fullNames === undefined ? "FC010" : "FC015";
  const chosen: { ref: FeatureRef; index: number }[] = [];
  const listed = new Set<string>();
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
    const features = featureName === "*" ? view.features : view.features.filter((f) => f.name === featureName);
    if (features.length === 0) {
      const known = view.features.map((f) => f.name);
      bag.error(
        "FC006",
        `view '${viewName}' has no feature '${featureName}'${suggest(featureName, known)} (it has: ${known.join(", ")})`,
        at(i),
      );
      return;
    }
    for (const f of features) {
      const id = `${f.view}:${f.name}`;
      if (listed.has(id)) {
        bag.error(code, `feature '${id}' is listed twice in ${context}`, at(i));
        continue;
      }
      listed.add(id);
      chosen.push({ ref: { view: f.view, feature: f.name }, index: i });
    }
  });
  const modes = fullNames === undefined ? [false, true] : [fullNames];
  const keys = new Map<string, string>();
  for (const { ref } of chosen) for (const k of reg.views.get(ref.view)!.joinKeys) keys.set(k.toLowerCase(), k);
  const clashing = new Set<number>();
  for (const full of modes) {
    const mode = full ? "with full names (view__feature)" : "without full names";
    const byName = new Map<string, FeatureRef>();
    chosen.forEach(({ ref, index }, n) => {
      if (clashing.has(n)) return;
      const name = featureOutputName(ref, full);
      const key = keys.get(name.toLowerCase());
      const prev = byName.get(name.toLowerCase());
      if (name.length > MAX_NAME) {
        clashing.add(n);
        bag.error(
          code,
          `feature '${ref.view}:${ref.feature}' comes out as column '${name}' ${mode}, longer than the ${MAX_NAME} characters PostgreSQL keeps (cut, it could meet another name) in ${context}; shorten the view or feature name`,
          at(index),
        );
      } else if (key !== undefined) {
        clashing.add(n);
        bag.error(
          code,
          `feature '${ref.view}:${ref.feature}' comes out as column '${name}' ${mode}, the name of join key '${key}' in ${context}; rename the feature`,
          at(index),
        );
      } else if (prev) {
        clashing.add(n);
        const prevName = featureOutputName(prev, full);
        const as =
          prevName === name
            ? `both come out as column '${name}' ${mode}`
            : `come out as columns '${prevName}' and '${name}' ${mode}, one column to the warehouse (it ignores case)`;
        const hint = fullNames === false ? "; rename one, or pass --full-names" : "; rename one of them";
        bag.error(code, `features '${prev.view}:${prev.feature}' and '${ref.view}:${ref.feature}' ${as} in ${context}${hint}`, at(index));
      } else byName.set(name.toLowerCase(), ref);
    });
  }
  return chosen.filter((_, n) => !clashing.has(n)).map((c) => c.ref);
}
