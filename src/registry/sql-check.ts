import { createRequire } from "node:module";
import type { DiagnosticBag } from "../diagnostics/diagnostic.js";
import { locationInText } from "../project/yaml-file.js";
import type { Registry, SqlView } from "./types.js";
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
 * Checks that every SQL view is one SELECT that parses, and — where its output columns can be
 * read from the SQL (no `*`) — that it yields the view's join keys, timestamp and features.
 */
export async function checkSqlViews(
  reg: Registry,
  bag: DiagnosticBag,
  fallback?: SqlSyntaxCheck,
  /** The grammars of the dialects the project compiles for (each dialect's `sqlGrammar`); SQL must parse in each. */
  grammars: readonly string[] = ["postgresql"],
): Promise<void> {
  for (const view of reg.views.values()) {
    if (view.kind !== "sql") continue;
    if (view.parts.some((p) => typeof p === "string" && p.includes("{{"))) continue; // already reported
    // One report per view: the first grammar that finds a problem stops the others.
    const before = bag.items.length;
    for (const grammar of new Set(grammars)) {
      await checkOne(view, bag, grammar, fallback);
      if (bag.items.length > before) break;
    }
  }
}

async function checkOne(view: SqlView, bag: DiagnosticBag, grammar: string, fallback?: SqlSyntaxCheck): Promise<void> {
  const { sql, toFileOffset } = renderUserSql(view.parts, (p) => `"__fc_${p.kind}_${p.name}"`);
  const body = sql.replace(/[\s;]+$/, "");
  if (body.trim() === "") {
    bag.error("FC008", `SQL file of view '${view.name}' is empty; it must hold one SELECT`, locationInText(view.sqlText, 0, view.sqlFile));
    return;
  }
  let ast: unknown;
  try {
    ast = parserFor(grammar).astify(body, { database: grammar });
  } catch (err) {
    const e = err as PegError;
    const second = fallback ? await fallback(body) : undefined;
    if (second?.ok) return;
    const offset = second?.offset ?? e.location?.start.offset ?? 0;
    const message = second && !second.ok ? second.message : pegMessage(e);
    bag.error(
      "FC008",
      `SQL of view '${view.name}' does not parse: ${message}`,
      locationInText(view.sqlText, toFileOffset(offset), view.sqlFile),
    );
    return;
  }
  const statements = (Array.isArray(ast) ? ast : [ast]) as SelectAst[];
  if (statements.length !== 1 || statements[0]?.type !== "select") {
    bag.error("FC008", `SQL of view '${view.name}' must be exactly one SELECT statement`, locationInText(view.sqlText, 0, view.sqlFile));
    return;
  }
  const names = outputColumns(statements[0]);
  if (!names) return;
  const need = (col: string, role: string, at: typeof view.at): void => {
    if (!names.has(col))
      bag.error("FC017", `${role} column '${col}' is not among the columns of ${view.sqlFile} (${[...names].join(", ")})`, at);
  };
  for (const k of view.joinKeys) need(k, "join key", view.at);
  if (view.timestamp) need(view.timestamp, "timestamp", view.at);
  if (view.createdTimestamp) need(view.createdTimestamp, "created timestamp", view.at);
  for (const f of view.features) need(f.name, "feature", f.at);
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
