/**
 * The output columns of a view's SELECT and what defines them (the duplicate-expression and
 * label-leak rules): each output's expression AST, its normalized key, and a key of everything
 * around it that changes its values (FROM with its joins, WHERE, GROUP BY, HAVING, DISTINCT, WITH).
 */
import type { SqlPart } from "../../registry/types.js";
import { columnName, normalizedKey, parseUserSql } from "./normalize-sql.js";

type Node = Record<string, unknown>;

/** One output column of a SELECT. */
export interface SelectOutput {
  expr: unknown;
  /** The expression's normalized key (normalize-sql.ts). */
  key: string;
  /** The column names the expression reads, lower-cased. */
  reads: Set<string>;
}

export interface SelectShape {
  /** Normalized key of the rows the outputs are computed over. */
  context: string;
  /** Outputs by name (lower-cased; `*` outputs are not listed). */
  outputs: Map<string, SelectOutput>;
}

const shapes = new WeakMap<readonly SqlPart[], SelectShape | null>();

/**
 * The shape of SQL made of `parts`; undefined when it does not parse or is not one plain SELECT (a
 * UNION, several statements). Parsed once per `parts` (parsing is most of lint's time).
 */
export function selectShape(parts: readonly SqlPart[]): SelectShape | undefined {
  let shape = shapes.get(parts);
  if (shape === undefined) {
    shape = parseShape(parts) ?? null;
    shapes.set(parts, shape);
  }
  return shape ?? undefined;
}

function parseShape(parts: readonly SqlPart[]): SelectShape | undefined {
  let ast = parseUserSql(parts) as Node | Node[] | undefined;
  if (Array.isArray(ast)) ast = ast.length === 1 ? ast[0] : undefined;
  if (!ast || ast.type !== "select" || ast._next || !Array.isArray(ast.columns)) return undefined;
  const context = normalizedKey({
    with: ast.with,
    distinct: ast.distinct,
    from: ast.from,
    where: ast.where,
    groupby: ast.groupby,
    having: ast.having,
  });
  const outputs = new Map<string, SelectOutput>();
  for (const c of ast.columns as Node[]) {
    const expr = c.expr as Node | undefined;
    if (!expr) continue;
    const name = typeof c.as === "string" ? c.as.toLowerCase() : expr.type === "column_ref" ? columnName(expr.column) : undefined;
    if (name === undefined || name === "*") continue;
    outputs.set(name, { expr, key: normalizedKey(expr), reads: columnsRead(expr) });
  }
  return { context, outputs };
}

/** The column names an expression reads (lower-cased). */
export function columnsRead(node: unknown, acc = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => columnsRead(n, acc));
  else if (node && typeof node === "object") {
    const n = node as Node;
    if (n.type === "column_ref") acc.add(columnName(n.column));
    else Object.values(n).forEach((v) => columnsRead(v, acc));
  }
  return acc;
}
