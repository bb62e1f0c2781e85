/**
 * `fcompile profile` on every warehouse (real DuckDB and PostgreSQL): the saved profile of a
 * plain view's rows in a window, checked against values computed here from the same rows (count,
 * NULL rate, min, max, mean, stddev, quantiles: exact on PostgreSQL, approximate on DuckDB;
 * histogram counts summing to the non-NULL count; top values); `build` writes the profile query.
 * Uses dist/ (`npm run build` first).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FeatureProfile, ProfileFile } from "../src/governance/profile/profile-file.js";
import { fcompileIn, fcompileOk } from "./helpers/cli.js";
import { eventRows, writeEventsProject } from "./helpers/events-project.js";
import { closeTestTargets, DIALECT_NAMES, TEST_TARGETS } from "./helpers/targets.js";
import type { CaseWarehouse } from "./helpers/targets.js";

/** The exact quantile `q` of sorted values, interpolated as percentile_cont does. */
function percentileCont(sorted: number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

describe.each(DIALECT_NAMES)("fcompile profile on %s", (dialect) => {
  let dir: string;
  let wh: CaseWarehouse;
  let saved: ProfileFile;
  // February: [2025-02-01, 2025-03-01).
  const feb = eventRows().filter((r) => r.ts >= "2025-02-01" && r.ts < "2025-03-01");

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "fc-profile-"));
    writeEventsProject(dir);
    wh = await TEST_TARGETS[dialect].prepare(dir);
    writeFileSync(path.join(dir, "fcompile.yaml"), `name: p\ntarget: w\ntargets:\n  w: ${JSON.stringify(wh.target)}\n`);
    await fcompileOk(dir, "build");
    await fcompileOk(dir, "run");
    const out = await fcompileIn(dir, "profile", "--end", "2025-03-01", "--window", "28d", "--save", "feb");
    expect(out.status).toBe(0);
    expect(out.stderr).toMatch(/profile saved to .*feb\.json/);
    saved = JSON.parse(readFileSync(path.join(dir, "profiles/feb.json"), "utf8")) as ProfileFile;
  });
  afterAll(async () => {
    await wh.cleanup();
    await closeTestTargets();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes profiles/NAME.json with the window and every feature", () => {
    expect(saved).toMatchObject({
      version: 1,
      name: "feb",
      project: "p",
      target: "w",
      start: "2025-02-01 00:00:00",
      end: "2025-03-01 00:00:00",
      window: "28d",
    });
    expect(Object.keys(saved.features)).toEqual(["events:qty", "events:amount", "events:segment", "events:flag"]);
    expect(saved.features["events:segment"]!.kind).toBe("categorical");
    expect(saved.features["events:flag"]!.kind).toBe("boolean");
  });

  it("numbers: count, NULLs, min, max, mean, stddev, quantiles, histogram", () => {
    const approx = dialect === "duckdb";
    for (const name of ["qty", "amount"] as const) {
      const p: FeatureProfile = saved.features[`events:${name}`]!;
      const values = feb
        .map((r) => r[name])
        .filter((v): v is number => v !== null)
        .sort((a, b) => a - b);
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
      expect(p).toMatchObject({
        kind: "numeric",
        count: feb.length,
        nullCount: feb.length - values.length,
        min: values[0],
        max: values.at(-1),
      });
      expect(p.nullRate).toBeCloseTo((feb.length - values.length) / feb.length, 12);
      expect(p.mean).toBeCloseTo(mean, 9);
      expect(p.stddev).toBeCloseTo(sd, 9);
      const exactDistinct = new Set(values).size;
      // Exact on both: counted from the value counts (a float's too, under 10,000 distinct values).
      expect(p.distinct).toBe(exactDistinct);
      const span = values.at(-1)! - values[0]!;
      expect(p.quantiles!.map((q) => q.q)).toEqual([0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99]);
      for (const { q, value } of p.quantiles!) {
        if (approx) expect(Math.abs(value! - percentileCont(values, q))).toBeLessThanOrEqual(0.05 * span);
        else expect(value).toBeCloseTo(percentileCont(values, q), 9);
      }
      const h = p.histogram!;
      expect(h).toHaveLength(10);
      expect(h[0]!.lower).toBe(values[0]);
      expect(h[9]!.upper).toBe(values.at(-1));
      expect(h.reduce((s, b) => s + b.count, 0)).toBe(values.length);
      // Each bin holds the values with lower ≤ v < upper (the last one its max too).
      h.forEach((b, k) => expect(b.count).toBe(values.filter((v) => v >= b.lower && (k === 9 ? v <= b.upper : v < b.upper)).length));
    }
  });

  it("categories and booleans: top values by count, ties by value; min and max", () => {
    const count = <T>(xs: T[]): Map<T, number> => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<T, number>());
    const seg = [...count(feb.map((r) => r.segment))].map(([value, n]) => ({ value, count: n }));
    seg.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
    const s = saved.features["events:segment"]!;
    expect(s).toMatchObject({ count: feb.length, nullCount: 0, distinct: 4, min: "gold", max: "vip", topValues: seg });
    const f = saved.features["events:flag"]!;
    const trues = feb.filter((r) => r.flag).length;
    expect(f).toMatchObject({ min: false, max: true, nullCount: 0 });
    expect(f.topValues).toEqual(
      [
        { value: true, count: trues },
        { value: false, count: feb.length - trues },
      ].sort((a, b) => b.count - a.count),
    );
    const qty = saved.features["events:qty"]!;
    const qtyTop = [...count(feb.map((r) => r.qty))].map(([value, n]) => ({ value, count: n }));
    qtyTop.sort((a, b) => b.count - a.count || a.value - b.value);
    expect(qty.topValues).toEqual(qtyTop);
  });

  it("prints a summary, or the JSON object; every row without --window", async () => {
    const text = await fcompileIn(dir, "profile", "--end", "2025-03-01", "--window", "28d", "--select", "events");
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^events:segment \(string\): 600 rows, 0 NULL \(0\.0%\)/m);
    expect(text.stdout).toMatch(/^profile: 4 features; rows \[2025-02-01 00:00:00, 2025-03-01 00:00:00\) UTC$/m);
    const all = await fcompileIn(dir, "profile", "--json");
    const p = JSON.parse(all.stdout) as ProfileFile;
    expect(p.start).toBeNull();
    expect(p.features["events:qty"]!.count).toBe(1800);
  });

  it("build writes each view's profile query with the tests' window parameters", () => {
    const sql = readFileSync(path.join(dir, "target/compiled", dialect, "profile/events.sql"), "utf8");
    expect(sql).toMatch(/^-- fcompile profile: events/);
    expect(sql).toContain(dialect === "duckdb" ? "getvariable('fc_start')" : "fcompile.start_time");
    expect(sql).toContain(dialect === "duckdb" ? "approx_quantile" : "percentile_cont");
  });

  it("usage errors exit 2", async () => {
    expect((await fcompileIn(dir, "profile", "--window", "soon")).status).toBe(2);
    expect((await fcompileIn(dir, "profile", "--select", "evnts")).status).toBe(2);
    expect((await fcompileIn(dir, "profile", "--save", "../x")).status).toBe(2);
  });
});
