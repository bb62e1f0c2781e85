/**
 * `drift:` in `fcompile test` on every warehouse (real DuckDB and PostgreSQL): a profile saved
 * for January, then February (the same distribution) passes and March (shifted) fails with a PSI
 * over 0.25 in the major band; a baseline naming no saved profile is a warning of `build` and an
 * error of `test` at the `baseline:` value; the JUnit file still validates; every run writes
 * target/test_results.json. Uses dist/ (`npm run build` first).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestResult } from "../src/commands/test.js";
import { fcompileIn, fcompileOk } from "./helpers/cli.js";
import { closeTestTargets, DIALECT_NAMES, TEST_TARGETS } from "./helpers/targets.js";
import type { CaseWarehouse } from "./helpers/targets.js";
import { writeEventsProject } from "./helpers/events-project.js";

describe.each(DIALECT_NAMES)("drift in fcompile test on %s", (dialect) => {
  let dir: string;
  let wh: CaseWarehouse;
  const run = async (...args: string[]): Promise<{ status: number | null; r: TestResult }> => {
    const out = await fcompileIn(dir, "test", "--json", ...args);
    expect(out.stderr).toBe("");
    return { status: out.status, r: JSON.parse(out.stdout) as TestResult };
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "fc-drift-"));
    writeEventsProject(dir);
    wh = await TEST_TARGETS[dialect].prepare(dir);
    writeFileSync(path.join(dir, "fcompile.yaml"), `name: p\ntarget: w\ntargets:\n  w: ${JSON.stringify(wh.target)}\n`);
    await fcompileOk(dir, "build");
    await fcompileOk(dir, "run");
    await fcompileOk(dir, "profile", "--end", "2025-02-01", "--window", "31d", "--save", "jan");
    writeEventsProject(dir, ", drift: { baseline: jan }");
    await fcompileOk(dir, "build");
  });
  afterAll(async () => {
    await wh.cleanup();
    await closeTestTargets();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the same distribution passes; the shifted month fails with PSI > 0.25 (major)", async () => {
    const same = await run("--at", "2025-03-01", "--window", "28d");
    expect(same.status).toBe(0);
    expect(same.r.tests.map((t) => `${t.name} ${t.kind} ${t.status}`)).toEqual([
      "qty__drift drift pass",
      "amount__drift drift pass",
      "segment__drift drift pass",
      "flag__drift drift pass",
    ]);
    for (const t of same.r.tests) {
      expect(t.psi).toBeLessThan(0.1);
      expect(t.band).toBe("none");
      expect(t.baseline).toBe("jan");
    }
    // Numbers get a KS statistic; the rest none.
    expect(typeof same.r.tests[1]!.ks).toBe("number");
    expect(same.r.tests[2]!.ks).toBeNull();

    const shifted = await run("--at", "2025-04-01", "--window", "31d");
    expect(shifted.status).toBe(1);
    const byName = Object.fromEntries(shifted.r.tests.map((t) => [t.name, t]));
    for (const n of ["amount__drift", "segment__drift", "flag__drift"]) {
      expect(byName[n]).toMatchObject({ kind: "drift", status: "fail", failing: 1, band: "major", baseline: "jan", maxPsi: 0.25 });
      expect(byName[n]!.psi).toBeGreaterThan(0.25);
    }
    expect(byName["qty__drift"]).toMatchObject({ status: "pass" });
    expect(byName["amount__drift"]!.ks).toBeGreaterThan(0.2);
    // The sample: the bins whose share moved most, expected against actual.
    const seg = byName["segment__drift"]!.sample as { bin: string; expected: number; actual: number }[];
    expect(seg.find((b) => b.bin === "vip")!.actual).toBe(0);
    expect(seg.find((b) => b.bin === "gold")!.actual).toBeGreaterThan(0.5);

    const text = await fcompileIn(dir, "test", "--at", "2025-04-01", "--window", "31d");
    expect(text.stdout).toMatch(/^FAIL events\/amount__drift: PSI \d+\.\d\d \(major\) > 0\.25, KS \d\.\d\d against jan$/m);
    expect(text.stdout).toMatch(/^FAIL events\/segment__drift: PSI \d+\.\d\d \(major\) > 0\.25 against jan$/m);
    expect(text.stdout).toMatch(/^PASS events\/qty__drift: PSI 0\.\d\d \(none\) ≤ 0\.25, KS 0\.\d\d against jan$/m);
  });

  it("build writes the drift query with the baseline's bins; the JUnit file validates", async () => {
    const sql = readFileSync(path.join(dir, "target/compiled", dialect, "test/events/segment__drift.sql"), "utf8");
    expect(sql).toMatch(/WHEN 'vip' THEN \d/);
    const file = path.join(dir, "junit.xml");
    const out = await fcompileIn(dir, "test", "--at", "2025-04-01", "--window", "31d", "--junit", file);
    expect(out.status).toBe(1);
    const xml = readFileSync(file, "utf8");
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: "",
      isArray: (n) => ["testsuite", "testcase"].includes(n),
    }).parse(xml) as {
      testsuites: { tests: string; failures: string; testsuite: { testcase: { name: string; failure?: { message: string } }[] }[] };
    };
    expect(doc.testsuites).toMatchObject({ tests: "4", failures: "3" });
    const amount = doc.testsuites.testsuite[0]!.testcase.find((c) => c.name === "amount__drift")!;
    expect(amount.failure?.message).toMatch(/^PSI \d+\.\d\d \(major\) > 0\.25, KS \d\.\d\d against jan$/);
  });

  it("every run writes target/test_results.json: the --json object with generatedAt", async () => {
    const { r } = await run("--at", "2025-03-01", "--window", "28d");
    const saved = JSON.parse(readFileSync(path.join(dir, "target/test_results.json"), "utf8")) as TestResult & { generatedAt: string };
    expect(saved.generatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const { generatedAt: _, ...rest } = saved;
    expect(rest).toEqual(r);
  });

  it("a baseline naming no saved profile: build warns at the baseline, test fails there", async () => {
    writeEventsProject(dir, ", drift: { baseline: dec }");
    try {
      const build = await fcompileIn(dir, "build");
      expect(build.status).toBe(0);
      expect(build.stderr).toContain(
        "definitions/events.yml:13:54: warning FC011: drift baseline of 'events:qty': no profile 'profiles/dec.json'; save one with 'fcompile profile --save dec'",
      );
      const test = await fcompileIn(dir, "test");
      expect(test.status).toBe(1);
      expect(test.stderr).toContain(
        "definitions/events.yml:13:54: error FC011: drift baseline of 'events:qty': no profile 'profiles/dec.json'",
      );
      expect(test.stderr).toContain("definitions/events.yml:14:59: error FC011: drift baseline of 'events:amount'");
    } finally {
      writeEventsProject(dir, ", drift: { baseline: jan }");
    }
  });
});
