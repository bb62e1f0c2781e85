/**
 * `fcompile monitor`'s comparison of one feature (src/governance/monitor/compare.ts) on values
 * made here: category bins, nearest-rank ages, each threshold, and a feature the training set lacks.
 */
import { describe, expect, it } from "vitest";
import { ageSummary, categoryPsi, compareFeature } from "../src/governance/monitor/compare.js";
import type { ServedFeature } from "../src/governance/monitor/served-log.js";

function served(values: ServedFeature["values"], extra: Partial<ServedFeature> = {}): ServedFeature {
  return { name: "x", ref: "v:x", count: values.length, statuses: { PRESENT: values.length }, values, ages: [], ...extra };
}

const LIMITS = { maxPsi: 0.25, maxMissingIncrease: 0.1 };
const range = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

describe("compareFeature", () => {
  it("passes the same distribution, fails a shifted one on PSI and (when given) KS", () => {
    const training = { count: 1000, nullCount: 0, values: range(1000, (i) => i) };
    const same = compareFeature(served(range(500, (i) => i * 2)), "numeric", training, { ...LIMITS, maxKs: 0.1 });
    expect(same).toMatchObject({ status: "pass", band: "none", failures: [] });
    expect(same.ks!).toBeLessThan(0.01);
    const shifted = compareFeature(served(range(500, (i) => 600 + i)), "numeric", training, { ...LIMITS, maxKs: 0.1 });
    expect(shifted.status).toBe("fail");
    expect(shifted.band).toBe("major");
    expect(shifted.ks).toBe(0.6);
    expect(shifted.failures[1]).toBe("KS 0.600 > 0.1");
  });

  it("reads int64 text, NaN text and timestamps", () => {
    const training = { count: 3, nullCount: 0, values: [1, 2, 3] };
    const r = compareFeature(served(["9007199254740993", "NaN", 2n, 1]), "numeric", training, LIMITS);
    expect(r.ks).toBeCloseTo(1 / 3); // NaN dropped; 1, 2 and 2^53 + 1 against 1, 2, 3: apart only past 3
    const t = compareFeature(served(["2025-01-01T00:00:00Z"]), "timestamp", { count: 1, nullCount: 0, values: [1735689600] }, LIMITS);
    expect(t.ks).toBe(0);
  });

  it("drops NaN and ±Infinity on both sides: 0…9 with ten 'Infinity' served against 0…9 is no skew", () => {
    const digits = range(100, (i) => i % 10);
    const training = { count: 102, nullCount: 0, values: [...digits, Infinity, NaN] };
    const r = compareFeature(
      served([...digits, ...new Array<string>(10).fill("Infinity"), "-Infinity", "NaN"]),
      "numeric",
      training,
      LIMITS,
    );
    expect(r).toMatchObject({ psi: 0, ks: 0, band: "none", status: "pass" });
  });

  it("fails on the missing rate against the training null rate, and on p95 age", () => {
    const training = { count: 10, nullCount: 2, values: range(8, (i) => i) };
    const f = served([1, 2, 3], { count: 10, statuses: { PRESENT: 3, NOT_FOUND: 6, NULL_VALUE: 1 }, ages: range(20, (i) => i * 60) });
    const r = compareFeature(f, "numeric", training, { ...LIMITS, maxAgeSeconds: 600 });
    expect(r.servedMissingRate).toBe(0.7);
    expect(r.missingIncrease).toBeCloseTo(0.5);
    expect(r.failures.slice(-2)).toEqual(["missing 70.0% served vs 20.0% null in training (> +10.0%)", "p95 age 18m > 10m"]);
    // In seconds when the units would show the two alike.
    expect(compareFeature(f, "numeric", training, { ...LIMITS, maxAgeSeconds: 1079 }).failures.at(-1)).toBe("p95 age 1080s > 1079s");
    expect(r.age).toEqual({ median: 540, p95: 1080, max: 1140 });
  });

  it("reports a feature the training set lacks without failing it", () => {
    const r = compareFeature(served(["a"]), "categorical", undefined, LIMITS);
    expect(r).toMatchObject({ status: "not_in_training", psi: null, trainingNullRate: null, failures: [] });
  });
});

describe("categoryPsi", () => {
  it("bins the training set's top values, and every other value together", () => {
    expect(categoryPsi(["a", "a", "b", "c"], ["a", "a", "b", "c"])).toBe(0);
    // Values never seen in training share the last bin with the training set's rare values.
    const train = [...range(21, (i) => i).map(String), "0"];
    expect(categoryPsi(train, ["x", "y"])).toBeGreaterThan(1);
  });
});

describe("ageSummary", () => {
  it("takes nearest ranks, and is null for no ages", () => {
    expect(ageSummary([])).toBeNull();
    expect(ageSummary([5])).toEqual({ median: 5, p95: 5, max: 5 });
    expect(ageSummary(range(100, (i) => 100 - i))).toEqual({ median: 50, p95: 95, max: 100 });
  });
});
