import { rowsAndProblems } from "../online/push/types.js";
import { columnValueProblem } from "../online/push/values.js";
import { columnCheckOf } from "./push-layout.js";
import { compilePushAppend, isTimestampType, requiredPushColumns } from "../compile/push-append.js";
import type { CompileTarget } from "../compile/relations.js";
import { sourceRelation } from "../compile/relations.js";
import { userError } from "../diagnostics/diagnostic.js";
import type { Registry, Source } from "../registry/types.js";
import { formatTimestamp, parseTimestamp } from "../timestamps.js";
import type { Warehouse } from "../warehouse/warehouse.js";

/** A pushed row that cannot be written: its 1-based number in the request, the column, why. */
export interface PushRowProblem {
  row: number;
  column?: string;
  reason: string;
}

/** A push with rows that cannot be written: nothing was written; every bad row is listed. */
export class PushRowsRejected extends Error {
  constructor(readonly problems: PushRowProblem[]) {
    super(
      `${rowsAndProblems(problems)} cannot be written (nothing was written): ` +
        problems
          .slice(0, 5)
          .map((p) => `row ${p.row}${p.column ? ` column '${p.column}'` : ""}: ${p.reason}`)
          .join("; ") +
        (problems.length > 5 ? "; …" : ""),
    );
    this.name = "PushRowsRejected";
  }
}

/** What an offline push appended: rows written, and rows skipped as duplicates by `dedupe_key`. */
export interface OfflineAppend {
  appended: number;
  duplicates: number;
}

/**
 * Appends pushed rows where training reads source `sourceName` (docs/push.md, "Offline"): the
 * user's table, or `source__<name>` for a file source (and `pushed__<name>` always), in one
 * transaction. Rows are objects by column name; the columns must be columns of that relation
 * (absent ones are NULL). Timestamp columns take ISO 8601 text (UTC without a zone) or Date;
 * other values are cast by the warehouse. Throws PushRowsRejected listing every bad row (nothing
 * written), FcUserError for a source that is not a push source or a table `run` has not built.
 */
export async function appendOffline(
  wh: Warehouse,
  reg: Registry,
  ct: CompileTarget,
  sourceName: string,
  rows: readonly Record<string, unknown>[],
): Promise<OfflineAppend> {
  const src = pushSource(reg, sourceName);
  if (rows.length === 0) return { appended: 0, duplicates: 0 };
  if (src.kind === "file" && !(await wh.tableExists(ct.schema, `source__${src.name}`))) {
    throw userError(
      "FC016",
      `source '${src.name}' has no table in the warehouse yet (${ct.schema}.source__${src.name}): run 'fcompile run' before pushing offline`,
    );
  }
  const target = sourceRelation(src, ct);
  const described = await wh.describe(target);
  const types = new Map(described.map((c) => [c.name, c.type]));
  const problems: PushRowProblem[] = [];
  const names: string[] = [];
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    for (const k of Object.keys(r)) {
      if (seen.has(k)) continue;
      seen.add(k);
      if (types.has(k)) names.push(k);
      else
        problems.push({
          row: i + 1,
          column: k,
          reason: `no such column in ${target} (columns: ${described.map((c) => c.name).join(", ")})`,
        });
    }
  });
  const required = requiredPushColumns(reg, src);
  for (const c of required) if (!types.has(c)) throw userError("FC017", `column '${c}' of source '${src.name}' is not in ${target}`);
  for (const c of required) if (!seen.has(c)) names.push(c);
  // Per column, once: the checks pushes online make (src/commands/push-layout.ts) and how its text is written.
  const columns = names.map((name) => {
    const type = types.get(name)!;
    return { name, type, check: columnCheckOf(type), timestamp: isTimestampType(type), integer: INTEGER_TYPE.test(type.trim()) };
  });
  const text: (string | null)[][] = rows.map((r, i) =>
    columns.map((c) => {
      const v = r[c.name];
      if (v === null || v === undefined) {
        if (required.includes(c.name)) problems.push({ row: i + 1, column: c.name, reason: `is required (${roleOf(src, c.name)})` });
        return null;
      }
      // What the warehouse would refuse or change (every float and decimal type has a check: NaN is one).
      const wrong = c.check ? columnValueProblem(v, c.check) : undefined;
      if (wrong !== undefined) {
        problems.push({ row: i + 1, column: c.name, reason: wrong });
        return null;
      }
      const out = valueText(v, c.timestamp, c.integer);
      if ("reason" in out) {
        problems.push({ row: i + 1, column: c.name, reason: out.reason });
        return null;
      }
      return out.text;
    }),
  );
  // With problems found here, the warehouse still checks the other values: every bad row in one answer.
  const result = await wh.appendPushed(compilePushAppend(src, ct, columns), text, { checkOnly: problems.length > 0 });
  if ("bad" in result)
    problems.push(...result.bad.map((b) => ({ row: b.row, column: b.column, reason: `value '${b.value}' does not convert to ${b.type}` })));
  if (problems.length > 0 || "bad" in result) throw new PushRowsRejected(sortProblems(problems));
  return { appended: result.appended, duplicates: rows.length - result.appended };
}

/** A source that takes pushes; a usage error for one that does not exist or is not `push: true`. */
export function pushSource(reg: Registry, name: string): Source {
  const src = reg.sources.get(name);
  if (!src) throw userError("FC006", `no source named '${name}' (sources: ${[...reg.sources.keys()].join(", ") || "none"})`);
  if (!src.push)
    throw userError(
      "FC015",
      `source '${name}' is not a push source: add 'push: true' to it (${src.at.file}:${src.at.line}:${src.at.col}), then run 'fcompile materialize' and 'fcompile load' so its views take pushes online`,
    );
  return src;
}

function roleOf(src: Source, column: string): string {
  if (column === src.timestamp) return "the source's timestamp";
  if (column === src.dedupeKey) return "the source's dedupe_key";
  return "a join key of the views over the source";
}

function sortProblems(p: PushRowProblem[]): PushRowProblem[] {
  return p.sort((a, b) => a.row - b.row || (a.column ?? "").localeCompare(b.column ?? ""));
}

/** Integer column types as DuckDB and PostgreSQL name them. */
const INTEGER_TYPE = /^(TINYINT|SMALLINT|INTEGER|INT|INT2|INT4|INT8|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/i;

/**
 * A pushed value as the text the warehouse casts; timestamps normalized to UTC
 * `YYYY-MM-DD HH:MM:SS[.ffffff]` (from ISO 8601 text, a Date, or a bigint of µs since 1970). An integer column takes integers only: DuckDB would round
 * '7.5' to 8 where PostgreSQL refuses it, and neither should change a pushed value.
 */
function valueText(v: unknown, timestamp: boolean, integer: boolean): { text: string } | { reason: string } {
  if (timestamp) {
    if (v instanceof Date) {
      return Number.isNaN(v.getTime()) ? { reason: "is an invalid Date" } : { text: formatTimestamp(BigInt(v.getTime()) * 1000n) };
    }
    // Microseconds since 1970 UTC as an integer (a bigint: NDJSON integers, client rows), as online (toMicros).
    if (typeof v === "bigint") {
      const text = inTimestampRange(v) ? formatTimestamp(v) : undefined;
      return text === undefined ? { reason: `${v} is not a timestamp: microseconds since 1970 out of range` } : { text };
    }
    if (typeof v !== "string")
      return {
        reason: `is ${typeof v}, not a timestamp: write ISO 8601 text, e.g. 2025-06-01T12:00:00Z, or microseconds since 1970 as an integer`,
      };
    const t = parseTimestamp(v);
    return t === undefined
      ? { reason: `'${v}' is not a timestamp: write ISO 8601, e.g. 2025-06-01T12:00:00Z` }
      : { text: formatTimestamp(t) };
  }
  if (integer && (typeof v === "string" || typeof v === "number") && !/^\s*[+-]?\d+\s*$/.test(String(v)))
    return { reason: `${JSON.stringify(v)} is not an integer (the column is an integer)` };
  switch (typeof v) {
    case "string":
      return { text: v };
    case "number":
    case "bigint":
      return { text: String(v) };
    case "boolean":
      return { text: v ? "true" : "false" };
    default:
      return v instanceof Date ? { text: v.toISOString() } : { reason: `is not a single value (${JSON.stringify(v)})` };
  }
}

/** Years 1 to 9999 in µs since 1970: the range both warehouses' TIMESTAMP write as `YYYY-MM-DD …`. */
function inTimestampRange(us: bigint): boolean {
  return us >= -62135596800000000n && us < 253402300800000000n;
}
