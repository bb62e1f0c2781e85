import { DOCUMENTATION_KEYS, changedKeys, describeChange, keyName, sameValue } from "./field-changes.js";
import type { Manifest, ManifestObject } from "./manifest-shape.js";
import type { PlanClass, PlanItem, PlanObjectKind } from "./plan-items.js";
import { sortPlanItems } from "./plan-items.js";

/** An aggregation's parts whose change changes every value the feature had (breaking). */
const AGGREGATION_PARTS = ["function", "column", "window", "filter"] as const;

/**
 * Every difference between a deployed manifest (`before`) and the project's (`after`), classified
 * (PlanClass), in report order. Pure: both sides are manifests as `build` writes them.
 */
export function compareManifests(before: Manifest, after: Manifest): PlanItem[] {
  const out = new Items();
  // Services that use each feature, in the deployed manifest (what consumers read today) and in the project.
  const servedBefore = servingServices(before);
  const servedViews = new Set([...servingServices(after).keys(), ...servedBefore.keys()].map((id) => id.split(":")[0]!));

  for (const [name, change, a, b] of pairs(before.entities, after.entities)) {
    if (change !== "changed") {
      out.add("non-breaking", "entity", name, change, change);
      continue;
    }
    for (const k of changedKeys(a!, b!))
      if (k === "keyTypes" && onlyNowKnown(a![k], b![k]))
        out.add("non-breaking", "entity", name, change, `${describeChange(k, a![k], b![k])} (unknown at build on one side)`);
      else out.add(classOf(k, ["joinKeys", "keyTypes"]), "entity", name, change, describeChange(k, a![k], b![k]));
  }

  for (const [name, change, a, b] of pairs(before.sources, after.sources)) {
    if (change !== "changed") {
      out.add("non-breaking", "source", name, change, change);
      continue;
    }
    for (const k of changedKeys(a!, b!)) out.add(classOf(k, []), "source", name, change, describeChange(k, a![k], b![k]));
  }

  for (const [name, change, a, b] of pairs(before.feature_views, after.feature_views)) {
    if (change === "added") {
      out.add("non-breaking", "view", name, change, "added");
      out.add("backfill", "view", name, change, "new view: materialize it before it is served");
      continue;
    }
    if (change === "removed") {
      out.add("non-breaking", "view", name, change, "removed (its features are listed apart)");
      continue;
    }
    const served = servedViews.has(name);
    for (const k of changedKeys(a!, b!, ["features"])) {
      const why = describeChange(k, a![k], b![k]);
      if (k === "ttl" && served) out.add("breaking", "view", name, change, `${why} (a served view: online values expire differently)`);
      else if (k === "keyTypes" && onlyNowKnown(a![k], b![k]))
        out.add("non-breaking", "view", name, change, `${why} (unknown at build on one side)`);
      else out.add(classOf(k, ["entities", "joinKeys", "keyTypes"]), "view", name, change, why);
    }
    const backfill = backfillReasons(before, after, name, a!, b!);
    for (const why of backfill) out.add("backfill", "view", name, change, why);
  }

  for (const [id, change, a, b] of pairs(before.features, after.features)) {
    const users = servedBefore.get(id) ?? [];
    const servedBy = `served by ${users.join(", ")}`;
    if (change === "added") out.add("non-breaking", "feature", id, change, "added");
    else if (change === "removed")
      out.add(users.length > 0 ? "breaking" : "non-breaking", "feature", id, change, users.length > 0 ? `removed; ${servedBy}` : "removed");
    else {
      const view = id.split(":")[0]!;
      const inherited = inheritedChanges(before.feature_views[view], after.feature_views[view]);
      // A view's entities and ttl are repeated in each feature's entry: reported at the view.
      for (const k of changedKeys(a!, b!, ["entities", "ttl", "aggregation", ...inherited])) {
        const why = describeChange(k, a![k], b![k]);
        if (k === "type")
          out.add(users.length > 0 ? "breaking" : "non-breaking", "feature", id, change, users.length > 0 ? `${why}; ${servedBy}` : why);
        else out.add(classOf(k, []), "feature", id, change, why);
      }
      const aggA = (a!.aggregation ?? {}) as ManifestObject;
      const aggB = (b!.aggregation ?? {}) as ManifestObject;
      for (const k of changedKeys(aggA, aggB))
        out.add(
          (AGGREGATION_PARTS as readonly string[]).includes(k) ? "breaking" : "non-breaking",
          "feature",
          id,
          change,
          describeChange(k, aggA[k], aggB[k]),
        );
    }
  }

  for (const [name, change, a, b] of pairs(before.feature_services, after.feature_services)) {
    if (change === "added") out.add("non-breaking", "service", name, change, "added");
    else if (change === "removed") out.add("breaking", "service", name, change, "removed");
    else {
      const fa = (a!.features ?? []) as string[];
      const fb = (b!.features ?? []) as string[];
      const gone = fa.filter((f) => !fb.includes(f));
      const added = fb.filter((f) => !fa.includes(f));
      if (gone.length > 0) out.add("breaking", "service", name, change, `no longer serves ${gone.join(", ")}`);
      if (added.length > 0) out.add("non-breaking", "service", name, change, `now serves ${added.join(", ")}`);
      if (gone.length === 0 && added.length === 0 && !sameValue(fa, fb))
        out.add("non-breaking", "service", name, change, "feature order changed");
      for (const k of changedKeys(a!, b!, ["features", "refs"]))
        out.add(classOf(k, []), "service", name, change, describeChange(k, a![k], b![k]));
    }
  }
  return sortPlanItems(out.list());
}

/** Documentation keys go to their class, `breaking` keys break, any other change is non-breaking. */
function classOf(key: string, breaking: readonly string[]): PlanClass {
  if (breaking.includes(key)) return "breaking";
  return DOCUMENTATION_KEYS.has(key) ? "documentation-only" : "non-breaking";
}

/**
 * Join key types that differ only where one side was unknown at build (null: no declared type and
 * no data file to infer it from): the warehouse typed the key then, so nothing is known to change.
 */
function onlyNowKnown(a: unknown, b: unknown): boolean {
  const ta = (a ?? {}) as Record<string, string | null>;
  const tb = (b ?? {}) as Record<string, string | null>;
  const keys = [...new Set([...Object.keys(ta), ...Object.keys(tb)])].filter((k) => ta[k] !== tb[k]);
  return keys.length > 0 && keys.every((k) => k in ta && k in tb && (ta[k] === null || tb[k] === null));
}

/** Objects of both sides by name: [name, change, before, after], in name order; unchanged ones (same hash) left out. */
type Pair = [string, "added" | "removed" | "changed", ManifestObject | undefined, ManifestObject | undefined];

function pairs(before: Record<string, ManifestObject>, after: Record<string, ManifestObject>): Pair[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const out: Pair[] = [];
  for (const n of names) {
    const a = before[n];
    const b = after[n];
    if (!a) out.push([n, "added", a, b]);
    else if (!b) out.push([n, "removed", a, b]);
    else if (!sameValue({ ...a, hash: null }, { ...b, hash: null })) out.push([n, "changed", a, b]);
  }
  return out;
}

/** Feature id (`view:feature`) → the services that serve it. */
function servingServices(m: Manifest): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [svc, s] of Object.entries(m.feature_services).sort(([a], [b]) => (a < b ? -1 : 1)))
    for (const f of (s.features ?? []) as string[]) out.set(f, [...(out.get(f) ?? []), svc]);
  return out;
}

/**
 * A feature's owner and tags are its view's unless it sets its own: when the view's changed, the
 * feature's change is reported at the view only.
 */
function inheritedChanges(a: ManifestObject | undefined, b: ManifestObject | undefined): string[] {
  if (!a || !b) return [];
  return ["owner", "tags"].filter((k) => !sameValue(a[k], b[k]));
}

/**
 * Why a view present on both sides must be materialized again: its materialization hash changed
 * (src/registry/manifest.ts, materializationHash), with what changed in words where `plan` can
 * tell; none when the hash is the same. A deployed manifest without materialization hashes (built
 * before they were written) makes every changed view a backfill.
 */
function backfillReasons(before: Manifest, after: Manifest, name: string, a: ManifestObject, b: ManifestObject): string[] {
  const ha = a.materializationHash;
  const hb = b.materializationHash;
  if (ha === undefined) return ["the deployed manifest has no materialization hash (built by an older fcompile): rebuild assumed"];
  if (ha === hb) return [];
  const reasons: string[] = [];
  const own = changedKeys(a, b, ["features", ...DOCUMENTATION_KEYS]);
  if (own.length > 0) reasons.push(`${own.map(keyName).join(", ")} changed`);
  const fa = (a.features ?? []) as string[];
  const fb = (b.features ?? []) as string[];
  const added = fb.filter((f) => !fa.includes(f));
  const removed = fa.filter((f) => !fb.includes(f));
  if (added.length > 0) reasons.push(`features added: ${added.join(", ")}`);
  if (removed.length > 0) reasons.push(`features removed: ${removed.join(", ")}`);
  const redefined = fb.filter((f) => {
    const x = before.features[`${name}:${f}`];
    const y = after.features[`${name}:${f}`];
    return x && y && (!sameValue(x.type, y.type) || !sameValue(aggregationOf(x), aggregationOf(y)));
  });
  if (redefined.length > 0) reasons.push(`features redefined: ${redefined.join(", ")}`);
  const src = typeof b.source === "string" && b.source === a.source ? b.source : undefined;
  if (src !== undefined && before.sources[src] && after.sources[src]) {
    const keys = changedKeys(before.sources[src], after.sources[src], [...DOCUMENTATION_KEYS, "labels", "push", "dedupeKey"]);
    if (keys.length > 0) reasons.push(`source ${src} changed`);
  }
  const upstreamViews = (m: Manifest): string[] => [...new Set(fb.flatMap((f) => m.lineage[`${name}:${f}`]?.views ?? []))].sort();
  const upstreamChanged = upstreamViews(after).filter((v) => !sameValue(before.feature_views[v]?.sql, after.feature_views[v]?.sql));
  if (upstreamChanged.length > 0) reasons.push(`upstream SQL view ${upstreamChanged.join(", ")} changed`);
  return [`materialization hash changed${reasons.length > 0 ? `: ${reasons.join("; ")}` : ""}`];
}

function aggregationOf(f: ManifestObject): unknown {
  const { filterExpr: _f, ...rest } = (f.aggregation ?? {}) as ManifestObject;
  return rest;
}

/** Items collected per object and class: reasons of the same object and class join one item. */
class Items {
  private readonly items = new Map<string, PlanItem>();
  add(cls: PlanClass, kind: PlanObjectKind, name: string, change: PlanItem["change"], reason: string): void {
    const key = `${cls}\0${kind}\0${name}`;
    const item = this.items.get(key);
    if (item) item.reasons.push(reason);
    else this.items.set(key, { class: cls, kind, name, change, reasons: [reason] });
  }
  list(): PlanItem[] {
    return [...this.items.values()];
  }
}
