import type { FeatureView, Registry, SqlPart } from "../registry/types.js";
import { rowSourceOf } from "../registry/types.js";

/**
 * How an incremental materialization (one merged with the previous one) of a view must read its
 * rows so that it holds what a full run would (docs/scheduling.md, "Late rows and pushes"):
 * - `{ reread: µs }`: a plain or aggregation view over a push source with `lateness:` — an event
 *   accepted by a push (online, and appended offline) can be as old as the previous end − the
 *   lateness, so the rows from there on are read again (the returned start is the earlier of the
 *   given start and previous end − lateness, in µs since the epoch);
 * - `{ full: reason }`: a view that reads a push source without a lateness bound (a plain or
 *   aggregation view without `lateness:`, or SQL over a push source): a pushed row of any age may
 *   have been appended offline, so no start is safe and the view is built in full;
 * - `{}`: the source takes no pushes: the rows since the start are enough.
 */
export function incrementalReread(
  reg: Registry,
  view: FeatureView,
  start: bigint,
  previousEnd: bigint,
): { reread?: bigint; full?: string } {
  const own = rowSourceOf(view);
  if (own !== undefined) {
    if (!reg.sources.get(own)?.push) return {};
    if (view.latenessSeconds === undefined)
      return {
        full:
          `its source '${own}' takes pushes and it has no 'lateness:', so a pushed event of any age may be in the warehouse: ` +
          "built in full (give the view a 'lateness:' to let incremental runs read only the rows since the last end − lateness)",
      };
    const back = previousEnd - BigInt(view.latenessSeconds) * 1_000_000n;
    return { reread: back < start ? back : start };
  }
  const pushed = pushSourcesRead(reg, view);
  if (pushed.length === 0) return {};
  return {
    full:
      `its SQL reads push source${pushed.length > 1 ? "s" : ""} ${pushed.map((s) => `'${s}'`).join(", ")}, whose rows pushed offline may be of any age: ` +
      "built in full",
  };
}

/** The push sources a view's SQL reads, directly or through other SQL views (none for a plain view). */
function pushSourcesRead(reg: Registry, view: FeatureView): string[] {
  const found = new Set<string>();
  const seen = new Set<string>();
  const walk = (parts: SqlPart[]): void => {
    for (const p of parts) {
      if (typeof p === "string") continue;
      if (p.kind === "source") {
        if (reg.sources.get(p.name)?.push) found.add(p.name);
      } else if (!seen.has(p.name)) {
        seen.add(p.name);
        const ref = reg.views.get(p.name);
        if (ref?.kind === "sql") walk(ref.parts);
      }
    }
  };
  if (view.kind === "sql") walk(view.parts);
  else if (view.kind === "aggregation" && view.events.kind === "sql") walk(view.events.parts);
  return [...found].sort();
}
