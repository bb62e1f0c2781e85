/**
 * Compiles an aggregation's `filter:` (docs/aggregations.md) — an SQL predicate over the event's
 * own columns — into a portable expression ({@link FilterExpr}) that src/online/filter-eval.ts
 * evaluates in TypeScript with the warehouse's answer, for events pushed to the online store
 * without a warehouse in the path. A filter outside the subset below is refused with a reason
 * (it still runs in training; the view is then not pushable).
 *
 * The subset: column references (lower-case, or "quoted"); literals — integers in int64 range
 * (kept exact, as decimal text), decimals without exponent (up to 38 digits), 'strings',
 * TRUE/FALSE, NULL, TIMESTAMP '…' and DATE '…'; `= <> != < <= > >=`; AND, OR, NOT; IS [NOT]
 * NULL; IS [NOT] TRUE/FALSE; [NOT] IN (literals…); [NOT] BETWEEN a AND b; `+ - *` on numbers;
 * unary minus; [NOT] LIKE 'pattern' with `%` and `_`; parentheses; comments.
 *
 * Refused, each because DuckDB and PostgreSQL disagree (checked on both in
 * test/filter-expression.test.ts) or the evaluator would have to guess:
 * - functions (`now()`, `lower()`…), casts, CASE, subqueries, `||`, `%`, ILIKE, SIMILAR TO,
 *   regular expressions, IS DISTINCT FROM, COLLATE, E'…' and $$…$$ strings, qualified columns;
 * - `/` (PostgreSQL truncates integers, DuckDB gives a DOUBLE); numbers with an exponent (`1e-1`:
 *   NUMERIC in PostgreSQL, DOUBLE in DuckDB); arithmetic on literals only (int4 in PostgreSQL:
 *   `2147483647 + 1` is an error there, not in DuckDB); a string compared with a number (DuckDB
 *   casts `qty = '5.0'`, PostgreSQL rejects it);
 * - LIKE … ESCAPE and patterns with a backslash (PostgreSQL's default escape, a plain character
 *   to DuckDB); timestamp text with a zone, or past 6 fractional digits (PostgreSQL rounds,
 *   DuckDB truncates);
 * - an exact decimal of more than 15 digits meeting a double (DuckDB's DECIMAL → DOUBLE is off by
 *   one step past 2^53, PostgreSQL rounds correctly); exact decimal arithmetic past 38 digits (an
 *   error in DuckDB, exact in PostgreSQL); BETWEEN of an exact number with one double and one
 *   exact bound (DuckDB compares all three as DOUBLE, PostgreSQL each bound on its own);
 * - arithmetic on int32 columns (overflows at 2^31) and float32 columns; chained comparisons
 *   (`a = b = c`); unquoted identifiers with capitals (PostgreSQL folds them, DuckDB matches any
 *   case).
 *
 * node-sql-parser (5.4) reads `a OR b AND c` left to right as `(a OR b) AND c` for some
 * operands, and `NOT (x) = y` as `(NOT x) = y`: the compiler rebuilds every unparenthesized
 * AND/OR chain with SQL's precedence, and refuses any other unparenthesized condition inside an
 * operator (`NOT (x) = y`, `x IN (1) IS TRUE`).
 */
import { createRequire } from "node:module";
import { parseTimestamp } from "../timestamps.js";
import type { FeatureType } from "./types.js";
import { skipQuoted } from "./sql-quotes.js";

// ---------------------------------------------------------------------------------------------
// The portable form (read by src/online/filter-eval.ts; stored in manifest.json and layouts)
// ---------------------------------------------------------------------------------------------

/**
 * The type a filter reads a column as (the `type` of a `column` node). Decides which JavaScript
 * values an event may give for it:
 * - `int64`: a bigint, a safe-integer number, or decimal integer text (`"-12"`); compared exactly.
 * - `float64`: a number (IEEE double).
 * - `number`: a numeric column whose type was not given to compileFilter: a bigint or decimal
 *   integer text is an int64, a number is a float64 (so an int64 past 2^53 must come as bigint
 *   or text).
 * - `string`, `bool`: a string, a boolean.
 * - `timestamp`: microseconds since 1970-01-01 UTC as a bigint or a safe-integer number.
 * - `any`: only tested for NULL (`x IS NULL`); any value.
 * `null` or a missing key is NULL; any other value makes the evaluator throw.
 */
export type FilterColumnType = "int64" | "float64" | "number" | "string" | "bool" | "timestamp" | "any";

/** A comparison operator of a {@link FilterNode} (`!=` is written `<>`). */
export type FilterComparison = "=" | "<>" | "<" | "<=" | ">" | ">=";

/**
 * One node of a filter: plain JSON (numbers as decimal text, never JS numbers), stable under
 * {@link FilterExpr}'s `version`.
 * - `column`: the event's column `name`, read as `type`.
 * - literals: `null`; `bool` (`value`); `int` (`value`: decimal integer text in int64 range, e.g.
 *   `"-12"`); `decimal` (`value`: decimal text with a point, e.g. `"1.50"`, exact); `string`
 *   (`value`); `timestamp` (`micros`: decimal text, microseconds since 1970-01-01 UTC).
 * - `compare`: `left cmp right`.
 * - `and`, `or`: two or more `args`; `not`: `arg`.
 * - `isNull`: `arg IS [NOT] NULL`; `isBool`: `arg IS [NOT] TRUE|FALSE` (`value`).
 * - `in`: `arg [NOT] IN (list…)`; `between`: `arg [NOT] BETWEEN low AND high`;
 *   `like`: `arg [NOT] LIKE 'pattern'` (`%`, `_`, no escape).
 * - `arith`: `left + - * right`; `negate`: `-arg`.
 */
export type FilterNode =
  | { op: "column"; name: string; type: FilterColumnType }
  | { op: "null" }
  | { op: "bool"; value: boolean }
  | { op: "int"; value: string }
  | { op: "decimal"; value: string }
  | { op: "string"; value: string }
  | { op: "timestamp"; micros: string }
  | { op: "compare"; cmp: FilterComparison; left: FilterNode; right: FilterNode }
  | { op: "and"; args: FilterNode[] }
  | { op: "or"; args: FilterNode[] }
  | { op: "not"; arg: FilterNode }
  | { op: "isNull"; arg: FilterNode; negated: boolean }
  | { op: "isBool"; arg: FilterNode; value: boolean; negated: boolean }
  | { op: "in"; arg: FilterNode; list: FilterNode[]; negated: boolean }
  | { op: "between"; arg: FilterNode; low: FilterNode; high: FilterNode; negated: boolean }
  | { op: "like"; arg: FilterNode; pattern: string; negated: boolean }
  | { op: "arith"; arith: "+" | "-" | "*"; left: FilterNode; right: FilterNode }
  | { op: "negate"; arg: FilterNode };

/**
 * A filter in portable form: `{"version": 1, "where": <FilterNode>}`, as stored in
 * target/manifest.json and the online store's layout. A reader meeting another version refuses it.
 */
export interface FilterExpr {
  version: 1;
  where: FilterNode;
}

/** compileFilter's answer: the portable form and the columns it reads (first use first), or why not. */
export type CompiledFilter = { ok: true; expr: FilterExpr; columns: string[] } | { ok: false; reason: string };

// ---------------------------------------------------------------------------------------------
// compileFilter
// ---------------------------------------------------------------------------------------------

/**
 * Compiles the SQL predicate `sql` (a `filter:`) for the node-sql-parser grammar `grammar` (a
 * dialect's `sqlGrammar`). `types` gives the event columns' types where known (a data file's
 * columns, declared types); a column without one is typed from what the filter compares it with
 * (`status = 'paid'`: a string; `qty > 0`: a number, see {@link FilterColumnType} `number`), and
 * refused where that cannot tell (`a = b`, both unknown). A string literal compared with a
 * `timestamp` column is read as a timestamp (`ts >= '2024-01-01'`), as both warehouses do; without
 * the type, write `TIMESTAMP '2024-01-01'`. Never throws: a filter it cannot take gives
 * `{ok: false, reason}`.
 */
export function compileFilter(sql: string, grammar = "postgresql", types: Readonly<Record<string, FeatureType>> = {}): CompiledFilter {
  try {
    const { text, numbers } = prepare(sql);
    const where = parseWhere(text, numbers, grammar);
    const t = new Translator(numbers);
    const raw = t.translate(where, "chain");
    const resolved = inferColumnTypes(raw, types);
    const checked = new Checker(types, resolved, t.widths).check(raw);
    if (checked.t.cat !== "bool" && checked.t.cat !== "null")
      throw new Refusal(`the filter gives ${describe(checked.t)}, not a condition (true or false)`);
    return { ok: true, expr: { version: 1, where: checked.node }, columns: t.columns };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, reason: err.message };
    // An AST shape this code does not expect: not portable, never a crash of the build.
    return { ok: false, reason: `the filter cannot be compiled (${(err as Error).message})` };
  }
}

/** Why a filter is not portable (caught by compileFilter). */
class Refusal extends Error {}

function refuse(reason: string): never {
  throw new Refusal(reason);
}

// ---------------------------------------------------------------------------------------------
// Text: comments out, numbers swapped for placeholders (node-sql-parser rounds long numbers)
// ---------------------------------------------------------------------------------------------

const NUMBER = /^(\d+(?:\.\d*)?|\.\d+)([eE][+-]?\d+)?/;
const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const PLACEHOLDER = /^__fc_n(\d+)$/;

/**
 * The filter with comments blanked and each number replaced by the quoted identifier
 * `"__fc_n<i>"` (its text kept exactly in `numbers`); refuses what the parser would misread.
 */
function prepare(sql: string): { text: string; numbers: string[] } {
  let out = "";
  const numbers: string[] = [];
  let depth = 0;
  let i = 0;
  let word = "";
  let wordEnd = -1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'") {
      if ((wordEnd === i && /^[ebxnu]$/i.test(word)) || sql[i - 1] === "&")
        refuse(`a string written ${sql[i - 1] === "&" ? "U&" : word}'…' is not supported: write a plain '…' string`);
      const end = skipQuoted(sql, i, "'");
      out += sql.slice(i, end);
      i = end;
    } else if (c === '"') {
      const end = skipQuoted(sql, i, '"');
      if (/^"__fc_n/i.test(sql.slice(i, end))) refuse(`the identifier ${sql.slice(i, end)} is reserved`);
      out += sql.slice(i, end);
      i = end;
    } else if (sql.startsWith("--", i)) {
      const nl = sql.indexOf("\n", i);
      i = nl < 0 ? sql.length : nl;
      out += " ";
    } else if (sql.startsWith("/*", i)) {
      const close = sql.indexOf("*/", i + 2);
      if (close < 0) refuse("a /* comment is not closed");
      if (sql.slice(i + 2, close).includes("/*")) refuse("nested /* comments */ are not supported");
      i = close + 2;
      out += " ";
    } else if (c === "$") refuse("'$' (a dollar-quoted string or a parameter) is not supported");
    else if (c === ";") refuse("';' is not allowed: a filter is one predicate");
    else if (WORD_START.test(c)) {
      let j = i + 1;
      while (j < sql.length && WORD_CHAR.test(sql[j]!)) j++;
      word = sql.slice(i, j);
      wordEnd = j;
      out += word;
      i = j;
    } else if (/\d/.test(c) || (c === "." && /\d/.test(sql[i + 1] ?? ""))) {
      const m = NUMBER.exec(sql.slice(i))!;
      const text = m[0];
      if (m[2]) refuse(`the number ${text} has an exponent (DuckDB reads it as DOUBLE, PostgreSQL as NUMERIC): write it out`);
      if (text.endsWith(".")) refuse(`the number ${text} ends with a point: write ${text}0 or ${text.slice(0, -1)}`);
      const next = sql[i + text.length] ?? "";
      if (next === "." || WORD_CHAR.test(next)) refuse(`the number ${text}${next}… is malformed`);
      out += `"__fc_n${numbers.length}"`;
      numbers.push(text);
      i += text.length;
    } else {
      if (c === "(") depth++;
      if (c === ")" && --depth < 0) refuse("the parentheses do not balance");
      out += c;
      i++;
    }
  }
  return { text: out, numbers };
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/** The part of a node-sql-parser AST node the translation reads. */
interface Ast {
  type?: string;
  operator?: string;
  left?: Ast;
  right?: Ast;
  expr?: Ast;
  value?: unknown;
  parentheses?: boolean;
  table?: unknown;
  column?: unknown;
  collate?: unknown;
  name?: unknown;
  args?: { value?: Ast[] };
  ast?: unknown;
  escape?: unknown;
  jsonb?: unknown;
}

const require = createRequire(import.meta.url);
type SqlParser = { astify(sql: string, opt: { database: string }): unknown };
const parsers = new Map<string, SqlParser>();

function parserFor(grammar: string): SqlParser {
  let p = parsers.get(grammar);
  if (!p) {
    const { Parser } = require(`node-sql-parser/build/${grammar}`) as { Parser: new () => SqlParser };
    p = new Parser();
    parsers.set(grammar, p);
  }
  return p;
}

/** The WHERE of `SELECT 1 FROM events WHERE <text>`, refusing anything that follows the predicate. */
function parseWhere(text: string, numbers: readonly string[], grammar: string): Ast {
  const head = `SELECT 1 FROM "__fc_events" WHERE `;
  let ast: unknown;
  try {
    ast = parserFor(grammar).astify(head + text, { database: grammar });
  } catch (err) {
    const e = err as { found?: string | null; location?: { start?: { offset?: number } } };
    const rest = text.slice((e.location?.start?.offset ?? 0) - head.length);
    const token = /^"__fc_n(\d+)"/.exec(rest)?.[1] ?? /^\S{1,20}/.exec(rest)?.[0] ?? "";
    const near = /^\d+$/.test(token) && rest.startsWith('"__fc_n') ? numbers[Number(token)] : token;
    const at = e.found === null || near === "" ? "unexpected end" : `syntax error at or near "${near}"`;
    return refuse(`the filter does not parse as an SQL predicate (${at})`);
  }
  const statements = (Array.isArray(ast) ? ast : [ast]) as Record<string, unknown>[];
  const s = statements[0];
  if (statements.length !== 1 || !s || s.type !== "select" || !s.where) return refuse("the filter must be one SQL predicate");
  const limit = s.limit as { value?: unknown[] } | null | undefined;
  const into = s.into as { position?: unknown } | null | undefined;
  if (s.groupby || s.having || s.orderby || s.window || s._next || (limit?.value?.length ?? 0) > 0 || (into && into.position))
    return refuse("the filter goes on past its predicate (GROUP BY, ORDER BY, LIMIT, UNION…)");
  return s.where as Ast;
}

// ---------------------------------------------------------------------------------------------
// AST → FilterNode (columns typed later)
// ---------------------------------------------------------------------------------------------

const COMPARISONS: Record<string, FilterComparison> = { "=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=" };
/** Operators that make a condition: an unparenthesized one may not be an operand (precedence). */
const CONDITIONS = new Set([...Object.keys(COMPARISONS), "IS", "IS NOT", "IN", "NOT IN", "BETWEEN", "NOT BETWEEN", "LIKE", "NOT LIKE"]);
const INT64_MAX = 2n ** 63n - 1n;

const isLogic = (n: Ast): boolean => n.type === "binary_expr" && (n.operator === "AND" || n.operator === "OR");
const isCondition = (n: Ast): boolean =>
  (n.type === "binary_expr" && CONDITIONS.has(String(n.operator).toUpperCase())) ||
  (n.type === "unary_expr" && String(n.operator).toUpperCase() === "NOT") ||
  isLogic(n);

function functionName(n: Ast): string {
  const name = n.name as string | { name?: { value?: string }[] } | undefined;
  if (typeof name === "string") return name;
  return (name?.name ?? []).map((p) => p.value ?? "").join(".");
}

/** SQL's '' inside a '…' string. */
const unquote = (v: unknown): string => String(v).replaceAll("''", "'");

type Position = "chain" | "condition" | "operand";

class Translator {
  readonly columns: string[] = [];
  /** DuckDB's DECIMAL(width, scale) of each decimal literal, from its text as written. */
  readonly widths = new WeakMap<FilterNode, { w: number; s: number }>();

  constructor(private readonly numbers: readonly string[]) {}

  /**
   * `n` as a FilterNode. `at`: where n stands — `chain` (the filter, an AND/OR operand: an
   * AND/OR chain may continue here), `condition` (NOT's operand), `operand` (any other operator's).
   */
  translate(n: Ast, at: Position): FilterNode {
    if (n.ast || n.type === "select") refuse("a subquery is not supported: a filter reads only the event's own columns");
    if (!n.parentheses && at !== "chain" && isLogic(n)) refuse(`${n.operator} inside an operator without parentheses: add parentheses`);
    switch (n.type) {
      case "column_ref":
        return this.column(n);
      case "single_quote_string":
        return { op: "string", value: unquote(n.value) };
      case "bool":
        return { op: "bool", value: n.value === true };
      case "null":
        return { op: "null" };
      case "timestamp":
      case "date": {
        const kind = n.type === "date" ? "DATE" : "TIMESTAMP";
        return { op: "timestamp", micros: String(timestampMicros(unquote(n.value), kind)) };
      }
      case "binary_expr":
        return this.binary(n);
      case "unary_expr":
        return this.unary(n);
      case "function": {
        const name = functionName(n);
        const args = n.args?.value ?? [];
        // `NOT (x)` comes back as a function NOT; it means NOT only where a condition stands.
        if (name.toUpperCase() === "NOT" && args.length === 1) {
          if (at === "operand")
            refuse("NOT (…) followed by an operator is read differently by the parser: write NOT (the whole condition)");
          // The parentheses are the call's: its argument stands alone, as a parenthesized one.
          return { op: "not", arg: this.translate(args[0]!, "chain") };
        }
        return refuse(`the function ${name}() is not supported`);
      }
      case "aggr_func":
        return refuse(`the aggregate ${functionName(n)}() is not supported`);
      case "cast":
        return refuse("a cast (CAST or ::) is not supported");
      case "case":
        return refuse("CASE is not supported");
      case "interval":
        return refuse("INTERVAL is not supported");
      case "var":
        return refuse("a parameter or dollar-quoted string is not supported");
      case "array":
        return refuse("ARRAY is not supported");
      case "expr_list":
        return refuse("a row of values (a, b) is not supported");
      case "number":
      case "bigint":
        return refuse(`the number ${String(n.value)} is not supported here`);
      default:
        return refuse(`the SQL construct '${n.type ?? "?"}' is not supported`);
    }
  }

  private column(n: Ast): FilterNode {
    if (n.table) refuse(`the qualified column ${String(n.table)}.… is not supported: name the event's column alone`);
    if (n.collate) refuse("COLLATE is not supported (strings compare by code point)");
    if (n.jsonb) refuse("JSON operators are not supported");
    const col = n.column as string | { expr?: { type?: string; value?: unknown } };
    const quoted = typeof col === "object" && col?.expr?.type === "double_quote_string";
    const name = typeof col === "string" ? col : String(col?.expr?.value ?? "");
    const placeholder = quoted ? PLACEHOLDER.exec(name) : null;
    if (placeholder) return this.number(this.numbers[Number(placeholder[1])]!);
    if (!quoted && /[A-Z]/.test(name))
      refuse(
        `the column ${name} is written with capitals (PostgreSQL folds it to lower case, DuckDB matches any case): write it in lower case or "quoted"`,
      );
    if (name === "" || name === "*") refuse("a column name is missing");
    if (!this.columns.includes(name)) this.columns.push(name);
    return { op: "column", name, type: "any" };
  }

  private number(text: string): FilterNode {
    if (!text.includes(".")) {
      const v = BigInt(text);
      // 2^63 itself only as -9223372036854775808 (checked once folded, in Checker).
      if (v > INT64_MAX + 1n) refuse(`the integer ${text} is beyond the int64 range`);
      return { op: "int", value: v.toString() };
    }
    const [whole = "", frac = ""] = text.split(".");
    if (whole.length + frac.length > MAX_DECIMAL_DIGITS)
      refuse(`the decimal ${text} has more than 38 digits (DuckDB reads it as a DOUBLE, PostgreSQL as NUMERIC)`);
    const node: FilterNode = { op: "decimal", value: `${whole === "" ? "0" : whole}.${frac}` };
    this.widths.set(node, { w: whole.length + frac.length, s: frac.length });
    return node;
  }

  private binary(n: Ast): FilterNode {
    const op = String(n.operator).toUpperCase();
    const left = n.left!;
    const right = n.right!;
    if (op === "AND" || op === "OR") return this.logic(n);
    const operand = (x: Ast): FilterNode => {
      if (!x.parentheses && isCondition(x)) refuse(`${x.operator} inside ${op} without parentheses: add parentheses`);
      return this.translate(x, "operand");
    };
    const cmp = COMPARISONS[op];
    if (cmp) return { op: "compare", cmp, left: operand(left), right: operand(right) };
    switch (op) {
      case "IS":
      case "IS NOT": {
        const negated = op === "IS NOT";
        if (right.type === "null") return { op: "isNull", arg: operand(left), negated };
        if (right.type === "bool") return { op: "isBool", arg: operand(left), value: right.value === true, negated };
        return refuse(`IS ${negated ? "NOT " : ""}… is supported with NULL, TRUE and FALSE only (not IS DISTINCT FROM, IS UNKNOWN)`);
      }
      case "IN":
      case "NOT IN": {
        const items = right.type === "expr_list" ? ((right.value as Ast[] | undefined) ?? []) : refuse("IN takes a list of literals");
        const list = items.map((x) => this.translate(x, "operand"));
        if (list.some((x) => !["null", "bool", "int", "decimal", "string", "timestamp"].includes(x.op)))
          refuse("IN takes a list of literals (no columns or expressions)");
        return { op: "in", arg: operand(left), list, negated: op === "NOT IN" };
      }
      case "BETWEEN":
      case "NOT BETWEEN": {
        const [low, high] = (right.value as Ast[] | undefined) ?? [];
        if (!low || !high) return refuse("BETWEEN takes two bounds");
        return { op: "between", arg: operand(left), low: operand(low), high: operand(high), negated: op === "NOT BETWEEN" };
      }
      case "LIKE":
      case "NOT LIKE": {
        if (right.type !== "single_quote_string") refuse("LIKE takes a '…' string literal pattern");
        if (right.escape) refuse("LIKE … ESCAPE is not supported");
        const pattern = unquote(right.value);
        if (pattern.includes("\\"))
          refuse("a LIKE pattern with a backslash is not supported (PostgreSQL reads \\ as an escape, DuckDB as a character)");
        return { op: "like", arg: operand(left), pattern, negated: op === "NOT LIKE" };
      }
      case "+":
      case "-":
      case "*":
        return { op: "arith", arith: op, left: operand(left), right: operand(right) };
      case "/":
        return refuse("division / is not supported (DuckDB divides integers to a DOUBLE, PostgreSQL truncates them)");
      default:
        return refuse(`the operator ${op} is not supported`);
    }
  }

  /** An AND/OR chain as written (unparenthesized links), rebuilt with AND binding tighter than OR. */
  private logic(n: Ast): FilterNode {
    const items: Ast[] = [];
    const ops: string[] = [];
    const visit = (x: Ast, top: boolean): void => {
      if (isLogic(x) && (top || !x.parentheses)) {
        visit(x.left!, false);
        ops.push(String(x.operator));
        visit(x.right!, false);
      } else items.push(x);
    };
    visit(n, true);
    const groups: FilterNode[][] = [[this.translate(items[0]!, "chain")]];
    ops.forEach((op, k) => {
      const next = this.translate(items[k + 1]!, "chain");
      if (op === "OR") groups.push([next]);
      else groups[groups.length - 1]!.push(next);
    });
    const ands = groups.map((g): FilterNode => (g.length === 1 ? g[0]! : { op: "and", args: g }));
    return ands.length === 1 ? ands[0]! : { op: "or", args: ands };
  }

  private unary(n: Ast): FilterNode {
    const op = String(n.operator).toUpperCase();
    const x = n.expr!;
    if (op === "NOT") return { op: "not", arg: this.translate(x, "condition") };
    if (op !== "-" && op !== "+") return refuse(`the operator ${op} is not supported`);
    if (!x.parentheses && isCondition(x)) refuse(`${x.operator} after unary ${op} without parentheses: add parentheses`);
    const arg = this.translate(x, "operand");
    if (arg.op === "int" || arg.op === "decimal") {
      if (op === "+") return arg;
      const value = arg.value.startsWith("-") ? arg.value.slice(1) : `-${arg.value}`;
      const folded: FilterNode = { op: arg.op, value: arg.op === "int" && value === "-0" ? "0" : value };
      const w = this.widths.get(arg);
      if (w) this.widths.set(folded, w);
      return folded;
    }
    if (op === "+") return refuse("unary + is supported on number literals only");
    return { op: "negate", arg };
  }
}

/** Microseconds of a timestamp text both warehouses read alike: `YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]]`, no zone. */
function timestampMicros(text: string, kind: "TIMESTAMP" | "DATE" | "string"): bigint {
  const form = kind === "DATE" ? /^\d{4}-\d{2}-\d{2}$/ : /^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?$/;
  const micros = form.test(text) && !text.startsWith("0000") ? parseTimestamp(text) : undefined;
  if (micros === undefined)
    refuse(
      `${kind === "string" ? "the string" : kind} '${text}' is not a timestamp both warehouses read alike: ` +
        `write 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM:SS' or with up to 6 fractional digits, without a zone`,
    );
  return micros;
}

// ---------------------------------------------------------------------------------------------
// Column types: given, or told by what the filter compares a column with
// ---------------------------------------------------------------------------------------------

type Category = "num" | "string" | "bool" | "ts";

const CATEGORY_OF: Record<FeatureType, Category> = {
  int32: "num",
  int64: "num",
  float32: "num",
  float64: "num",
  string: "string",
  bool: "bool",
  timestamp: "ts",
};

const CATEGORY_NAME: Record<Category, string> = { num: "a number", string: "a string", bool: "a boolean", ts: "a timestamp" };

/** The category a node has whatever its columns' types (undefined: a column, a string literal, NULL). */
function structuralCategory(n: FilterNode, given: Readonly<Record<string, FeatureType>>): Category | undefined {
  switch (n.op) {
    case "column": {
      const t = given[n.name];
      return t ? CATEGORY_OF[t] : undefined;
    }
    case "int":
    case "decimal":
    case "arith":
    case "negate":
      return "num";
    case "timestamp":
      return "ts";
    case "string":
    case "null":
      return undefined;
    default:
      return "bool";
  }
}

/**
 * The type of every column the filter reads but `given` does not type: the category of what it
 * is compared with (through other untyped columns too), or what its operator needs (a condition,
 * a number, a string for LIKE); a column met only by string literals is a string; one only
 * tested for NULL is `any`.
 */
function inferColumnTypes(root: FilterNode, given: Readonly<Record<string, FeatureType>>): Map<string, FilterColumnType> {
  const parent = new Map<string, string>();
  const category = new Map<string, Category>();
  const metString = new Set<string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  const assign = (col: string, c: Category): void => {
    const r = find(col);
    const had = category.get(r);
    if (had && had !== c) refuse(`the column ${col} is read as ${CATEGORY_NAME[had]} and as ${CATEGORY_NAME[c]}`);
    category.set(r, c);
  };
  const union = (a: string, b: string): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return;
    parent.set(rb, ra);
    const cb = category.get(rb);
    if (cb) assign(ra, cb);
  };
  const untyped = (n: FilterNode): string | undefined => (n.op === "column" && !given[n.name] ? n.name : undefined);

  const group = (members: FilterNode[]): void => {
    for (const m of members) walk(m);
    const vars = members.map(untyped).filter((v): v is string => v !== undefined);
    if (vars.length === 0) return;
    for (const v of vars.slice(1)) union(vars[0]!, v);
    const strong = members.map((m) => structuralCategory(m, given)).find((c) => c !== undefined);
    if (strong) assign(vars[0]!, strong);
    if (members.some((m) => m.op === "string")) metString.add(vars[0]!);
  };
  const walk = (n: FilterNode, need?: Category): void => {
    const v = untyped(n);
    if (v && need) assign(v, need);
    switch (n.op) {
      case "compare":
        return group([n.left, n.right]);
      case "in":
        return group([n.arg, ...n.list]);
      case "between":
        return group([n.arg, n.low, n.high]);
      case "and":
      case "or":
        return n.args.forEach((a) => walk(a, "bool"));
      case "not":
      case "isBool":
        return walk(n.arg, "bool");
      case "isNull":
        return walk(n.arg);
      case "like":
        return walk(n.arg, "string");
      case "arith":
        walk(n.left, "num");
        return walk(n.right, "num");
      case "negate":
        return walk(n.arg, "num");
      default:
        return;
    }
  };
  walk(root, "bool");
  for (const v of metString) if (!category.has(find(v))) category.set(find(v), "string");

  const out = new Map<string, FilterColumnType>();
  const names = new Set<string>();
  const collect = (n: FilterNode): void => {
    if (n.op === "column") names.add(n.name);
    for (const child of Object.values(n)) {
      if (Array.isArray(child)) child.forEach((c) => typeof c === "object" && collect(c as FilterNode));
      else if (child && typeof child === "object") collect(child as FilterNode);
    }
  };
  collect(root);
  const TYPE: Record<Category, FilterColumnType> = { num: "number", string: "string", bool: "bool", ts: "timestamp" };
  for (const name of names) {
    const c = category.get(find(name));
    if (!given[name]) out.set(name, c ? TYPE[c] : "any");
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Type check: both warehouses must read the filter alike
// ---------------------------------------------------------------------------------------------

/**
 * What the checker knows of a node's value. Numbers carry DuckDB's DECIMAL(w, s) for exact
 * values (int64 columns are (19, 0), integer literals (10, 0) or (19, 0)), so exact arithmetic
 * that DuckDB cannot hold in 38 digits is refused.
 */
type Static =
  | { cat: "null" | "bool" | "string" | "ts" | "strlit" | "any"; name?: string }
  | { cat: "num"; kind: "int" | "float" | "number" | "decimal"; w: number; s: number; constant: boolean; int32?: string };

interface Checked {
  node: FilterNode;
  t: Static;
}

function describe(t: Static): string {
  switch (t.cat) {
    case "num":
      return "a number";
    case "strlit":
      return "a string literal";
    case "any":
      return `the column ${t.name ?? ""} of unknown type`;
    case "null":
      return "NULL";
    default:
      return CATEGORY_NAME[t.cat];
  }
}

const MAX_DECIMAL_DIGITS = 38;
/** Decimals of up to 15 digits have a mantissa below 2^53: both warehouses round them to the same double. */
const MAX_DOUBLE_SAFE_DIGITS = 15;

/**
 * A decimal that meets a double becomes a double. PostgreSQL rounds it correctly; DuckDB's
 * DECIMAL → DOUBLE can be one step off once the mantissa passes 2^53 (e.g.
 * `9970164243549825 * 2.25`: 22432869547987104 in DuckDB, …108 in PostgreSQL). Up to 15 digits
 * both agree.
 */
function checkDoubleSafe(t: Static & { cat: "num" }, what: string): void {
  if (t.kind === "decimal" && t.w > MAX_DOUBLE_SAFE_DIGITS)
    refuse(
      `${what} turns an exact decimal of up to ${t.w} digits into a double (DuckDB and PostgreSQL round those differently past 15 digits)`,
    );
}

class Checker {
  constructor(
    private readonly given: Readonly<Record<string, FeatureType>>,
    private readonly inferred: ReadonlyMap<string, FilterColumnType>,
    private readonly widths: WeakMap<FilterNode, { w: number; s: number }>,
  ) {}

  check(n: FilterNode): Checked {
    switch (n.op) {
      case "column":
        return this.column(n.name);
      case "null":
        return { node: n, t: { cat: "null" } };
      case "bool":
        return { node: n, t: { cat: "bool" } };
      case "string":
        return { node: n, t: { cat: "strlit" } };
      case "timestamp":
        return { node: n, t: { cat: "ts" } };
      case "int": {
        const v = BigInt(n.value);
        if (v > INT64_MAX) refuse(`the integer ${n.value} is beyond the int64 range`);
        const w = v >= -(2n ** 31n) && v < 2n ** 31n ? 10 : 19;
        return { node: n, t: { cat: "num", kind: "int", w, s: 0, constant: true } };
      }
      case "decimal": {
        const { w, s } = this.widths.get(n) ?? { w: 38, s: 0 };
        return { node: n, t: { cat: "num", kind: "decimal", w, s, constant: true } };
      }
      case "and":
      case "or": {
        const args = n.args.map((a) => this.condition(a, n.op.toUpperCase()));
        return { node: { op: n.op, args }, t: { cat: "bool" } };
      }
      case "not":
        return { node: { op: "not", arg: this.condition(n.arg, "NOT") }, t: { cat: "bool" } };
      case "isBool":
        return { node: { ...n, arg: this.condition(n.arg, "IS TRUE/FALSE") }, t: { cat: "bool" } };
      case "isNull":
        return { node: { ...n, arg: this.check(n.arg).node }, t: { cat: "bool" } };
      case "compare": {
        const [left, right] = this.comparable([this.check(n.left), this.check(n.right)], n.cmp);
        return { node: { ...n, left: left!, right: right! }, t: { cat: "bool" } };
      }
      case "in": {
        const [arg, ...list] = this.comparable([this.check(n.arg), ...n.list.map((x) => this.check(x))], "IN");
        return { node: { ...n, arg: arg!, list }, t: { cat: "bool" } };
      }
      case "between": {
        const items = [this.check(n.arg), this.check(n.low), this.check(n.high)];
        // DuckDB compares all three in one common type (DOUBLE if one is), PostgreSQL each bound
        // on its own: `2^53+1 BETWEEN -1.0e0 AND 2^53` is TRUE in DuckDB, FALSE in PostgreSQL.
        const mayFloat = (t: Static): boolean => t.cat === "num" && (t.kind === "float" || t.kind === "number");
        const mayExact = (t: Static): boolean => t.cat === "num" && t.kind !== "float";
        const [x, lo, hi] = items.map((i) => i.t) as [Static, Static, Static];
        if (mayExact(x) && ((mayFloat(lo) && mayExact(hi)) || (mayFloat(hi) && mayExact(lo))))
          refuse(
            "BETWEEN of an exact number with a double bound and an exact one (DuckDB compares all three as DOUBLE, PostgreSQL each bound on its own): write x >= a AND x <= b",
          );
        const [arg, low, high] = this.comparable(items, "BETWEEN");
        return { node: { ...n, arg: arg!, low: low!, high: high! }, t: { cat: "bool" } };
      }
      case "like": {
        const arg = this.check(n.arg);
        if (!["string", "strlit", "null"].includes(arg.t.cat)) refuse(`LIKE on ${describe(arg.t)}: LIKE takes a string`);
        return { node: { ...n, arg: arg.node }, t: { cat: "bool" } };
      }
      case "arith":
        return this.arith(n.arith, this.check(n.left), this.check(n.right));
      case "negate": {
        const arg = this.check(n.arg);
        if (arg.t.cat !== "num") refuse(`unary minus on ${describe(arg.t)}`);
        if (arg.t.int32) refuse(`arithmetic on the int32 column ${arg.t.int32} is not supported (it overflows at 2^31 in the warehouse)`);
        return { node: { op: "negate", arg: arg.node }, t: arg.t };
      }
      default:
        return refuse(`the node '${(n as { op: string }).op}' is not supported`);
    }
  }

  private column(name: string): Checked {
    const given = this.given[name];
    if (given === "float32") refuse(`the float32 column ${name} is not supported (the warehouses round REAL differently against decimals)`);
    const type: FilterColumnType = given ? (given === "int32" ? "int64" : (given as FilterColumnType)) : (this.inferred.get(name) ?? "any");
    const node: FilterNode = { op: "column", name, type };
    switch (type) {
      case "int64":
        return {
          node,
          t: {
            cat: "num",
            kind: "int",
            w: given === "int32" ? 10 : 19,
            s: 0,
            constant: false,
            int32: given === "int32" ? name : undefined,
          },
        };
      case "float64":
        return { node, t: { cat: "num", kind: "float", w: 0, s: 0, constant: false } };
      case "number":
        return { node, t: { cat: "num", kind: "number", w: 19, s: 0, constant: false } };
      case "timestamp":
        return { node, t: { cat: "ts" } };
      case "any":
        return { node, t: { cat: "any", name } };
      default:
        return { node, t: { cat: type } };
    }
  }

  private condition(n: FilterNode, where: string): FilterNode {
    const c = this.check(n);
    if (c.t.cat !== "bool" && c.t.cat !== "null") refuse(`${where} takes conditions, not ${describe(c.t)}`);
    return c.node;
  }

  /** Operands compared with one another (=, IN, BETWEEN): one category; string literals against timestamps read as timestamps. */
  private comparable(items: Checked[], what: string): FilterNode[] {
    const cats = new Set(items.map((i) => i.t.cat).filter((c) => c !== "null"));
    const unknown = items.find((i) => i.t.cat === "any");
    if (unknown && items.filter((i) => i.t.cat !== "null").length > 1)
      refuse(
        `the type of the column ${describe(unknown.t).replace(/^the column | of unknown type$/g, "")} cannot be told from the filter (${what} with another untyped column): give the columns' types`,
      );
    cats.delete("strlit");
    if (cats.size > 1) {
      const [a, b] = [...cats].map((c) => describe(items.find((i) => i.t.cat === c)!.t));
      refuse(`${what} compares ${a} with ${b}`);
    }
    const cat = [...cats][0];
    if (cat !== undefined && cat !== "string" && cat !== "ts" && items.some((i) => i.t.cat === "strlit"))
      refuse(`${what} compares ${describe(items.find((i) => i.t.cat === cat)!.t)} with a string literal`);
    const nums = items.flatMap((i) => (i.t.cat === "num" ? [i.t] : []));
    if (nums.some((t) => t.kind === "float" || t.kind === "number")) for (const t of nums) checkDoubleSafe(t, what);
    const exact = nums.filter((t) => t.kind !== "float");
    if (exact.length > 1) {
      const intDigits = Math.max(...exact.map((t) => t.w - t.s));
      const scale = Math.max(...exact.map((t) => t.s));
      if (intDigits + scale > MAX_DECIMAL_DIGITS) refuse(`${what} compares exact numbers past DuckDB's 38-digit DECIMAL`);
    }
    return items.map((i) => {
      if (cat === "ts" && i.node.op === "string") return { op: "timestamp", micros: String(timestampMicros(i.node.value, "string")) };
      return i.node;
    });
  }

  private arith(op: "+" | "-" | "*", l: Checked, r: Checked): Checked {
    for (const x of [l, r]) {
      if (x.t.cat !== "num" && x.t.cat !== "null") refuse(`${op} on ${describe(x.t)}: arithmetic takes numbers`);
      if (x.t.cat === "num" && x.t.int32)
        refuse(`arithmetic on the int32 column ${x.t.int32} is not supported (it overflows at 2^31 in the warehouse)`);
    }
    const node: FilterNode = { op: "arith", arith: op, left: l.node, right: r.node };
    const a = l.t.cat === "num" ? l.t : undefined;
    const b = r.t.cat === "num" ? r.t : undefined;
    if ((!a || a.constant) && (!b || b.constant)) refuse(`arithmetic on literals only (${op}) is not supported: write its result`);
    if (!a || !b) return { node, t: (a ?? b)! };
    const kinds = new Set([a.kind, b.kind]);
    if (kinds.has("float")) for (const t of [a, b]) checkDoubleSafe(t, op);
    if (kinds.has("float")) return { node, t: { cat: "num", kind: "float", w: 0, s: 0, constant: false } };
    if (kinds.has("number") && kinds.has("decimal"))
      refuse(`${op} of a decimal and a column of unknown numeric type (exact for int64, a double for float64): give the column's type`);
    if (kinds.has("number")) return { node, t: { cat: "num", kind: "number", w: 19, s: 0, constant: false } };
    if (!kinds.has("decimal")) return { node, t: { cat: "num", kind: "int", w: 19, s: 0, constant: false } };
    // DuckDB's DECIMAL result type; past 38 digits DuckDB raises an error where PostgreSQL's NUMERIC is exact.
    const s = op === "*" ? a.s + b.s : Math.max(a.s, b.s);
    const w = op === "*" ? a.w + b.w : Math.max(a.w - a.s, b.w - b.s) + s + 1;
    if (w > MAX_DECIMAL_DIGITS) refuse(`exact ${op} needs ${w} digits, past DuckDB's 38-digit DECIMAL`);
    return { node, t: { cat: "num", kind: "decimal", w, s, constant: false } };
  }
}
