import { createReadStream, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { pitIndexColumns, pitIndexes } from "../compile/pit-index.js";
import { viewsReading } from "../compile/run-plan.js";
import type { RunStep } from "../compile/run-plan.js";
import { FcUserError } from "../diagnostics/diagnostic.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { postgresDialect as d } from "../dialects/postgres.js";
import type { PostgresTarget } from "./postgres-target.js";
import type { FeatureType, Registry } from "../registry/types.js";
import { fileColumns, toCsv } from "./file-reader.js";
import type { FileColumn } from "./file-reader.js";
import { WATERMARK_TABLE } from "../compile/relations.js";
import type { EntitySource, ExportOptions, MaterializeStep, OutputFormat, Warehouse, Watermark } from "./warehouse.js";
import type { EntitySpec, LoadedEntities } from "./entity-rows.js";
import { exportPostgresQuery, loadPostgresEntities } from "./postgres-entities.js";
import { WarehouseError, watermarkFromRow, watermarkSelect, watermarkTableDdl } from "./warehouse.js";

const DUCK_TO_PG: Record<string, string> = {
  BIGINT: "BIGINT",
  INTEGER: "INTEGER",
  SMALLINT: "SMALLINT",
  TINYINT: "SMALLINT",
  HUGEINT: "NUMERIC",
  DOUBLE: "DOUBLE PRECISION",
  FLOAT: "REAL",
  BOOLEAN: "BOOLEAN",
  VARCHAR: "TEXT",
  DATE: "DATE",
  TIMESTAMP: "TIMESTAMP",
  "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ",
};

/** PostgreSQL as a warehouse: everything `run` does happens in one transaction under an advisory lock. */
export class PostgresWarehouse implements Warehouse {
  private constructor(
    private readonly client: pg.Client,
    private readonly target: PostgresTarget,
    private readonly registry: Registry,
  ) {}

  static async open(target: PostgresTarget, registry: Registry): Promise<PostgresWarehouse> {
    const client = new pg.Client({ connectionString: withDefaultUser(target.url) });
    try {
      await client.connect();
    } catch (err) {
      throw new WarehouseError(`cannot connect to PostgreSQL target '${target.name}' (${redact(target.url)}): ${(err as Error).message}`);
    }
    client.on("error", () => undefined); // surfaced through the failing query instead
    const wh = new PostgresWarehouse(client, target, registry);
    await wh.exec("SET TimeZone = 'UTC'");
    // If this process dies mid-query, the server notices within a second and rolls back (PG 14+).
    await client.query("SET client_connection_check_interval = '1s'").catch(() => undefined);
    if (target.statementTimeout) await wh.exec(`SET statement_timeout = ${d.stringLiteral(target.statementTimeout)}`);
    return wh;
  }

  private async exec(sql: string, what?: string): Promise<pg.QueryResult> {
    try {
      return await this.client.query(sql);
    } catch (err) {
      throw new WarehouseError(`${what ? `${what}: ` : ""}PostgreSQL (target '${this.target.name}'): ${(err as Error).message}`, sql);
    }
  }

  async run(
    steps: RunStep[],
    check: (step: RunStep, columns: string[]) => Diagnostic[],
    progress?: (step: RunStep, i: number) => void,
  ): Promise<void> {
    await this.exec("BEGIN");
    try {
      // Two runs against one schema wait for each other instead of interleaving.
      await this.exec(`SELECT pg_advisory_xact_lock(hashtext(${d.stringLiteral(`fcompile:${this.target.schema}`)}))`);
      await this.exec(`CREATE SCHEMA IF NOT EXISTS ${d.quote(this.target.schema)}`);
      for (const [i, step] of steps.entries()) {
        progress?.(step, i);
        const [schema, table] = step.table;
        const fresh = d.qualified([schema, `${table}__fc_new`]);
        await this.exec(`DROP TABLE IF EXISTS ${fresh}`);
        if (step.kind === "file-source") await this.loadFileSource(step, fresh);
        else {
          await this.exec(`CREATE TABLE ${fresh} AS\n${step.select}`, `building view '${step.name}' (${step.file})`);
        }
        const problems = check(step, await this.columnsOf(fresh));
        if (problems.length > 0) throw new FcUserError(problems.map((p) => ({ ...p, message: p.message.replace(fresh, step.relation) })));
        // The indexes the point-in-time lookups of the views over this table walk (pitIndex).
        for (const ix of pitIndexes(viewsReading(this.registry, step))) {
          await this.exec(`CREATE INDEX ON ${fresh} ${pitIndexColumns(ix, (c) => d.quote(c))}`, `indexing '${step.name}'`);
        }
        await this.exec(`ANALYZE ${fresh}`);
        await this.exec(`DROP TABLE IF EXISTS ${step.relation}`);
        await this.exec(`ALTER TABLE ${fresh} RENAME TO ${d.quote(table)}`);
      }
      await this.exec("COMMIT");
    } catch (err) {
      await this.client.query("ROLLBACK").catch(() => undefined);
      throw err;
    }
    // Lookups read only the index (index-only scans) on pages the visibility map marks all-visible,
    // and only VACUUM sets it: without this, the first trainings after a run (until autovacuum
    // comes by) would fetch every row from the table. It cannot run inside the transaction, and
    // it is only an optimization: a failure (e.g. a concurrent run dropped the table) is ignored.
    for (const step of steps) await this.client.query(`VACUUM ${step.relation}`).catch(() => undefined);
  }

  /** CREATE TABLE with the file's columns (declared feature types win), then COPY FROM STDIN. */
  private async loadFileSource(step: RunStep, relation: string): Promise<void> {
    const src = this.registry.sources.get(step.name);
    if (!src || src.kind !== "file") throw new WarehouseError(`no file source '${step.name}'`);
    const declared = new Map<string, FeatureType>();
    for (const v of this.registry.views.values()) {
      if (v.kind === "plain" && v.source === src.name) for (const f of v.features) declared.set(f.name, f.type);
    }
    const columns = await fileColumns(src.path, src.format);
    const defs = columns.map((c) => `${d.quote(c.name)} ${declared.has(c.name) ? d.sqlType(declared.get(c.name)!) : pgType(c)}`);
    await this.exec(`CREATE TABLE ${relation} (${defs.join(", ")})`, `loading source '${src.name}' (${step.file})`);
    await this.copyIn(relation, columns, src.path, src.format, `loading source '${src.name}' from ${src.projectPath}`);
  }

  private async copyIn(relation: string, columns: FileColumn[], file: string, format: "csv" | "parquet", what: string): Promise<void> {
    let csv = file;
    if (format === "parquet") {
      csv = path.join(tmpdir(), `fcompile-${process.pid}-${Date.now()}.csv`);
      await toCsv(file, format, csv);
    }
    try {
      const sql = `COPY ${relation} (${columns.map((c) => d.quote(c.name)).join(", ")}) FROM STDIN (FORMAT csv, HEADER true)`;
      await pipeline(createReadStream(csv), this.client.query(copyFrom(sql)));
    } catch (err) {
      throw new WarehouseError(`${what}: PostgreSQL (target '${this.target.name}'): ${(err as Error).message}`);
    } finally {
      if (csv !== file) rmSync(csv, { force: true });
    }
  }

  async loadEntities(source: EntitySource, spec: EntitySpec): Promise<LoadedEntities> {
    try {
      return await loadPostgresEntities(this.client, source, spec);
    } catch (err) {
      if (err instanceof FcUserError || err instanceof WarehouseError) throw err;
      const what = "sql" in source ? "entity rows (--entities-sql)" : `entity rows (${source.display ?? source.file})`;
      throw new WarehouseError(`${what}: PostgreSQL (target '${this.target.name}'): ${(err as Error).message}`);
    }
  }

  async columnsOf(relationSql: string): Promise<string[]> {
    const r = await this.exec(`SELECT * FROM ${relationSql} LIMIT 0`);
    return r.fields.map((f) => f.name);
  }

  async pitIndexExists(relation: string, keys: readonly string[], timestamp: string): Promise<boolean> {
    // indkey lists the key columns first (indnkeyatts of them), then the INCLUDE columns; an
    // expression column has attnum 0 and no name.
    const r = await this.exec(
      `SELECT i.indnkeyatts AS nkey, array(
         SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
         LEFT JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n) AS cols
       FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid JOIN pg_am AS am ON am.oid = c.relam
       WHERE i.indrelid = to_regclass(${d.stringLiteral(relation)}) AND i.indisvalid AND i.indpred IS NULL AND am.amname = 'btree'`,
      `checking the indexes of ${relation}`,
    );
    return (r.rows as { nkey: number; cols: (string | null)[] }[]).some((ix) => leadingColumns(ix.cols.slice(0, ix.nkey), keys, timestamp));
  }

  async tableExists(schema: string, table: string): Promise<boolean> {
    const r = await this.client.query("SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2", [
      schema,
      table,
    ]);
    return (r.rowCount ?? 0) > 0;
  }

  async exportQuery(
    sql: string,
    out: string,
    format: OutputFormat,
    { what = "training query", entities }: ExportOptions = {},
  ): Promise<number> {
    try {
      return await exportPostgresQuery(this.client, sql, out, format, entities);
    } catch (err) {
      if (err instanceof WarehouseError) throw err;
      throw new WarehouseError(`${what}: PostgreSQL (target '${this.target.name}'): ${(err as Error).message}`, sql);
    }
  }

  async materialize(schema: string, steps: MaterializeStep[], progress?: (step: MaterializeStep, i: number) => void): Promise<number[]> {
    const wm = d.qualified([schema, WATERMARK_TABLE]);
    const counts: number[] = [];
    await this.exec("BEGIN");
    try {
      // The same lock as `run`: a materialization never reads a half-rebuilt view, nor races another one.
      await this.exec(`SELECT pg_advisory_xact_lock(hashtext(${d.stringLiteral(`fcompile:${schema}`)}))`);
      await this.exec(`CREATE SCHEMA IF NOT EXISTS ${d.quote(schema)}`);
      await this.exec(watermarkTableDdl(wm, "TEXT"));
      for (const [i, step] of steps.entries()) {
        progress?.(step, i);
        for (const [name, value] of Object.entries(step.params)) {
          if (value === undefined) continue;
          await this.client.query("SELECT set_config($1, $2, true)", [`fcompile.${name.replace(/^fc_/, "")}_time`, value]);
        }
        const [s, table] = step.table;
        const fresh = d.qualified([s, `${table}__fc_new`]);
        await this.exec(`DROP TABLE IF EXISTS ${fresh}`);
        const r = await this.exec(`CREATE TABLE ${fresh} AS\n${step.sql}`, step.what);
        counts.push(r.rowCount ?? 0);
        await this.exec(`DROP TABLE IF EXISTS ${d.qualified(step.table)}`);
        await this.exec(`ALTER TABLE ${fresh} RENAME TO ${d.quote(table)}`);
        const w = step.watermark;
        await this.client.query(
          `INSERT INTO ${wm} VALUES ($1, $2, $3, $4, $5, $6, now() AT TIME ZONE 'UTC') ON CONFLICT (view_name) DO UPDATE SET ` +
            `end_time = EXCLUDED.end_time, start_time = EXCLUDED.start_time, mode = EXCLUDED.mode, row_count = EXCLUDED.row_count, ` +
            `view_hash = EXCLUDED.view_hash, materialized_at = EXCLUDED.materialized_at`,
          [w.view, w.endTime, w.startTime, w.mode, counts[i], w.viewHash],
        );
      }
      await this.exec("COMMIT");
    } catch (err) {
      await this.client.query("ROLLBACK").catch(() => undefined);
      throw err;
    }
    return counts;
  }

  async watermarks(schema: string): Promise<Map<string, Watermark>> {
    const out = new Map<string, Watermark>();
    if (!(await this.tableExists(schema, WATERMARK_TABLE))) return out;
    const r = await this.exec(watermarkSelect(d.qualified([schema, WATERMARK_TABLE]), "TEXT"));
    for (const row of r.rows as Record<string, unknown>[]) out.set(String(row.view_name), watermarkFromRow(row));
    return out;
  }

  async *readRows(
    sql: string,
    { what = "query", batchSize = 10_000 }: { what?: string; batchSize?: number } = {},
  ): AsyncGenerator<unknown[][]> {
    // A cursor in a read-only transaction: the server hands out one batch at a time.
    await this.exec("BEGIN READ ONLY");
    try {
      await this.exec(`DECLARE fc_rows NO SCROLL CURSOR FOR\n${sql}`, what);
      for (;;) {
        let r;
        try {
          r = await this.client.query({ text: `FETCH FORWARD ${batchSize} FROM fc_rows`, rowMode: "array", types: EXACT_TYPES });
        } catch (err) {
          throw new WarehouseError(`${what}: PostgreSQL (target '${this.target.name}'): ${(err as Error).message}`, sql);
        }
        if (r.rows.length === 0) break;
        yield r.rows as unknown[][];
      }
    } finally {
      // Also when the reader stops early: the cursor and its transaction end either way.
      await this.client.query("ROLLBACK").catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/** Whether an index's key columns start with `keys` (in any order) and then `timestamp`. */
function leadingColumns(indexKey: readonly (string | null)[], keys: readonly string[], timestamp: string): boolean {
  if (indexKey.length <= keys.length || indexKey[keys.length] !== timestamp) return false;
  const lead = new Set(indexKey.slice(0, keys.length));
  return keys.every((k) => lead.has(k));
}

/** BIGINT as bigint (exact beyond 2^53); everything else as pg parses it by default. */
const EXACT_TYPES = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 ? (v: string) => BigInt(v) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

function pgType(c: FileColumn): string {
  return DUCK_TO_PG[c.duckdbType] ?? "TEXT";
}

/** Like psql: without a user in the URL, PGUSER or the login name. */
function withDefaultUser(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username) u.username = process.env.PGUSER ?? userInfo().username;
    return u.toString();
  } catch {
    return url; // not a URL (e.g. key=value); pg reports what is wrong with it
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}
