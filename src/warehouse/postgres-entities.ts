/**
 * Entity rows and training output on PostgreSQL, the same as on DuckDB: the entity file is read,
 * checked and converted by DuckDB (entity-rows.ts); only the row number, the join keys and the
 * timestamp go into PostgreSQL; the result comes back through COPY and DuckDB writes the file with
 * the input's columns as they came in and the value forms of docs/values.md.
 */
import { createReadStream, createWriteStream, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { entityRowIdColumn } from "../compile/internal-names.js";
import { duckdbDialect } from "../dialects/duckdb.js";
import { postgresDialect as d } from "../dialects/postgres.js";
import { freeName, inputLocation, openEntityExport, openEntityFile, tempName, typeEntityRows } from "./entity-rows.js";
import type { EntityInput, EntitySpec, KeyCast, LoadedEntities } from "./entity-rows.js";
import { readerConnection } from "./file-reader.js";
import { copyOptions, outputSelectList } from "./output-values.js";
import type { OutputColumn } from "./output-values.js";
import type { EntitySource, OutputFormat } from "./warehouse.js";

/** How DuckDB reads PostgreSQL's text output of a type (by OID); anything else is read as its text. */
const PG_TEXT_AS_DUCK: Record<number, string> = {
  16: "BOOLEAN",
  20: "BIGINT",
  21: "SMALLINT",
  23: "INTEGER",
  700: "FLOAT",
  701: "DOUBLE",
  1082: "DATE",
  1114: "TIMESTAMP",
  1184: "TIMESTAMP WITH TIME ZONE",
};

const duckTypeOf = (oid: number): string => PG_TEXT_AS_DUCK[oid] ?? "VARCHAR";
const tmpCsv = (what: string): string => path.join(tmpdir(), `fcompile-${what}-${process.pid}-${tempName("f")}.csv`);

/** A join key's conversion, with the PostgreSQL type of the converted column. */
type PgKey = KeyCast & { pgType: string };

async function keyCast(client: pg.Client, k: EntitySpec["keys"][number]): Promise<PgKey> {
  if (k.type === "int64") return { name: k.name, to: "int64", pgType: "BIGINT" };
  if (k.type === "string") return { name: k.name, to: "string", pgType: "TEXT" };
  const r = await client.query(`SELECT ${d.quote(k.name)} FROM ${k.typeFrom} LIMIT 0`);
  const f = r.fields[0]!;
  if ([20, 21, 23].includes(f.dataTypeID)) return { name: k.name, to: "int64", pgType: "BIGINT" };
  if ([25, 1043].includes(f.dataTypeID)) return { name: k.name, to: "string", pgType: "TEXT" };
  const t = await client.query("SELECT format_type($1, $2) AS t", [f.dataTypeID, f.dataTypeModifier]);
  const duck = PG_TEXT_AS_DUCK[f.dataTypeID];
  // A type DuckDB cannot check (uuid, numeric…) is passed as text; PostgreSQL converts it.
  return duck
    ? { name: k.name, to: "native", duckdbType: duck, pgType: String(t.rows[0].t) }
    : { name: k.name, to: "string", pgType: String(t.rows[0].t) };
}

/**
 * `loadEntities` on PostgreSQL: returns the temp table the training query reads (`fc_entity_rows`,
 * numbered in `__fc_row_id`). `run` wraps errors that are not the user's.
 */
export async function loadPostgresEntities(client: pg.Client, source: EntitySource, spec: EntitySpec): Promise<LoadedEntities> {
  const reader = await readerConnection();
  const keys: PgKey[] = [];
  for (const k of spec.keys) keys.push(await keyCast(client, k));
  if ("sql" in source) {
    // The rows stay in PostgreSQL; their keys and timestamps are converted by DuckDB, as a file's are.
    const inputRelation = "fc_entity_input";
    await client.query(`DROP TABLE IF EXISTS pg_temp.${inputRelation}`);
    const probe = await client.query(`SELECT * FROM (\n${source.sql}\n) AS s LIMIT 0`);
    const inputColumns = probe.fields.map((f) => f.name);
    const rowColumn = freeName("__fc_input_row", [...inputColumns, ...spec.reserved]);
    await client.query(
      `CREATE TEMP TABLE ${inputRelation} AS SELECT row_number() OVER () AS ${d.quote(rowColumn)}, s.* FROM (\n${source.sql}\n) AS s`,
    );
    spec.checkColumns?.(inputColumns, { file: "--entities-sql", line: 1, col: 1 });
    const wanted = [...new Set([...keys.map((k) => k.name), spec.timestampColumn])];
    const types = new Map(probe.fields.map((f) => [f.name, duckTypeOf(f.dataTypeID)]));
    const csv = tmpCsv("entity-keys");
    try {
      const cols = [rowColumn, ...wanted].map((c) => d.quote(c)).join(", ");
      await pipeline(
        client.query(copyTo(`COPY (SELECT ${cols} FROM ${inputRelation} ORDER BY 1) TO STDOUT (FORMAT csv, HEADER true)`)),
        createWriteStream(csv),
      );
      const input = await openEntityExport(
        reader,
        csv,
        rowColumn,
        wanted.map((name) => ({ name, duckdbType: types.get(name)! })),
      );
      return await finish(client, reader, input, keys, spec, { inputColumns, inputIn: "warehouse", inputRelation });
    } finally {
      rmSync(csv, { force: true });
    }
  }
  const input = await openEntityFile(reader, source.file, source.format, source.display ?? source.file, spec.reserved);
  const inputColumns = input.columns.map((c) => c.name);
  spec.checkColumns?.(inputColumns, inputLocation(input));
  return finish(client, reader, input, keys, spec, { inputColumns, inputIn: "reader", inputRelation: input.relation });
}

/** Converts keys and timestamps in DuckDB, then COPYs them into PostgreSQL's `fc_entity_rows`. */
async function finish(
  client: pg.Client,
  reader: Awaited<ReturnType<typeof readerConnection>>,
  input: EntityInput,
  keys: PgKey[],
  spec: EntitySpec,
  where: { inputColumns: string[]; inputIn: LoadedEntities["inputIn"]; inputRelation: string },
): Promise<LoadedEntities> {
  const typed = await typeEntityRows(reader, input, keys, spec.timestampColumn);
  const csv = tmpCsv("entity-rows");
  const rel = "fc_entity_rows";
  try {
    await reader.run(`COPY ${duckdbDialect.quote(typed.table)} TO ${duckdbDialect.stringLiteral(csv)} (FORMAT csv, HEADER true)`);
    await reader.run(`DROP TABLE IF EXISTS ${duckdbDialect.quote(typed.table)}`);
    const row = d.quote(input.rowColumn);
    const columns = [input.rowColumn, ...keys.map((k) => k.name), spec.timestampColumn];
    const defs = [`${row} BIGINT`, ...keys.map((k) => `${d.quote(k.name)} ${k.pgType}`), `${d.quote(spec.timestampColumn)} TIMESTAMP`];
    await client.query(`DROP TABLE IF EXISTS pg_temp.${rel}`);
    // The training query finds each row's input position under the name entityRowIdColumn gives.
    const rowId = d.quote(entityRowIdColumn(columns));
    await client.query(`CREATE TEMP TABLE ${rel} (${defs.join(", ")}, ${rowId} BIGINT GENERATED ALWAYS AS (${row}) STORED)`);
    const cols = [input.rowColumn, ...keys.map((k) => k.name), spec.timestampColumn].map((c) => d.quote(c)).join(", ");
    await pipeline(createReadStream(csv), client.query(copyFrom(`COPY ${rel} (${cols}) FROM STDIN (FORMAT csv, HEADER true)`)));
    await client.query(`ANALYZE ${rel}`);
  } finally {
    rmSync(csv, { force: true });
  }
  return {
    relation: rel,
    columns: [input.rowColumn, ...keys.map((k) => k.name), spec.timestampColumn],
    inputColumns: where.inputColumns,
    rowColumn: input.rowColumn,
    input: where.inputRelation,
    inputIn: where.inputIn,
    rows: typed.rows,
  };
}

/**
 * `exportQuery` on PostgreSQL: the result streams out with COPY into a temporary CSV, and DuckDB
 * writes the file from it (joined back to the entity file's own columns when they stayed there).
 */
export async function exportPostgresQuery(
  client: pg.Client,
  sql: string,
  out: string,
  format: OutputFormat,
  entities: LoadedEntities | undefined,
): Promise<number> {
  // WHERE false: the planner folds the query away, so describing it costs no planning (nor JIT).
  const probe = await client.query(`SELECT * FROM (\n${sql}\n) AS q WHERE false`);
  const fields = probe.fields.map((f) => ({ name: f.name, duckdbType: duckTypeOf(f.dataTypeID) }));
  let query = sql;
  let columns = fields;
  if (entities) {
    const row = d.quote(entities.rowColumn);
    const features = fields.slice(entities.columns.length);
    if (entities.inputIn === "warehouse") {
      // --entities-sql: the input's columns are joined back in PostgreSQL.
      const input = await client.query(`SELECT * FROM ${entities.input} LIMIT 0`);
      const inputFields = input.fields
        .filter((f) => f.name !== entities.rowColumn)
        .map((f) => ({ name: f.name, duckdbType: duckTypeOf(f.dataTypeID) }));
      query =
        `SELECT ${[...inputFields.map((f) => `i.${d.quote(f.name)}`), ...features.map((f) => `r.${d.quote(f.name)}`)].join(", ")}\n` +
        `FROM (\n${sql}\n) AS r JOIN ${entities.input} AS i ON i.${row} = r.${row}\nORDER BY r.${row}`;
      columns = [...inputFields, ...features];
    } else {
      query = `SELECT r.${row}, ${features.map((f) => `r.${d.quote(f.name)}`).join(", ")} FROM (\n${sql}\n) AS r`;
      columns = [{ name: entities.rowColumn, duckdbType: "BIGINT" }, ...features];
    }
  }
  const csv = tmpCsv("result");
  try {
    await pipeline(client.query(copyTo(`COPY (\n${query}\n) TO STDOUT (FORMAT csv, HEADER false)`)), createWriteStream(csv));
    const reader = await readerConnection();
    const dq = (s: string): string => duckdbDialect.quote(s);
    // Read by position (header false, explicit names): result names may repeat input names only in case.
    const readCsv =
      `read_csv(${duckdbDialect.stringLiteral(csv)}, auto_detect = false, header = false, quote = '"', escape = '"', ` +
      `allow_quoted_nulls = false, columns = {${columns.map((c, i) => `'c${i}': ${duckdbDialect.stringLiteral(c.duckdbType)}`).join(", ")}})`;
    let select: string;
    if (entities && entities.inputIn === "reader") {
      const described = (await reader.runAndReadAll(`DESCRIBE SELECT * FROM ${dq(entities.input)}`)).getRowObjectsJS();
      const inputCols: OutputColumn[] = described
        .map((r) => ({ name: String(r.column_name), duckdbType: String(r.column_type) }))
        .filter((c) => c.name !== entities.rowColumn)
        .map((c) => ({ ...c, expr: `i.${dq(c.name)}` }));
      const features: OutputColumn[] = columns.slice(1).map((c, i) => ({ ...c, expr: `r.c${i + 1}` }));
      select =
        `SELECT ${outputSelectList([...inputCols, ...features], format)} FROM ${readCsv} AS r ` +
        `JOIN ${dq(entities.input)} AS i ON i.${dq(entities.rowColumn)} = r.c0 ORDER BY r.c0`;
    } else {
      select = `SELECT ${outputSelectList(
        columns.map((c, i) => ({ ...c, expr: `r.c${i}` })),
        format,
      )} FROM ${readCsv} AS r`;
    }
    const r = await reader.run(`COPY (${select}) TO ${duckdbDialect.stringLiteral(out)} (${copyOptions(format)})`);
    return r.rowsChanged;
  } finally {
    rmSync(csv, { force: true });
  }
}
