import { spawnSync } from "node:child_process";
import { constants as fsConstants, createReadStream, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { RunPlan, RunStep } from "../compile/run-plan.js";
import type { StdinData } from "../compile/sql-script.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { postgresDialect as d } from "../dialects/postgres.js";
import type { PostgresTarget } from "./postgres-target.js";
import type { Registry } from "../registry/types.js";
import { exportCsv } from "./file-reader.js";
import { WATERMARK_TABLE } from "../compile/relations.js";
import { executeMaterializePlan, executeRunPlan } from "./execute.js";
import type { PushAppendPlan } from "../compile/push-append.js";
import { executePushAppend } from "./push-append.js";
import type { AppendResult } from "./push-append.js";
import type { StatementEngine } from "./execute.js";
import type {
  ColumnInfo,
  EntitySource,
  ExecutedStatement,
  ExportOptions,
  MaterializePlan,
  MaterializeStep,
  OutputFormat,
  Warehouse,
  Watermark,
} from "./warehouse.js";
import { WarehouseError, watermarkFromRow, watermarkSelect } from "./warehouse.js";
import { FcUserError } from "../diagnostics/diagnostic.js";
import type { EntitySpec, LoadedEntities } from "./entity-rows.js";
import { exportPostgresQuery, loadPostgresEntities } from "./postgres-entities.js";
import { pitIndexFacts } from "./pit-index-facts.js";
import type { PitIndexFacts } from "./pit-index-facts.js";

/** PostgreSQL as a warehouse: everything `run` does happens in one transaction under an advisory lock. */
export class PostgresWarehouse implements Warehouse {
  onStatement?: (s: ExecutedStatement) => void;

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

  /** The connection as executeRunPlan / executeMaterializePlan use it. */
  private engine(): StatementEngine {
    return {
      execute: async (sql, what) => (await this.exec(sql, what)).rows as Record<string, unknown>[],
      copyIn: (sql, data, what) => this.streamFile(sql, data, what),
      setParameter: async (name, value) => {
        // fc_end → the transaction-local setting fcompile.end_time (what Dialect.parameter reads).
        await this.client.query("SELECT set_config($1, $2, true)", [`fcompile.${name.replace(/^fc_/, "")}_time`, value]);
      },
      describe: (rel) => this.describe(rel),
      rollback: async () => void (await this.client.query("ROLLBACK").catch(() => undefined)),
      onStatement: this.onStatement,
    };
  }

  async run(
    plan: RunPlan,
    check: (step: RunStep, columns: ColumnInfo[]) => Diagnostic[],
    progress?: (step: RunStep, i: number) => void,
  ): Promise<void> {
    await executeRunPlan(this.engine(), plan, "postgres", check, progress);
  }

  /** Streams a data file into a `COPY … FROM STDIN` statement, as CSV written by DuckDB (see StdinData). */
  private async streamFile(sql: string, data: StdinData, what: string): Promise<void> {
    // DuckDB writes the CSV into a named pipe while PostgreSQL reads it: the two overlap instead of
    // one waiting for the other (a regular temporary file where named pipes are not available).
    const csv = path.join(tmpdir(), `fcompile-${process.pid}-${Date.now()}.csv`);
    const fifo = makeFifo(csv);
    try {
      if (fifo) {
        const written = exportCsv(data.path, data.format, data.exportColumns, csv);
        // If DuckDB fails before it opens the pipe, the reader would wait forever: open it to end the read.
        const failed = written.catch(async (err: unknown) => {
          await open(csv, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK)
            .then((h) => h.close())
            .catch(() => undefined);
          throw new WarehouseError(`${what}: reading ${data.projectPath} with DuckDB: ${(err as Error).message.split("\n")[0]}`);
        });
        await Promise.all([failed, pipeline(createReadStream(csv), this.client.query(copyFrom(sql)))]);
      } else {
        await exportCsv(data.path, data.format, data.exportColumns, csv);
        await pipeline(createReadStream(csv), this.client.query(copyFrom(sql)));
      }
    } catch (err) {
      if (err instanceof WarehouseError) throw err;
      throw new WarehouseError(`${what}: PostgreSQL (target '${this.target.name}'): ${(err as Error).message}`, sql);
    } finally {
      rmSync(csv, { force: true });
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

  async pitIndexFacts(relation: string, keys: readonly string[], timestamp: string): Promise<PitIndexFacts> {
    // indkey lists the key columns first (indnkeyatts of them), then the INCLUDE columns; an
    // expression column has attnum 0 and no name. PRIMARY KEY and UNIQUE constraints are indexes.
    const r = await this.exec(
      `SELECT i.indnkeyatts AS nkey, i.indisunique AS uniq, array(
         SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
         LEFT JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n) AS cols
       FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid JOIN pg_am AS am ON am.oid = c.relam
       WHERE i.indrelid = to_regclass(${d.stringLiteral(relation)}) AND i.indisvalid AND i.indpred IS NULL AND am.amname = 'btree'`,
      `checking the indexes of ${relation}`,
    );
    const rows = r.rows as { nkey: number; uniq: boolean; cols: (string | null)[] }[];
    return pitIndexFacts(
      rows.map((ix) => ({ key: ix.cols.slice(0, ix.nkey), unique: ix.uniq })),
      keys,
      timestamp,
    );
  }

  async describe(relationSql: string): Promise<ColumnInfo[]> {
    const r = await this.exec(`SELECT * FROM ${relationSql} LIMIT 0`);
    const fields = r.fields.filter((f) => f.name !== "__fc_row_id");
    // With each column's modifier: numeric(10,2), not numeric (pushes check a value's decimal places against it).
    const pairs = [...new Map(fields.map((f) => [`${f.dataTypeID}/${f.dataTypeModifier}`, f])).values()];
    const types = await this.client.query(
      "SELECT o AS oid, m AS mod, format_type(o, CASE WHEN m < 0 THEN NULL ELSE m END) AS name FROM unnest($1::oid[], $2::int[]) AS t(o, m)",
      [pairs.map((f) => f.dataTypeID), pairs.map((f) => f.dataTypeModifier)],
    );
    const byType = new Map((types.rows as { oid: number; mod: number; name: string }[]).map((t) => [`${t.oid}/${t.mod}`, t.name]));
    return fields.map((f) => ({ name: f.name, type: byType.get(`${f.dataTypeID}/${f.dataTypeModifier}`) ?? `oid ${f.dataTypeID}` }));
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

  async materialize(plan: MaterializePlan, progress?: (step: MaterializeStep, i: number) => void): Promise<number[]> {
    return executeMaterializePlan(this.engine(), plan, "postgres", progress);
  }

  async appendPushed(
    plan: PushAppendPlan,
    rows: readonly (readonly (string | null)[])[],
    opts: { checkOnly?: boolean } = {},
  ): Promise<AppendResult> {
    return executePushAppend(
      {
        ...this.engine(),
        // The lock `run` and `materialize` take: a run rebuilding a file source's table never misses a push.
        begin: ["BEGIN", `SELECT pg_advisory_xact_lock(hashtext(${d.stringLiteral(`fcompile:${plan.schema}`)}))`],
        // PostgreSQL 15 has no TRY_CAST: a cast attempted in a subtransaction (only when a push failed).
        castableSetup: [
          `CREATE FUNCTION pg_temp.fc_castable(v text, t text) RETURNS boolean LANGUAGE plpgsql AS $fc$
BEGIN
  EXECUTE format('SELECT CAST(%L AS %s)', v, t);
  RETURN true;
EXCEPTION WHEN others THEN
  RETURN false;
END
$fc$`,
        ],
        castable: (value, type) => `pg_temp.fc_castable(${value}, ${d.stringLiteral(type)})`,
      },
      plan,
      rows,
      opts,
    );
  }

  async executeAll(schema: string, statements: { sql: string; what: string }[]): Promise<void> {
    await this.exec("BEGIN");
    try {
      await this.exec(`SELECT pg_advisory_xact_lock(hashtext(${d.stringLiteral(`fcompile:${schema}`)}))`);
      for (const st of statements) await this.exec(st.sql, st.what);
      await this.exec("COMMIT");
    } catch (err) {
      await this.client.query("ROLLBACK").catch(() => undefined);
      throw err;
    }
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

  async queryWithParameters(sql: string, params: Record<string, string>, what: string): Promise<Record<string, unknown>[]> {
    // Transaction-local settings (Dialect.parameter) live as long as this read-only transaction.
    await this.exec("BEGIN READ ONLY");
    try {
      const engine = this.engine();
      for (const [name, value] of Object.entries(params)) await engine.setParameter(name, value);
      let r;
      try {
        r = await this.client.query({ text: sql, types: TEXT_TIMESTAMPS });
      } catch (err) {
        throw new WarehouseError(`${what}: PostgreSQL (target '${this.target.name}'): ${(err as Error).message}`, sql);
      }
      return r.rows as Record<string, unknown>[];
    } finally {
      await this.client.query("ROLLBACK").catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/** Whether an index's key columns start with `keys` (in any order) and then `timestamp`. */
/** Creates a named pipe at `file` (mkfifo); false where there is none (e.g. Windows). */
function makeFifo(file: string): boolean {
  if (process.platform === "win32") return false;
  return spawnSync("mkfifo", ["-m", "600", file]).status === 0;
}

/** BIGINT as bigint (exact beyond 2^53); everything else as pg parses it by default. */
const EXACT_TYPES = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 ? (v: string) => BigInt(v) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/** EXACT_TYPES, with timestamps kept as the server writes them (exact; no local-time Date). */
const TEXT_TIMESTAMPS = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 1114 || oid === 1184 ? (v: string) => v : EXACT_TYPES.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

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
