import type { Registry, Source } from "../registry/types.js";
import type { CompileTarget } from "./relations.js";
import { pushedTable, sourceRelation, viewsOfSource } from "./relations.js";

/** A column of the relation pushed rows are appended to, with its type as the engine names it. */
export interface AppendColumn {
  name: string;
  type: string;
}

/**
 * The SQL of one offline push (docs/push.md, "Offline"): the pushed rows are staged as text in a
 * temporary table, cast by the warehouse to the types of the relation training reads the source
 * from (`target`), deduplicated (by `dedupe_key`: against the rows already there, and the first
 * of a key within the request), then appended to `target` and to `pushed__<source>`, which keeps
 * every pushed row (`run` unions it back in when it rebuilds a file source's table).
 */
export interface PushAppendPlan {
  source: string;
  /** The schema fcompile owns (unquoted): the lock of `run` is taken on it. */
  schema: string;
  /** Where training reads the source's rows, quoted: the user's table, or `source__<name>`. */
  target: string;
  /** `[schema, table]` of target when fcompile owns it (file sources): it must exist (`run`). */
  ownedTarget?: [string, string];
  /** `pushed__<source>`, quoted. */
  pushed: string;
  /** The staged columns (those the rows carry), in order, with the target's types. */
  columns: AppendColumn[];
  /** Creates the staging table (fc_row, then each column as text) and `pushed__<source>` if absent. */
  prepare: string[];
  /** The staging table's name (a temporary table, unquoted): fc_row, then each column as text. */
  stageTable: string;
  /** `INSERT INTO stage VALUES …` for a batch of rows (values as text or NULL, row numbers 1-based). */
  stageRows(rows: readonly (readonly (string | null)[])[], firstRow: number): string;
  /** Casts and deduplicates the staged rows into a second temporary table (where a bad value fails). */
  typed: string[];
  /** Appends the typed rows to target and pushed; then a count of them (`appended`). */
  append: string[];
  /** Drops the temporary tables. */
  cleanup: string[];
  /** A query listing the staged values that do not cast: `fc_row`, `fc_column`, `fc_value`, `fc_type` (castable: the dialect's test). */
  badValues(castable: (value: string, type: string) => string): string;
}

const STAGE = "fc_push_stage";
const TYPED = "fc_push_typed";

/**
 * Compiles an offline push of rows with `columns` (the target's columns the rows carry) to
 * source `src`. Pure: the caller describes the target and executes the statements in one
 * transaction (src/warehouse/push-append.ts).
 */
export function compilePushAppend(src: Source, t: CompileTarget, columns: AppendColumn[]): PushAppendPlan {
  const d = t.dialect;
  const q = (c: string): string => d.quote(c);
  const target = sourceRelation(src, t);
  const pushed = d.qualified(pushedTable(src, t));
  const text = d.sqlType("string");
  const list = columns.map((c) => q(c.name)).join(", ");
  const casts = columns.map((c) => `CAST(s.${q(c.name)} AS ${c.type}) AS ${q(c.name)}`).join(", ");
  const dedupe = src.dedupeKey !== undefined ? columns.find((c) => c.name === src.dedupeKey) : undefined;
  let typedSelect: string;
  if (dedupe) {
    const key = `CAST(s.${q(dedupe.name)} AS ${dedupe.type})`;
    typedSelect =
      `SELECT fc_row, ${columns.map((c) => q(c.name)).join(", ")} FROM (\n` +
      `  SELECT s.fc_row, ${casts}, row_number() OVER (PARTITION BY ${key} ORDER BY s.fc_row) AS fc_n\n` +
      `  FROM ${STAGE} AS s\n` +
      `) AS s\n` +
      `WHERE fc_n = 1 AND NOT EXISTS (SELECT 1 FROM ${target} AS x WHERE x.${q(dedupe.name)} = s.${q(dedupe.name)})`;
  } else {
    typedSelect = `SELECT s.fc_row, ${casts} FROM ${STAGE} AS s`;
  }
  return {
    source: src.name,
    schema: t.schema,
    target,
    ownedTarget: src.kind === "file" ? [t.schema, `source__${src.name}`] : undefined,
    pushed,
    columns,
    prepare: [
      `DROP TABLE IF EXISTS ${STAGE}`,
      `CREATE TEMPORARY TABLE ${STAGE} (fc_row BIGINT, ${columns.map((c) => `${q(c.name)} ${text}`).join(", ")})`,
      `CREATE TABLE IF NOT EXISTS ${pushed} AS SELECT * FROM ${target} LIMIT 0`,
    ],
    stageTable: STAGE,
    stageRows: (rows, firstRow) =>
      `INSERT INTO ${STAGE} VALUES\n` +
      rows.map((r, i) => `(${firstRow + i}, ${r.map((v) => (v === null ? "NULL" : d.stringLiteral(v))).join(", ")})`).join(",\n"),
    typed: [`DROP TABLE IF EXISTS ${TYPED}`, `CREATE TEMPORARY TABLE ${TYPED} AS\n${typedSelect}`],
    append: [
      `INSERT INTO ${target} (${list}) SELECT ${list} FROM ${TYPED} ORDER BY fc_row`,
      `INSERT INTO ${pushed} (${list}) SELECT ${list} FROM ${TYPED} ORDER BY fc_row`,
      `SELECT count(*) AS appended FROM ${TYPED}`,
    ],
    cleanup: [`DROP TABLE IF EXISTS ${TYPED}`, `DROP TABLE IF EXISTS ${STAGE}`],
    badValues: (castable) =>
      columns
        .map(
          (c) =>
            `SELECT fc_row, ${d.stringLiteral(c.name)} AS fc_column, ${q(c.name)} AS fc_value, ${d.stringLiteral(c.type)} AS fc_type ` +
            `FROM ${STAGE} WHERE ${q(c.name)} IS NOT NULL AND NOT (${castable(q(c.name), c.type)})`,
        )
        .join("\nUNION ALL\n") + "\nORDER BY fc_row, fc_column",
  };
}

/**
 * The columns a pushed row of `src` must carry, non-NULL: the source's timestamp, the join keys
 * of every view over it, and its dedupe key.
 */
export function requiredPushColumns(reg: Registry, src: Source): string[] {
  const need = new Set<string>([src.timestamp]);
  for (const v of viewsOfSource(reg, src.name)) for (const k of v.joinKeys) need.add(k);
  if (src.dedupeKey !== undefined) need.add(src.dedupeKey);
  return [...need];
}

/** Whether a column type (as the engine names it) holds timestamps: pushed values are normalized to UTC text before the warehouse casts them. */
export function isTimestampType(type: string): boolean {
  return /^timestamp/i.test(type.trim());
}
