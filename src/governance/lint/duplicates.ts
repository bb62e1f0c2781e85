/**
 * Duplicate computations, whatever their names (docs/governance.md, "lint"): aggregations with
 * the same events (source, or normalized SQL), keys, timestamp, function, column, normalized
 * filter and window in seconds (FC105); features of SQL views whose defining expressions over
 * the same rows (normalized FROM, WHERE, GROUP BY, …) and keys are equal once normalized (FC106).
 * Both within one view and across views. Each later feature of a group is reported at its name,
 * naming the first one (in file order).
 */
import type { SourceLocation } from "../../diagnostics/diagnostic.js";
import type { AggregationFeature, AggregationView, Feature, Registry, SqlPart, SqlView } from "../../registry/types.js";
import { normalizedKey, normalizedPredicate, parseUserSql } from "./normalize-sql.js";
import type { LintFinding } from "./rules.js";
import { mayRepeatAnOutput } from "./select-list-words.js";
import { selectShape } from "./select-outputs.js";

/** The duplicate findings of a registry. */
export function duplicateFindings(reg: Registry): LintFinding[] {
  // Cheap keys first (no SQL parsed); only features that share one are compared by normalized SQL.
  const aggregations = new Map<string, AggregationFeature[]>();
  const sqlViews = new Map<string, SqlView[]>();
  for (const view of reg.views.values()) {
    const keys = [...view.joinKeys].sort();
    if (view.kind === "aggregation") {
      const events = view.events.kind === "source" ? `source:${view.events.source}` : `sql:${readsOf(view.events.parts)}`;
      for (const f of view.features) {
        const a = f.aggregation;
        const window = a.windowSeconds ?? "lifetime";
        const key = JSON.stringify([events, keys, view.timestamp, view.createdTimestamp ?? "", a.function, a.column ?? "", window]);
        add(aggregations, key, f);
      }
    } else if (view.kind === "sql") add(sqlViews, JSON.stringify([readsOf(view.parts), keys]), view);
  }
  const findings: LintFinding[] = [];
  for (const candidates of aggregations.values()) {
    if (candidates.length < 2) continue;
    const groups = new Map<string, Feature[]>();
    for (const f of candidates) {
      const view = reg.views.get(f.view) as AggregationView;
      add(groups, JSON.stringify([eventsKey(view), normalizedPredicate(f.aggregation.filter)]), f);
    }
    for (const group of groups.values())
      pairs(group, (first, f) =>
        findings.push({
          rule: "duplicate_aggregation",
          message: `aggregation '${f.view}:${f.name}' computes the same as '${first.view}:${first.name}' (same events, keys, function, column, filter and window): keep one of them`,
          at: f.at,
        }),
      );
  }
  for (const views of sqlViews.values()) {
    // One view can repeat an expression too (`score * 2 AS a, 2 * score AS b`): a lone view is
    // parsed only when two of its outputs may be the same (select-list-words.ts, no parse).
    if (views.length < 2 && (views[0]!.features.length < 2 || !mayRepeatAnOutput(views[0]!.parts))) continue;
    const groups = new Map<string, Feature[]>();
    for (const view of views) {
      const shape = selectShape(view.parts);
      if (!shape) continue;
      for (const f of view.features) {
        const out = shape.outputs.get(f.name.toLowerCase());
        if (out) add(groups, JSON.stringify([shape.context, out.key]), f);
      }
    }
    for (const group of groups.values())
      pairs(group, (first, f) =>
        findings.push({
          rule: "duplicate_expression",
          message: `feature '${f.view}:${f.name}' is the same expression over the same rows and keys as '${first.view}:${first.name}': keep one of them`,
          at: f.at,
        }),
      );
  }
  return findings;
}

function add<T>(m: Map<string, T[]>, key: string, x: T): void {
  const list = m.get(key);
  if (list) list.push(x);
  else m.set(key, [x]);
}

/** The sources and views SQL reads, sorted: SQL over other ones cannot compute the same. */
function readsOf(parts: readonly SqlPart[]): string {
  const names = parts.flatMap((p) => (typeof p === "string" ? [] : [`${p.kind}:${p.name}`]));
  return [...new Set(names)].sort().join(",");
}

const eventKeys = new WeakMap<AggregationView, string>();

/** The events of an aggregation view as a key: its source's name, or its SQL normalized (parsed once per view). */
function eventsKey(view: AggregationView): string {
  if (view.events.kind === "source") return `source:${view.events.source}`;
  const known = eventKeys.get(view);
  if (known !== undefined) return known;
  const ast = parseUserSql(view.events.parts);
  const key = ast === undefined ? `sql:${view.events.sqlText.replace(/\s+/g, " ").trim()}` : `sql:${normalizedKey(ast)}`;
  eventKeys.set(view, key);
  return key;
}

/** Calls `report(first, f)` for each feature of a group after the first one, in file order. */
function pairs(group: Feature[], report: (first: Feature, f: Feature) => void): void {
  if (group.length < 2) return;
  const sorted = [...group].sort((a, b) => compareAt(a.at, b.at));
  for (const f of sorted.slice(1)) report(sorted[0]!, f);
}

function compareAt(a: SourceLocation, b: SourceLocation): number {
  return (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.col - b.col;
}
