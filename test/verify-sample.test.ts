/**
 * `verify`'s sample: the same seed picks the same entities whatever order the warehouse streams
 * them in (the CLI promises it); other seeds pick others; every entity is about equally likely.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sampleRows } from "../src/commands/verify-sample.js";
import { assertAsyncProperty } from "./helpers/property.js";

async function* batches(rows: unknown[][], size: number): AsyncGenerator<unknown[][]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

const keyOf = (rows: unknown[][]): string[] => rows.map((r) => r.map(String).join("|")).sort();

describe("verify's sample", () => {
  it("does not depend on the order or batching of the rows", async () => {
    await assertAsyncProperty(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.string({ maxLength: 6 })), {
          maxLength: 300,
          selector: ([a, b]) => `${a}\u0000${b}`,
        }),
        fc.integer({ min: 0, max: 50 }),
        fc.integer(),
        fc.integer({ min: 1, max: 64 }),
        async (rows, n, seed, size) => {
          const shuffled = [...rows].reverse();
          const a = await sampleRows(batches(rows, 7), n, seed);
          const b = await sampleRows(batches(shuffled, size), n, seed);
          expect(a).toHaveLength(Math.min(n, rows.length));
          expect(keyOf(b)).toEqual(keyOf(a));
          // Every pick is one of the rows, picked once.
          expect(new Set(keyOf(a)).size).toBe(a.length);
        },
      ),
      { runs: 200, minRuns: 60, seconds: 30 },
    );
  });

  it("other seeds pick other entities, and each entity about as often as any other", async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => [i]);
    const counts = new Array<number>(1000).fill(0);
    const samples: string[][] = [];
    for (let seed = 1; seed <= 400; seed++) {
      const picked = await sampleRows(batches(rows, 100), 50, seed);
      samples.push(keyOf(picked));
      for (const [i] of picked) counts[i as number]!++;
    }
    expect(new Set(samples.map((s) => s.join(","))).size).toBe(400);
    // 400 samples of 50 out of 1000: each entity is expected 20 times (binomial, sd ≈ 4.4).
    const mean = counts.reduce((x, y) => x + y, 0) / counts.length;
    expect(mean).toBe(20);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...counts)).toBeLessThanOrEqual(45);
    // Early and late rows of the stream are picked alike (a broken reservoir favours one end).
    const firstHalf = counts.slice(0, 500).reduce((x, y) => x + y, 0);
    expect(Math.abs(firstHalf - 10_000)).toBeLessThan(600);
  });

  it("samples distinct entities when rows repeat (one view has many rows per entity)", async () => {
    // 50 entities with 1 to 20 rows each, streamed in any order: a sample of 30 holds 30 different entities.
    const rows = Array.from({ length: 50 }, (_, i) => Array.from({ length: 1 + (i % 20) }, () => [BigInt(i), `k${i}`])).flat();
    for (const seed of [1, 2, 3, 99]) {
      const picked = await sampleRows(batches(rows, 13), 30, seed);
      expect(picked).toHaveLength(30);
      expect(new Set(keyOf(picked)).size).toBe(30);
      const all = await sampleRows(batches([...rows].reverse(), 7), 1000, seed);
      expect(new Set(keyOf(all)).size).toBe(50);
      expect(all).toHaveLength(50);
    }
  });
});
