/**
 * The rules of push sources (docs/push.md): `dedupe_key` needs `push: true`; `lateness` applies
 * only to plain and aggregation views over a push source; every `filter:` of an aggregation view
 * over a push source must compile to the portable form the online store evaluates for pushed
 * events (src/registry/filter-expression.ts), which is then kept on the aggregation.
 */
import type { DiagnosticBag, SourceLocation } from "../diagnostics/diagnostic.js";
import { featureTypeOfDuckDbType } from "./aggregations.js";
import { compileFilter } from "./filter-expression.js";
import type { FeatureType, Registry } from "./types.js";
import { rowSourceOf } from "./types.js";

/** Where a key of a source or view is written (for diagnostics). */
export type PushAt = (kind: "source" | "view", name: string, key: string) => SourceLocation;

/** Checks the push rules of every source and view not already broken; sets `filterExpr` on the aggregations of push views. */
export function checkPush(reg: Registry, bag: DiagnosticBag, at: PushAt, broken: (kind: "source" | "view", name: string) => boolean): void {
  for (const src of reg.sources.values()) {
    if (broken("source", src.name) || src.dedupeKey === undefined) continue;
    if (!src.push) {
      bag.error(
        "FC003",
        `'dedupe_key' of source '${src.name}' needs 'push: true': only pushed events are deduplicated`,
        at("source", src.name, "dedupe_key"),
      );
      continue;
    }
    const cols = reg.dataFiles.get(src.name);
    const col = cols?.find((c) => c.name === src.dedupeKey);
    if (cols && !col)
      bag.error(
        "FC017",
        `dedupe_key '${src.dedupeKey}' of source '${src.name}' is not a column of its data file (columns: ${cols.map((c) => c.name).join(", ")})`,
        at("source", src.name, "dedupe_key"),
      );
    else if (col && distinctTextKind(col.duckdbType) === undefined)
      bag.error("FC018", dedupeKeyRefusal(src.name, col.name, col.duckdbType), at("source", src.name, "dedupe_key"));
  }
  for (const view of reg.views.values()) {
    if (broken("view", view.name)) continue;
    const sourceName = rowSourceOf(view);
    const src = sourceName === undefined ? undefined : reg.sources.get(sourceName);
    if (view.lateness !== undefined && !src?.push) {
      const why =
        sourceName === undefined
          ? `view '${view.name}' reads SQL, and pushes update only plain and aggregation views over a push source`
          : src
            ? `source '${src.name}' of view '${view.name}' is not a push source; add 'push: true' to it`
            : undefined;
      if (why) bag.error("FC003", `'lateness' applies only to views over a push source: ${why}`, at("view", view.name, "lateness"));
    }
  }
}

/**
 * Compiles every `filter:` of the aggregation views over a push source to the portable form
 * (kept as `filterExpr`); one that does not compile is FC018 at the filter. Runs after the SQL
 * checks: a filter already reported there (FC008, FC017) is not reported again.
 */
export function compilePushFilters(reg: Registry, bag: DiagnosticBag): void {
  const reported = new Set(bag.items.filter((d) => d.severity === "error").map((d) => `${d.at.file}:${d.at.line}:${d.at.col}`));
  for (const view of reg.views.values()) {
    const sourceName = rowSourceOf(view);
    const src = sourceName === undefined ? undefined : reg.sources.get(sourceName);
    if (!src?.push || view.kind !== "aggregation") continue;
    const types = columnTypes(reg, src.name);
    const fileColumns = reg.dataFiles.get(src.name);
    for (const f of view.features) {
      const a = f.aggregation;
      // count_distinct counts the warehouse's text of a value: refused where pushed values cannot be written alike (columns of a table source are checked by load).
      const col = a.function === "count_distinct" ? fileColumns?.find((c) => c.name === a.column) : undefined;
      if (col && distinctTextKind(col.duckdbType) === undefined)
        bag.error("FC018", distinctTextRefusal(f.name, view.name, col.name, col.duckdbType), f.at);
      if (a.filter === undefined) continue;
      const at = a.filterAt ?? f.at;
      if (reported.has(`${at.file}:${at.line}:${at.col}`)) continue;
      const compiled = compileFilter(a.filter, "postgresql", types);
      if (compiled.ok) a.filterExpr = compiled.expr;
      else
        bag.error(
          "FC018",
          `filter of '${f.name}' in view '${view.name}' cannot be evaluated for pushed events (its source '${src.name}' is a push source): ${compiled.reason}; write it in the portable subset (docs/push.md), or read the events through SQL`,
          at,
        );
    }
  }
}

/** The types of the event columns a filter may read, where known: the data file's (others are typed by what the filter compares them with). */
function columnTypes(reg: Registry, source: string): Record<string, FeatureType> {
  const out: Record<string, FeatureType> = {};
  for (const c of reg.dataFiles.get(source) ?? []) {
    const t = featureTypeOfDuckDbType(c.duckdbType);
    if (t) out[c.name] = t;
  }
  return out;
}

/**
 * The kind of a source column, by its type as the engine names it (DuckDB's DESCRIBE, PostgreSQL's
 * format_type), whose text both warehouses write alike, so count_distinct of pushed events can
 * count the same text (docs/push.md); undefined for the others (floats, decimals, dates,
 * timestamps with a zone or another precision, fixed-width char): count_distinct of them is
 * refused for views over a push source (FC018). The kinds are src/online/layout.ts's DistinctTextKind.
 */
export function distinctTextKind(engineType: string): "integer" | "bool" | "string" | "timestamp" | undefined {
  const t = engineType.trim().toLowerCase();
  if (/^(u?(tiny|small|big|huge)?int(eger)?|int[248]|uinteger)$/.test(t)) return "integer";
  if (t === "boolean" || t === "bool") return "bool";
  if (t === "varchar" || t === "text" || t === "string" || /^character varying(\(\d+\))?$/.test(t) || /^varchar\(\d+\)$/.test(t))
    return "string";
  if (t === "timestamp" || t === "timestamp without time zone" || t === "datetime") return "timestamp";
  return undefined;
}

/** Why count_distinct of a column of type `engineType` is refused for pushed events (FC018's message). */
export function distinctTextRefusal(feature: string, view: string, column: string, engineType: string): string {
  return (
    `count_distinct '${feature}' in view '${view}' cannot count pushed events the way the warehouse counts them: ` +
    `column '${column}' is ${engineType}, whose text differs between warehouses or from what a push sends ` +
    `(count_distinct over a push source takes integer, boolean, text and timestamp columns); ` +
    `cast it in the source, or read the events through SQL`
  );
}

/**
 * Why a `dedupe_key` column of type `engineType` is refused (FC018's message): an event's id is
 * compared as text, online against the ids `load` recorded from the warehouse, so its text must
 * be the same in both warehouses and in a push (the kinds of distinctTextKind).
 */
export function dedupeKeyRefusal(source: string, column: string, engineType: string): string {
  return (
    `dedupe_key '${column}' of source '${source}' is ${engineType}, whose text differs between warehouses or from what a push sends ` +
    `(a dedupe_key is an integer, text, boolean or timestamp column); cast it in the source, or use another id column`
  );
}
