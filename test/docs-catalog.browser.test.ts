/**
 * `fcompile docs` in a real browser: the sample project's catalog opened from disk (file://) in
 * headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core; never a downloaded
 * browser). On the sample's real outputs (its data generated, built, run and tested against its
 * committed profile): search, open a feature, see its description, owner, test results, drift
 * check, distribution plot and lineage. On hand-written inputs: what real outputs cannot show (the
 * newer of two profiles, a failing drift check without its baseline, HTML in project text).
 * Screenshots go to test-output/catalog-*.png for review.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { runInNewContext } from "node:vm";
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CatalogData } from "../src/governance/docs/catalog-data.js";
import { catalogScript } from "../src/governance/docs/site-files.js";
import type { DataTestResult, TestResult } from "../src/governance/test/results.js";
import { fcompileOk } from "./helpers/cli.js";
import { sampleWithCatalogInputs, sampleWithRealOutputs } from "./helpers/catalog-fixtures.js";
import { CONFIG, removeProject, tempProject } from "./helpers/temp-project.js";

const CHROMIUM = "/usr/bin/chromium";
const OUT = path.resolve("test-output");

let real: string;
let fixture: string;
let results: TestResult;
let browser: Browser;

beforeAll(async () => {
  // Fails rather than skips: CI (.ci/run) installs Debian's chromium when it is missing.
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`).toBe(true);
  real = await sampleWithRealOutputs();
  results = JSON.parse(readFileSync(path.join(real, "target", "test_results.json"), "utf8")) as TestResult;
  expect(await fcompileOk(real, "docs")).toContain("6 features (6 with a profile), 3 views, 1 service, last test results");
  fixture = sampleWithCatalogInputs();
  await fcompileOk(fixture, "docs");
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  mkdirSync(OUT, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  if (real) removeProject(real);
  if (fixture) removeProject(fixture);
});

const indexUrl = (dir: string, hash = "") => `${pathToFileURL(path.join(dir, "target", "docs", "index.html")).href}${hash}`;
const drift = (feature: string): DataTestResult => results.tests.find((t) => t.kind === "drift" && t.feature === feature)!;

/** A page that records script errors and any request that is not a file of target/docs. */
async function openPage(): Promise<{ page: Page; errors: string[]; offline: () => string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  return { page, errors, offline: () => requests.filter((u) => !u.startsWith("file://")) };
}

describe("fcompile docs in Chromium (file://) on the sample's real outputs", () => {
  it("search, open a feature: description, owner, tests, drift check, distribution plot and lineage", async () => {
    const { page, errors, offline } = await openPage();
    await page.goto(indexUrl(real));
    expect(await page.locator("p.last-run").textContent()).toBe(
      `pass Last fcompile test, at 2026-01-01 00:00:00 UTC on target local: ${results.tests.length + results.freshness.length} checks, all passed.`,
    );
    await page.screenshot({ path: path.join(OUT, "catalog-index.png"), fullPage: true });

    await page.fill("#search", "mean order");
    const rows = page.locator('table[data-kind="feature"] tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    await page.click('a:text-is("customer_orders:avg_order_value_30d")');

    const article = page.locator('article[data-feature="customer_orders:avg_order_value_30d"]');
    await article.waitFor();
    expect(await article.locator(".description").textContent()).toContain("Mean order amount over the 30 days");
    const facts = await article.locator("dl.facts").first().textContent();
    expect(facts).toContain("growth-team");
    expect(facts).toContain("float64");
    expect(facts).toContain("churn_model");
    expect(facts).toContain("tier=gold");
    expect(await article.textContent()).toContain("warn when older than 1d");

    // The last `fcompile test`: its range test and its drift check, with what each found.
    const d = drift("avg_order_value_30d");
    expect(d).toMatchObject({ status: "pass", baseline: "november_2025", maxPsi: 0.25, maxKs: 0.2 });
    expect(await article.locator('tr[data-test="avg_order_value_30d__range"]').textContent()).toMatch(/range\s*pass\s*no failing row/);
    expect(await article.locator('tr[data-test="avg_order_value_30d__drift"]').textContent()).toContain(
      `PSI ${d.psi!.toFixed(3)} (${d.band}) ≤ 0.25, KS ${d.ks!.toFixed(3)} ≤ 0.2 against november_2025`,
    );

    // The drift section: baseline, limits, PSI with its band, KS, and the bins that moved most.
    const section = await article.locator(".drift").textContent();
    expect(section).toContain("profile november_2025 (saved ");
    expect(section).toContain("rows 2025-11-01 to 2025-12-01");
    expect(section).toContain("PSI > 0.25 or KS > 0.2");
    expect(section).toContain("rows from 2025-12-02 to 2026-01-01 against november_2025");
    expect(section).toMatch(new RegExp(`PSI${d.psi!.toFixed(3)}\\s*${d.band}`));
    expect(section).toContain(`KS${d.ks!.toFixed(3)}`);
    expect(await article.locator(".drift .badge").textContent()).toBe("pass");
    expect(await article.locator(".drift table.bins tbody tr").count()).toBe(d.sample.length);

    // The histogram of the committed profile, which is also the drift baseline.
    const plot = article.locator('.plot[data-plot="histogram"][data-profile="november_2025"] svg');
    expect(await plot.count()).toBeGreaterThan(0);
    expect(await plot.first().locator("rect").count()).toBeGreaterThanOrEqual(10);
    expect(await article.textContent()).toContain("Newest profile, november_2025 (saved ");
    expect(await article.textContent()).toContain("It is the drift check's baseline.");

    // Its lineage: the source, the view and the service, as laid out nodes.
    const lineage = article.locator("#feature-lineage svg.lineage");
    const nodes = await lineage.locator("g.node").evaluateAll((gs) => gs.map((g) => g.getAttribute("data-node")));
    expect(nodes.sort()).toEqual(["service:churn_model", "source:orders", "view:customer_orders"]);
    expect(await lineage.locator("path.edge").count()).toBe(2);

    await page.screenshot({ path: path.join(OUT, "catalog-feature.png"), fullPage: true });
    expect(errors).toEqual([]);
    expect(offline()).toEqual([]);
    await page.close();
  });

  it("a category's drift (no KS), its top-value bars; a count's value bars; the lineage through SQL views", async () => {
    const { page, errors } = await openPage();
    await page.goto(indexUrl(real, "#/feature/customer_profile%3Acountry"));
    const article = page.locator('article[data-feature="customer_profile:country"]');
    await article.waitFor();
    const d = drift("country");
    expect(await article.locator(".drift").textContent()).toMatch(new RegExp(`PSI${d.psi!.toFixed(3)}\\s*${d.band}`));
    expect(await article.locator(".drift").textContent()).toContain("KSnot measured (numbers only)");
    expect(await article.locator('tr[data-test="country__drift"]').textContent()).toContain(
      `PSI ${d.psi!.toFixed(3)} (${d.band}) ≤ 0.25 against november_2025`,
    );
    expect(await article.locator('.plot[data-plot="top-values"] svg rect').count()).toBeGreaterThanOrEqual(5);
    const nodes = await article.locator("#feature-lineage g.node").evaluateAll((gs) => gs.map((g) => g.getAttribute("data-node")));
    expect(nodes.sort()).toEqual(["source:customers", "source:orders", "view:customer_daily_stats", "view:customer_profile"]);
    await page.screenshot({ path: path.join(OUT, "catalog-drift-category.png"), fullPage: true });

    // A count with few values: one bar per value.
    await page.goto(indexUrl(real, "#/feature/customer_orders%3Atotal_orders_30d"));
    await page.locator('article[data-feature="customer_orders:total_orders_30d"]').waitFor();
    expect(await page.locator('.plot[data-plot="value-counts"] svg rect').count()).toBeGreaterThanOrEqual(5);

    // A view's page: its features with their last tests, its own row tests.
    await page.goto(indexUrl(real, "#/view/customer_profile"));
    await page.locator("article.view").waitFor();
    expect(await page.locator("article.view").textContent()).toContain("all 3 passed");
    expect(await page.locator('tr[data-test="unique_per_entity_and_time"]').textContent()).toMatch(
      /unique_per_entity_and_time\s*pass\s*no failing row/,
    );

    await page.click('header nav a:text-is("Lineage")');
    await page.locator("#lineage svg").waitFor();
    expect(await page.locator("#lineage g.node").count()).toBe(6);
    await page.screenshot({ path: path.join(OUT, "catalog-lineage.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe("fcompile docs in Chromium (file://): a newer profile of a window without rows", () => {
  it("profile --end 2024-01-01 --window 1d --save empty1: the newest profile holding values is plotted, and empty1 named", async () => {
    await fcompileOk(real, "profile", "--end", "2024-01-01", "--window", "1d", "--save", "empty1");
    const empty = JSON.parse(readFileSync(path.join(real, "profiles", "empty1.json"), "utf8")) as {
      features: Record<string, { count: number }>;
    };
    expect(empty.features["customer_orders:avg_order_value_30d"]!.count).toBe(0);
    expect(await fcompileOk(real, "docs")).toContain("6 features (6 with a profile)");
    const { page, errors } = await openPage();
    await page.goto(indexUrl(real, "#/feature/customer_orders%3Aavg_order_value_30d"));
    const article = page.locator('article[data-feature="customer_orders:avg_order_value_30d"]');
    await article.waitFor();
    expect(await article.locator('.plot[data-plot="histogram"][data-profile="november_2025"] svg rect').count()).toBeGreaterThanOrEqual(10);
    const text = await article.textContent();
    expect(text).toContain("Newest profile with values of it, november_2025 (saved ");
    expect(text).toContain("Newer profile without a value of it (no rows in its window, or only nulls): empty1.");
    await page.screenshot({ path: path.join(OUT, "catalog-empty-profile.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe("fcompile docs in Chromium (file://) on hand-written inputs", () => {
  it("the newer of two profiles; a failing drift check whose baseline is missing; a feature without a profile", async () => {
    const { page, errors } = await openPage();
    await page.goto(indexUrl(fixture));
    expect(await page.locator("p.last-run").textContent()).toBe(
      "fail Last fcompile test, at 2025-07-01 06:00:00 UTC on target local: 6 checks, 3 failed, 1 warned.",
    );
    await page.goto(indexUrl(fixture, "#/feature/customer_orders%3Aavg_order_value_30d"));
    const article = page.locator('article[data-feature="customer_orders:avg_order_value_30d"]');
    await article.waitFor();
    // june (its `name` empty: its file's name shows), not may.
    expect(await article.locator('.plot[data-plot="histogram"][data-profile="june"] svg rect').count()).toBeGreaterThanOrEqual(10);
    expect(await article.textContent()).toContain("Newest profile, june (saved 2025-07-01 05:00 UTC; rows 2025-06-01 to 2025-07-01)");
    expect(await article.locator('tr[data-test="avg_order_value_30d_range"]').textContent()).toMatch(/range\s*fail\s*3 failing rows/);
    expect(await article.locator('tr[data-test="avg_order_value_30d__drift"]').textContent()).toContain(
      "fail" + "PSI 0.412 (major) > 0.25, KS 0.305 > 0.2 against november_2025",
    );
    const section = await article.locator(".drift").textContent();
    expect(section).toContain("profiles/november_2025.json holds no profile of this feature");
    expect(await article.locator(".drift .badge").textContent()).toBe("fail");
    expect(await article.locator(".drift .band-major").textContent()).toBe("major");
    expect(await article.locator(".drift table.bins tbody").textContent()).toContain("[66.05, 78.07)10.0%31.0%+21.0 pt");

    await page.screenshot({ path: path.join(OUT, "catalog-drift-fail.png"), fullPage: true });

    // A profile of many distinct floats without most frequent values: still its histogram.
    await page.goto(indexUrl(fixture, "#/feature/customer_orders%3Alifetime_value"));
    await page.locator('article[data-feature="customer_orders:lifetime_value"]').waitFor();
    expect(await page.locator('.plot[data-plot="histogram"] svg rect').count()).toBeGreaterThanOrEqual(10);
    expect(await page.locator(".plot .note").textContent()).toContain("the last bin, 3600 to 26000 (220 rows), runs past the right edge");

    // A drift baseline older than the newest profile: both distributions, each named.
    await page.goto(indexUrl(fixture, "#/feature/customer_profile%3Acustomer_segment"));
    await page.locator('article[data-feature="customer_profile:customer_segment"]').waitFor();
    expect(await page.locator('.plot[data-plot="top-values"][data-profile="june"] svg').count()).toBe(1);
    expect(await page.locator('.plot[data-plot="top-values"][data-profile="november_2025"] svg').count()).toBe(1);
    expect(await page.locator("article.feature h3").textContent()).toBe("Drift baseline: november_2025");
    expect(await page.locator(".drift").textContent()).toContain("profile november_2025 (saved 2025-05-01 05:00 UTC");
    expect(await page.locator(".drift").textContent()).toContain("not in the last run (2025-07-01 06:00:00 UTC)");
    await page.screenshot({ path: path.join(OUT, "catalog-drift-baseline.png"), fullPage: true });

    // A feature without a profile says how to get one.
    await page.goto(indexUrl(fixture, "#/feature/customer_profile%3Acountry"));
    await page.locator("article.feature").waitFor();
    expect(await page.locator("article.feature").textContent()).toContain("No profile yet — run fcompile profile --save NAME");
    await page.goto(indexUrl(fixture, "#/view/customer_profile"));
    await page.locator("article.view").waitFor();
    expect(await page.locator('tr[data-test="unique_per_entity_and_time"]').textContent()).toMatch(/fail\s*2 failing rows/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a catalog lacking optional fields (hand-edited, or from another fcompile) still shows every page", async () => {
    const d = sampleWithCatalogInputs("fc-docs-sparse-");
    try {
      await fcompileOk(d, "docs");
      const file = path.join(d, "target", "docs", "catalog-data.js");
      const window: { FCOMPILE_CATALOG?: CatalogData } = {};
      runInNewContext(readFileSync(file, "utf8"), { window });
      const data = window.FCOMPILE_CATALOG!;
      const sparse = data as unknown as {
        testRun: Record<string, unknown>;
        features: Record<string, unknown>[];
        views: Record<string, unknown>[];
      };
      delete sparse.testRun.at;
      delete sparse.testRun.target;
      delete sparse.testRun.start;
      for (const f of sparse.features) {
        const p = f.profile as Record<string, unknown> | undefined;
        if (p) for (const k of ["histogram", "topValues", "createdAt", "mean", "min", "max", "nullRate"]) delete p[k];
      }
      for (const v of sparse.views) delete (v.freshnessResult as Record<string, unknown> | undefined)?.ageSeconds;
      writeFileSync(file, catalogScript(data));
      const { page, errors } = await openPage();
      await page.goto(indexUrl(d));
      expect(await page.locator("p.last-run").textContent()).toContain("Last fcompile test, at an unknown time on target unknown:");
      for (const route of ["#/feature/customer_orders%3Aavg_order_value_30d", "#/feature/customer_profile%3Acustomer_segment"]) {
        await page.goto(indexUrl(d, route));
        const article = page.locator("article.feature");
        await article.waitFor();
        const text = await article.textContent();
        expect(text).toMatch(/Last run: an unknown time on target unknown\.|No test of its own in the last run \(an unknown time\)\./);
        expect(text).toContain("Newest profile, june (saved at an unknown time; rows 2025-06-01 to 2025-07-01)");
        expect(text).not.toContain("undefined");
      }
      await page.goto(indexUrl(d, "#/view/customer_profile"));
      await page.locator("article.view").waitFor();
      expect(await page.locator("article.view").textContent()).not.toContain("undefined");
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      removeProject(d);
    }
  });

  it("project text holding HTML shows as written and runs nothing", async () => {
    const evil = `<img src=x onerror="window.__pwned=1"></script><script>window.__pwned=2</script>`;
    const d = tempProject({
      "fcompile.yaml": CONFIG,
      "definitions/defs.yml": `entities:
  - name: user
    join_keys: [user_id]
sources:
  - name: events
    table: raw.events
    timestamp: ts
feature_views:
  - name: user_stats
    entities: [user]
    source: events
    owner: ${JSON.stringify(evil)}
    tags: { ${JSON.stringify(evil)}: x }
    features:
      - name: clicks
        type: int64
        description: ${JSON.stringify(evil)}
`,
    });
    try {
      await fcompileOk(d, "docs");
      const page = await browser.newPage();
      await page.goto(pathToFileURL(path.join(d, "target", "docs", "index.html")).href);
      await page.fill("#search", "pwned");
      await page.click('a:text-is("user_stats:clicks")');
      const article = page.locator("article.feature");
      await article.waitFor();
      expect(await article.locator(".description").textContent()).toBe(evil);
      expect(await article.locator("dl.facts").first().textContent()).toContain(evil);
      expect(await page.locator("article img").count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      await page.close();
    } finally {
      removeProject(d);
    }
  });
});
