/**
 * Duplicate computations, whatever their names (docs/governance.md, "lint"): aggregations with
 * the same events (source, or normalized SQL), keys, timestamp, function, column, normalized
 * filter and window in seconds (FC105); features of SQL views whose defining expressions over
 * the same rows (normalized FROM, WHERE, GROUP BY, …) and keys are equal once normalized (FC106).
 * Each later feature of a group is reported at its name, naming the first one (in file order).
 */
import type { SourceLocation } from "../../diagnostics/diagnostic.js";
import type { AggregationView, Feature, Registry } from "../../registry/types.js";
import { normalizedKey, normalizedPredicate, parseUserSql } from "./normalize-sql.js";
import type { LintFinding } from "./rules.js";
import { selectShape } from "./select-outputs.js";

/** The duplicate findings of a registry. */
export function duplicateFindings(reg: Registry): LintFinding[] {
  const aggregations = new Map<string, Feature[]>();
  const expressions = new Map<string, Feature[]>();
  const add = (m: Map<string, Feature[]>, key: string, f: Feature): void => {
    const list = m.get(key);
    if (list) list.push(f);
    else m.set(key, [f]);
  };
  for (const view of reg.views.values()) {
    const keys = [...view.joinKeys].sort();
    if (view.kind === "aggregation") {
      const events = eventsKey(view);
      for (const f of view.features) {
        const a = f.aggregation;
        const window = a.windowSeconds ?? "lifetime";
        const key = JSON.stringify([
          events,
          keys,
          view.timestamp,
          view.createdTimestamp ?? "",
          a.function,
          a.column ?? "",
          normalizedPredicate(a.filter),
          window,
        ]);
        add(aggregations, key, f);
      }
    } else if (view.kind === "sql") {
      const shape = selectShape(view.parts);
      if (!shape) continue;
      for (const f of view.features) {
        const out = shape.outputs.get(f.name.toLowerCase());
        if (out) add(expressions, JSON.stringify([shape.context, keys, out.key]), f);
      }
    }
  }
  const findings: LintFinding[] = [];
  for (const group of aggregations.values())
    pairs(group, (first, f) =>
      findings.push({
        rule: "duplicate_aggregation",
        message: `aggregation '${f.view}:${f.name}' computes the same as '${first.view}:${first.name}' (same events, keys, function, column, filter and window): keep one of them`,
        at: f.at,
      }),
    );
  for (const group of expressions.values())
    pairs(group, (first, f) =>
      findings.push({
        rule: "duplicate_expression",
        message: `feature '${f.view}:${f.name}' is the same expression over the same rows and keys as '${first.view}:${first.name}': keep one of them`,
        at: f.at,
      }),
    );
  return findings;
}

/** The events of an aggregation view as a key: its source's name, or its SQL normalized. */
function eventsKey(view: AggregationView): string {
  if (view.events.kind === "source") return `source:${view.events.source}`;
  const ast = parseUserSql(view.events.parts);
  return ast === undefined ? `sql:${view.events.sqlText.replace(/\s+/g, " ").trim()}` : `sql:${normalizedKey(ast)}`;
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
