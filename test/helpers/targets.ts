/**
 * One place that maps every dialect (DIALECTS) to how the tests run a case on it: a warehouse
 * with the case's tables, the fcompile.yaml target that points at it, and how to run a compiled
 * query there and read its rows back exactly. A dialect added to DIALECTS fails to compile here
 * until it has an entry, and then every point-in-time and materialization test runs on it.
 */
import path from "node:path";
import pg from "pg";
import { DIALECTS } from "../../src/dialects/index.js";
import type { DialectName } from "../../src/dialects/index.js";
import { createTable, query, quoteIdent, withDuckDB } from "../reference/duckdb-harness.js";
import type { ColumnType, TableSpec } from "../reference/duckdb-harness.js";
import { isoFromMicros, micros } from "../reference/pit-reference.js";
import type { Value } from "../reference/pit-reference.js";
import { PG_URL, testSchema } from "./postgres.js";

/** Every dialect's name, for `describe.each`. */
export const DIALECT_NAMES = Object.keys(DIALECTS) as DialectName[];

/** A warehouse prepared for one case. */
export interface CaseWarehouse {
  /** The schema that stands for the case's `raw` schema (table names are `<rawSchema>.<table>`). */
  rawSchema: string;
  /** The schema fcompile writes into. */
  schema: string;
  /** The `targets:` entry of fcompile.yaml. */
  target: Record<string, unknown>;
  /** Creates tables (named `<rawSchema>.<table>`) with their rows. */
  createTables(tables: TableSpec[]): Promise<void>;
  /** Runs statements (e.g. index advice). */
  exec(sql: string): Promise<void>;
  /**
   * Runs a statement with run-time parameters (`fc_end`, `fc_start` as micros) and returns its
   * rows exactly (int64 and timestamps as bigint); what it writes is kept.
   */
  rows(sql: string, params: Record<string, bigint>): Promise<Value[][]>;
  /** Drops everything the case created. */
  cleanup(): Promise<void>;
}

/** How the tests run cases on a dialect. */
export interface TestTarget {
  /** A warehouse for one case whose project lives in `dir`. */
  prepare(dir: string): Promise<CaseWarehouse>;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: one connection per test file, a schema pair per case
// ---------------------------------------------------------------------------------------------

let shared: Promise<pg.Client> | undefined;

/** One PostgreSQL connection per test process, with exact bigint and timestamp parsing. */
function pgClient(): Promise<pg.Client> {
  shared ??= (async () => {
    const c = new pg.Client({
      connectionString: PG_URL,
      types: {
        getTypeParser: ((oid: number, format?: string) =>
          oid === 20
            ? (v: string) => BigInt(v)
            : oid === 1114
              ? (v: string) => micros(v.replace(" ", "T"))
              : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
      },
    });
    try {
      await c.connect();
    } catch (err) {
      throw new Error(`cannot reach the test PostgreSQL at ${PG_URL} (start it: pg_ctlcluster … main start): ${(err as Error).message}`);
    }
    await c.query("SET TimeZone = 'UTC'");
    await c.query("SET client_min_messages = warning");
    return c;
  })();
  return shared;
}

/** Closes the shared PostgreSQL connection (call in afterAll of files that used a postgres target). */
export async function closeTestTargets(): Promise<void> {
  if (!shared) return;
  const c = await shared;
  shared = undefined;
  await c.end();
}

const PG_TYPES: Record<ColumnType, string> = {
  int64: "BIGINT",
  float64: "DOUBLE PRECISION",
  string: "TEXT",
  label: "TEXT",
  bool: "BOOLEAN",
  timestamp: "TIMESTAMP",
};

function pgLiteral(v: Value, type: ColumnType): string {
  if (v === null) return "NULL";
  switch (type) {
    case "int64":
      return String(v);
    case "float64": {
      const n = v as number;
      return Number.isNaN(n)
        ? "'NaN'"
        : n === Infinity
          ? "'Infinity'"
          : n === -Infinity
            ? "'-Infinity'"
            : Object.is(n, -0)
              ? "'-0'"
              : `'${n}'`;
    }
    case "bool":
      return v ? "TRUE" : "FALSE";
    case "timestamp":
      return `'${isoFromMicros(v as bigint)}'`;
    default:
      return `'${String(v).replaceAll("'", "''")}'`;
  }
}

const postgres: TestTarget = {
  async prepare() {
    const c = await pgClient();
    const rawSchema = testSchema("fc_raw");
    const schema = testSchema("fc_t");
    await c.query(`CREATE SCHEMA ${quoteIdent(rawSchema)}`);
    await c.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    return {
      rawSchema,
      schema,
      // Sequential scans off: the lookups walk the indexes (index-only) even on tiny tables. That
      // makes plans without an index look costly enough for JIT compilation (~0.5 s a statement on
      // tables of ten rows), so JIT is off too.
      target: { type: "postgres", url: `${PG_URL}?options=-c%20enable_seqscan%3Doff%20-c%20jit%3Doff`, schema },
      async createTables(tables) {
        for (const t of tables) {
          const name = t.table.split(".").map(quoteIdent).join(".");
          await c.query(`CREATE TABLE ${name} (${t.columns.map((x) => `${quoteIdent(x.name)} ${PG_TYPES[x.type]}`).join(", ")})`);
          for (let i = 0; i < t.rows.length; i += 500) {
            const values = t.rows
              .slice(i, i + 500)
              .map((r) => `(${t.columns.map((x) => pgLiteral(r[x.name] ?? null, x.type)).join(", ")})`);
            await c.query(`INSERT INTO ${name} VALUES ${values.join(", ")}`);
          }
        }
      },
      async exec(sql) {
        await c.query(sql);
      },
      async rows(sql, params) {
        await c.query("BEGIN");
        try {
          for (const [k, v] of Object.entries(params)) {
            await c.query("SELECT set_config($1, $2, true)", [`fcompile.${k.replace(/^fc_/, "")}_time`, isoFromMicros(v)]);
          }
          const r = await c.query({ text: sql, rowMode: "array" });
          await c.query("COMMIT");
          return (r.rows ?? []) as Value[][];
        } catch (err) {
          await c.query("ROLLBACK");
          throw err;
        }
      },
      async cleanup() {
        await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(rawSchema)} CASCADE`);
        await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------
// DuckDB: a warehouse file in the case's folder
// ---------------------------------------------------------------------------------------------

const duckdb: TestTarget = {
  async prepare(dir) {
    const file = path.join(dir, "warehouse.duckdb");
    return {
      rawSchema: "raw",
      schema: "t",
      target: { type: "duckdb", path: "warehouse.duckdb" },
      async createTables(tables) {
        await withDuckDB(file, async (conn) => {
          for (const t of tables) await createTable(conn, t);
        });
      },
      async exec(sql) {
        await withDuckDB(file, (conn) => conn.run(sql).then(() => undefined));
      },
      async rows(sql, params) {
        return withDuckDB(file, async (conn) => {
          await conn.run("SET TimeZone = 'UTC'");
          await conn.run("CREATE SCHEMA IF NOT EXISTS t");
          for (const [k, v] of Object.entries(params)) await conn.run(`SET VARIABLE ${k} = TIMESTAMP '${isoFromMicros(v)}'`);
          return (await query(conn, sql)).rows;
        });
      },
      async cleanup() {},
    };
  },
};

/** Every dialect's test target: a new dialect in DIALECTS is a compile error here until it has one. */
export const TEST_TARGETS: Record<DialectName, TestTarget> = { duckdb, postgres };
