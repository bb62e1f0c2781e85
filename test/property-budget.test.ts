/** The property-test helper fails a property that could not run its minimum number of cases in its budget. */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertAsyncProperty, assertProperty } from "./helpers/property.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("assertAsyncProperty / assertProperty", () => {
  it("fails when the time budget ends before the minimum number of cases", async () => {
    const slow = fc.asyncProperty(fc.nat(), async () => {
      await sleep(100);
    });
    await expect(assertAsyncProperty(slow, { runs: 100, minRuns: 50, seconds: 0.5 })).rejects.toThrow(
      /^property ran only \d+ of its minimum \d+ cases within its [\d.]+ s budget/,
    );
  });

  it("passes when the minimum is reached, even if the budget stops it before `runs`", async () => {
    const slow = fc.asyncProperty(fc.nat(), async () => {
      await sleep(20);
    });
    await expect(assertAsyncProperty(slow, { runs: 1000, minRuns: 3, seconds: 0.5 })).resolves.toBeUndefined();
  });

  it("reports a failing case with its counterexample", () => {
    expect(() =>
      assertProperty(
        fc.property(fc.integer({ min: 0, max: 100 }), (n) => n < 50),
        { runs: 200, minRuns: 10, seconds: 5 },
      ),
    ).toThrow(/Counterexample: \[50\]/);
  });

  it("is what every property test runs through: no test calls fast-check's runner itself", () => {
    const direct = readdirSync("test", { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith(".ts"))
      .map((e) => path.join(e.parentPath, e.name))
      .filter((f) => !f.endsWith(path.join("helpers", "property.ts")) && /\bfc\.(assert|check)\(/.test(readFileSync(f, "utf8")));
    expect(direct, "use assertProperty / assertAsyncProperty from test/helpers/property.ts").toEqual([]);
  });
});
