import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertProperty } from "./helpers/property.js";
import {
  binCounts,
  ksFromCdfPoints,
  ksStatistic,
  populationStabilityIndex,
  psiBand,
  quantileEdges,
} from "../src/governance/drift/statistics.js";

describe("drift statistics", () => {
  it("PSI of a distribution against itself is 0, and grows as it moves", () => {
    expect(populationStabilityIndex([10, 20, 30], [1, 2, 3])).toBeCloseTo(0, 12);
    // (0.5-0.25)ln(2) + (0.25-0.5)ln(0.5) = 0.25 ln 4
    expect(populationStabilityIndex([25, 50, 25], [50, 25, 25])).toBeCloseTo(0.25 * Math.log(4), 12);
    // An empty bin counts as 1e-4 of its side.
    expect(populationStabilityIndex([1, 1], [2, 0])).toBeCloseTo((1 - 0.5) * Math.log(1 / 0.5) + (1e-4 - 0.5) * Math.log(1e-4 / 0.5), 12);
    expect(populationStabilityIndex([0, 0], [1, 2])).toBeNaN();
    expect(() => populationStabilityIndex([1], [1, 2])).toThrow(/bins differ/);
  });

  it("bands: < 0.1 none, 0.1–0.25 minor, > 0.25 major", () => {
    expect([0, 0.099, 0.1, 0.25, 0.2501, Number.NaN].map(psiBand)).toEqual(["none", "none", "minor", "minor", "major", "none"]);
  });

  it("KS matches its definition (the largest CDF gap, over every value)", () => {
    expect(ksStatistic([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(ksStatistic([1, 2], [3, 4])).toBe(1);
    expect(ksStatistic([1, 2, 3, 4], [3, 4, 5, 6])).toBe(0.5);
    expect(ksStatistic([], [1])).toBeNaN();
    assertProperty(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1 }),
        fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1 }),
        (a, b) => {
          let want = 0;
          for (const t of [...a, ...b]) {
            const fa = a.filter((v) => v <= t).length / a.length;
            const fb = b.filter((v) => v <= t).length / b.length;
            want = Math.max(want, Math.abs(fa - fb));
          }
          expect(ksStatistic(a, b)).toBeCloseTo(want, 12);
          expect(
            ksFromCdfPoints(
              [...a, ...b].map((t) => ({
                expected: a.filter((v) => v <= t).length / a.length,
                actual: b.filter((v) => v <= t).length / b.length,
              })),
            ),
          ).toBeCloseTo(want, 12);
        },
      ),
      { runs: 200, minRuns: 50, seconds: 10 },
    );
  });

  it("quantile edges split values into bins of about equal counts", () => {
    const values = Array.from({ length: 1000 }, (_, i) => i);
    const edges = quantileEdges(values, 10);
    expect(edges).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900]);
    expect(binCounts(values, edges)).toEqual(new Array(10).fill(100));
    expect(quantileEdges([5, 5, 5], 10)).toEqual([]);
    expect(binCounts([5, 5, Number.NaN], [])).toEqual([2]);
    expect(binCounts([0, 1, 1, 2], [1])).toEqual([1, 3]);
  });
});
