/**
 * Evaluates an aggregation's `filter:` (docs/aggregations.md) over one event in TypeScript, with
 * the answer the warehouse gives for the same SQL — so an event pushed straight to the online
 * store counts exactly as training counts it. The portable form ({@link FilterExpr}, its JSON
 * shape documented there) is made by `compileFilter` (src/registry/filter-expression.ts), which
 * documents the SQL subset it accepts and why it refuses the rest. Imports types only (erased at
 * run time): the client uses it without loading the compiler.
 *
 * SQL semantics, as DuckDB and PostgreSQL (COLLATE "C") compute them:
 * - three-valued logic: a comparison, arithmetic, IN, BETWEEN or LIKE with a NULL operand is
 *   NULL; `NOT NULL` is NULL; `FALSE AND NULL` is FALSE, `TRUE OR NULL` is TRUE; `x IN (…, NULL)`
 *   is TRUE when x is in the list, else NULL; `IS [NOT] NULL` and `IS [NOT] TRUE/FALSE` are never
 *   NULL.
 * - numbers: integers (bigint) and decimal literals are exact (PostgreSQL NUMERIC, DuckDB
 *   DECIMAL): `9007199254740993 > 9007199254740992.5` is TRUE. As soon as a float64 takes part,
 *   the other side becomes the nearest double and the comparison or arithmetic is IEEE double
 *   (PostgreSQL and DuckDB both promote to DOUBLE); NaN equals NaN and is greater than every other
 *   number, and double arithmetic is IEEE (±Infinity and NaN included), as in both warehouses.
 *   int64 arithmetic beyond ±2^63 throws, as both warehouses raise an error; so does double
 *   arithmetic whose finite operands overflow or whose product underflows to 0, where PostgreSQL
 *   raises an error and DuckDB gives ±Infinity or 0.
 * - strings compare by code point (= UTF-8 bytes); `LIKE` matches `%` (any sequence) and `_`
 *   (one character = one code point), case-sensitively, with no escape character.
 * - booleans: FALSE < TRUE. Timestamps: bigint microseconds since 1970-01-01 UTC.
 */

import type { FilterColumnType, FilterComparison, FilterExpr, FilterNode } from "../registry/filter-expression.js";
import { compareStrings } from "./codec.js";

export type { FilterColumnType, FilterComparison, FilterExpr, FilterNode };

/** An event value a filter cannot read as its column's type, or arithmetic that overflows (the warehouse raises an error there too). */
export class FilterEvalError extends Error {
  override name = "FilterEvalError";
}

/**
 * The filter's value for one event: true, false, or null (SQL NULL; the caller treats it as
 * false, as the warehouse's `COALESCE(filter, FALSE)` does). `row` maps column names to values
 * (see {@link FilterColumnType} for the forms each type accepts). Every operand is evaluated (no
 * short cut), so a malformed value always throws a {@link FilterEvalError}; so do an unknown
 * `version` and a node this version does not know.
 */
export function evaluateFilter(expr: FilterExpr, row: Readonly<Record<string, unknown>>): boolean | null {
  let fn = compiled.get(expr);
  if (!fn) {
    if (expr.version !== 1) throw new FilterEvalError(`filter version ${String(expr.version)} is not supported (this reader knows 1)`);
    const where = build(expr.where);
    fn = (r) => asBool(where(r), "the filter");
    compiled.set(expr, fn);
  }
  return fn(row);
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

/** An exact decimal m × 10^−s (PostgreSQL NUMERIC, DuckDB DECIMAL). */
class Decimal {
  constructor(
    readonly m: bigint,
    readonly s: number,
  ) {}
}

/** The value of an `any` column that is not NULL: only its NULL-ness is ever used. */
const PRESENT = Symbol("present");

/** int64 and timestamps are bigint, float64 number; typing keeps int64 and timestamps apart. */
type Value = null | bigint | number | Decimal | string | boolean | typeof PRESENT;
type Row = Readonly<Record<string, unknown>>;
type Fn = (row: Row) => Value;

const compiled = new WeakMap<FilterExpr, (row: Row) => boolean | null>();

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^[+-]?\d+$/;

function int64(v: bigint, what: string): bigint {
  if (v < INT64_MIN || v > INT64_MAX) throw new FilterEvalError(`${what} is out of the int64 range`);
  return v;
}

function show(v: unknown): string {
  return typeof v === "bigint" ? `${v}n` : typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** An event's value as its column's type (see FilterColumnType). */
function readColumn(name: string, type: FilterColumnType, v: unknown): Value {
  if (v === null || v === undefined) return null;
  const bad = (): never => {
    throw new FilterEvalError(`column '${name}' is read as ${type}, but the event gives ${typeof v} ${show(v)}`);
  };
  switch (type) {
    case "int64":
      if (typeof v === "bigint") return int64(v, `column '${name}'`);
      if (typeof v === "number") return Number.isSafeInteger(v) ? BigInt(v) : bad();
      if (typeof v === "string") return INTEGER_TEXT.test(v) ? int64(BigInt(v), `column '${name}'`) : bad();
      return bad();
    case "float64":
      return typeof v === "number" ? v : bad();
    case "number":
      if (typeof v === "bigint") return int64(v, `column '${name}'`);
      if (typeof v === "number") return v;
      if (typeof v === "string") return INTEGER_TEXT.test(v) ? int64(BigInt(v), `column '${name}'`) : bad();
      return bad();
    case "string":
      return typeof v === "string" ? v : bad();
    case "bool":
      return typeof v === "boolean" ? v : bad();
    case "timestamp":
      if (typeof v === "bigint") return v;
      return typeof v === "number" && Number.isSafeInteger(v) ? BigInt(v) : bad();
    case "any":
      return PRESENT;
    default:
      throw new FilterEvalError(`column type '${String(type)}' is not supported`);
  }
}

function parseDecimal(text: string): Decimal {
  const m = /^([+-]?)(\d*)\.?(\d*)$/.exec(text);
  if (!m || m[2]! + m[3]! === "") throw new FilterEvalError(`decimal literal '${text}' is malformed`);
  return new Decimal(BigInt(`${m[1]}${m[2]}${m[3]}` || "0"), m[3]!.length);
}

const isNumeric = (v: Value): v is bigint | number | Decimal => typeof v === "bigint" || typeof v === "number" || v instanceof Decimal;
const toDecimal = (v: bigint | Decimal): Decimal => (typeof v === "bigint" ? new Decimal(v, 0) : v);

/** The nearest double, as PostgreSQL (strtod of the text) and DuckDB (m / 10^s, exact below 2^53) round it. */
function toDouble(v: bigint | number | Decimal): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  return v.s === 0 ? Number(v.m) : Number(`${v.m}e-${v.s}`);
}

function scaleTo(d: Decimal, s: number): bigint {
  return d.m * 10n ** BigInt(s - d.s);
}

/** Orders two non-NULL values of one kind (the compiler never mixes kinds). */
function compare(a: Value, b: Value): number {
  if (typeof a === "string" && typeof b === "string") return compareStrings(a, b);
  if (typeof a === "boolean" && typeof b === "boolean") return a === b ? 0 : a ? 1 : -1;
  if (isNumeric(a) && isNumeric(b)) {
    if (typeof a === "number" || typeof b === "number") {
      const x = toDouble(a);
      const y = toDouble(b);
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
    const x = toDecimal(a);
    const y = toDecimal(b);
    const s = Math.max(x.s, y.s);
    const p = scaleTo(x, s);
    const q = scaleTo(y, s);
    return p < q ? -1 : p > q ? 1 : 0;
  }
  throw new FilterEvalError(`cannot compare ${show(a)} with ${show(b)}`);
}

function arith(op: "+" | "-" | "*", a: Value, b: Value): Value {
  if (a === null || b === null) return null;
  if (!isNumeric(a) || !isNumeric(b)) throw new FilterEvalError(`arithmetic on ${show(a)} and ${show(b)}`);
  if (typeof a === "number" || typeof b === "number") {
    const x = toDouble(a);
    const y = toDouble(b);
    const r = op === "+" ? x + y : op === "-" ? x - y : x * y;
    // IEEE in both warehouses, ±Infinity and NaN included, except where finite operands overflow
    // (DuckDB: ±Infinity) or a product underflows to 0 (DuckDB: 0): PostgreSQL raises an error.
    if (!Number.isFinite(r) && Number.isFinite(x) && Number.isFinite(y))
      throw new FilterEvalError(`${x} ${op} ${y} overflows a double (PostgreSQL raises an error, DuckDB gives ${r})`);
    if (op === "*" && r === 0 && x !== 0 && y !== 0)
      throw new FilterEvalError(`${x} * ${y} underflows (PostgreSQL raises an error, DuckDB gives 0)`);
    return r;
  }
  if (typeof a === "bigint" && typeof b === "bigint") return int64(op === "+" ? a + b : op === "-" ? a - b : a * b, `${a} ${op} ${b}`);
  const x = toDecimal(a);
  const y = toDecimal(b);
  if (op === "*") return new Decimal(x.m * y.m, x.s + y.s);
  const s = Math.max(x.s, y.s);
  return new Decimal(op === "+" ? scaleTo(x, s) + scaleTo(y, s) : scaleTo(x, s) - scaleTo(y, s), s);
}

function negate(v: Value): Value {
  if (v === null) return null;
  if (typeof v === "bigint") return int64(-v, `-${v}`);
  if (typeof v === "number") return -v;
  if (v instanceof Decimal) return new Decimal(-v.m, v.s);
  throw new FilterEvalError(`cannot negate ${show(v)}`);
}

function asBool(v: Value, what: string): boolean | null {
  if (v === null || typeof v === "boolean") return v;
  throw new FilterEvalError(`${what} gives ${show(v)}, not a boolean`);
}

const not3 = (v: boolean | null): boolean | null => (v === null ? null : !v);

/** SQL LIKE: `%` any sequence, `_` one code point, no escape character, case-sensitive. */
function like(text: string, pattern: readonly string[]): boolean {
  const s = [...text];
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (i < s.length) {
    if (j < pattern.length && pattern[j] !== "%" && (pattern[j] === "_" || pattern[j] === s[i])) {
      i++;
      j++;
    } else if (j < pattern.length && pattern[j] === "%") {
      star = j++;
      mark = i;
    } else if (star >= 0) {
      j = star + 1;
      i = ++mark;
    } else return false;
  }
  while (j < pattern.length && pattern[j] === "%") j++;
  return j === pattern.length;
}

const COMPARISONS: Record<FilterComparison, (c: number) => boolean> = {
  "=": (c) => c === 0,
  "<>": (c) => c !== 0,
  "<": (c) => c < 0,
  "<=": (c) => c <= 0,
  ">": (c) => c > 0,
  ">=": (c) => c >= 0,
};

// ---------------------------------------------------------------------------------------------
// Nodes → closures (once per FilterExpr)
// ---------------------------------------------------------------------------------------------

function build(node: FilterNode): Fn {
  switch (node.op) {
    case "column": {
      const { name, type } = node;
      return (row) => readColumn(name, type, row[name]);
    }
    case "null":
      return () => null;
    case "bool": {
      const v = node.value;
      return () => v;
    }
    case "int": {
      if (!INTEGER_TEXT.test(node.value)) throw new FilterEvalError(`integer literal '${node.value}' is malformed`);
      const v = int64(BigInt(node.value), `literal ${node.value}`);
      return () => v;
    }
    case "decimal": {
      const v = parseDecimal(node.value);
      return () => v;
    }
    case "string": {
      const v = node.value;
      return () => v;
    }
    case "timestamp": {
      if (!INTEGER_TEXT.test(node.micros)) throw new FilterEvalError(`timestamp literal '${node.micros}' is malformed`);
      const v = BigInt(node.micros);
      return () => v;
    }
    case "compare": {
      const test = COMPARISONS[node.cmp];
      if (!test) throw new FilterEvalError(`comparison '${String(node.cmp)}' is not supported`);
      const left = build(node.left);
      const right = build(node.right);
      return (row) => {
        const a = left(row);
        const b = right(row);
        return a === null || b === null ? null : test(compare(a, b));
      };
    }
    case "and":
    case "or": {
      const args = node.args.map(build);
      const decisive = node.op === "or";
      return (row) => {
        let sawNull = false;
        let decided = false;
        for (const f of args) {
          const v = asBool(f(row), node.op.toUpperCase());
          if (v === null) sawNull = true;
          else if (v === decisive) decided = true;
        }
        return decided ? decisive : sawNull ? null : !decisive;
      };
    }
    case "not": {
      const arg = build(node.arg);
      return (row) => not3(asBool(arg(row), "NOT"));
    }
    case "isNull": {
      const arg = build(node.arg);
      const negated = node.negated;
      return (row) => (arg(row) === null) !== negated;
    }
    case "isBool": {
      const arg = build(node.arg);
      const { value, negated } = node;
      return (row) => (asBool(arg(row), "IS TRUE/FALSE") === value) !== negated;
    }
    case "in": {
      const arg = build(node.arg);
      const list = node.list.map(build);
      const negated = node.negated;
      return (row) => {
        const x = arg(row);
        let found = false;
        let sawNull = false;
        for (const f of list) {
          const v = f(row);
          if (v === null) sawNull = true;
          else if (x !== null && compare(x, v) === 0) found = true;
        }
        const r = x === null ? null : found ? true : sawNull ? null : false;
        return negated ? not3(r) : r;
      };
    }
    case "between": {
      const arg = build(node.arg);
      const low = build(node.low);
      const high = build(node.high);
      const negated = node.negated;
      return (row) => {
        const x = arg(row);
        const lo = low(row);
        const hi = high(row);
        const ge = x === null || lo === null ? null : compare(x, lo) >= 0;
        const le = x === null || hi === null ? null : compare(x, hi) <= 0;
        const r = ge === false || le === false ? false : ge === null || le === null ? null : true;
        return negated ? not3(r) : r;
      };
    }
    case "like": {
      const arg = build(node.arg);
      const pattern = [...node.pattern];
      const negated = node.negated;
      return (row) => {
        const v = arg(row);
        if (v === null) return null;
        if (typeof v !== "string") throw new FilterEvalError(`LIKE on ${show(v)}, not a string`);
        return like(v, pattern) !== negated;
      };
    }
    case "arith": {
      const left = build(node.left);
      const right = build(node.right);
      const op = node.arith;
      if (op !== "+" && op !== "-" && op !== "*") throw new FilterEvalError(`arithmetic '${String(op)}' is not supported`);
      return (row) => arith(op, left(row), right(row));
    }
    case "negate": {
      const arg = build(node.arg);
      return (row) => negate(arg(row));
    }
    default:
      throw new FilterEvalError(`filter node '${String((node as { op?: unknown }).op)}' is not supported`);
  }
}
