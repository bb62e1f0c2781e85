import { createRequire } from "node:module";
import type { DiagnosticBag } from "../diagnostics/diagnostic.js";
import { locationInText } from "../project/yaml-file.js";
import type { AggregationView, FeatureView, Registry, SqlRows } from "./types.js";
import { sqlRowsOf } from "./types.js";
import { renderUserSql } from "./user-sql.js";

/** A second opinion on SQL the PostgreSQL grammar rejects (DuckDB has syntax it does not know). */
export type SqlSyntaxCheck = (sql: string) => Promise<{ ok: true } | { ok: false; message: string; offset?: number }>;

interface PegError extends Error {
  location?: { start: { offset: number } };
  found?: string | null;
}

interface SelectAst {
  type?: string;
  columns?: { expr?: { type?: string; column?: unknown }; as?: unknown }[] | "*";
}

const require = createRequire(import.meta.url);
type SqlParser = { astify(sql: string, opt: { database: string }): unknown };
const parsers = new Map<string, SqlParser>();

/** The node-sql-parser of a grammar (a dialect's `sqlGrammar`, e.g. `postgresql`), loaded once. */
function parserFor(grammar: string): SqlParser {
  let p = parsers.get(grammar);
  if (!p) {
    const { Parser } = require(`node-sql-parser/build/${grammar}`) as { Parser: new () => SqlParser };
    p = new Parser();
    parsers.set(grammar, p);
  }
  return p;
}

/**
 * node-sql-parser's answers for one check of a project: per (grammar, text), the AST or the error
 * it threw. A parse costs about 1–3 ms and projects repeat filters (`status = 'paid'` in many
 * views), so each text is parsed once. The ASTs are only read, never changed.
 */
class SqlParses {
  private readonly answers = new Map<string, { ast: unknown } | { error: unknown }>();

  /** `astify` of `sql` in `grammar`; throws what node-sql-parser threw. */
  astify(grammar: string, sql: string): unknown {
    const key = `${grammar}\0${sql}`;
    let r = this.answers.get(key);
    if (!r) {
      try {
        r = { ast: parserFor(grammar).astify(sql, { database: grammar }) };
      } catch (error) {
        r = { error };
      }
      this.answers.set(key, r);
    }
    if ("error" in r) throw r.error;
    return r.ast;
  }
}

/**
 * Checks that the SQL of every view built from SQL (SQL views, aggregation views over SQL) is one
 * SELECT that parses, and — where its output columns can be read from the SQL (no `*`) — that it
 * yields the view's join keys, timestamp and features (for an aggregation view: the columns its
 * aggregations and filters read). Checks that every aggregation's `filter:` is one SQL predicate
 * that parses and reads only columns of the events, where those are known.
 */
export async function checkSqlViews(
  reg: Registry,
  bag: DiagnosticBag,
  fallback?: SqlSyntaxCheck,
  /** The grammars of the dialects the project compiles for (each dialect's `sqlGrammar`); SQL must parse in each. */
  grammars: readonly string[] = ["postgresql"],
): Promise<void> {
  const parses = new SqlParses();
  for (const view of reg.views.values()) {
    const rows = sqlRowsOf(view);
    let outputs: Set<string> | undefined;
    if (rows && !rows.parts.some((p) => typeof p === "string" && p.includes("{{"))) {
      // One report per view: the first grammar that finds a problem stops the others.
      const before = bag.items.length;
      for (const grammar of new Set(grammars)) {
        outputs = await checkOne(view, rows, bag, grammar, parses, fallback);
        if (bag.items.length > before) break;
      }
    }
    if (view.kind === "aggregation") {
      const known = view.events.kind === "source" ? reg.dataFiles.get(view.events.source)?.map((c) => c.name) : outputs && [...outputs];
      for (const grammar of new Set(grammars)) {
        const before = bag.items.length;
        const types =
          view.events.kind === "source"
            ? new Map((reg.dataFiles.get(view.events.source) ?? []).map((c) => [c.name.toLowerCase(), c.duckdbType]))
            : undefined;
        checkFilters(view, known, bag, grammar, parses, types);
        if (bag.items.length > before) break;
      }
    }
  }
}

interface ColumnRefNode {
  type?: string;
  column?: unknown;
  ast?: unknown;
}

/** Functions whose value depends on when or how often they are called: never in a filter. */
const CLOCK_OR_RANDOM = new Set([
  "now",
  "random",
  "rand",
  "setseed",
  "uuid",
  "gen_random_uuid",
  "current_timestamp",
  "current_date",
  "current_time",
  "localtime",
  "localtimestamp",
  "clock_timestamp",
  "statement_timestamp",
  "transaction_timestamp",
  "timeofday",
  "get_current_timestamp",
  "today",
]);

/** The name of a node-sql-parser function node (`{name: {name: [{value}]}}` or a string). */
function functionName(n: Record<string, unknown>): string {
  const name = n.name as { name?: { value?: string }[] } | string | undefined;
  if (typeof name === "string") return name;
  return (name?.name ?? []).map((p) => p.value ?? "").join(".");
}

/**
 * Every aggregation's `filter:` is one condition over one event's own columns: it parses, reads
 * no other table, no aggregate, window function, clock or random number (training and online
 * would differ), names columns without a table, is not a bare value, and reads only columns the
 * events have (where they are known; `columnTypes`: their DuckDB types, for a data file).
 */
function checkFilters(
  view: AggregationView,
  columns: readonly string[] | undefined,
  bag: DiagnosticBag,
  grammar: string,
  parses: SqlParses,
  columnTypes?: ReadonlyMap<string, string>,
): void {
  for (const f of view.features) {
    const filter = f.aggregation.filter;
    if (filter === undefined) continue;
    const at = f.aggregation.filterAt ?? f.at;
    let ast: unknown;
    try {
      ast = parses.astify(grammar, `SELECT 1 FROM "__fc_events" WHERE ${filter}`);
    } catch (err) {
      bag.error(
        "FC008",
        `filter of '${f.name}' in view '${view.name}' does not parse as an SQL predicate: ${pegMessage(err as PegError)}`,
        at,
      );
      continue;
    }
    const statements = (Array.isArray(ast) ? ast : [ast]) as { type?: string; where?: unknown }[];
    if (statements.length !== 1 || statements[0]?.type !== "select" || !statements[0].where) {
      bag.error("FC008", `filter of '${f.name}' in view '${view.name}' must be one SQL predicate, such as \`status = 'paid'\``, at);
      continue;
    }
    const refs = new Set<string>();
    // The first thing that makes it no filter of one event: training and online would differ.
    let problem: string | undefined;
    const walk = (node: unknown): void => {
      if (!node || typeof node !== "object" || problem) return;
      if (Array.isArray(node)) return node.forEach(walk);
      const n = node as ColumnRefNode & Record<string, unknown>;
      if (n.type === "select" || n.ast) problem = "reads other tables (a subquery)";
      else if (n.type === "aggr_func") problem = `has an aggregate (${String(n.name).toLowerCase()}), which reads many events`;
      else if (n.type === "window_func" || (n.over !== null && n.over !== undefined))
        problem = "has a window function, which reads other events (online, the store holds only some of them)";
      else if (n.type === "function") {
        const name = functionName(n).toLowerCase();
        if (CLOCK_OR_RANDOM.has(name))
          problem = `calls ${name}, which gives another value in training and online; compare with a fixed time or value`;
      } else if (n.type === "column_ref") {
        if (typeof n.table === "string" && n.table !== "") problem = `names a table ('${n.table}.'); write the column alone`;
        const col = n.column;
        const name = typeof col === "string" ? col : (col as { expr?: { value?: string } })?.expr?.value;
        if (name) refs.add(name);
      }
      for (const v of Object.values(n)) walk(v);
    };
    const where = statements[0].where as { type?: string; operator?: string; column?: unknown };
    walk(where);
    if (problem) {
      bag.error("FC008", `filter of '${f.name}' in view '${view.name}' ${problem}: a filter reads only the event's own columns`, at);
      continue;
    }
    // A value is not a condition (a bare column is, if it is boolean: checked with the columns below).
    const arithmetic = where.type === "binary_expr" && ["+", "-", "*", "/", "%", "||"].includes(where.operator ?? "");
    if (arithmetic || ["number", "single_quote_string", "string", "double_quote_string", "null"].includes(where.type ?? "")) {
      bag.error("FC008", `filter of '${f.name}' in view '${view.name}' is a value, not a condition; write one, such as \`amount > 0\``, at);
      continue;
    }
    if (where.type === "column_ref" && columnTypes) {
      const name = [...refs][0] ?? "";
      const type = columnTypes.get(name.toLowerCase());
      if (type !== undefined && type.toUpperCase() !== "BOOLEAN") {
        bag.error(
          "FC008",
          `filter of '${f.name}' in view '${view.name}' is column '${name}' (${type}), not a condition; write one, such as \`${name} > 0\``,
          at,
        );
        continue;
      }
    }
    if (!columns) continue;
    // Unquoted SQL names match in any case.
    const have = new Set(columns.map((c) => c.toLowerCase()));
    for (const r of refs)
      if (!have.has(r.toLowerCase()))
        bag.error(
          "FC017",
          `filter of '${f.name}' in view '${view.name}' reads column '${r}', which the events do not have (columns: ${columns.join(", ")})`,
          at,
        );
  }
}

async function checkOne(
  view: FeatureView,
  rows: SqlRows,
  bag: DiagnosticBag,
  grammar: string,
  parses: SqlParses,
  fallback?: SqlSyntaxCheck,
): Promise<Set<string> | undefined> {
  const { sql, toFileOffset } = renderUserSql(rows.parts, (p) => `"__fc_${p.kind}_${p.name}"`);
  const body = sql.replace(/[\s;]+$/, "");
  if (body.trim() === "") {
    bag.error("FC008", `SQL file of view '${view.name}' is empty; it must hold one SELECT`, locationInText(rows.sqlText, 0, rows.sqlFile));
    return undefined;
  }
  let ast: unknown;
  try {
    ast = parses.astify(grammar, body);
  } catch (err) {
    const e = err as PegError;
    const second = fallback ? await fallback(body) : undefined;
    if (second?.ok) return undefined;
    const offset = second?.offset ?? e.location?.start.offset ?? 0;
    const message = second && !second.ok ? second.message : pegMessage(e);
    bag.error(
      "FC008",
      `SQL of view '${view.name}' does not parse: ${message}`,
      locationInText(rows.sqlText, toFileOffset(offset), rows.sqlFile),
    );
    return undefined;
  }
  const statements = (Array.isArray(ast) ? ast : [ast]) as SelectAst[];
  if (statements.length !== 1 || statements[0]?.type !== "select") {
    bag.error("FC008", `SQL of view '${view.name}' must be exactly one SELECT statement`, locationInText(rows.sqlText, 0, rows.sqlFile));
    return undefined;
  }
  const names = outputColumns(statements[0]);
  if (!names) return undefined;
  const need = (col: string, role: string, at: typeof view.at): void => {
    if (!names.has(col))
      bag.error("FC017", `${role} column '${col}' is not among the columns of ${rows.sqlFile} (${[...names].join(", ")})`, at);
  };
  for (const k of view.joinKeys) need(k, "join key", view.at);
  if (view.timestamp) need(view.timestamp, "timestamp", view.at);
  if (view.createdTimestamp) need(view.createdTimestamp, "created timestamp", view.at);
  if (view.kind === "aggregation") {
    for (const f of view.features) if (f.aggregation.column) need(f.aggregation.column, `${f.aggregation.function}`, f.at);
  } else for (const f of view.features) need(f.name, "feature", f.at);
  return names;
}

function pegMessage(e: PegError): string {
  if (e.found === null) return "unexpected end of SQL";
  if (typeof e.found === "string") return `syntax error at or near "${e.found}"`;
  return e.message.split("\n")[0] ?? "syntax error";
}

/** Output column names of a SELECT, or undefined when a `*` or an unnamed expression hides them. */
function outputColumns(ast: SelectAst): Set<string> | undefined {
  if (!Array.isArray(ast.columns)) return undefined;
  const names = new Set<string>();
  for (const c of ast.columns) {
    const alias = typeof c.as === "string" ? c.as : (c.as as { value?: string } | null)?.value;
    if (alias) {
      names.add(alias);
      continue;
    }
    if (c.expr?.type !== "column_ref") return undefined;
    const col = c.expr.column;
    const name = typeof col === "string" ? col : (col as { expr?: { value?: string } })?.expr?.value;
    if (!name || name === "*") return undefined;
    names.add(name);
  }
  return names;
}
