/**
 * SQL compared by meaning, not by spelling (the duplicate rules): parsed with node-sql-parser,
 * then aliases, table qualifiers, comments, case and formatting dropped, and the operands of
 * commutative operators (+, *, AND, OR, =, <>) put in one order, so `amount * 100` and
 * `100*amount` (and `a + b + c`, `c + (b + a)`) give the same key.
 */
import { createRequire } from "node:module";
import type { SqlPart } from "../../registry/types.js";

const require = createRequire(import.meta.url);
type SqlParser = { astify(sql: string, opt: { database: string }): unknown };
let parser: SqlParser | undefined;

/** The PostgreSQL grammar of node-sql-parser (the one every project's SQL parses with), loaded once. */
function postgresParser(): SqlParser {
  if (!parser) {
    const { Parser } = require("node-sql-parser/build/postgresql") as { Parser: new () => SqlParser };
    parser = new Parser();
  }
  return parser;
}

/** Operators whose operands may be swapped; the first four also chain (`a + b + c`). */
const COMMUTATIVE = new Set(["+", "*", "AND", "OR", "=", "<>"]);
const ASSOCIATIVE = new Set(["+", "*", "AND", "OR"]);
/** Keys of AST nodes that say nothing about what is computed. */
const DROPPED = new Set(["as", "loc", "parentheses", "collate"]);

type Node = Record<string, unknown>;

/** The normalized form of an AST node, as a string key (equal keys: the same computation). */
export function normalizedKey(node: unknown): string {
  return JSON.stringify(normalize(node));
}

/** The normalized form of an AST node (see the file's comment). */
export function normalize(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalize);
  if (node === null || typeof node !== "object") return node;
  const n = node as Node;
  if (n.type === "column_ref") return { type: "column_ref", column: columnName(n.column) };
  if (n.type === "binary_expr" && typeof n.operator === "string") {
    let op = n.operator.toUpperCase();
    if (op === "!=") op = "<>";
    if (COMMUTATIVE.has(op)) {
      const operands = (ASSOCIATIVE.has(op) ? flatten(n, op) : [n.left, n.right]).map((o) => normalizedKey(o)).sort();
      return { type: "commutative", op, operands };
    }
    return { type: "binary_expr", op, left: normalize(n.left), right: normalize(n.right) };
  }
  const out: Node = {};
  for (const key of Object.keys(n).sort()) {
    if (DROPPED.has(key)) continue;
    const v = n[key];
    out[key] = typeof v === "string" && (key === "name" || (key === "value" && n.type === "default")) ? v.toLowerCase() : normalize(v);
  }
  return out;
}

/** The operands of a chain of one associative operator (`a + b + c` → a, b, c). */
function flatten(n: Node, op: string): unknown[] {
  const isSame = (x: unknown): x is Node =>
    !!x && typeof x === "object" && (x as Node).type === "binary_expr" && String((x as Node).operator).toUpperCase() === op;
  return [n.left, n.right].flatMap((x) => (isSame(x) ? flatten(x, op) : [x]));
}

/** A column reference's name, lower-cased (node-sql-parser writes it as a string or as `{expr: {value}}`). */
export function columnName(column: unknown): string {
  if (typeof column === "string") return column.toLowerCase();
  const v = (column as { expr?: { value?: unknown } } | null)?.expr?.value;
  return typeof v === "string" ? v.toLowerCase() : JSON.stringify(column);
}

/** The name a placeholder renders as in SQL parsed for comparison: `{{source "x"}}` → `__fc_source_x`. */
export function placeholderName(p: Exclude<SqlPart, string>): string {
  return `__fc_${p.kind}_${p.name}`;
}

/** The AST of user SQL (placeholders as `__fc_source_x`, `__fc_ref_y`), or undefined when the grammar cannot read it. */
export function parseUserSql(parts: readonly SqlPart[]): unknown {
  const sql = parts.map((p) => (typeof p === "string" ? p : placeholderName(p))).join("");
  try {
    return postgresParser().astify(sql, { database: "postgresql" });
  } catch {
    return undefined;
  }
}

/** The AST of an SQL predicate (a `filter:`), or undefined when it does not parse. */
export function parsePredicate(sql: string): unknown {
  try {
    const ast = postgresParser().astify(`SELECT 1 FROM t WHERE ${sql}`, { database: "postgresql" }) as Node | Node[];
    return (Array.isArray(ast) ? ast[0] : ast)?.where;
  } catch {
    return undefined;
  }
}

/** A filter's normalized key: its AST's, or (when it does not parse) its text with case and spacing folded. */
export function normalizedPredicate(sql: string | undefined): string {
  if (sql === undefined) return "";
  const ast = parsePredicate(sql);
  return ast === undefined ? sql.toLowerCase().replace(/\s+/g, " ").trim() : normalizedKey(ast);
}
