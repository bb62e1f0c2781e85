/**
 * What `fcompile plan` reports (docs/governance.md, "plan"): one item per object and class of
 * change, with the reasons in words.
 */

/**
 * Classes of change, most serious first:
 * - `breaking`: what serves or trains on features sees something else (a removed or retyped
 *   served feature, a changed entity or join key, a changed aggregation, a changed ttl of a served
 *   view, a removed service); `plan` exits 1 unless `--allow-breaking`;
 * - `backfill`: a view whose materialization must be rebuilt (its materialization hash changed, or it is new);
 * - `non-breaking`: any other change (an added object, a changed source path, a new label, …);
 * - `documentation-only`: description, owner, tags, tests, drift, freshness.
 */
export type PlanClass = "breaking" | "backfill" | "non-breaking" | "documentation-only";

export const PLAN_CLASSES: readonly PlanClass[] = ["breaking", "backfill", "non-breaking", "documentation-only"];

export type PlanObjectKind = "entity" | "source" | "view" | "feature" | "service";

export const PLAN_OBJECT_KINDS: readonly PlanObjectKind[] = ["entity", "source", "view", "feature", "service"];

export interface PlanItem {
  class: PlanClass;
  kind: PlanObjectKind;
  /** The object's name; features as `view:feature`. */
  name: string;
  change: "added" | "removed" | "changed";
  /** Why it is in this class, e.g. `ttl 30d → 7d`; at least one. */
  reasons: string[];
}

/** Items in report order: by class, then kind, then name. */
export function sortPlanItems(items: PlanItem[]): PlanItem[] {
  return [...items].sort(
    (a, b) =>
      PLAN_CLASSES.indexOf(a.class) - PLAN_CLASSES.indexOf(b.class) ||
      PLAN_OBJECT_KINDS.indexOf(a.kind) - PLAN_OBJECT_KINDS.indexOf(b.kind) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}
