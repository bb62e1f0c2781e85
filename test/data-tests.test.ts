/**
 * `fcompile test` on every warehouse (real DuckDB and PostgreSQL): a null spike, out-of-range
 * values, an unexpected category and duplicate (keys, ts) rows fail; a clean feature passes; a
 * stale view warns, then fails; exit codes; the JUnit file parses back with the right counts;
 * the webhook receives the failures. Uses dist/ (`npm run build` first).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestResult } from "../src/commands/test.js";
import { fcompileIn, fcompileOk } from "./helpers/cli.js";
import { DIALECT_NAMES, TEST_TARGETS } from "./helpers/targets.js";
import type { CaseWarehouse } from "./helpers/targets.js";

describe.each(DIALECT_NAMES)("fcompile test on %s", (dialect) => {
  let dir: string;
  let wh: CaseWarehouse;
  const json = async (...args: string[]): Promise<{ status: number | null; r: TestResult }> => {
    const out = await fcompileIn(dir, "test", "--target", "w", "--json", ...args);
    expect(out.stderr).toBe("");
    return { status: out.status, r: JSON.parse(out.stdout) as TestResult };
  };
  const byName = (r: TestResult): Record<string, { status: string; failing: number; sample: Record<string, unknown>[] }> =>
    Object.fromEntries(r.tests.map((t) => [`${t.view}/${t.name}`, t]));

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "fc-datatests-"));
    cpSync("test/fixtures/governance", dir, { recursive: true });
    wh = await TEST_TARGETS[dialect].prepare(dir);
    writeFileSync(path.join(dir, "fcompile.yaml"), `name: t\ntarget: w\ntargets:\n  w: ${JSON.stringify(wh.target)}\n`);
    await fcompileOk(dir, "build");
    await fcompileOk(dir, "run");
  });
  afterAll(async () => {
    await wh.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("finds the null spike, out-of-range values, the unexpected category and duplicate rows; a clean feature passes", async () => {
    const { status, r } = await json("--at", "2025-01-05T12:00:00Z");
    expect(status).toBe(1);
    expect(r.ok).toBe(false);
    const t = byName(r);
    expect(t["orders_checked/amount__not_null"]).toMatchObject({
      status: "fail",
      failing: 1,
      sample: [{ customer_id: 2, ts: "2025-01-02 10:00:00", amount: null }],
    });
    expect(t["orders_checked/amount__range"]).toMatchObject({ status: "fail", failing: 1, sample: [{ customer_id: 3, amount: 5000 }] });
    expect(t["orders_checked/segment__accepted_values"]).toMatchObject({
      status: "fail",
      failing: 1,
      sample: [{ customer_id: 4, segment: "gold" }],
    });
    expect(t["orders_checked/discount__max_null_rate"]).toMatchObject({ status: "fail", failing: 1 });
    expect(Number(t["orders_checked/discount__max_null_rate"]!.sample[0]!.null_count)).toBe(2);
    expect(Number(t["orders_checked/discount__max_null_rate"]!.sample[0]!.null_rate)).toBeCloseTo(2 / 6, 12);
    expect(t["orders_checked/unique_per_entity_and_time"]).toMatchObject({ status: "fail", failing: 1 });
    expect(Number(t["orders_checked/unique_per_entity_and_time"]!.sample[0]!.row_count)).toBe(2);
    expect(t["order_counts/unique_per_entity_and_time"]).toMatchObject({ status: "fail", failing: 1 });
    // Aggregation features: the training values at each entity's latest event, whose window [T − 7d, T)
    // leaves that event out; every customer's events share one time, so none has an earlier one.
    expect(t["order_counts/orders_7d__range"]).toMatchObject({ status: "pass", failing: 0 });
    expect(t["order_counts/max_amount_7d__not_null"]).toMatchObject({ status: "fail", failing: 5 });
    for (const n of ["qty__not_null", "qty__range", "qty__accepted_values"])
      expect(t[`orders_qty/${n}`]).toMatchObject({ status: "pass", failing: 0, sample: [] });
    expect(r.freshness.find((f) => f.view === "orders_checked")).toMatchObject({
      status: "pass",
      newest: "2025-01-05 10:00:00",
      ageSeconds: 7200,
    });
  });

  it("build writes each test's query under target/compiled/<dialect>/test/<view>/", () => {
    const sql = readFileSync(path.join(dir, "target/compiled", dialect, "test/orders_checked/amount__not_null.sql"), "utf8");
    expect(sql).toMatch(/WHERE "amount" IS NULL;\n$/);
  });

  it("exits 0 when the chosen views are clean", async () => {
    const { status, r } = await json("--at", "2025-01-05T12:00:00Z", "--select", "orders_qty");
    expect(status).toBe(0);
    expect(r.ok).toBe(true);
    expect(r.tests.map((t) => t.status)).toEqual(["pass", "pass", "pass"]);
    const text = await fcompileIn(dir, "test", "--at", "2025-01-05T12:00:00Z", "--select", "orders_qty");
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^PASS orders_qty\/qty__not_null$/m);
    expect(text.stdout).toMatch(/test ok: 4 checks, 0 failed, 0 warned/);
  });

  it("tests only the rows of [at − window, at)", async () => {
    const { r } = await json("--at", "2025-01-04T00:00:00Z", "--window", "2d", "--select", "orders_checked");
    expect(r.start).toBe("2025-01-02 00:00:00");
    const t = byName(r);
    expect(t["orders_checked/amount__not_null"]).toMatchObject({ status: "fail", failing: 1 });
    expect(t["orders_checked/amount__range"]).toMatchObject({ status: "fail", failing: 1 });
    expect(t["orders_checked/segment__accepted_values"]).toMatchObject({ status: "pass" });
    expect(t["orders_checked/unique_per_entity_and_time"]).toMatchObject({ status: "pass" });
    // Both rows of the window have no discount: a rate of 1.
    expect(Number(t["orders_checked/discount__max_null_rate"]!.sample[0]!.null_rate)).toBe(1);
  });

  it("a stale view warns after warn_after (exit 0) and fails after error_after (exit 1)", async () => {
    const warn = await json("--at", "2025-01-07T00:00:00Z", "--select", "orders_qty,orders_checked");
    expect(warn.r.freshness.find((f) => f.view === "orders_checked")).toMatchObject({ status: "warn", ageSeconds: 38 * 3600 });
    const qtyOnly = await json("--at", "2025-01-07T00:00:00Z", "--select", "orders_qty");
    expect(qtyOnly.status).toBe(0);
    const fail = await json("--at", "2025-01-10T00:00:00Z");
    expect(fail.status).toBe(1);
    expect(fail.r.freshness.find((f) => f.view === "orders_checked")).toMatchObject({ status: "fail" });
    expect(fail.r.freshness.find((f) => f.view === "orders_qty")).toMatchObject({ status: "pass" });
    const stale = await fcompileIn(dir, "test", "--at", "2025-01-07T00:00:00Z", "--select", "orders_checked");
    expect(stale.stdout).toMatch(
      /^WARN orders_checked\/freshness: newest event 2025-01-05 10:00:00 UTC, 1\.6d old \(warn_after 1d, error_after 3d\)$/m,
    );
  });

  it("writes a JUnit file that parses back with the right counts", async () => {
    const file = path.join(dir, "junit.xml");
    const r = await fcompileIn(dir, "test", "--at", "2025-01-07T00:00:00Z", "--junit", file);
    expect(r.status).toBe(1);
    const xml = readFileSync(file, "utf8");
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: "",
      isArray: (n) => ["testsuite", "testcase"].includes(n),
    }).parse(xml) as {
      testsuites: {
        tests: string;
        failures: string;
        testsuite: { name: string; tests: string; failures: string; testcase: { name: string; failure?: { message: string } }[] }[];
      };
    };
    expect(doc.testsuites).toMatchObject({ tests: "13", failures: "7" });
    const suites = Object.fromEntries(doc.testsuites.testsuite.map((s) => [s.name, s]));
    expect(suites.orders_checked).toMatchObject({ tests: "6", failures: "5" });
    expect(suites.orders_qty).toMatchObject({ tests: "4", failures: "0" });
    expect(suites.order_counts).toMatchObject({ tests: "3", failures: "2" });
    const amount = suites.orders_checked!.testcase.find((c) => c.name === "amount__not_null")!;
    expect(amount.failure?.message).toBe("1 failing row");
    expect(suites.orders_checked!.testcase.find((c) => c.name === "freshness")!.failure).toBeUndefined();
  });

  it("posts the failures to --alert-webhook", async () => {
    const got: { path: string; type: string; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        got.push({ path: req.url ?? "", type: req.headers["content-type"] ?? "", body });
        res.end("ok");
      });
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    try {
      const clean = await fcompileIn(dir, "test", "--at", "2025-01-05T12:00:00Z", "--select", "orders_qty", "--alert-webhook", url);
      expect(clean.status).toBe(0);
      expect(got).toEqual([]);
      const failed = await fcompileIn(dir, "test", "--at", "2025-01-10T00:00:00Z", "--alert-webhook", url);
      expect(failed.status).toBe(1);
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ path: "/hook", type: "application/json" });
      const body = JSON.parse(got[0]!.body) as {
        project: string;
        failures: { check: string; view: string; name?: string; status: string }[];
      };
      expect(body.project).toBe("t");
      expect(body.failures.map((f) => `${f.check}:${f.view}/${f.name ?? ""}`).sort()).toEqual(
        [
          "freshness:orders_checked/",
          "test:order_counts/unique_per_entity_and_time",
          "test:order_counts/max_amount_7d__not_null",
          "test:orders_checked/amount__not_null",
          "test:orders_checked/amount__range",
          "test:orders_checked/discount__max_null_rate",
          "test:orders_checked/segment__accepted_values",
          "test:orders_checked/unique_per_entity_and_time",
        ].sort(),
      );
    } finally {
      server.close();
    }
  });

  it("usage errors exit 2", async () => {
    expect((await fcompileIn(dir, "test", "--window", "soon")).status).toBe(2);
    expect((await fcompileIn(dir, "test", "--select", "orders_chekced")).status).toBe(2);
    expect((await fcompileIn(dir, "test", "--at", "yesterday")).status).toBe(2);
  });
});
