/**
 * Portable filters (src/registry/filter-expression.ts → src/online/filter-eval.ts): named cases
 * whose expected values are also checked on DuckDB and PostgreSQL, refusals with their reasons,
 * and a differential property: random predicates of the supported grammar over random events,
 * evaluated in TypeScript and by both warehouses, row for row, NULL included.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import type { DuckDBConnection } from "@duckdb/node-api";
import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateFilter, FilterEvalError } from "../src/online/filter-eval.js";
import type { FilterExpr, FilterNode } from "../src/online/filter-eval.js";
import { compileFilter } from "../src/registry/filter-expression.js";
import type { FeatureType } from "../src/registry/types.js";
import { formatTimestamp, parseTimestamp } from "../src/timestamps.js";
import { PG_URL } from "./helpers/postgres.js";
import { assertAsyncProperty, assertProperty, testTimeout } from "./helpers/property.js";
import type { PropertyBudget } from "./helpers/property.js";

// ---------------------------------------------------------------------------------------------
// The events: qty int64, amount float64, status string, flag bool, ts timestamp, all nullable
// ---------------------------------------------------------------------------------------------

interface Event {
  qty: bigint | null;
  amount: number | null;
  status: string | null;
  flag: boolean | null;
  ts: bigint | null;
}

const TYPES: Record<keyof Event, FeatureType> = { qty: "int64", amount: "float64", status: "string", flag: "bool", ts: "timestamp" };
const micros = (t: string): bigint => parseTimestamp(t)!;
const ev = (e: Partial<Event>): Event => ({ qty: null, amount: null, status: null, flag: null, ts: null, ...e });

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** `(i, qty, amount, status, flag, ts)` rows, typed the same in both warehouses. */
function valuesSql(rows: readonly Event[]): string {
  const typed = (v: string | null, type: string): string => `CAST(${v ?? "NULL"} AS ${type})`;
  return rows
    .map((r, i) =>
      [
        String(i),
        typed(r.qty === null ? null : String(r.qty), "BIGINT"),
        typed(r.amount === null ? null : Number.isFinite(r.amount) ? String(r.amount) : sqlString(String(r.amount)), "FLOAT8"),
        typed(r.status === null ? null : sqlString(r.status), "TEXT"),
        typed(r.flag === null ? null : String(r.flag).toUpperCase(), "BOOLEAN"),
        typed(r.ts === null ? null : sqlString(formatTimestamp(r.ts)), "TIMESTAMP"),
      ].join(", "),
    )
    .map((r) => `(${r})`)
    .join(", ");
}

type Outcome = { ok: true; values: (boolean | null)[] } | { ok: false; error: string };

let duck: DuckDBConnection;
let duckInstance: DuckDBInstance;
let pgClient: pg.Client;

async function onDuckDB(pred: string, rows: readonly Event[]): Promise<Outcome> {
  try {
    const sql = `SELECT (${pred}) AS r FROM (VALUES ${valuesSql(rows)}) AS t(i, qty, amount, status, flag, ts) ORDER BY i`;
    const reader = await duck.runAndReadAll(sql);
    const type = reader.columnTypes()[0]!.toString();
    const values = reader.getRows().map((r) => r[0] as boolean | null);
    // A bare NULL comes back as INTEGER.
    if (type !== "BOOLEAN" && values.some((v) => v !== null)) return { ok: false, error: `result type ${type}` };
    return { ok: true, values };
  } catch (err) {
    return { ok: false, error: (err as Error).message.split("\n")[0]! };
  }
}

async function onPostgres(pred: string, rows: readonly Event[]): Promise<Outcome> {
  try {
    // Strings compare by bytes (COLLATE "C"), as fcompile's rule for every string comparison.
    const sql =
      `SELECT (${pred}) AS r FROM (SELECT i, qty, amount, status COLLATE "C" AS status, flag, ts ` +
      `FROM (VALUES ${valuesSql(rows)}) AS v(i, qty, amount, status, flag, ts)) AS t ORDER BY i`;
    const res = await pgClient.query<{ r: boolean | null }>(sql);
    const typeId = res.fields[0]!.dataTypeID;
    const values = res.rows.map((r) => r.r);
    // 16 = boolean; a bare NULL comes back as text/unknown.
    if (typeId !== 16 && values.some((v) => v !== null)) return { ok: false, error: `result type oid ${typeId}` };
    return { ok: true, values };
  } catch (err) {
    return { ok: false, error: (err as Error).message.split("\n")[0]! };
  }
}

/** How an event gives its int64: as a bigint, a number (when safe) or decimal text. */
type IntForm = "bigint" | "number" | "text";

function jsRow(e: Event, form: IntForm): Record<string, unknown> {
  const qty =
    e.qty === null
      ? null
      : form === "text"
        ? e.qty.toString()
        : form === "number" && Number.isSafeInteger(Number(e.qty))
          ? Number(e.qty)
          : e.qty;
  return { ...e, qty };
}

/** The types the filter reads its columns as (a caller without types checks these against its schema). */
function readTypes(node: FilterNode, out: Record<string, string> = {}): Record<string, string> {
  if (node.op === "column") out[node.name] = node.type;
  for (const v of Object.values(node)) {
    if (Array.isArray(v)) v.forEach((c) => readTypes(c as FilterNode, out));
    else if (v && typeof v === "object") readTypes(v as FilterNode, out);
  }
  return out;
}

const show = (x: unknown): string =>
  JSON.stringify(x, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : typeof v === "number" && !Number.isFinite(v) ? String(v) : v));

beforeAll(async () => {
  duckInstance = await DuckDBInstance.create(":memory:");
  duck = await duckInstance.connect();
  pgClient = new pg.Client({ connectionString: PG_URL });
  await pgClient.connect();
});

afterAll(async () => {
  duck?.disconnectSync();
  duckInstance?.closeSync();
  await pgClient?.end();
});

/** The filter's value per row: TypeScript (typed compile, every int64 form) must equal `expected`, and so must DuckDB and PostgreSQL. */
async function expectValues(pred: string, rows: Event[], expected: (boolean | null)[]): Promise<void> {
  const compiled = compileFilter(pred, "postgresql", TYPES);
  if (!compiled.ok) throw new Error(`${pred}: refused: ${compiled.reason}`);
  for (const form of ["bigint", "text", "number"] as const)
    expect(
      rows.map((r) => evaluateFilter(compiled.expr, jsRow(r, form))),
      `${pred} in TypeScript (int64 as ${form})`,
    ).toEqual(expected);
  expect(await onDuckDB(pred, rows), `${pred} on DuckDB`).toEqual({ ok: true, values: expected });
  expect(await onPostgres(pred, rows), `${pred} on PostgreSQL`).toEqual({ ok: true, values: expected });
}

// ---------------------------------------------------------------------------------------------
// Named cases
// ---------------------------------------------------------------------------------------------

const T = true;
const F = false;
const N = null;
const B3 = [T, F, N] as const;
const BIG = 9007199254740993n; // 2^53 + 1: not a double

describe("evaluateFilter: named cases, checked on DuckDB and PostgreSQL too", () => {
  it("AND, OR and NOT follow SQL's three-valued truth tables", async () => {
    // flag × (qty > 0), for flag and qty > 0 each TRUE, FALSE, NULL.
    const rows = B3.flatMap((a) => B3.map((b) => ev({ flag: a, qty: b === null ? null : b ? 1n : 0n })));
    await expectValues("flag AND qty > 0", rows, [T, F, N, F, F, F, N, F, N]);
    await expectValues("flag OR qty > 0", rows, [T, T, T, T, F, N, T, N, N]);
    await expectValues("NOT flag", rows, [F, F, F, T, T, T, N, N, N]);
    await expectValues("NOT (flag AND qty > 0)", rows, [F, T, N, T, T, T, N, T, N]);
  });

  it("IS [NOT] NULL and IS [NOT] TRUE/FALSE are never NULL", async () => {
    const rows = [ev({ flag: T }), ev({ flag: F }), ev({})];
    await expectValues("flag IS NULL", rows, [F, F, T]);
    await expectValues("flag IS NOT NULL", rows, [T, T, F]);
    await expectValues("flag IS TRUE", rows, [T, F, F]);
    await expectValues("flag IS NOT TRUE", rows, [F, T, T]);
    await expectValues("flag IS FALSE", rows, [F, T, F]);
    await expectValues("flag IS NOT FALSE", rows, [T, F, T]);
    await expectValues("(qty > 0) IS NOT TRUE", [ev({ qty: 1n }), ev({})], [F, T]);
  });

  it("comparisons with NULL are NULL", async () => {
    await expectValues("qty = NULL", [ev({ qty: 1n }), ev({})], [N, N]);
    await expectValues("status <> 'a'", [ev({ status: "a" }), ev({ status: "b" }), ev({})], [F, T, N]);
  });

  it("IN with NULL in the list: TRUE when found, else NULL", async () => {
    const rows = [ev({ qty: 1n }), ev({ qty: 2n }), ev({})];
    await expectValues("qty IN (2, NULL)", rows, [N, T, N]);
    await expectValues("qty NOT IN (2, NULL)", rows, [N, F, N]);
    await expectValues("qty IN (2, 3)", rows, [F, T, N]);
    await expectValues("qty NOT IN (2, 3)", rows, [T, F, N]);
    await expectValues("qty IN (1.0, 2.5)", rows, [T, F, N]);
    await expectValues("status IN ('a', NULL)", [ev({ status: "a" }), ev({ status: "b" })], [T, N]);
  });

  it("BETWEEN includes both edges, is empty when reversed, and is NULL only when undecided", async () => {
    const rows = [0n, 1n, 2n, 3n, 4n, null].map((qty) => ev({ qty }));
    await expectValues("qty BETWEEN 1 AND 3", rows, [F, T, T, T, F, N]);
    await expectValues("qty NOT BETWEEN 1 AND 3", rows, [T, F, F, F, T, N]);
    await expectValues("qty BETWEEN 3 AND 1", rows, [F, F, F, F, F, N]);
    await expectValues("qty BETWEEN NULL AND 2", rows, [N, N, N, F, F, N]);
    await expectValues(
      "amount BETWEEN 0.25 AND 0.5",
      [0.125, 0.25, 0.5, 0.75].map((amount) => ev({ amount })),
      [F, T, T, F],
    );
  });

  it("LIKE: % any run, _ one character (a code point), case-sensitive, NULL stays NULL", async () => {
    const words = ["", "a", "ab", "abc", "A", "é", "😀", "a_b", "axb", "ba", null];
    const rows = words.map((status) => ev({ status }));
    await expectValues("status LIKE 'a%'", rows, [F, T, T, T, F, F, F, T, T, F, N]);
    await expectValues("status LIKE '_'", rows, [F, T, F, F, T, T, T, F, F, F, N]);
    await expectValues("status LIKE 'a_b'", rows, [F, F, F, F, F, F, F, T, T, F, N]);
    await expectValues("status LIKE '%b%'", rows, [F, F, T, T, F, F, F, T, T, T, N]);
    await expectValues("status NOT LIKE ''", rows, [F, T, T, T, T, T, T, T, T, T, N]);
    await expectValues("status LIKE '%%a'", rows, [F, T, F, F, F, F, F, F, F, T, N]);
  });

  it("int64 beyond 2^53 compares exactly with integer and decimal literals, and as a double with a float64", async () => {
    const rows = [ev({ qty: BIG, amount: 9007199254740992 }), ev({ qty: BIG - 1n, amount: 9007199254740992 })];
    await expectValues("qty = 9007199254740993", rows, [T, F]);
    await expectValues("qty > 9007199254740992", rows, [T, F]);
    await expectValues("qty > 9007199254740992.5", rows, [T, F]);
    await expectValues("qty + 1 = 9007199254740994", rows, [T, F]);
    await expectValues("qty * 1.5 > 13510798882111489", rows, [T, F]);
    // BIGINT vs DOUBLE is a DOUBLE comparison in both warehouses: 2^53 + 1 rounds to 2^53.
    await expectValues("qty = amount", rows, [T, T]);
    await expectValues("qty = -9223372036854775808", [ev({ qty: -(2n ** 63n) }), ev({ qty: 0n })], [T, F]);
  });

  it("decimals are exact against integers and rounded against doubles", async () => {
    await expectValues("qty * 0.1 = 0.3", [ev({ qty: 3n })], [T]);
    await expectValues("amount * 3 = 0.3", [ev({ amount: 0.1 })], [F]);
    await expectValues("amount = 0.1", [ev({ amount: 0.1 })], [T]);
    await expectValues("qty - 0.5 < 0", [ev({ qty: 0n }), ev({ qty: 1n })], [T, F]);
    await expectValues("- qty < -1", [ev({ qty: 2n }), ev({ qty: 1n }), ev({})], [T, F, N]);
  });

  it("strings order by code point: 'Z' < 'a' < 'ab' < 'z' < 'é' < 'ｚ' < '😀'", async () => {
    const order = ["", "Z", "a", "ab", "z", "é", "ｚ", "😀"];
    for (const [k, s] of order.entries())
      await expectValues(
        `status < ${sqlString(s)}`,
        order.map((status) => ev({ status })),
        order.map((_, j) => j < k),
      );
  });

  it("NaN equals NaN and sorts above every number, ±Infinity at the ends", async () => {
    const rows = [NaN, Infinity, -Infinity, 1].map((amount) => ev({ amount }));
    await expectValues("amount > 9007199254740993", rows, [T, T, F, F]);
    await expectValues("amount = amount", rows, [T, T, T, T]);
    await expectValues("amount < -9007199254740993 OR amount IN (1, 2)", rows, [F, F, T, T]);
  });

  it("double arithmetic is IEEE on ±Infinity and NaN, as in both warehouses", async () => {
    const rows = [Infinity, -Infinity, NaN].map((amount) => ev({ amount }));
    await expectValues("amount * 10 > 0", rows, [T, F, T]);
    await expectValues("amount - amount = amount * 0", rows, [T, T, T]);
  });

  it("double overflow and underflow: PostgreSQL raises an error, DuckDB does not, the evaluator throws", async () => {
    for (const [pred, amount] of [
      ["amount * 10 > 0", 1e308],
      ["amount * amount >= 0", 1e-200],
    ] as const) {
      const [d, p] = [await onDuckDB(pred, [ev({ amount })]), await onPostgres(pred, [ev({ amount })])];
      expect(d).toEqual({ ok: true, values: [true] });
      expect(p).toEqual({ ok: false, error: expect.stringMatching(/out of range/) });
      const c = compileFilter(pred, "postgresql", TYPES);
      expect(() => c.ok && evaluateFilter(c.expr, { amount })).toThrow(FilterEvalError);
    }
  });

  it("booleans order FALSE < TRUE", async () => {
    await expectValues("flag < TRUE", [ev({ flag: F }), ev({ flag: T }), ev({})], [T, F, N]);
  });

  it("timestamps compare with TIMESTAMP and DATE literals, and with strings against a timestamp column", async () => {
    const rows = ["2023-12-31 23:59:59.999999", "2024-01-01", "2024-01-01 00:00:00.000001", "2024-01-01 12:30"].map((t) =>
      ev({ ts: micros(t) }),
    );
    await expectValues("ts >= TIMESTAMP '2024-01-01 00:00:00'", rows, [F, T, T, T]);
    await expectValues("ts < '2024-01-01'", rows, [T, F, F, F]);
    await expectValues("ts = DATE '2024-01-01'", rows, [F, T, F, F]);
    await expectValues("ts >= '2024-01-01T12:30'", rows, [F, F, F, T]);
    await expectValues("ts BETWEEN '2024-01-01' AND '2024-01-01 00:00:00.000001'", rows, [F, T, T, F]);
  });

  it("AND binds tighter than OR, whatever node-sql-parser reads", async () => {
    // Read left to right, `flag OR qty > 1 AND status = 'a'` would be FALSE for this event.
    const rows = [ev({ flag: T, qty: 0n, status: "b" }), ev({ flag: F, qty: 2n, status: "a" }), ev({ flag: F, qty: 2n, status: "b" })];
    await expectValues("flag OR qty > 1 AND status = 'a'", rows, [T, T, F]);
    await expectValues("qty > 1 AND status = 'a' OR flag", rows, [T, T, F]);
    await expectValues("(flag OR qty > 1) AND status = 'a'", rows, [F, T, F]);
    await expectValues("NOT flag AND qty > 1 OR status = 'b'", rows, [T, T, T]);
  });
});

describe("evaluateFilter: values and the JSON form", () => {
  const typed = (sql: string): FilterExpr => {
    const c = compileFilter(sql, "postgresql", TYPES);
    if (!c.ok) throw new Error(c.reason);
    return c.expr;
  };

  it("takes an int64 as bigint, safe number or decimal text, and refuses anything else", () => {
    const expr = typed("qty > 9007199254740992");
    expect(evaluateFilter(expr, { qty: BIG })).toBe(true);
    expect(evaluateFilter(expr, { qty: "9007199254740993" })).toBe(true);
    expect(evaluateFilter(expr, { qty: 9007199254740991 })).toBe(false);
    expect(evaluateFilter(expr, {})).toBe(null);
    expect(() => evaluateFilter(expr, { qty: 2 ** 60 })).toThrow(FilterEvalError);
    expect(() => evaluateFilter(expr, { qty: "1.5" })).toThrow(/column 'qty' is read as int64, but the event gives string "1.5"/);
    expect(() => evaluateFilter(expr, { qty: "9223372036854775808" })).toThrow(/int64 range/);
    expect(() => evaluateFilter(typed("status = 'a'"), { status: 1 })).toThrow(FilterEvalError);
  });

  it("throws where the warehouses raise an overflow error", () => {
    expect(() => evaluateFilter(typed("qty + 1 > 0"), { qty: 2n ** 63n - 1n })).toThrow(/int64 range/);
    expect(() => evaluateFilter(typed("- qty > 0"), { qty: -(2n ** 63n) })).toThrow(/int64 range/);
    expect(() => evaluateFilter(typed("amount * 10 > 0"), { amount: 1e308 })).toThrow(/overflows a double/);
  });

  it("without column types, types each column from what it is compared with", () => {
    const c = compileFilter("qty > 1 AND status = 'paid' AND flag AND note IS NULL AND ts > TIMESTAMP '2024-01-01'");
    expect(c.ok && readTypes(c.expr.where)).toEqual({ qty: "number", status: "string", flag: "bool", note: "any", ts: "timestamp" });
    const expr = (c as { expr: FilterExpr }).expr;
    const row = { qty: 2n, status: "paid", flag: true, note: null, ts: micros("2024-02-01") };
    expect(evaluateFilter(expr, row)).toBe(true);
    expect(evaluateFilter(expr, { ...row, qty: "2" })).toBe(true);
    // A number is a float64 to an untyped column: 1.5 > 1.
    expect(evaluateFilter(expr, { ...row, qty: 1.5 })).toBe(true);
    expect(evaluateFilter(expr, { ...row, note: { any: "value" } })).toBe(false);
    // Through another untyped column: b is a number because a is compared with one.
    const chain = compileFilter("a = b AND a > 0");
    expect(chain.ok && readTypes(chain.expr.where)).toEqual({ a: "number", b: "number" });
    // A timestamp literal outweighs a string literal: ts is a timestamp, '2024-01-01' one too.
    const ts = compileFilter("ts > '2024-01-01' AND ts < TIMESTAMP '2025-01-01'");
    expect(ts.ok && readTypes(ts.expr.where)).toEqual({ ts: "timestamp" });
    expect(ts.ok && evaluateFilter(ts.expr, { ts: micros("2024-06-01") })).toBe(true);
  });

  it("is plain JSON, stable, and versioned", () => {
    const c = compileFilter(
      "qty BETWEEN -2 AND 9007199254740993 OR NOT status LIKE 'a%' AND (amount * 1.50 = 3) IS NOT TRUE",
      "postgresql",
      TYPES,
    );
    const amount = { op: "column", name: "amount", type: "float64" };
    expect(c).toEqual({
      ok: true,
      columns: ["qty", "status", "amount"],
      expr: {
        version: 1,
        where: {
          op: "or",
          args: [
            {
              op: "between",
              arg: { op: "column", name: "qty", type: "int64" },
              low: { op: "int", value: "-2" },
              high: { op: "int", value: "9007199254740993" },
              negated: false,
            },
            {
              op: "and",
              args: [
                { op: "not", arg: { op: "like", arg: { op: "column", name: "status", type: "string" }, pattern: "a%", negated: false } },
                {
                  op: "isBool",
                  arg: {
                    op: "compare",
                    cmp: "=",
                    left: { op: "arith", arith: "*", left: amount, right: { op: "decimal", value: "1.50" } },
                    right: { op: "int", value: "3" },
                  },
                  value: true,
                  negated: true,
                },
              ],
            },
          ],
        },
      },
    });
  });

  it("refuses a version it does not know", () => {
    const expr = typed("flag");
    expect(() => evaluateFilter({ ...expr, version: 2 } as unknown as FilterExpr, { flag: true })).toThrow(/version 2/);
    expect(evaluateFilter(JSON.parse(JSON.stringify(expr)) as FilterExpr, { flag: true })).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------------------------

describe("compileFilter refuses what it cannot evaluate as both warehouses do, and says why", () => {
  const cases: [string, RegExp, boolean?][] = [
    ["now() > ts", /function now\(\)/],
    ["lower(status) = 'a'", /function lower\(\)/],
    ["CAST(qty AS INT) = 1", /cast/],
    ["qty::int = 1", /cast/],
    ["CASE WHEN flag THEN 1 END = 1", /CASE/],
    ["qty IN (SELECT 1)", /subquery/],
    ["EXISTS (SELECT 1)", /function EXISTS\(\)/],
    ["status || 'x' = 'ax'", /operator \|\|/],
    ["qty / 2 = 1", /division/],
    ["qty % 2 = 0", /operator %/],
    ["status ILIKE 'a'", /ILIKE/],
    ["status SIMILAR TO 'a'", /SIMILAR TO/],
    ["status ~ 'a'", /operator ~/],
    ["status LIKE 'a\\%'", /backslash/],
    ["status LIKE 'a!%' ESCAPE '!'", /ESCAPE/],
    ["status LIKE status", /string literal pattern/],
    ["qty IN (1, qty)", /list of literals/],
    ["qty = 1e3", /exponent/],
    ["qty = 1.", /ends with a point/],
    ["amount = 1.23456789012345678", /15 digits/],
    ["amount < qty * 1.5", /15 digits/],
    ["qty = 1.23456789012345678901234567890123456789", /38 digits/],
    ["qty = 99999999999999999999", /int64 range/],
    ["ts > '2024-01-01 00:00:00+02'", /not a timestamp both warehouses read alike/],
    ["ts > TIMESTAMP '2024-01-01 00:00:00.1234567'", /not a timestamp both warehouses read alike/],
    ["ts > '2024-13-01'", /not a timestamp/],
    ["ts > INTERVAL '1 day'", /INTERVAL/],
    ["qty = 'a'", /compares a number with a string literal/],
    ["status = 1", /compares a (string|number) with a (number|string)/],
    ["flag = 1", /compares a (boolean|number) with a (number|boolean)/],
    ["qty", /not a condition/],
    ["'yes'", /not a condition/],
    ["qty AND flag", /AND takes conditions, not a number/],
    ["status LIKE 'a' = flag", /does not parse as an SQL predicate \(syntax error at or near "="\)/],
    ["qty > 1 2", /does not parse as an SQL predicate \(syntax error at or near "2"\)/],
    ["qty = qty = qty", /without parentheses/],
    ["NOT (flag) = TRUE", /NOT \(…\) followed by an operator/],
    ["Status = 'a'", /capitals/],
    ["t.qty > 1", /qualified column/],
    ["status COLLATE \"C\" > 'a'", /COLLATE is not supported/],
    ["status = E'a'", /a string written E'…' is not supported/],
    ["status = $$a$$", /dollar-quoted/],
    ["qty > 1; DROP TABLE x", /';'/],
    ["qty > 1 GROUP BY qty", /past its predicate/],
    ["qty > 1 /* a /* b */ */", /nested/],
    ["qty > (1", /does not parse as an SQL predicate \(unexpected end\)/],
    ["1 + 2 > qty", /literals only/],
    ["qty * 0.0000000001 * 0.0000000001 * 0.0000000001 > 0", /38-digit DECIMAL/],
    ["x IS DISTINCT FROM y", /IS DISTINCT FROM/],
    ["qty BETWEEN amount AND 3", /DuckDB compares all three as DOUBLE/],
    ["qty * 1.5 > 2", /unknown numeric type/, false],
    ["a = b", /cannot be told/, false],
  ];
  for (const [sql, reason, typedCompile = true] of cases)
    it(`${typedCompile ? "" : "(untyped) "}${sql}`, () => {
      const c = typedCompile ? compileFilter(sql, "postgresql", TYPES) : compileFilter(sql);
      expect(c).toEqual({ ok: false, reason: expect.stringMatching(reason) });
    });

  it("refuses float32 columns and arithmetic on int32 columns", () => {
    expect(compileFilter("x > 0.1", "postgresql", { x: "float32" })).toEqual({ ok: false, reason: expect.stringMatching(/float32/) });
    expect(compileFilter("x + 1 > 0", "postgresql", { x: "int32" })).toEqual({ ok: false, reason: expect.stringMatching(/int32/) });
    expect(compileFilter("x > 0", "postgresql", { x: "int32" }).ok).toBe(true);
  });

  it("never throws on junk", () => {
    for (const sql of ["", ")", "'", '"', "--", "/*", "AND", "1 1", "x IS", "x IN ()", "x BETWEEN 1", "NOT", "-"])
      expect(compileFilter(sql, "postgresql", TYPES).ok).toBe(false);
  });

  it("answers every token soup with a filter or a reason, never an internal error (property)", () => {
    const token = fc.constantFrom(
      ...[
        "qty",
        "amount",
        "status",
        "flag",
        "ts",
        "Qty",
        '"qty"',
        "t.qty",
        "x",
        "1",
        "-",
        "2.5",
        "9223372036854775808",
        "1e3",
        "'a'",
        "''",
        "'2024-01-01'",
      ],
      ...["TRUE", "NULL", "TIMESTAMP", "DATE", "AND", "OR", "NOT", "IS", "IN", "BETWEEN", "LIKE", "ESCAPE", "CAST", "AS", "INT", "::"],
      ...["=", "<>", "<", ">=", "+", "*", "/", "||", "(", ")", ",", ";", "--", "/*", "*/", "$$", "E", "lower"],
    );
    assertProperty(
      fc.property(fc.array(token, { maxLength: 12 }), (tokens) => {
        const c = compileFilter(tokens.join(" "), "postgresql", TYPES);
        return c.ok || !c.reason.startsWith("the filter cannot be compiled");
      }),
      { runs: 3000, minRuns: 300, seconds: 20 },
    );
  });
});

describe("the refusals stand where DuckDB and PostgreSQL disagree (each checked on both)", () => {
  const cases: [string, Partial<Event>][] = [
    // PostgreSQL's LIKE escapes with \ by default, DuckDB's has no escape character: TRUE vs FALSE.
    ["status LIKE 'a\\_b'", { status: "a_b" }],
    // 1e-1 is NUMERIC in PostgreSQL (exact 0.3), DOUBLE in DuckDB (0.30000000000000004).
    ["qty * 1e-1 = 0.3", { qty: 3n }],
    // Integer division: 3 in PostgreSQL, 3.5 in DuckDB.
    ["qty / 2 = 3", { qty: 7n }],
    // Arithmetic on literals is int4 in PostgreSQL (overflow error), not in DuckDB.
    ["qty < 2147483647 + 1", { qty: 0n }],
    // A string against an int64: DuckDB casts '5.0', PostgreSQL rejects it.
    ["qty = '5.0'", { qty: 5n }],
    // A 7th fractional digit: PostgreSQL rounds it up, DuckDB drops it.
    ["ts = TIMESTAMP '2024-01-01 00:00:00.0000009'", { ts: micros("2024-01-01") }],
    // DECIMAL → DOUBLE past 2^53: PostgreSQL rounds to …108, DuckDB to …104.
    ["qty * 2.25 = amount", { qty: 9970164243549825n, amount: 22432869547987108 }],
    // BETWEEN: DuckDB compares 2^53 + 1 with both bounds as DOUBLE, PostgreSQL with qty exactly.
    ["qty BETWEEN amount AND 9007199254740992", { qty: BIG, amount: 0 }],
    // Exact decimals past 38 digits: an error in DuckDB, exact in PostgreSQL.
    ["qty * 0.0000000001 * 0.0000000001 * 0.0000000001 * 0.0000000001 > 0", { qty: 1n }],
  ];
  for (const [pred, e] of cases)
    it(pred, async () => {
      const [d, p] = [await onDuckDB(pred, [ev(e)]), await onPostgres(pred, [ev(e)])];
      expect(show(d), `DuckDB ${show(d)}, PostgreSQL ${show(p)}`).not.toEqual(show(p));
      expect(compileFilter(pred, "postgresql", TYPES).ok).toBe(false);
    });
});

// ---------------------------------------------------------------------------------------------
// The differential property
// ---------------------------------------------------------------------------------------------

const paren = (s: string, p: boolean): string => (p ? `(${s})` : s);
/** A composite expression, parenthesized 3 times in 5: the rest exercises precedence. */
const maybeParen = (arb: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(arb, fc.integer({ min: 0, max: 4 })).map(([s, k]) => paren(s, k < 3));

const INT_LITS = ["0", "1", "2", "3", "-1", "-3", "10", "9007199254740993", "9007199254740992", "-9007199254740993", "72057594037927937"];
const DEC_LITS = ["0.5", "1.5", "-0.25", "2.0", "0.1", "3.75", "0.001", "-1.125"];
const SMALL_LITS = ["2", "3", "-1", "1.5", "0.5", "0.1"];
const STRINGS = ["", "a", "b", "Z", "é", "paid", "ab", "a'b", "😀", "ｚ", "a%", "a_b", "axb", "abc"];
const TS_LITS = [
  "TIMESTAMP '2024-01-01 00:00:00'",
  "'2024-01-01'",
  "DATE '2024-01-02'",
  "TIMESTAMP '2024-01-01 00:00:00.000001'",
  "'2024-01-01T12:30'",
  "'2023-12-31 23:59:59.999999'",
];
const TS_VALUES = ["2023-12-31 23:59:59.999999", "2024-01-01", "2024-01-01 00:00:00.000001", "2024-01-01 12:30", "2024-01-02"].map(micros);

const cmpOp = fc.constantFrom("=", "<>", "!=", "<", "<=", ">", ">=");
const not = fc.constantFrom("", "NOT ");
const numLeaf = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("qty", "amount") },
  { weight: 3, arbitrary: fc.constantFrom(...INT_LITS, ...DEC_LITS) },
  { weight: 1, arbitrary: fc.constant("NULL") },
);

/** A numeric expression reading at least one column (arithmetic on literals only is refused, on purpose). */
function columnExpr(depth: number): fc.Arbitrary<string> {
  const column = fc.constantFrom("qty", "amount");
  if (depth === 0) return column;
  const sub = columnExpr(depth - 1);
  const any = numExpr(depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: column },
    {
      weight: 2,
      arbitrary: maybeParen(
        fc
          .tuple(sub, fc.constantFrom("+", "-"), any, fc.boolean())
          .map(([a, op, b, flip]) => (flip ? `${b} ${op} ${a}` : `${a} ${op} ${b}`)),
      ),
    },
    // Multiplication by a small literal or by amount only: no int64 overflow from the values below.
    { weight: 2, arbitrary: maybeParen(fc.tuple(sub, fc.constantFrom(...SMALL_LITS, "amount")).map(([a, k]) => `${a} * ${k}`)) },
    { weight: 1, arbitrary: maybeParen(sub.map((a) => `- ${a}`)) },
  );
}

function numExpr(depth: number): fc.Arbitrary<string> {
  return fc.oneof({ weight: 3, arbitrary: columnExpr(depth) }, { weight: 1, arbitrary: numLeaf });
}

const strLit = fc.constantFrom(...STRINGS).map(sqlString);
const strExpr = fc.oneof({ weight: 3, arbitrary: fc.constant("status") }, { weight: 2, arbitrary: strLit });
const pattern = fc
  .array(fc.constantFrom("a", "b", "é", "Z", "%", "%", "_", "_", "😀", "'"), { maxLength: 4 })
  .map((cs) => sqlString(cs.join("")));
const literalList = (items: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc
    .array(fc.oneof({ weight: 4, arbitrary: items }, { weight: 1, arbitrary: fc.constant("NULL") }), { minLength: 1, maxLength: 4 })
    .map((xs) => xs.join(", "));

const basicCondition: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("flag", "TRUE", "FALSE", "NULL"),
  fc.tuple(numExpr(2), cmpOp, numExpr(2)).map(([a, op, b]) => `${a} ${op} ${b}`),
  fc.tuple(strExpr, cmpOp, strExpr).map(([a, op, b]) => `${a} ${op} ${b}`),
  fc.tuple(cmpOp, fc.constantFrom(...TS_LITS), fc.boolean()).map(([op, t, flip]) => (flip ? `${t} ${op} ts` : `ts ${op} ${t}`)),
  fc.tuple(cmpOp, fc.constantFrom("TRUE", "FALSE", "NULL", "flag")).map(([op, b]) => `flag ${op} ${b}`),
  fc.tuple(fc.oneof(numExpr(1), fc.constantFrom("status", "flag", "ts")), not).map(([x, n]) => `${x} IS ${n}NULL`),
  fc.tuple(numExpr(1), not, literalList(fc.constantFrom(...INT_LITS, ...DEC_LITS))).map(([x, n, l]) => `${x} ${n}IN (${l})`),
  fc.tuple(not, literalList(strLit)).map(([n, l]) => `status ${n}IN (${l})`),
  fc.tuple(not, literalList(fc.constantFrom(...TS_LITS))).map(([n, l]) => `ts ${n}IN (${l})`),
  fc.tuple(not, literalList(fc.constantFrom("TRUE", "FALSE"))).map(([n, l]) => `flag ${n}IN (${l})`),
  fc.tuple(numExpr(1), not, numExpr(1), numExpr(1)).map(([x, n, a, b]) => `${x} ${n}BETWEEN ${a} AND ${b}`),
  fc.tuple(not, fc.constantFrom(...TS_LITS), fc.constantFrom(...TS_LITS)).map(([n, a, b]) => `ts ${n}BETWEEN ${a} AND ${b}`),
  fc.tuple(strExpr, not, pattern).map(([x, n, p]) => `${x} ${n}LIKE ${p}`),
);

/** Conditions compared as booleans; `NOT (c) = …` means NOT ((c) = …) in SQL, not what node-sql-parser reads. */
const boolOperand = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("flag", "TRUE", "FALSE", "NULL") },
  { weight: 3, arbitrary: basicCondition.map((c) => `(${c})`) },
  { weight: 1, arbitrary: basicCondition.map((c) => `NOT (${c})`) },
);
const condition: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: basicCondition },
  { weight: 1, arbitrary: fc.tuple(boolOperand, cmpOp, boolOperand).map(([a, op, b]) => `${a} ${op} ${b}`) },
);

function predicate(depth: number): fc.Arbitrary<string> {
  if (depth === 0) return condition;
  const sub = predicate(depth - 1);
  return fc.oneof(
    { weight: 2, arbitrary: condition },
    { weight: 3, arbitrary: maybeParen(fc.tuple(sub, fc.constantFrom("AND", "OR"), sub).map(([a, op, b]) => `${a} ${op} ${b}`)) },
    { weight: 1, arbitrary: maybeParen(sub.map((a) => `NOT ${a}`)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(sub, not, fc.constantFrom("TRUE", "FALSE"), fc.integer({ min: 0, max: 3 }))
        .map(([a, n, v, p]) => `${paren(a, p > 0)} IS ${n}${v}`),
    },
  );
}

const nullable = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: fc.constant(null) });

const eventArb: fc.Arbitrary<Event> = fc.record({
  qty: nullable(fc.oneof(fc.bigInt({ min: -3n, max: 3n }), fc.constantFrom(BIG, BIG - 1n, -BIG, 72057594037927937n))),
  amount: nullable(
    fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: -12, max: 12 }).map((k) => k / 4) },
      { weight: 1, arbitrary: fc.constant(9007199254740992) },
      { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) },
    ),
  ),
  status: nullable(fc.constantFrom(...STRINGS)),
  flag: nullable(fc.boolean()),
  ts: nullable(fc.constantFrom(...TS_VALUES)),
});

const BUDGET: PropertyBudget = { runs: 600, minRuns: 100, seconds: 45 };

describe("evaluateFilter equals DuckDB and PostgreSQL on random predicates and events (property)", () => {
  it(
    "row for row, NULL included, with and without the columns' types",
    async () => {
      const stats = { predicates: 0, accepted: 0, untypedAccepted: 0 };
      const refusals = new Map<string, number>();
      await assertAsyncProperty(
        fc.asyncProperty(
          fc.array(predicate(2), { minLength: 1, maxLength: 3 }),
          fc.array(fc.tuple(eventArb, fc.constantFrom<IntForm>("bigint", "number", "text")), { minLength: 1, maxLength: 8 }),
          async (preds, rowsAndForms) => {
            const rows = rowsAndForms.map(([e]) => e);
            for (const pred of preds) {
              stats.predicates++;
              const typed = compileFilter(pred, "postgresql", TYPES);
              const untyped = compileFilter(pred);
              if (!typed.ok) {
                const key = typed.reason.replace(/'[^']*'|"[^"]*"|\d+/g, "…").slice(0, 70);
                refusals.set(key, (refusals.get(key) ?? 0) + 1);
              }
              if (!typed.ok && !untyped.ok) continue;
              const [d, p] = [await onDuckDB(pred, rows), await onPostgres(pred, rows)];
              const where = `\npredicate: ${pred}\nrows: ${show(rows)}`;
              const agree = d.ok && p.ok && show(d.values) === show(p.values);
              // TypeScript gives the warehouses' values; where they disagree (an overflow PostgreSQL raises
              // and DuckDB does not), it must throw.
              const compare = (label: string, expr: FilterExpr, forms: IntForm[]): void => {
                const got = rows.map((e, i) => {
                  try {
                    return evaluateFilter(expr, jsRow(e, forms[i]!));
                  } catch (err) {
                    if (err instanceof FilterEvalError) return "throws";
                    throw err;
                  }
                });
                const ok = agree ? show(got) === show((d as { values: unknown[] }).values) : got.includes("throws");
                if (!ok)
                  throw new Error(
                    `${label}: TypeScript ${show(got)}, DuckDB ${show(d)}, PostgreSQL ${show(p)}${where}\nexpr: ${show(expr)}`,
                  );
              };
              if (typed.ok) {
                stats.accepted++;
                compare(
                  "typed",
                  typed.expr,
                  rowsAndForms.map(([, f]) => f),
                );
              }
              // Without types, a column typed from a literal may not be what the events hold (ts compared with
              // a string is a string): the caller checks the types the filter reads against its schema.
              const real: Record<string, string> = { qty: "number", amount: "number", status: "string", flag: "bool", ts: "timestamp" };
              if (untyped.ok && Object.entries(readTypes(untyped.expr.where)).every(([c, t]) => t === real[c] || t === "any")) {
                stats.untypedAccepted++;
                // An untyped int64 must come as bigint or text (a number is a float64 there).
                compare(
                  "untyped",
                  untyped.expr,
                  rowsAndForms.map(([, f]) => (f === "number" ? "bigint" : f)),
                );
              }
            }
          },
        ),
        BUDGET,
      );
      if (process.env.FC_PROPERTY_LOG)
        console.info(`filter property: ${show(stats)}\nrefusals: ${show([...refusals].sort((x, y) => y[1] - x[1]).slice(0, 8))}`);
      // Most generated predicates are in the subset: the property is not comparing refusals.
      expect(stats.accepted / stats.predicates).toBeGreaterThan(0.6);
    },
    testTimeout(BUDGET),
  );
});
