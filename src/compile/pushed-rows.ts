/**
 * What the online store holds of a view over a push source after a materialization at an end time
 * and pushes `online_and_offline` since (docs/push.md, "verify after pushes"): the rows before the
 * end, plus every row pushed offline (`pushed__<source>`). `verify` compares training over these
 * rows with online reads.
 */
import type { FeatureView, Registry } from "../registry/types.js";
import { rowSourceOf } from "../registry/types.js";
import type { CompileTarget } from "./relations.js";
import { pushedTable, viewRowsRelation } from "./relations.js";

/**
 * The condition (SQL over the view's relation; its columns unqualified or qualified by its name)
 * keeping a view's rows whose timestamp is before `before` (SQL of a TIMESTAMP; `atOrBefore`: at
 * or before it, as a plain view's materialization keeps them), plus — for a push source in
 * `pushedSources` (those whose pushed__ table holds rows) — those pushed offline at or after it.
 * A pushed row is known by its `dedupe_key`, or else by its join keys and timestamp.
 */
export function rowsKeptSince(
  reg: Registry,
  view: FeatureView,
  t: CompileTarget,
  before: string,
  pushedSources: ReadonlySet<string>,
  atOrBefore = false,
): string {
  const d = t.dialect;
  const q = (s: string): string => d.quote(s);
  const rel = viewRowsRelation(reg, view, t);
  const ts = (r?: string): string => `CAST(${r ? `${r}.` : ""}${q(view.timestamp)} AS TIMESTAMP)`;
  const older = `${ts()} ${atOrBefore ? "<=" : "<"} ${before}`;
  const source = rowSourceOf(view);
  const src = source === undefined ? undefined : reg.sources.get(source);
  if (!src?.push || !pushedSources.has(src.name)) return older;
  const pushed = d.qualified(pushedTable(src, t));
  if (src.dedupeKey !== undefined) {
    const k = q(src.dedupeKey);
    return `(${older} OR ${rel}.${k} IN (SELECT p.${k} FROM ${pushed} AS p WHERE ${ts("p")} >= ${before}))`;
  }
  const same = [...view.joinKeys.map((k) => `p.${q(k)} = ${rel}.${q(k)}`), `p.${q(view.timestamp)} = ${rel}.${q(view.timestamp)}`];
  return `(${older} OR EXISTS (SELECT 1 FROM ${pushed} AS p WHERE ${same.join(" AND ")}))`;
}
