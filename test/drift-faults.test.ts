/**
 * The faults a new user found in `profile` and `drift:` (DuckDB and PostgreSQL, real): a count
 * feature shifted from all 0 to all 1 is major drift (bins by value and beyond the range); a
 * float's NaN and ±inf are left out of the profile and of drift (identical rows: PSI 0); huge
 * values do not overflow the stddev; only profiles a baseline names are read, and a wrong-shaped
 * or stale (type changed) one is FC011 at the `baseline:`; profile --end without --window profiles
 * rows before end; test --at without --window tests rows before at and freshness counts only
 * events before at; an empty window warns; --junit into a new folder, --alert-webhook checked.
 * Uses dist/ (`npm run build` first).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestResult } from "../src/commands/test.js";
import type { CompiledDrift, DriftBins } from "../src/governance/drift/compile-drift.js";
import { driftBins } from "../src/governance/drift/compile-drift.js";
import { driftVerdict } from "../src/governance/drift/drift-result.js";
import type { FeatureProfile, ProfileFile } from "../src/governance/profile/profile-file.js";
import { fcompileIn, fcompileOk } from "./helpers/cli.js";
import { closeTestTargets, DIALECT_NAMES, TEST_TARGETS } from "./helpers/targets.js";
import type { CaseWarehouse } from "./helpers/targets.js";

/** 100 users × 2 days: n is 0 on day 1 and 1 on day 2; big has 2 NaN, 1 inf and 1 -inf; huge ~1e300. */
function accountsCsv(): string {
  const lines = ["user_id,ts,score,plan,nullcol,big,huge,n"];
  for (const day of [1, 2])
    for (let u = 1; u <= 100; u++) {
      const i = (day - 1) * 100 + u;
      const big = i === 7 || i === 150 ? "NaN" : i === 20 ? "Infinity" : i === 120 ? "-Infinity" : String((i * 37) % 101);
      lines.push(`${u},2025-03-0${day} 12:00:00,${(u % 10) / 10},${u % 3 === 0 ? "pro" : "free"},,${big},${(u % 7) + 1}e300,${day - 1}`);
    }
  return lines.join("\n") + "\n";
}

function writeProject(dir: string, opts: { drift?: string; scoreType?: string } = {}): void {
  const d = opts.drift ?? "";
  mkdirSync(path.join(dir, "data"), { recursive: true });
  mkdirSync(path.join(dir, "definitions"), { recursive: true });
  writeFileSync(path.join(dir, "data/accounts.csv"), accountsCsv());
  writeFileSync(
    path.join(dir, "definitions/accounts.yml"),
    [
      "entities:",
      "  - name: user",
      "    join_keys: [{ name: user_id, type: int64 }]",
      "sources:",
      "  - name: accounts",
      "    path: ../data/accounts.csv",
      "    timestamp: ts",
      "feature_views:",
      "  - name: accounts",
      "    entities: [user]",
      "    source: accounts",
      "    freshness: {warn_after: 1d}",
      "    features:",
      `      - { name: score, type: ${opts.scoreType ?? "float64"}${d} }`,
      "      - { name: plan, type: string }",
      "      - { name: nullcol, type: float64 }",
      `      - { name: big, type: float64${d} }`,
      "      - { name: huge, type: float64 }",
      `      - { name: n, type: int64${d} }`,
      "",
    ].join("\n"),
  );
}

describe.each(DIALECT_NAMES)("profile and drift faults on %s", (dialect) => {
  let dir: string;
  let wh: CaseWarehouse;
  let all: ProfileFile;
  const testJson = async (...args: string[]): Promise<{ status: number | null; r: TestResult; stderr: string }> => {
    const out = await fcompileIn(dir, "test", "--json", ...args);
    return { status: out.status, r: JSON.parse(out.stdout || "null") as TestResult, stderr: out.stderr };
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "fc-driftfaults-"));
    writeProject(dir);
    wh = await TEST_TARGETS[dialect].prepare(dir);
    writeFileSync(path.join(dir, "fcompile.yaml"), `name: p\ntarget: w\ntargets:\n  w: ${JSON.stringify(wh.target)}\n`);
    await fcompileOk(dir, "build");
    await fcompileOk(dir, "run");
    await fcompileOk(dir, "profile", "--end", "2025-03-02", "--window", "1d", "--save", "day1");
    await fcompileOk(dir, "profile", "--end", "2025-03-03", "--save", "all");
    all = JSON.parse(readFileSync(path.join(dir, "profiles/all.json"), "utf8")) as ProfileFile;
    writeProject(dir, { drift: ", drift: { baseline: day1 }" });
    await fcompileOk(dir, "build");
  });
  afterAll(async () => {
    await wh.cleanup();
    await closeTestTargets();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a count feature moved from all 0 to all 1 is major drift, KS 1", async () => {
    const { status, r } = await testJson("--at", "2025-03-03", "--window", "1d");
    expect(status).toBe(1);
    const n = r.tests.find((t) => t.name === "n__drift")!;
    expect(n.status).toBe("fail");
    expect(n.band).toBe("major");
    expect(n.ks).toBe(1);
    // The same day against itself: no drift.
    const same = await testJson("--at", "2025-03-02", "--window", "1d");
    expect(same.r.tests.map((t) => `${t.name} ${t.status} ${t.psi}`)).toEqual([
      "score__drift pass 0",
      "big__drift pass 0",
      "n__drift pass 0",
    ]);
  });

  it("a float's NaN and ±inf are left out of the profile: finite statistics, counted apart", () => {
    const big = all.features["accounts:big"]!;
    expect(big.count).toBe(200);
    expect(big.nullCount).toBe(0);
    expect(big.nonFiniteCount).toBe(4);
    expect(Number.isFinite(big.min)).toBe(true);
    expect(Number.isFinite(big.max)).toBe(true);
    expect(Number.isFinite(big.mean)).toBe(true);
    expect(Number.isFinite(big.stddev)).toBe(true);
    for (const q of big.quantiles!) expect(Number.isFinite(q.value)).toBe(true);
    for (const b of big.histogram!) expect(Number.isFinite(b.lower) && Number.isFinite(b.upper)).toBe(true);
    expect(big.histogram!.reduce((s, b) => s + b.count, 0)).toBe(196);
    expect(big.topValues!.every((t) => Number.isFinite(t.value))).toBe(true);
    const nullcol = all.features["accounts:nullcol"]!;
    expect(nullcol).toMatchObject({ count: 200, nullCount: 200, nonFiniteCount: 0, min: null, mean: null, histogram: [] });
  });

  it("huge values (1e300) get a finite mean and stddev, not an overflow", () => {
    const huge = all.features["accounts:huge"]!;
    expect(huge.mean! / 4e300).toBeCloseTo(1, 1);
    expect(huge.stddev! / 2e300).toBeCloseTo(1, 0);
  });

  it("identical rows with NaN and inf do not drift (PSI 0)", async () => {
    writeProject(dir, { drift: ", drift: { baseline: all }" });
    await fcompileOk(dir, "build");
    const sql = readFileSync(path.join(dir, `target/compiled/${dialect}/test/accounts/big__drift.sql`), "utf8");
    expect(sql).not.toMatch(/< null|NaN/i);
    const { r } = await testJson("--at", "2025-03-03");
    expect(r.tests.map((t) => `${t.name} ${t.status} ${t.psi}`)).toEqual(["score__drift pass 0", "big__drift pass 0", "n__drift pass 0"]);
    writeProject(dir, { drift: ", drift: { baseline: day1 }" });
    await fcompileOk(dir, "build");
  });

  it("profile --end without --window profiles the rows before end; test --at without --window likewise, and freshness", async () => {
    const out = await fcompileIn(dir, "profile", "--end", "2025-03-02", "--json");
    expect(out.status).toBe(0);
    const p = JSON.parse(out.stdout) as ProfileFile;
    expect(p).toMatchObject({ start: null, end: "2025-03-02 00:00:00", window: null });
    expect(p.features["accounts:n"]).toMatchObject({ count: 100, max: 0 });
    const { r } = await testJson("--at", "2025-03-02 18:00:00");
    expect(r.start).toBeNull();
    expect(r.tests.find((t) => t.name === "n__drift")!.status).toBe("fail");
    expect(r.freshness[0]).toMatchObject({ newest: "2025-03-02 12:00:00", ageSeconds: 6 * 3600, status: "pass" });
    const before = await testJson("--at", "2025-03-02 06:00:00");
    expect(before.r.freshness[0]).toMatchObject({ newest: "2025-03-01 12:00:00", ageSeconds: 18 * 3600, status: "pass" });
  });

  it("a profile of an empty window warns", async () => {
    const out = await fcompileIn(dir, "profile", "--end", "2024-01-01", "--window", "1d", "--save", "empty");
    expect(out.status).toBe(0);
    expect(out.stderr).toMatch(
      /warning: view accounts has no row in the profiled window \[2023-12-31 00:00:00, 2024-01-01 00:00:00\) UTC; the saved profile holds no distribution/,
    );
  });

  it("a corrupt profile no baseline names is ignored; a wrong-shaped baseline is FC011 at baseline:", async () => {
    writeFileSync(path.join(dir, "profiles/scratch.json"), "{oops");
    await fcompileOk(dir, "build");
    expect((await testJson("--at", "2025-03-02", "--window", "1d")).status).toBe(0);
    await fcompileOk(dir, "plan");
    const good = readFileSync(path.join(dir, "profiles/day1.json"), "utf8");
    const bad = JSON.parse(good) as { features: Record<string, Record<string, unknown>> };
    bad.features["accounts:big"]!.histogram = "x";
    bad.features["accounts:n"]!.histogram = [{ lower: 0, upper: 0, count: -1 }];
    delete bad.features["accounts:score"]!.histogram;
    writeFileSync(path.join(dir, "profiles/day1.json"), JSON.stringify(bad));
    const out = await fcompileIn(dir, "test", "--at", "2025-03-02", "--window", "1d");
    writeFileSync(path.join(dir, "profiles/day1.json"), good);
    expect(out.status).toBe(1);
    expect(out.stderr).not.toMatch(/internal error/);
    expect(out.stderr).toMatch(
      /definitions\/accounts\.yml:\d+:\d+: error FC011: drift baseline of 'accounts:score': profiles\/day1\.json is not a saved profile: .*histogram/,
    );
    expect(out.stderr).toMatch(/\/features\/accounts:big\/histogram: must be array/);
    expect(out.stderr).toMatch(/\/features\/accounts:n\/histogram\/0\/count: must be >= 0/);
  });

  it("a baseline saved before a type change is FC011 naming both types", async () => {
    writeProject(dir, { drift: ", drift: { baseline: day1 }", scoreType: "string" });
    const b = await fcompileIn(dir, "build");
    expect(b.stderr).toMatch(
      /warning FC011: drift baseline of 'accounts:score': profiles\/day1\.json profiled 'accounts:score' as float64, but it is declared string/,
    );
    const out = await fcompileIn(dir, "test", "--at", "2025-03-02", "--window", "1d");
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/definitions\/accounts\.yml:\d+:\d+: error FC011: .*as float64, but it is declared string/);
    writeProject(dir, { drift: ", drift: { baseline: day1 }" });
    await fcompileOk(dir, "build");
  });

  it("--junit into a missing folder creates it; a bad --alert-webhook is a usage error before running; an unreachable one says why", async () => {
    const junit = path.join(dir, "reports/new/j.xml");
    const j = await fcompileIn(dir, "test", "--at", "2025-03-02", "--window", "1d", "--junit", junit);
    expect(j.status).toBe(0);
    expect(existsSync(junit)).toBe(true);
    const u = await fcompileIn(dir, "test", "--at", "2025-03-02", "--window", "1d", "--alert-webhook", "notaurl");
    expect(u.status).toBe(2);
    expect(u.stdout).toBe("");
    expect(u.stderr).toMatch(/--alert-webhook 'notaurl' is not a URL/);
    // A port nothing listens on: one the system gave and took back.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const url = `http://127.0.0.1:${port}/hook`;
    const f = await fcompileIn(dir, "test", "--at", "2025-03-03", "--window", "1d", "--alert-webhook", url);
    expect(f.status).toBe(1);
    expect(f.stderr).toContain(`--alert-webhook ${url}: cannot post the failures: fetch failed: connect ECONNREFUSED`);
  });
});

describe("drift bins of a number", () => {
  const numeric = (extra: Partial<FeatureProfile>): FeatureProfile => ({
    view: "v",
    feature: "f",
    type: "int64",
    kind: "numeric",
    count: 50,
    nullCount: 0,
    nullRate: 0,
    distinct: 1,
    min: 0,
    max: 0,
    ...extra,
  });
  const check = (bins: DriftBins): CompiledDrift => ({
    view: "v",
    feature: "f",
    name: "f__drift",
    kind: "drift",
    path: "",
    sql: "",
    baseline: "b",
    maxPsi: 0.25,
    bins,
  });

  it("a constant (every quantile edge 0) is binned by value: all 1 is major drift, KS 1", () => {
    const bins = driftBins(
      numeric({
        histogram: Array.from({ length: 10 }, (_, k) => ({ lower: 0, upper: 0, count: k === 9 ? 50 : 0 })),
        topValues: [{ value: 0, count: 50 }],
      }),
    )!;
    expect(bins.labels).toEqual(["< 0", "0", "> 0"]);
    expect(bins.expected).toEqual([0, 50, 0]);
    const v = driftVerdict(check(bins), [{ bin: 2, n: 40 }]);
    expect(v).toMatchObject({ status: "fail", band: "major", ks: 1 });
    expect(driftVerdict(check(bins), [{ bin: 1, n: 40 }])).toMatchObject({ status: "pass", psi: 0, ks: 0 });
  });

  it("many values: the histogram's distinct edges, with a bin below min and one above max", () => {
    const histogram = Array.from({ length: 10 }, (_, k) => ({
      lower: k === 0 ? 0 : k * 10,
      upper: k === 9 ? 100 : (k + 1) * 10,
      count: 10,
    }));
    const bins = driftBins(numeric({ type: "float64", count: 100, distinct: 100, min: 0, max: 100, histogram }))!;
    expect(bins.labels[0]).toBe("< 0");
    expect(bins.labels[bins.labels.length - 1]).toBe("> 100");
    expect(bins.labels[10]).toBe("[90, 100]");
    expect(bins.expected).toEqual([0, ...new Array<number>(10).fill(10), 0]);
    expect(bins.cuts!.map((c) => `${c.inclusive ? "<=" : "<"}${c.at}`)).toEqual([
      "<0",
      "<10",
      "<20",
      "<30",
      "<40",
      "<50",
      "<60",
      "<70",
      "<80",
      "<90",
      "<=100",
    ]);
    // Every tested value above the baseline's max: the bin the baseline left empty.
    expect(driftVerdict(check(bins), [{ bin: 11, n: 100 }])).toMatchObject({ status: "fail", ks: 1 });
  });
});
