/**
 * `fcompile docs` in a real browser: the sample project's catalog opened from disk (file://) in
 * headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core; never a downloaded
 * browser). Search, open a feature, see its description, owner, test results, distribution plot
 * and lineage; a screenshot is saved to test-output/catalog-feature.png for review.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fcompileOk } from "./helpers/cli.js";
import { sampleWithCatalogInputs } from "./helpers/catalog-fixtures.js";
import { CONFIG, removeProject, tempProject } from "./helpers/temp-project.js";

const CHROMIUM = "/usr/bin/chromium";
const OUT = path.resolve("test-output");

let dir: string;
let browser: Browser;

beforeAll(async () => {
  // Fails rather than skips: CI (.ci/run) installs Debian's chromium when it is missing.
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`).toBe(true);
  dir = sampleWithCatalogInputs();
  await fcompileOk(dir, "docs");
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});

afterAll(async () => {
  await browser?.close();
  if (dir) removeProject(dir);
});

describe("fcompile docs in Chromium (file://)", () => {
  it("search, open a feature: description, owner, tests, freshness, distribution plot and lineage", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    // No network: every request must be a file of target/docs.
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(path.join(dir, "target", "docs", "index.html")).href);

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

    // Test results and freshness of the last `fcompile test`.
    const tests = await article.locator("table.tests").textContent();
    expect(tests).toMatch(/avg_order_value_30d_not_null\s*pass/);
    expect(tests).toMatch(/avg_order_value_30d_range\s*fail\s*3/);
    expect(await article.textContent()).toContain("warn when older than 1d");

    // The histogram of the newest profile (june, not may): ten bars, on the june scale.
    const plot = article.locator('.plot[data-plot="histogram"] svg');
    expect(await plot.count()).toBeGreaterThan(0);
    expect(await plot.first().locator("rect").count()).toBeGreaterThanOrEqual(10);
    expect(await article.textContent()).toContain("From profile june");

    // Its lineage: the source, the view and the service, as laid out nodes.
    const lineage = article.locator("#feature-lineage svg.lineage");
    const nodes = await lineage.locator("g.node").evaluateAll((gs) => gs.map((g) => g.getAttribute("data-node")));
    expect(nodes.sort()).toEqual(["service:churn_model", "source:orders", "view:customer_orders"]);
    expect(await lineage.locator("path.edge").count()).toBe(2);

    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: path.join(OUT, "catalog-feature.png"), fullPage: true });
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith("file://"))).toEqual([]);
    await page.close();
  });

  it("a category feature: top-value bars; an SQL view's lineage goes through the views it reads", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(`${pathToFileURL(path.join(dir, "target", "docs", "index.html")).href}#/feature/customer_profile%3Acustomer_segment`);
    const article = page.locator('article[data-feature="customer_profile:customer_segment"]');
    await article.waitFor();
    expect(await article.locator('.plot[data-plot="top-values"] svg rect').count()).toBeGreaterThanOrEqual(4);
    const nodes = await article.locator("#feature-lineage g.node").evaluateAll((gs) => gs.map((g) => g.getAttribute("data-node")));
    expect(nodes.sort()).toEqual([
      "service:churn_model",
      "source:customers",
      "source:orders",
      "view:customer_daily_stats",
      "view:customer_profile",
    ]);

    // A feature without a profile says how to get one; the whole graph has every view.
    await page.goto(`${pathToFileURL(path.join(dir, "target", "docs", "index.html")).href}#/feature/customer_profile%3Acountry`);
    await page.locator("article.feature").waitFor();
    expect(await page.locator("article.feature").textContent()).toContain("No profile yet — run fcompile profile --save NAME");
    await page.click('header nav a:text-is("Lineage")');
    await page.locator("#lineage svg").waitFor();
    expect(await page.locator("#lineage g.node").count()).toBe(6);
    await page.screenshot({ path: path.join(OUT, "catalog-lineage.png"), fullPage: true });
    await page.close();
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
