import { createHash } from "node:crypto";
import type { Registry } from "../registry/types.js";
import { MATERIALIZE_MODES, compileMaterializeFrame, compileMaterializeScript } from "./materialize.js";
import { pitIndex, pitIndexColumns, pitIndexes } from "./pit-index.js";
import type { CompileTarget } from "./relations.js";
import { viewsOfSource } from "./relations.js";
import { compileRunPlan, runScripts } from "./run-plan.js";
import type { DataFileColumns } from "./run-plan.js";
import { scriptText } from "./sql-script.js";
import type { CompiledScript } from "./sql-script.js";
import { compileTraining } from "./training.js";

/** Name of the relation a hand-run training query reads entity rows from. */
export const ENTITY_PLACEHOLDER = "fc_entity_rows";

/**
 * Every compiled SQL file of a project for one dialect, keyed by path under
 * `target/compiled/<dialect>/`. Pure: the caller writes the files. `dataFiles` holds the columns
 * of the file sources' data files that are there (their tables are typed from them).
 * Throws FcUserError when a data file's column cannot be held (see compileRunPlan).
 */
export function compileProject(reg: Registry, t: CompileTarget, dataFiles: DataFileColumns = new Map()): Map<string, string> {
  const files = new Map<string, string>();
  const put = (s: CompiledScript): void => void files.set(s.path, scriptText(s.statements));
  runScripts(compileRunPlan(reg, t, dataFiles)).forEach(put);
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
  const frame = compileMaterializeFrame(t);
  put(frame.begin);
  for (const view of reg.views.values()) for (const mode of MATERIALIZE_MODES) put(compileMaterializeScript(reg, view, t, mode));
  put(frame.commit);
  if (t.dialect.wantsIndexes) {
    const advice = indexAdvice(reg, t);
    if (advice) files.set("index-advice.sql", advice);
  }
  return files;
}

/**
 * CREATE INDEX statements for the warehouse tables fcompile reads but does not own (table
 * sources): the index each view's point-in-time lookups want (pitIndex). Without one, every
 * lookup scans the table; without its INCLUDE columns, it fetches its rows from the table.
 */
export function indexAdvice(reg: Registry, t: CompileTarget): string | undefined {
  const q = (c: string): string => t.dialect.quote(c);
  const lines: string[] = [];
  for (const src of reg.sources.values()) {
    if (src.kind !== "table") continue;
    const views = viewsOfSource(reg, src.name);
    const table = src.table[src.table.length - 1];
    for (const ix of pitIndexes(views)) {
      // Named after the table and key (as before INCLUDE columns were advised); with INCLUDE
      // columns, a hash of the column list follows, so that changed advice gets a new name
      // instead of being skipped by IF NOT EXISTS.
      const cols = pitIndexColumns(ix, q);
      const hash = ix.include.length > 0 ? `_${createHash("sha256").update(cols).digest("hex").slice(0, 8)}` : "";
      const name = `fc_${table}_${ix.key.join("_")}`.slice(0, 63 - hash.length) + hash;
      const users = views.filter((v) => {
        const own = pitIndex(v);
        return JSON.stringify(own) === JSON.stringify(ix) || (own.include.length === 0 && own.key.join("\0") === ix.key.join("\0"));
      });
      lines.push(`-- for feature view${users.length > 1 ? "s" : ""} ${users.map((v) => v.name).join(", ")}`);
      lines.push(`CREATE INDEX IF NOT EXISTS ${q(name)} ON ${t.dialect.qualified(src.table)} ${cols};`);
    }
  }
  if (lines.length === 0) return undefined;
  return (
    [
      "-- fcompile: indexes the point-in-time queries want on tables fcompile reads but does not own.",
      "-- `fcompile run` creates them on its own tables; run these on yours (CONCURRENTLY on busy tables).",
      "-- The INCLUDE columns let a lookup read only the index (an index-only scan, once VACUUM has",
      "-- marked the table's pages all-visible); an older fcompile's index on just (join keys, timestamp)",
      "-- is then redundant. Where a table holds one row per (join keys, timestamp), create the index",
      "-- UNIQUE instead: `train` then skips the tie-break among rows with equal timestamps (the",
      "-- lookup-unique shape, docs/training.md). An aggregation view's training reads each window as a",
      "-- range of this index (the aggregate-lateral shape, docs/aggregations.md); without it, `train`",
      "-- joins or tiles the events instead.",
      ...lines,
    ].join("\n") + "\n"
  );
}
