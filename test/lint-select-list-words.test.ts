/**
 * The no-parse test of whether two outputs of one SELECT may be the same expression
 * (src/governance/lint/select-list-words.ts): never false when the normalized keys of two outputs
 * are equal (checked against selectShape on each case), false on SELECT lists that repeat nothing.
 */
import { describe, expect, it } from "vitest";
import { mayRepeatAnOutput } from "../src/governance/lint/select-list-words.js";
import { selectShape } from "../src/governance/lint/select-outputs.js";
import type { SqlPart } from "../src/registry/types.js";

const parts = (sql: string): SqlPart[] => {
  const [before, after] = sql.split("{{orders}}");
  return after === undefined ? [sql] : [before!, { kind: "source", name: "orders" } as SqlPart, after];
};

/** Whether the parsed SELECT has two outputs with one normalized key. */
function repeats(sql: string): boolean {
  const shape = selectShape(parts(sql))!;
  expect(shape, sql).toBeDefined();
  const keys = [...shape.outputs.values()].map((o) => o.key);
  return new Set(keys).size < keys.length;
}

describe("mayRepeatAnOutput", () => {
  const same = [
    "SELECT customer_id, ts, score * 2 AS dbl, 2*score AS dbl2 FROM {{orders}}",
    "SELECT customer_id, ts, o.amount * 100 AS a, 100 * amount b FROM {{orders}} AS o",
    'SELECT customer_id, ts, "Amount" + 1 AS a, amount+1 AS "B" FROM {{orders}}',
    "SELECT customer_id, ts, CAST(amount AS int) AS a, CAST(o.amount AS INT) b FROM {{orders}} o",
    "SELECT customer_id, ts, a != b AS x, b <> a AS y FROM {{orders}}",
    "SELECT customer_id, ts, -- one\n  (amount > 1 AND status = 'x') AS a, /* two */ status='x' and amount>1 AS b FROM {{orders}}",
    "SELECT customer_id, ts, CASE WHEN a IS DISTINCT FROM b THEN 1 ELSE 0 END AS x, amount AS y, o.amount z FROM {{orders}} o",
    "SELECT customer_id, ts, amount, amount AS amount_again FROM {{orders}}",
    "SELECT customer_id, ts, sum(amount) OVER (PARTITION BY customer_id, ts ORDER BY ts) AS a, SUM(amount) OVER (PARTITION BY customer_id, ts ORDER BY ts) b FROM {{orders}}",
  ];
  it.each(same)("true when two outputs are the same expression: %s", (sql) => {
    expect(repeats(sql)).toBe(true);
    expect(mayRepeatAnOutput(parts(sql))).toBe(true);
  });

  const distinct = [
    "SELECT customer_id, ts,\n  amount * 100 AS amount_cents,\n  qty * price AS unit_total,\n  amount > 100 AND status = 'paid' AS is_big,\n  CASE WHEN status = 'paid' THEN amount ELSE 0 END AS paid_amount\nFROM {{orders}}",
    "SELECT customer_id, ts, amount * 2 AS dbl, amount + 2 AS plus FROM {{orders}} WHERE amount > 0",
    "SELECT customer_id, ts, coalesce(a, b) AS x, coalesce(a, c) AS y FROM {{orders}}",
  ];
  it.each(distinct)("false when no two outputs use the same words: %s", (sql) => {
    expect(repeats(sql)).toBe(false);
    expect(mayRepeatAnOutput(parts(sql))).toBe(false);
  });

  it("true (parse to know) on what the scan does not read for sure", () => {
    for (const sql of [
      "WITH x AS (SELECT 1) SELECT a, b FROM x",
      "SELECT DISTINCT a, b FROM t",
      "SELECT a, b",
      "SELECT a, 'unterminated FROM t",
      "SELECT a, b) FROM t",
    ])
      expect(mayRepeatAnOutput([sql]), sql).toBe(true);
  });
});
