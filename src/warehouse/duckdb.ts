import { DuckDBInstance } from "@duckdb/node-api";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { RunPlan, RunStep } from "../compile/run-plan.js";
import { duckdbDialect } from "../dialects/duckdb.js";
import type { DuckDbTarget } from "./duckdb-target.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
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
import { keyTypeOfDuckDbType } from "../registry/key-types.js";
import { inputLocation, openEntityFile, openEntityQuery, typeEntityRows } from "./entity-rows.js";
import type { EntitySpec, KeyCast, LoadedEntities } from "./entity-rows.js";
import { copyOptions, outputSelectList } from "./output-values.js";
import { pitIndexFacts } from "./pit-index-facts.js";
import type { CatalogIndex, PitIndexFacts } from "./pit-index-facts.js";

const lit = (s: string): string => duckdbDialect.stringLiteral(s);

/** The embedded DuckDB warehouse. Timestamps are UTC; relative file paths resolve from the project folder. */
export class DuckDbWarehouse implements Warehouse {
  onStatement?: (s: ExecutedStatement) => void;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly target: DuckDbTarget,
  ) {}

  /** `readOnly` lets several processes read at once (DuckDB allows one writer, or many readers). */
  static async open(target: DuckDbTarget, projectDir: string, readOnly = false): Promise<DuckDbWarehouse> {
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(target.path, readOnly ? { access_mode: "READ_ONLY" } : {});
    } catch (err) {
      const msg = (err as Error).message;
      // DuckDB allows one writer process and does not wait for it: the command fails at once.
      const hint = /lock/i.test(msg)
        ? " (another process has the warehouse open, and DuckDB lets one process write at a time: nothing was done; run the command again once that process has finished or closed it)"
        : "";
      throw new WarehouseError(`cannot open DuckDB warehouse ${target.path} of target '${target.name}': ${msg}${hint}`);
    }
    const conn = await instance.connect();
    const wh = new DuckDbWarehouse(instance, conn, target);
    await wh.exec(`SET TimeZone = 'UTC'`);
    // Progress is tracked (for `train` on a terminal) but never printed by DuckDB itself.
    await wh.exec(`SET enable_progress_bar = true`);
    await wh.exec(`SET enable_progress_bar_print = false`);
    await wh.exec(`SET file_search_path = ${lit(projectDir)}`);
    if (target.threads) await wh.exec(`SET threads = ${Number(target.threads)}`);
    if (target.memoryLimit) await wh.exec(`SET memory_limit = ${lit(target.memoryLimit)}`);
    return wh;
  }

  private async exec(sql: string, what?: string): Promise<number> {
    try {
      const r = await this.conn.run(sql);
      return r.rowsChanged;
    } catch (err) {
      throw new WarehouseError(`${what ? `${what}: ` : ""}DuckDB (target '${this.target.name}'): ${(err as Error).message}`, sql);
    }
  }

  /** The connection as executeRunPlan / executeMaterializePlan use it. */
  private engine(): StatementEngine {
    return {
      execute: async (sql, what) => {
        try {
          return (await this.conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
        } catch (err) {
          throw new WarehouseError(`${what}: DuckDB (target '${this.target.name}'): ${(err as Error).message}`, sql);
        }
      },
      copyIn: async (_sql, data) => {
        throw new WarehouseError(`DuckDB reads ${data.projectPath} itself: its compiled file has no COPY … FROM STDIN`);
      },
      setParameter: async (name, value) => {
        await this.exec(`SET VARIABLE ${name} = CAST(${lit(value)} AS TIMESTAMP)`);
      },
      describe: (rel) => this.describe(rel),
      rollback: async () => void (await this.exec("ROLLBACK").catch(() => undefined)),
      onStatement: this.onStatement,
    };
  }

  async run(
    plan: RunPlan,
    check: (step: RunStep, columns: ColumnInfo[]) => Diagnostic[],
    progress?: (step: RunStep, i: number) => void,
  ): Promise<void> {
    await executeRunPlan(this.engine(), plan, "duckdb", check, progress);
  }

  async loadEntities(source: EntitySource, spec: EntitySpec): Promise<LoadedEntities> {
    try {
      const input =
        "sql" in source
          ? await openEntityQuery(this.conn, source.sql, spec.reserved)
          : await openEntityFile(this.conn, source.file, source.format, source.display ?? source.file, spec.reserved);
      spec.checkColumns?.(
        input.columns.map((c) => c.name),
        inputLocation(input),
      );
      const keys: KeyCast[] = [];
      for (const k of spec.keys) keys.push(k.type ? { name: k.name, to: k.type } : await this.keyCastFromView(k.name, k.typeFrom));
      const typed = await typeEntityRows(this.conn, input, keys, spec.timestampColumn);
      return {
        relation: duckdbDialect.quote(typed.table),
        columns: [input.rowColumn, ...keys.map((k) => k.name), spec.timestampColumn],
        inputColumns: input.columns.map((c) => c.name),
        rowColumn: input.rowColumn,
        input: input.relation,
        inputIn: "warehouse",
        rows: typed.rows,
      };
    } catch (err) {
      if (err instanceof FcUserError || err instanceof WarehouseError) throw err;
      const what = "sql" in source ? "entity rows (--entities-sql)" : `entity rows (${source.display ?? source.file})`;
      throw new WarehouseError(`${what}: DuckDB (target '${this.target.name}'): ${(err as Error).message}`);
    }
  }

  /** A join key without a declared type takes the type of the view's column (integers as int64, text as string). */
  private async keyCastFromView(name: string, relation: string): Promise<KeyCast> {
    const r = await this.conn.runAndReadAll(`DESCRIBE SELECT ${duckdbDialect.quote(name)} FROM ${relation}`);
    const type = String(r.getRowObjectsJS()[0]?.column_type);
    const to = keyTypeOfDuckDbType(type);
    return to ? { name, to } : { name, to: "native", duckdbType: type };
  }

  async columnsOf(relationSql: string): Promise<string[]> {
    try {
      const r = await this.conn.runAndReadAll(`DESCRIBE SELECT * FROM ${relationSql}`);
      return r.getRowObjectsJS().map((row) => String(row.column_name));
    } catch (err) {
      throw new WarehouseError(`DuckDB (target '${this.target.name}'): ${(err as Error).message}`);
    }
  }

  async describe(relationSql: string): Promise<ColumnInfo[]> {
    try {
      const r = await this.conn.runAndReadAll(`DESCRIBE SELECT * FROM ${relationSql}`);
      return r.getRowObjectsJS().map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
    } catch (err) {
      throw new WarehouseError(`DuckDB (target '${this.target.name}'): ${(err as Error).message}`);
    }
  }

  /**
   * From duckdb_indexes() (`expressions`: an index's key expressions, a column as its quoted or
   * bare name) and duckdb_constraints() (PRIMARY KEY and UNIQUE). DuckDB's training query reads no
   * index (it joins with ASOF), but a unique one lets it skip the deduplication.
   */
  async pitIndexFacts(relation: string, keys: readonly string[], timestamp: string): Promise<PitIndexFacts> {
    const q = (parts: string[]): string => duckdbDialect.qualified(parts);
    const isThis = (row: Record<string, unknown>): boolean => {
      const [db, schema, table] = [String(row.database_name), String(row.schema_name), String(row.table_name)];
      return [q([table]), q([schema, table]), q([db, schema, table])].includes(relation);
    };
    const columnOf = (expr: string): string | null => {
      if (/^[A-Za-z_][A-Za-z0-9_$]*$/.test(expr)) return expr;
      const m = /^"((?:[^"]|"")*)"$/.exec(expr);
      return m ? m[1]!.replaceAll('""', '"') : null;
    };
    try {
      const indexes = await this.conn.runAndReadAll(
        `SELECT database_name, schema_name, table_name, is_unique, CAST(expressions AS VARCHAR[]) AS expressions FROM duckdb_indexes()`,
      );
      const constraints = await this.conn.runAndReadAll(
        `SELECT database_name, schema_name, table_name, constraint_column_names FROM duckdb_constraints()
         WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE')`,
      );
      const found: CatalogIndex[] = [
        ...indexes
          .getRowObjectsJS()
          .filter(isThis)
          .map((row) => ({ key: (row.expressions as string[]).map(columnOf), unique: row.is_unique === true })),
        ...constraints
          .getRowObjectsJS()
          .filter(isThis)
          .map((row) => ({ key: (row.constraint_column_names as string[]).map(String), unique: true })),
      ];
      return pitIndexFacts(found, keys, timestamp);
    } catch (err) {
      throw new WarehouseError(`DuckDB (target '${this.target.name}'): checking the indexes of ${relation}: ${(err as Error).message}`);
    }
  }

  async tableExists(schema: string, table: string): Promise<boolean> {
    const r = await this.conn.runAndReadAll(
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = ${lit(schema)} AND table_name = ${lit(table)}`,
    );
    return Number(r.getRowObjectsJS()[0]?.n ?? 0) > 0;
  }

  async exportQuery(
    sql: string,
    out: string,
    format: OutputFormat,
    { what = "training query", onProgress, entities }: ExportOptions = {},
  ): Promise<number> {
    const described = await this.conn.runAndReadAll(`DESCRIBE SELECT * FROM (\n${sql}\n) AS q`).catch((err: unknown) => {
      throw new WarehouseError(`${what}: DuckDB (target '${this.target.name}'): ${(err as Error).message}`, sql);
    });
    const result = described.getRowObjectsJS().map((r) => ({ name: String(r.column_name), duckdbType: String(r.column_type) }));
    const q = (s: string): string => duckdbDialect.quote(s);
    let select: string;
    if (entities) {
      // The input's own columns as they came in, then the features, in input order.
      const input = await this.conn.runAndReadAll(`DESCRIBE SELECT * FROM ${q(entities.input)}`);
      const inputCols = input
        .getRowObjectsJS()
        .map((r) => ({ name: String(r.column_name), duckdbType: String(r.column_type) }))
        .filter((c) => c.name !== entities.rowColumn)
        .map((c) => ({ ...c, expr: `i.${q(c.name)}` }));
      const features = result.slice(entities.columns.length).map((c) => ({ ...c, expr: `r.${q(c.name)}` }));
      const row = q(entities.rowColumn);
      select =
        `SELECT\n  ${outputSelectList([...inputCols, ...features], format)}\nFROM (\n${sql}\n) AS r\n` +
        `JOIN ${q(entities.input)} AS i ON i.${row} = r.${row}\nORDER BY r.${row}`;
    } else {
      select = `SELECT\n  ${outputSelectList(
        result.map((c) => ({ ...c, expr: `r.${q(c.name)}` })),
        format,
      )}\nFROM (\n${sql}\n) AS r`;
    }
    const timer = onProgress
      ? setInterval(() => {
          const p = this.conn.progress.percentage;
          if (p >= 0) onProgress(p);
        }, 200)
      : undefined;
    try {
      return await this.exec(`COPY (\n${select}\n) TO ${lit(out)} (${copyOptions(format)})`, what);
    } finally {
      clearInterval(timer);
    }
  }

  async materialize(plan: MaterializePlan, progress?: (step: MaterializeStep, i: number) => void): Promise<number[]> {
    return executeMaterializePlan(this.engine(), plan, "duckdb", progress);
  }

  async appendPushed(
    plan: PushAppendPlan,
    rows: readonly (readonly (string | null)[])[],
    opts: { checkOnly?: boolean } = {},
  ): Promise<AppendResult> {
    return executePushAppend(
      {
        ...this.engine(),
        begin: ["BEGIN TRANSACTION"],
        castableSetup: [],
        castable: (value, type) => `TRY_CAST(${value} AS ${type}) IS NOT NULL`,
        // DuckDB's appender: about 50 times faster than INSERT … VALUES of literals.
        stage: async (table, staged) => {
          const ap = await this.conn.createAppender(table, "main", "temp");
          try {
            staged.forEach((row, i) => {
              ap.appendBigInt(BigInt(i + 1));
              for (const v of row)
                if (v === null) ap.appendNull();
                else ap.appendVarchar(v);
              ap.endRow();
            });
            ap.flushSync();
          } finally {
            ap.closeSync();
          }
        },
      },
      plan,
      rows,
      opts,
    );
  }

  async executeAll(_schema: string, statements: { sql: string; what: string }[]): Promise<void> {
    await this.exec("BEGIN TRANSACTION");
    try {
      for (const st of statements) await this.exec(st.sql, st.what);
      await this.exec("COMMIT");
    } catch (err) {
      await this.exec("ROLLBACK").catch(() => undefined);
      throw err;
    }
  }

  async watermarks(schema: string): Promise<Map<string, Watermark>> {
    const out = new Map<string, Watermark>();
    if (!(await this.tableExists(schema, WATERMARK_TABLE))) return out;
    const r = await this.conn.runAndReadAll(watermarkSelect(duckdbDialect.qualified([schema, WATERMARK_TABLE]), "VARCHAR"));
    for (const row of r.getRowObjectsJS()) out.set(String(row.view_name), watermarkFromRow(row));
    return out;
  }

  async queryWithParameters(sql: string, params: Record<string, string>, what: string): Promise<Record<string, unknown>[]> {
    const engine = this.engine();
    for (const [name, value] of Object.entries(params)) await engine.setParameter(name, value);
    try {
      // DuckDB's own values: a timestamp's text keeps its microseconds (a JS Date would not).
      return (await this.conn.runAndReadAll(sql)).getRowObjects() as Record<string, unknown>[];
    } catch (err) {
      throw new WarehouseError(`${what}: DuckDB (target '${this.target.name}'): ${(err as Error).message}`, sql);
    }
  }

  async *readRows(sql: string, { what = "query" }: { what?: string; batchSize?: number } = {}): AsyncGenerator<unknown[][]> {
    let result;
    try {
      result = await this.conn.stream(sql);
    } catch (err) {
      throw new WarehouseError(`${what}: DuckDB (target '${this.target.name}'): ${(err as Error).message}`, sql);
    }
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) return;
      yield chunk.getRows() as unknown[][];
    }
  }

  async close(): Promise<void> {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

let syntaxInstance: Promise<DuckDBConnection> | undefined;

/** Asks an in-memory DuckDB whether SQL parses (for syntax the PostgreSQL grammar lacks). */
export async function duckdbSyntaxCheck(sql: string): Promise<{ ok: true } | { ok: false; message: string; offset?: number }> {
  syntaxInstance ??= DuckDBInstance.create(":memory:").then((i) => i.connect());
  const conn = await syntaxInstance;
  const r = await conn.runAndReadAll(`SELECT json_serialize_sql(${lit(sql)}) AS j`);
  const j = JSON.parse(String(r.getRowObjectsJS()[0]?.j)) as {
    error?: boolean;
    error_message?: string;
    position?: string;
    statements?: unknown[];
  };
  if (!j.error) {
    return j.statements?.length === 1 ? { ok: true } : { ok: false, message: "must be exactly one SELECT statement" };
  }
  return { ok: false, message: j.error_message ?? "syntax error", offset: j.position !== undefined ? Number(j.position) : undefined };
}
