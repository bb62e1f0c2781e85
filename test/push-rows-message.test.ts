import { describe, expect, it } from "vitest";
import { PushRowsError, rowsAndProblems } from "../src/online/push/types.js";

describe("bad pushed rows are counted as rows, not problems", () => {
  it("a row with two problems is one bad row", () => {
    const problems = [
      { row: 2, column: "customer_id", reason: "is required" },
      { row: 4, column: "amount", reason: "is not a number" },
      { row: 4, column: "order_ts", reason: "is not a timestamp" },
    ];
    expect(rowsAndProblems(problems)).toBe("2 bad rows (3 problems)");
    expect(rowsAndProblems(problems.slice(0, 1))).toBe("1 bad row");
    expect(new PushRowsError(problems).message).toMatch(/^2 bad rows \(3 problems\), nothing pushed: row 2 \(customer_id\): is required; /);
  });
});
