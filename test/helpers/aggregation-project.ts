/**
 * Writes a generated aggregation case (test/reference/agg-arbitraries.ts) as a project on a test
 * warehouse (test/helpers/targets.ts): its definitions, and its event and entity tables.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { aggregationYaml } from "../reference/agg-arbitraries.js";
import type { GenAggCase } from "../reference/agg-arbitraries.js";
import { aggOutputType } from "../reference/agg-reference.js";
import type { ColumnType } from "../reference/duckdb-harness.js";
import type { CaseWarehouse } from "./targets.js";

/** fcompile.yaml (project `project`, the warehouse's target, optionally an online store) and the definitions. */
export function writeAggProject(dir: string, c: GenAggCase, wh: CaseWarehouse, project = "t", online?: string): void {
  writeFileSync(
    path.join(dir, "fcompile.yaml"),
    stringify({ name: project, target: "local", targets: { local: wh.target } }) + (online ? `online: ${online}\n` : ""),
  );
  const defs = {
    entities: c.entities.map((e) => ({ name: e.name, join_keys: e.keys.map((k) => ({ name: k.name, type: k.type })) })),
    sources: c.views.map((v) => ({
      name: v.sourceName,
      table: `${wh.rawSchema}.${v.table.split(".")[1]}`,
      timestamp: v.timestampColumn,
      ...(v.createdColumn === null ? {} : { created_timestamp: v.createdColumn }),
    })),
    feature_views: c.views.map((v) => ({
      name: v.name,
      entities: [c.entities[v.entity]!.name],
      source: v.sourceName,
      ...(v.hop ? { hop: v.hop } : {}),
      // A table source's columns are not seen at build: sum, min, max and last declare their type.
      aggregations: v.aggregations.map((a) => ({ ...aggregationYaml(a), type: aggOutputType(a.function, a.columnType) })),
    })),
  };
  mkdirSync(path.join(dir, "definitions"), { recursive: true });
  writeFileSync(path.join(dir, "definitions", "defs.yml"), stringify(defs));
}

/** Creates the case's event tables and its entity table (`<raw>.entities`). */
export async function createAggTables(wh: CaseWarehouse, c: GenAggCase): Promise<void> {
  await wh.createTables([
    ...c.views.map((v) => ({
      table: `${wh.rawSchema}.${v.table.split(".")[1]}`,
      columns: v.columns.map((col) => ({ name: col.name, type: col.type as ColumnType })),
      rows: v.events,
    })),
    {
      table: `${wh.rawSchema}.entities`,
      columns: c.entityColumns.map((col) => ({ name: col.name, type: col.type as ColumnType })),
      rows: c.entityRows,
    },
  ]);
}
