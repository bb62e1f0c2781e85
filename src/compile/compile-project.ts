import type { Registry } from "../registry/types.js";
import { compileIncrementalMaterialization, compileMaterialization } from "./materialize.js";
import type { CompileTarget } from "./relations.js";
import { compileRunPlan } from "./run-plan.js";
import { compileTraining } from "./training.js";

/** Name of the relation a hand-run training query reads entity rows from. */
export const ENTITY_PLACEHOLDER = "fc_entity_rows";

/**
 * Every compiled SQL file of a project for one dialect, keyed by path under
 * `target/compiled/<dialect>/`. Pure: the caller writes the files.
 */
export function compileProject(reg: Registry, t: CompileTarget): Map<string, string> {
  const files = new Map<string, string>();
  for (const step of compileRunPlan(reg, t)) files.set(step.file.replace(`target/compiled/${t.dialect.name}/`, ""), step.sql);
  for (const service of reg.services.values()) {
    const sql = compileTraining(reg, t, {
      title: `service ${service.name}; entity rows from ${ENTITY_PLACEHOLDER}, timestamp column event_timestamp`,
      features: service.features,
      entities: ENTITY_PLACEHOLDER,
      timestampColumn: "event_timestamp",
      fullNames: false,
    });
    files.set(`train/${service.name}.sql`, sql);
  }
  for (const view of reg.views.values()) {
    files.set(`materialize/${view.name}.sql`, compileMaterialization(reg, view, t));
    files.set(`materialize/${view.name}.incremental.sql`, compileIncrementalMaterialization(reg, view, t));
  }
  if (t.dialect.wantsIndexes) {
    const advice = indexAdvice(reg, t);
    if (advice) files.set("index-advice.sql", advice);
  }
  return files;
}

/**
 * CREATE INDEX statements for the warehouse tables fcompile reads but does not own (table
 * sources): without an index on (join keys, timestamp) every point-in-time lookup scans.
 */
export function indexAdvice(reg: Registry, t: CompileTarget): string | undefined {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const view of reg.views.values()) {
    if (view.kind !== "plain") continue;
    const src = reg.sources.get(view.source);
    if (src?.kind !== "table") continue;
    const names = [...view.joinKeys, view.timestamp];
    const indexName = t.dialect.quote(`fc_${src.table[src.table.length - 1]}_${names.join("_")}`.slice(0, 63));
    const stmt = `CREATE INDEX IF NOT EXISTS ${indexName} ON ${t.dialect.qualified(src.table)} (${names.map((c) => t.dialect.quote(c)).join(", ")});`;
    if (seen.has(stmt)) continue;
    seen.add(stmt);
    lines.push(`-- for feature view ${view.name}`, stmt);
  }
  if (lines.length === 0) return undefined;
  return (
    [
      "-- fcompile: indexes the point-in-time queries want on tables fcompile reads but does not own.",
      "-- `fcompile run` creates them on its own tables; run these on yours (CONCURRENTLY on busy tables).",
      ...lines,
    ].join("\n") + "\n"
  );
}
