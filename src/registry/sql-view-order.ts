import type { DiagnosticBag } from "../diagnostics/diagnostic.js";
import type { FeatureView, Registry, SqlRows } from "./types.js";
import { sqlRowsOf } from "./types.js";

/**
 * Orders the views `run` builds a table for from their SQL (SQL views, aggregation views over SQL)
 * so each comes after the views it `ref`s (the order `run` builds them in).
 * A cycle is reported at the `{{ref}}` that closes it.
 */
export function orderSqlViews(reg: Registry, bag: DiagnosticBag): string[] {
  const sqlViews = [...reg.views.values()].flatMap((v): [FeatureView, SqlRows][] => {
    const rows = sqlRowsOf(v);
    return rows ? [[v, rows]] : [];
  });
  const rowsOf = new Map(sqlViews.map(([v, rows]) => [v.name, rows]));
  const state = new Map<string, "visiting" | "done">();
  const order: string[] = [];
  const reported = new Set<string>();
  const visit = (v: FeatureView, stack: string[]): void => {
    state.set(v.name, "visiting");
    for (const p of rowsOf.get(v.name)!.parts) {
      if (typeof p === "string" || p.kind !== "ref") continue;
      const dep = reg.views.get(p.name);
      if (!dep || dep.kind !== "sql") continue;
      const s = state.get(dep.name);
      if (s === "visiting") {
        const cycle = [...stack.slice(stack.indexOf(dep.name)), v.name, dep.name];
        const key = [...new Set(cycle)].sort().join(",");
        if (!reported.has(key)) {
          reported.add(key);
          bag.error("FC007", `cycle between SQL feature views: ${cycle.join(" -> ")}`, p.at);
        }
      } else if (s === undefined) visit(dep, [...stack, v.name]);
    }
    state.set(v.name, "done");
    order.push(v.name);
  };
  for (const [v] of sqlViews) if (!state.has(v.name)) visit(v, []);
  return order;
}
