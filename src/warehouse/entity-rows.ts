/**
 * Entity rows for `train`, read and checked the same way on every warehouse: DuckDB reads the
 * entity file (or the rows of `--entities-sql`), every input column is kept exactly as it came in
 * (a CSV's text, a Parquet file's types), and the join keys and the timestamp are converted into
 * a separate relation the training query joins on. Values that do not convert are reported with
 * their file, line and column. See docs/values.md.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { FcUserError } from "../diagnostics/diagnostic.js";
import type { Diagnostic, SourceLocation } from "../diagnostics/diagnostic.js";
import { duckdbDialect } from "../dialects/duckdb.js";
import type { JoinKeyType } from "../registry/types.js";
import { readCsvHeader, rowPositions } from "./entity-csv.js";

const q = (s: string): string => duckdbDialect.quote(s);
const lit = (s: string): string => duckdbDialect.stringLiteral(s);

/** What `train` asks of the entity rows. */
export interface EntitySpec {
  /** The entity timestamp column. */
  timestampColumn: string;
  /**
   * The join keys: their declared type, or else a relation (SQL) of a view whose column of the
   * same name gives the type.
   */
  keys: { name: string; type?: JoinKeyType; typeFrom: string }[];
  /** Output column names of the features: fcompile's internal columns never take one of them. */
  reserved: string[];
  /** Checks the input's columns before any value is converted (throws FcUserError); `at` is the input. */
  checkColumns?: (columns: string[], at: SourceLocation) => void;
}

/** The entity rows as `loadEntities` made them ready. */
export interface LoadedEntities {
  /** The relation the training query reads: the row number, the typed join keys and the timestamp. */
  relation: string;
  /** Columns of `relation`, in order: what the training query puts before the features. */
  columns: string[];
  /** The input's own columns, in order: what the output file starts with, unchanged. */
  inputColumns: string[];
  /** The column of `relation` holding each row's 1-based input position. */
  rowColumn: string;
  /** The relation holding the input rows (with `rowColumn`), where the warehouse keeps it. */
  input: string;
  /** Where `input` lives: in the warehouse itself, or in the DuckDB that reads files for it. */
  inputIn: "warehouse" | "reader";
  /** How many entity rows there are. */
  rows: number;
}

/** How a join key's values are converted: to an int64, to text, or to the warehouse column's own type. */
export type KeyCast = { name: string } & ({ to: "int64" } | { to: "string" } | { to: "native"; duckdbType: string });

/** Where the input rows come from, for error messages. */
type Origin = { kind: "csv"; file: string; display: string; delimiter: string } | { kind: "parquet"; display: string } | { kind: "sql" };

/** An input registered in a DuckDB connection: a relation with a row-number column first. */
export interface EntityInput {
  relation: string;
  rowColumn: string;
  columns: { name: string; duckdbType: string }[];
  origin: Origin;
}

let seq = 0;
/** A fresh temp relation name (one connection may load entities more than once). */
export const tempName = (base: string): string => `${base}_${process.pid}_${++seq}`;

/** A column name that is none of `taken`. */
export function freeName(base: string, taken: Iterable<string>): string {
  const set = new Set([...taken].map((t) => t.toLowerCase()));
  let name = base;
  for (let i = 2; set.has(name.toLowerCase()); i++) name = `${base}_${i}`;
  return name;
}

const MAX_REPORTED = 5;

function location(origin: Origin): SourceLocation {
  if (origin.kind === "sql") return { file: "--entities-sql", line: 1, col: 1 };
  return { file: origin.display, line: 1, col: 1 };
}

function fail(problems: Diagnostic[]): never {
  throw new FcUserError(problems);
}

const diag = (message: string, at: SourceLocation): Diagnostic => ({ code: "FC015", severity: "error", message, at });

async function rowsOf(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

/**
 * Registers a CSV or Parquet entity file in `conn` as a view numbered in file order. A CSV is read
 * with every column as text, after a scan that reports malformed rows (a missing or extra field,
 * a stray quote) with their line. Throws FcUserError for an empty file or one without rows.
 */
export async function openEntityFile(
  conn: DuckDBConnection,
  file: string,
  format: "csv" | "parquet",
  display: string,
  reserved: string[],
): Promise<EntityInput> {
  const relation = tempName("fc_entity_input");
  let reader: string;
  let origin: Origin;
  let columns: { name: string; duckdbType: string }[];
  if (format === "csv") {
    const header = readCsvHeader(file, display);
    columns = header.names.map((name) => ({ name, duckdbType: "VARCHAR" }));
    const opts =
      `auto_detect = false, header = true, delim = ${lit(header.delimiter)}, quote = '"', escape = '"', ` +
      `allow_quoted_nulls = false, columns = {${header.names.map((n) => `${lit(n)}: 'VARCHAR'`).join(", ")}}`;
    reader = `read_csv(${lit(file)}, ${opts})`;
    origin = { kind: "csv", file, display, delimiter: header.delimiter };
    await checkCsvStructure(conn, file, opts, origin, header.names);
  } else {
    reader = `read_parquet(${lit(file)})`;
    origin = { kind: "parquet", display };
    const described = await rowsOf(conn, `DESCRIBE SELECT * FROM ${reader}`);
    columns = described.map((r) => ({ name: String(r.column_name), duckdbType: String(r.column_type) }));
  }
  const rowColumn = freeName("__fc_input_row", [...columns.map((c) => c.name), ...reserved]);
  await conn.run(`CREATE OR REPLACE TEMP VIEW ${q(relation)} AS SELECT row_number() OVER () AS ${q(rowColumn)}, * FROM ${reader}`);
  return { relation, rowColumn, columns, origin };
}

/** Scans a CSV once, collecting malformed rows (DuckDB's rejects), and reports them by line. */
async function checkCsvStructure(conn: DuckDBConnection, file: string, opts: string, origin: Origin, names: string[]): Promise<void> {
  const rejects = tempName("fc_rejects");
  const scans = tempName("fc_reject_scans");
  const at = location(origin);
  try {
    const counted = await rowsOf(
      conn,
      `SELECT count(*) AS n FROM read_csv(${lit(file)}, ${opts}, store_rejects = true, rejects_table = ${lit(rejects)}, rejects_scan = ${lit(scans)})`,
    );
    const bad = await rowsOf(
      conn,
      `SELECT line, error_type, column_idx, byte_position - line_byte_position AS offset, csv_line FROM ${q(rejects)} ORDER BY line LIMIT ${MAX_REPORTED + 1}`,
    );
    const total = Number((await rowsOf(conn, `SELECT count(*) AS n FROM ${q(rejects)}`))[0]?.n ?? 0);
    if (bad.length > 0) {
      const header = `the header has ${names.length} (${names.join(", ")})`;
      const problems = bad.slice(0, MAX_REPORTED).map((r) => {
        const line = Number(r.line);
        const fields = splitCount(String(r.csv_line ?? ""), origin.kind === "csv" ? origin.delimiter : ",");
        const type = String(r.error_type);
        const message =
          type === "MISSING COLUMNS"
            ? `row has ${fields} field${fields === 1 ? "" : "s"}, ${header}: every row needs one field per header column (an empty field is a NULL)`
            : type === "TOO MANY COLUMNS"
              ? `row has more fields than the header's ${names.length} (${names.join(", ")}): quote a value that contains the delimiter, or add the column to the header`
              : type === "UNQUOTED VALUE" || type === "UNTERMINATED QUOTE"
                ? `a quoted field is not closed, or has text after its closing quote: write a quote inside a value as "" and end each quoted value with "`
                : `row cannot be read (${type.toLowerCase()}): check its quoting and its number of fields`;
        return diag(message, { file: at.file, line, col: Math.max(1, Number(r.offset) + 1) });
      });
      if (total > MAX_REPORTED) problems.push(diag(`… and ${total - MAX_REPORTED} more malformed rows`, problems[0]!.at));
      fail(problems);
    }
    if (Number(counted[0]?.n ?? 0) === 0) {
      fail([
        diag(`entity file ${at.file} has a header but no rows: add one line per entity row (its join keys and its timestamp)`, {
          file: at.file,
          line: 1,
          col: 1,
        }),
      ]);
    }
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${q(rejects)}`).catch(() => undefined);
    await conn.run(`DROP TABLE IF EXISTS ${q(scans)}`).catch(() => undefined);
  }
}

function splitCount(line: string, d: string): number {
  let quoted = false;
  let n = 1;
  for (const c of line.replace(/\r?\n$/, "")) {
    if (c === '"') quoted = !quoted;
    else if (c === d && !quoted) n++;
  }
  return n;
}

/** Registers the rows of a query run in `conn` as a temp table numbered in the query's order. */
export async function openEntityQuery(conn: DuckDBConnection, sql: string, reserved: string[]): Promise<EntityInput> {
  const relation = tempName("fc_entity_input");
  const described = await rowsOf(conn, `DESCRIBE SELECT * FROM (\n${sql}\n) AS s`);
  const columns = described.map((r) => ({ name: String(r.column_name), duckdbType: String(r.column_type) }));
  const rowColumn = freeName("__fc_input_row", [...columns.map((c) => c.name), ...reserved]);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(relation)} AS SELECT row_number() OVER () AS ${q(rowColumn)}, * FROM (\n${sql}\n) AS s`);
  return { relation, rowColumn, columns, origin: { kind: "sql" } };
}

/**
 * Registers entity rows already numbered and written to a CSV by another warehouse (its row
 * number, join keys and timestamp, with their types) as a view.
 */
export async function openEntityExport(
  conn: DuckDBConnection,
  csv: string,
  rowColumn: string,
  columns: { name: string; duckdbType: string }[],
): Promise<EntityInput> {
  const relation = tempName("fc_entity_input");
  const all = [{ name: rowColumn, duckdbType: "BIGINT" }, ...columns];
  await conn.run(
    `CREATE OR REPLACE TEMP VIEW ${q(relation)} AS SELECT * FROM read_csv(${lit(csv)}, auto_detect = false, header = true, ` +
      `quote = '"', escape = '"', allow_quoted_nulls = false, columns = {${all.map((c) => `${lit(c.name)}: ${lit(c.duckdbType)}`).join(", ")}})`,
  );
  return { relation, rowColumn, columns, origin: { kind: "sql" } };
}

const INTEGER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|HUGEINT|UHUGEINT)$/;
const TIMESTAMPS = /^(TIMESTAMP|TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP_NS|DATE|TIMESTAMP WITH TIME ZONE)$/;
const INT_TEXT = String.raw`\s*[+-]?[0-9]+\s*`;
/**
 * ISO 8601 as fcompile reads it everywhere (src/timestamps.ts): hours 00–23, minutes and seconds
 * 00–59, a zone offset at most ±18:00. DuckDB's cast then checks the date (no February 30).
 */
const ISO_TEXT =
  String.raw`\s*[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?)?\s*` +
  String.raw`([Zz]|[+-]((0[0-9]|1[0-7])(:?[0-5][0-9])?|18(:?00)?))?\s*`;

/** The expression converting input column `col` (of DuckDB type `type`) to a join key; NULL when it does not convert. */
function keyExpr(col: string, type: string, cast: KeyCast): string {
  const c = q(col);
  if (cast.to === "string") return `CAST(${c} AS VARCHAR)`;
  if (cast.to === "native") return `TRY_CAST(${c} AS ${cast.duckdbType})`;
  if (INTEGER.test(type)) return `TRY_CAST(${c} AS BIGINT)`;
  const text = `CAST(${c} AS VARCHAR)`;
  return `CASE WHEN regexp_full_match(${text}, ${lit(INT_TEXT)}) THEN TRY_CAST(trim(${text}) AS BIGINT) END`;
}

/** The expression converting the timestamp column to a UTC TIMESTAMP; NULL when it does not convert. */
function tsExpr(col: string, type: string): string | undefined {
  const c = q(col);
  if (TIMESTAMPS.test(type)) return `CAST(${c} AS TIMESTAMP)`;
  if (type !== "VARCHAR") return undefined;
  return `CASE WHEN regexp_full_match(${c}, ${lit(ISO_TEXT)}) THEN CAST(TRY_CAST(upper(trim(${c})) AS TIMESTAMPTZ) AS TIMESTAMP) END`;
}

const KEY_HINT: Record<KeyCast["to"], string> = {
  int64: "an int64 join key is an integer (digits, optionally signed, within ±9223372036854775807)",
  string: "",
  native: "",
};

/**
 * Converts the join keys and the timestamp of an input into a temp table (row number, keys,
 * timestamp), in `conn`'s session time zone (UTC). Every value that does not convert is an
 * error naming its file, line (or row) and column. Returns the table and its row count.
 */
export async function typeEntityRows(
  conn: DuckDBConnection,
  input: EntityInput,
  keys: KeyCast[],
  timestampColumn: string,
): Promise<{ table: string; rows: number }> {
  const typeOf = new Map(input.columns.map((c) => [c.name, c.duckdbType]));
  const ts = tsExpr(timestampColumn, typeOf.get(timestampColumn)!);
  const at = location(input.origin);
  if (ts === undefined) {
    fail([
      diag(
        `timestamp column '${timestampColumn}' is ${typeOf.get(timestampColumn)}: entity timestamps must be ISO 8601 text ` +
          `(e.g. 2024-09-01T10:00:00Z; no zone means UTC) or a timestamp or date type`,
        at,
      ),
    ]);
  }
  const checks = [
    ...keys.map((k) => ({
      column: k.name,
      expr: keyExpr(k.name, typeOf.get(k.name)!, k),
      what: k.to === "native" ? `a ${k.duckdbType} (the type of the views' '${k.name}' column)` : `an ${k.to}`,
      hint: k.to === "int64" ? KEY_HINT.int64 : "write it as the views store it",
    })),
    {
      column: timestampColumn,
      expr: ts,
      what: "a timestamp",
      hint: "write ISO 8601, e.g. 2024-09-01T10:00:00Z or 2024-09-01 12:00:00+02:00 (no zone means UTC)",
    },
  ];
  const problems: Diagnostic[] = [];
  for (const c of checks) {
    const where = `${q(c.column)} IS NOT NULL AND (${c.expr}) IS NULL`;
    const bad = await rowsOf(
      conn,
      `SELECT ${q(input.rowColumn)} AS r, CAST(${q(c.column)} AS VARCHAR) AS v FROM ${q(input.relation)} WHERE ${where} ORDER BY 1 LIMIT ${MAX_REPORTED}`,
    );
    if (bad.length === 0) continue;
    const total = Number((await rowsOf(conn, `SELECT count(*) AS n FROM ${q(input.relation)} WHERE ${where}`))[0]?.n ?? 0);
    const field = input.columns.findIndex((x) => x.name === c.column);
    const where2 = positions(
      input.origin,
      bad.map((b) => Number(b.r)),
      field,
    );
    for (const b of bad) {
      const row = Number(b.r);
      const pos = where2.get(row) ?? at;
      const rowText = input.origin.kind === "csv" ? "" : ` (row ${row})`;
      problems.push(diag(`column '${c.column}'${rowText}: '${String(b.v)}' is not ${c.what}; ${c.hint}`, pos));
    }
    if (total > bad.length)
      problems.push(diag(`… and ${total - bad.length} more values of column '${c.column}' like these`, problems.at(-1)!.at));
  }
  if (problems.length > 0) fail(problems);
  const table = tempName("fc_entity_keys");
  const cols = [
    q(input.rowColumn),
    ...keys.map((k) => `${keyExpr(k.name, typeOf.get(k.name)!, k)} AS ${q(k.name)}`),
    `${ts} AS ${q(timestampColumn)}`,
  ];
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(table)} AS SELECT ${cols.join(", ")} FROM ${q(input.relation)} ORDER BY 1`);
  const n = await rowsOf(conn, `SELECT count(*) AS n FROM ${q(table)}`);
  return { table, rows: Number(n[0]?.n ?? 0) };
}

/** Line and column of `field` in the given rows (CSV files); other inputs name rows in the message. */
function positions(origin: Origin, rows: number[], field: number): Map<number, SourceLocation> {
  const out = new Map<number, SourceLocation>();
  if (origin.kind !== "csv") return out;
  const found = rowPositions(origin.file, origin.delimiter, new Map(rows.map((r) => [r, field])));
  for (const [r, p] of found) out.set(r, { file: origin.display, line: p.line, col: p.col });
  return out;
}

/** The location of an input, for checks of its columns. */
export function inputLocation(input: EntityInput): SourceLocation {
  return location(input.origin);
}
