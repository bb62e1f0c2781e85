import { warehouseMayHoldData } from "../warehouse/targets.js";
import { WATERMARK_TABLE } from "../compile/relations.js";
import type { Dialect } from "../dialects/dialect.js";
import { resolveOnline } from "../project/online-config.js";
import type { Registry } from "../registry/types.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import { compileTargetFor, loadProject, openWarehouse } from "./common.js";
import type { ProjectOptions } from "./common.js";
import { clearOnline, inspectOnline } from "./online-store.js";

/** Options of `clean`. */
export interface CleanOptions extends ProjectOptions {
  /** Remove. Without it nothing is changed: the result lists what would be removed. */
  yes?: boolean;
  /** Only the warehouse side or only the online side (default: both). */
  only?: "warehouse" | "online";
  /** Called with the online keys removed so far (Redis, after each batch). */
  onProgress?: (removed: number) => void;
}

/** What `clean` removes (or, without `yes`, would remove). */
export interface CleanPlan {
  project: string;
  target: string;
  /** The schema fcompile writes into on the target. */
  schema: string;
  /** Whether the schema exists on the target (a DuckDB file that does not exist has none). */
  schemaExists: boolean;
  /** fcompile's tables in the schema, removed: `source__*`, `view__*`, `mat__*`, `pushed__*` (rows pushed offline) and the watermark table. */
  tables: string[];
  /** Every other table or view in the schema (yours, e.g. table sources): never touched. */
  kept: string[];
  /** The project in the online store; undefined with `only: "warehouse"`. */
  online?: { type: "redis" | "sqlite"; store: string; views: string[]; entries: number };
}

/** What `clean` did. */
export interface CleanResult {
  plan: CleanPlan;
  /** What was looked at. */
  scope: "both" | "warehouse" | "online";
  /** Nothing of the project was found: nothing to remove. */
  empty: boolean;
  /** False: a dry run (no `yes`) or nothing to remove; nothing changed. */
  removed: boolean;
  /** The schema itself was dropped (it was left empty, and is not `public` or `main`). */
  schemaDropped: boolean;
  /** Keys (Redis) or value rows (SQLite) removed from the online store. */
  onlineRemoved: number;
  /** The SQLite file was removed (it held nothing else). */
  onlineFileRemoved: boolean;
}

/** Tables `run` and `materialize` create, and the names they build them under before the swap. */
const OWNED = new RegExp(`^(?:(?:source|view|mat|pushed)__.+|${WATERMARK_TABLE})$`);
/** Schemas a warehouse has of its own: emptied of fcompile's tables, never dropped. */
const BUILTIN_SCHEMAS = new Set(["public", "main", "pg_catalog", "information_schema"]);

/**
 * `fcompile clean`: removes the project's objects from the warehouse target — fcompile's tables
 * in the project's schema, then the schema if nothing else is left in it — and the project from
 * the online store (Redis keys `fc:<project>:*`; SQLite rows, and the file if it held nothing
 * else). Tables fcompile did not create, such as table sources, are never touched. Without
 * `yes` nothing changes and the result lists what would be removed. Throws FC016 when the
 * warehouse or the store cannot be reached, or a load is running.
 */
export async function clean(opts: CleanOptions): Promise<CleanResult> {
  const { config, registry } = await loadProject(opts.projectDir);
  const { target, ct } = compileTargetFor(config, opts.target);
  const store = resolveOnline(config);
  const doWarehouse = opts.only !== "online";
  const plan: CleanPlan = { project: config.name, target: target.name, schema: ct.schema, schemaExists: false, tables: [], kept: [] };
  const result: CleanResult = {
    plan,
    scope: opts.only ?? "both",
    empty: false,
    removed: false,
    schemaDropped: false,
    onlineRemoved: 0,
    onlineFileRemoved: false,
  };

  // Everything is looked at before anything is removed, so an unreachable store changes nothing.
  const wh = doWarehouse && warehouseMayHoldData(target) ? await openWarehouse(target, config.dir, registry, !opts.yes) : undefined;
  try {
    if (wh) Object.assign(plan, await listSchema(wh, ct.dialect, ct.schema, registry));
    if (opts.only !== "warehouse") {
      const contents = await inspectOnline(store, config.name, true);
      plan.online = { type: store.type, store: contents.store, views: [...contents.views.keys()].sort(), entries: contents.entries ?? 0 };
    }
    result.empty =
      plan.tables.length === 0 && !(plan.schemaExists && plan.kept.length === 0) && !plan.online?.entries && !plan.online?.views.length;
    if (!opts.yes || result.empty) return result;

    const q = (s: string): string => ct.dialect.quote(s);
    if (wh && plan.tables.length > 0)
      await wh.executeAll(
        ct.schema,
        plan.tables.map((t) => ({
          sql: `DROP TABLE IF EXISTS ${ct.dialect.qualified([ct.schema, t])}`,
          what: `removing ${ct.schema}.${t}`,
        })),
      );
    if (wh && plan.schemaExists && plan.kept.length === 0 && !BUILTIN_SCHEMAS.has(ct.schema)) {
      // Without CASCADE: a schema still holding something of yours (a function, a sequence) stays.
      result.schemaDropped = await wh
        .executeAll(ct.schema, [{ sql: `DROP SCHEMA IF EXISTS ${q(ct.schema)}`, what: `removing schema ${ct.schema}` }])
        .then(() => true)
        .catch(() => false);
    }
    if (plan.online) {
      const r = await clearOnline(store, config.name, opts.onProgress);
      result.onlineRemoved = r.removed;
      result.onlineFileRemoved = r.fileRemoved;
    }
    result.removed = true;
    return result;
  } finally {
    await wh?.close();
  }
}

/** The schema's tables and views, split into fcompile's and the others (table sources stay with the others). */
async function listSchema(
  wh: Warehouse,
  dialect: Dialect,
  schema: string,
  registry: Registry,
): Promise<Pick<CleanPlan, "schemaExists" | "tables" | "kept">> {
  const lit = (s: string): string => dialect.stringLiteral(s);
  const read = async (sql: string): Promise<unknown[][]> => {
    const rows: unknown[][] = [];
    for await (const batch of wh.readRows(sql, { what: `listing schema ${schema}` })) rows.push(...batch);
    return rows;
  };
  const schemaExists =
    (
      await read(
        `SELECT schema_name FROM information_schema.schemata WHERE schema_name = ${lit(schema)} AND catalog_name = current_database()`,
      )
    ).length > 0;
  const names = (
    await read(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = ${lit(schema)} AND table_catalog = current_database() ORDER BY table_name`,
    )
  ).map((r) => String(r[0]));
  // A table source the project reads is the user's, whatever it is called.
  const sourceTables = new Set(
    [...registry.sources.values()].flatMap((s) =>
      s.kind === "table" && (s.table.length === 1 || s.table[s.table.length - 2] === schema) ? [s.table[s.table.length - 1]!] : [],
    ),
  );
  const owned = (t: string): boolean => OWNED.test(t) && !sourceTables.has(t);
  return { schemaExists, tables: names.filter(owned), kept: names.filter((t) => !owned(t)) };
}
