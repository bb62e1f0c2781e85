/**
 * The catalog's data and files (`fcompile docs`; docs/governance.md): what search matches, which
 * services use a feature, the lineage edges, the newest profile per feature, test results per
 * feature and view, HTML escaping, the atomic write, and `--serve`.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProject } from "../src/commands/common.js";
import { buildCatalog } from "../src/governance/docs/catalog-data.js";
import type { CatalogData } from "../src/governance/docs/catalog-data.js";
import { readSavedProfiles } from "../src/governance/docs/profiles.js";
import { resolveUnder } from "../src/governance/docs/serve-site.js";
import { catalogScript, escapeHtml, indexHtml } from "../src/governance/docs/site-files.js";
import { readTestResults } from "../src/governance/docs/test-results.js";
import { writeDirAtomically } from "../src/commands/target-dir.js";
import { indexRows, matchRows } from "../src/catalog-app/search.js";
import { fcompileIn, fcompileOk } from "./helpers/cli.js";
import { profileFixture, sampleWithCatalogInputs, TEST_RESULTS } from "./helpers/catalog-fixtures.js";
import { CONFIG, removeProject, tempProject } from "./helpers/temp-project.js";

let dir: string;
let data: CatalogData;

beforeAll(async () => {
  dir = sampleWithCatalogInputs();
  const { registry } = await loadProject(dir);
  const profiles = readSavedProfiles(dir);
  expect(profiles.diagnostics).toEqual([]);
  data = buildCatalog(registry, profiles, readTestResults(dir).results, "2025-07-01T07:00:00.000Z");
});
afterAll(() => removeProject(dir));

const feature = (id: string) => data.features.find((f) => f.id === id)!;

describe("catalog data", () => {
  it("search text: name, description, owner and tags (k=v), lower-case; every word must match", () => {
    const f = feature("customer_orders:avg_order_value_30d");
    expect(f.search).toContain("customer_orders:avg_order_value_30d");
    expect(f.search).toContain("mean order amount");
    expect(f.search).toContain("growth-team");
    expect(f.search).toContain("tier=gold");
    const rows = indexRows(data);
    expect(matchRows(rows, "Mean ORDER").map((r) => r.name)).toEqual(["customer_orders:avg_order_value_30d"]);
    expect(matchRows(rows, "crm-team").map((r) => `${r.kind} ${r.name}`)).toEqual([
      "feature customer_profile:customer_segment",
      "feature customer_profile:country",
      "view customer_profile",
    ]);
    expect(matchRows(rows, "tier=silver domain=crm").length).toBe(3);
    expect(matchRows(rows, "").length).toBe(data.features.length + data.views.length + data.services.length + data.sources.length);
  });

  it("a feature: its view's owner and tags under its own, entities, the services that use it, aggregation", () => {
    expect(feature("customer_orders:avg_order_value_30d")).toMatchObject({
      type: "float64",
      owner: "growth-team",
      tags: { tier: "gold", domain: "orders" },
      entities: ["customer"],
      services: ["churn_model"],
      aggregation: "avg(amount) over 30d",
    });
    expect(feature("customer_profile:country").services).toEqual([]);
    expect(data.services).toEqual([expect.objectContaining({ name: "churn_model", owner: "growth-team" })]);
  });

  it("lineage: sources → views, SQL views → the views that ref them, views → the services serving their features", () => {
    const edges = data.lineage.edges.map((e) => `${e.from} → ${e.to}`).sort();
    expect(edges).toEqual(
      [
        "source:customers → view:customer_daily_stats",
        "source:orders → view:customer_daily_stats",
        "source:orders → view:customer_orders",
        "view:customer_daily_stats → view:customer_profile",
        "source:customers → view:customer_profile",
        "view:customer_daily_stats → service:churn_model",
        "view:customer_orders → service:churn_model",
        "view:customer_profile → service:churn_model",
      ].sort(),
    );
    expect(data.lineage.nodes.map((n) => n.id)).toEqual([
      "source:customers",
      "source:orders",
      "view:customer_daily_stats",
      "view:customer_orders",
      "view:customer_profile",
      "service:churn_model",
    ]);
  });

  it("the newest profile holding a feature (by createdAt), none for a feature no profile holds", () => {
    const p = feature("customer_orders:avg_order_value_30d").profile!;
    // june.json's `name` is "": the file's name stands for it.
    expect(p).toMatchObject({ name: "june", kind: "numeric", count: 2200, min: 5, max: 260 });
    expect(p.histogram).toHaveLength(10);
    // A profile without topValues (many distinct floats) still gives its histogram.
    expect(feature("customer_orders:lifetime_value").profile).toMatchObject({ name: "june", topValues: [] });
    expect(feature("customer_orders:lifetime_value").profile!.histogram).toHaveLength(10);
    expect(feature("customer_profile:customer_segment").profile?.topValues.map((v) => v.value)).toEqual([
      "regular",
      "dormant",
      "new",
      "vip",
    ]);
    expect(feature("customer_profile:country").profile).toBeUndefined();
  });

  it("test results per feature, freshness per view, when the tests ran", () => {
    expect(feature("customer_orders:avg_order_value_30d").testResults).toEqual([
      { name: "avg_order_value_30d_not_null", kind: "not_null", status: "pass", failing: 0 },
      { name: "avg_order_value_30d_range", kind: "range", status: "fail", failing: 3 },
      {
        name: "avg_order_value_30d__drift",
        kind: "drift",
        status: "fail",
        failing: 1,
        drift: {
          baseline: "november_2025",
          psi: 0.4123,
          band: "major",
          ks: 0.3051,
          maxPsi: 0.25,
          maxKs: 0.2,
          bins: [
            { bin: "[66.04588363030516, 78.06718966230378)", expected: 0.1, actual: 0.31 },
            { bin: "[5, 20)", expected: 0.1, actual: 0.02 },
          ],
        },
      },
    ]);
    expect(feature("customer_orders:lifetime_value").testResults).toEqual([]);
    const view = data.views.find((v) => v.name === "customer_profile")!;
    expect(view.testResults).toEqual([
      { name: "unique_per_entity_and_time", kind: "unique_per_entity_and_time", status: "fail", failing: 2 },
    ]);
    expect(view.freshness).toEqual({ warnAfter: "2d", errorAfter: "7d" });
    expect(view.freshnessResult).toMatchObject({ status: "warn", newest: "2025-06-28 00:00:00" });
    expect(data.testRun).toEqual({
      at: "2025-07-01 06:00:00",
      start: "2025-06-01 06:00:00",
      generatedAt: "2025-07-01T06:00:03.000Z",
      target: "local",
      ok: false,
    });
  });

  it("a feature's drift: as declared, with its statistics in the baseline profile (profiles/<baseline>.json) when there is one", async () => {
    // Here the baseline holds no profile of it: the declaration stays, without a profile.
    expect(feature("customer_orders:avg_order_value_30d").drift).toEqual({ baseline: "november_2025", maxPsi: 0.25, maxKs: 0.2 });
    // An older baseline than the newest profile: both are kept.
    const segment = feature("customer_profile:customer_segment");
    expect(segment.profile).toMatchObject({ name: "june" });
    expect(segment.drift).toMatchObject({
      baseline: "november_2025",
      profile: { name: "november_2025", createdAt: "2025-05-01T05:00:00Z" },
    });
    expect(feature("customer_orders:lifetime_value").drift).toBeUndefined();
    // The sample's committed baseline.
    const { registry } = await loadProject("sample_project");
    const saved = readSavedProfiles("sample_project");
    expect([...saved.byName.keys()]).toEqual(["november_2025"]);
    const real = buildCatalog(registry, saved, undefined, "2026-01-01T00:00:00.000Z");
    const f = real.features.find((x) => x.id === "customer_orders:avg_order_value_30d")!;
    expect(f.drift).toMatchObject({
      baseline: "november_2025",
      maxPsi: 0.25,
      maxKs: 0.2,
      profile: { name: "november_2025", kind: "numeric" },
    });
    expect(f.drift!.profile!.histogram).toHaveLength(10);
    expect(real.features.find((x) => x.id === "customer_profile:country")!.drift).toMatchObject({
      maxPsi: 0.25,
      profile: { kind: "categorical" },
    });
  });

  it("a file in profiles/ that is not a profile is skipped with a warning", () => {
    const d = tempProject({ "profiles/bad.json": "{not json", "profiles/empty.json": "{}" });
    try {
      const r = readSavedProfiles(d);
      expect(r.latest.size).toBe(0);
      expect(r.byName.size).toBe(0);
      expect(r.diagnostics.map((x) => `${x.severity} ${x.code} ${x.at.file}`)).toEqual([
        "warning FC003 profiles/bad.json",
        "warning FC003 profiles/empty.json",
      ]);
    } finally {
      removeProject(d);
    }
  });
});

describe("reading what other tools wrote: checked, bad parts skipped with a warning", () => {
  const warnings = (ds: { severity: string; code: string; at: { file: string }; message: string }[]) =>
    ds.map((x) => `${x.severity} ${x.code} ${x.at.file}: ${x.message}`);
  const numeric = (profileFixture("p", "2025-07-01T05:00:00Z") as { features: Record<string, Record<string, unknown>> }).features[
    "customer_orders:avg_order_value_30d"
  ]!;

  it("a profile of a version other than 1 is skipped, as build rejects it (FC011)", async () => {
    const v99 = { ...(profileFixture("v99", "2025-08-01T00:00:00Z") as object), version: 99 };
    const d = tempProject({
      "profiles/v99.json": JSON.stringify(v99),
      "profiles/none.json": JSON.stringify({ ...v99, version: undefined }),
    });
    try {
      const r = readSavedProfiles(d);
      expect(r.latest.size).toBe(0);
      expect(r.byName.size).toBe(0);
      expect(warnings(r.diagnostics)).toEqual([
        "warning FC003 profiles/none.json: skipped: not a saved profile (its version is null; this fcompile reads version 1)",
        "warning FC003 profiles/v99.json: skipped: not a saved profile (its version is 99; this fcompile reads version 1)",
      ]);
    } finally {
      removeProject(d);
    }
    const sample = sampleWithCatalogInputs();
    try {
      writeFileSync(
        path.join(sample, "profiles", "v99.json"),
        JSON.stringify({ ...(profileFixture("v99", "2025-08-01T00:00:00Z") as object), version: 99 }),
      );
      const out = await fcompileIn(sample, "docs");
      expect(out.status).toBe(0);
      expect(out.stderr).toContain("profiles/v99.json:1:1: warning FC003: skipped: not a saved profile (its version is 99");
      expect(out.stdout).toContain("(3 with a profile)");
    } finally {
      removeProject(sample);
    }
  });

  it("a profile's feature entry without the fields the catalog reads is skipped; optional fields of a wrong type read as none", () => {
    const base = profileFixture("p", "2025-07-01T05:00:00Z") as Record<string, unknown>;
    const features = {
      "customer_orders:avg_order_value_30d": {
        ...numeric,
        histogram: [{ lower: 1 }, ...(numeric.histogram as unknown[])],
        topValues: "x",
        mean: "1",
        min: {},
        max: [1],
      },
      "customer_orders:lifetime_value": { ...numeric, kind: "weird" },
      "customer_orders:total_orders_30d": { ...numeric, count: undefined },
      "customer_profile:country": { ...numeric, nullRate: 2 },
      "customer_profile:customer_segment": "nope",
      no_colon: numeric,
    };
    const d = tempProject({
      "profiles/p.json": JSON.stringify({ ...base, features }),
      "profiles/late.json": JSON.stringify({ ...base, createdAt: "yesterday" }),
    });
    try {
      const r = readSavedProfiles(d);
      expect(warnings(r.diagnostics)).toEqual([
        "warning FC003 profiles/late.json: skipped: not a saved profile (its 'createdAt' is not an ISO 8601 time)",
        "warning FC003 profiles/p.json: skipped 5 features without a known 'kind' and numbers 'count', 'nullRate' and 'distinct': " +
          "customer_orders:lifetime_value, customer_orders:total_orders_30d, customer_profile:country, customer_profile:customer_segment, no_colon",
      ]);
      expect([...r.latest.keys()]).toEqual(["customer_orders:avg_order_value_30d"]);
      const p = r.latest.get("customer_orders:avg_order_value_30d")!.profile;
      expect(p).toMatchObject({ kind: "numeric", count: 2200, mean: null, min: null, max: null });
      expect(p.histogram).toHaveLength(10);
      expect(p.topValues).toBeUndefined();
    } finally {
      removeProject(d);
    }
  });

  it("a newer profile without a value of a feature (0 rows, or only NULLs) is passed over and named; with none holding a value, the newest shows", () => {
    const empty = (name: string, createdAt: string, nullCount: number) => {
      const p = profileFixture(name, createdAt) as { features: Record<string, Record<string, unknown>> };
      p.features = {
        "customer_orders:avg_order_value_30d": {
          ...numeric,
          count: nullCount,
          nullCount,
          nullRate: nullCount > 0 ? 1 : 0,
          distinct: 0,
          min: null,
          max: null,
          mean: null,
          histogram: [],
          topValues: [],
        },
      };
      return JSON.stringify(p);
    };
    const d = tempProject({
      "profiles/old.json": JSON.stringify(profileFixture("old", "2025-06-01T00:00:00Z")),
      "profiles/empty1.json": empty("empty1", "2025-08-01T00:00:00Z", 0),
      "profiles/nulls.json": empty("nulls", "2025-07-01T00:00:00Z", 40),
    });
    try {
      const r = readSavedProfiles(d);
      expect(r.diagnostics).toEqual([]);
      expect(r.latest.get("customer_orders:avg_order_value_30d")).toMatchObject({ name: "old", newerWithoutValues: ["empty1", "nulls"] });
      expect(r.latest.get("customer_profile:customer_segment")).toMatchObject({ name: "old", newerWithoutValues: [] });
    } finally {
      removeProject(d);
    }
    const only = tempProject({ "profiles/empty1.json": empty("empty1", "2025-08-01T00:00:00Z", 0) });
    try {
      expect(readSavedProfiles(only).latest.get("customer_orders:avg_order_value_30d")).toMatchObject({
        name: "empty1",
        newerWithoutValues: [],
      });
    } finally {
      removeProject(only);
    }
  });

  it("target/test_results.json lacking fields: the file skipped without at, target or ok; entries without what the catalog shows skipped", async () => {
    const write = (x: unknown) => tempProject({ "target/test_results.json": JSON.stringify(x) });
    for (const [bad, why] of [
      [{ tests: [], freshness: [] }, "its 'at' is not text"],
      [{ ...TEST_RESULTS, target: 3 }, "its 'target' is not text"],
      [{ ...TEST_RESULTS, ok: "yes" }, "its 'ok' is not true or false"],
      [[1], "it is not a JSON object"],
      [{ ...TEST_RESULTS, tests: {} }, "it has no 'tests' and 'freshness' arrays"],
    ] as const) {
      const d = write(bad);
      try {
        const r = readTestResults(d);
        expect(r.results).toBeUndefined();
        expect(warnings(r.diagnostics)).toEqual([
          `warning FC003 target/test_results.json: skipped: not the results of fcompile test (${why})`,
        ]);
      } finally {
        removeProject(d);
      }
    }
    const d = write({
      ...TEST_RESULTS,
      start: 5,
      generatedAt: null,
      tests: [
        ...TEST_RESULTS.tests,
        { view: "customer_orders", name: "x" },
        null,
        {
          view: "customer_orders",
          feature: "lifetime_value",
          name: "lifetime_value__drift",
          kind: "drift",
          status: "pass",
          failing: 0,
          psi: "0.1",
          band: "huge",
          sample: [1, { bin: 2 }],
        },
      ],
      freshness: [...TEST_RESULTS.freshness, { view: "v" }, { view: "customer_daily_stats", status: "pass" }],
    });
    try {
      const r = readTestResults(d);
      expect(warnings(r.diagnostics)).toEqual([
        "warning FC003 target/test_results.json: skipped 2 of 7 'tests' entries without text 'view', 'name' and 'kind', 'status' pass or fail, and a number 'failing'",
        "warning FC003 target/test_results.json: skipped 1 of 4 'freshness' entries without text 'view' and 'status' pass, warn or fail",
      ]);
      expect(r.results).toMatchObject({ start: null, at: TEST_RESULTS.at, target: "local" });
      expect(r.results!.generatedAt).toBeUndefined();
      expect(r.results!.tests).toHaveLength(5);
      expect(r.results!.freshness[2]).toEqual({ view: "customer_daily_stats", status: "pass", newest: null, ageSeconds: null });
      const { registry } = await loadProject(dir);
      const c = buildCatalog(registry, { latest: new Map(), byName: new Map() }, r.results, "2025-07-01T07:00:00.000Z");
      expect(c.features.find((f) => f.id === "customer_orders:lifetime_value")!.testResults).toEqual([
        {
          name: "lifetime_value__drift",
          kind: "drift",
          status: "pass",
          failing: 0,
          drift: { baseline: "", psi: null, band: null, ks: null, bins: [] },
        },
      ]);
      expect(c.testRun).toEqual({ at: TEST_RESULTS.at, start: null, generatedAt: null, target: "local", ok: false });
    } finally {
      removeProject(d);
    }
  });
});

describe("escaping", () => {
  const nasty = `</script><script>alert(1)</script><!-- & "quoted" 'single' \u2028`;

  it("escapeHtml: & < > \" ' become character references", () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe("&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;amp;&#60;/a&#62;");
    expect(indexHtml(nasty)).not.toContain("</script><script>");
  });

  it("catalog-data.js holds no '<', '>' or '&' of project text, and reads back the same data", () => {
    const withNasty: CatalogData = { ...data, features: [{ ...data.features[0]!, description: nasty }] };
    const script = catalogScript(withNasty);
    expect(script).not.toMatch(/[<>&\u2028]/);
    const window: { FCOMPILE_CATALOG?: CatalogData } = {};
    runInNewContext(script, { window });
    expect(window.FCOMPILE_CATALOG!.features[0]!.description).toBe(nasty);
  });
});

describe("writing target/docs", () => {
  it("atomically: an error midway leaves the old folder whole and no staging folder", () => {
    const d = tempProject({ "target/docs/index.html": "old" });
    try {
      const docs = path.join(d, "target", "docs");
      // "a" is written as a folder (for a/b) and then as a file: the second write fails.
      expect(() =>
        writeDirAtomically(
          docs,
          new Map([
            ["index.html", "new"],
            ["a/b", "x"],
            ["a", "y"],
          ]),
        ),
      ).toThrow();
      expect(readFileSync(path.join(docs, "index.html"), "utf8")).toBe("old");
      expect(readdirSync(path.join(d, "target"))).toEqual(["docs"]);
      writeDirAtomically(docs, new Map([["index.html", "new"]]));
      expect(readFileSync(path.join(docs, "index.html"), "utf8")).toBe("new");
      expect(readdirSync(path.join(d, "target"))).toEqual(["docs"]);
    } finally {
      removeProject(d);
    }
  });

  it("fcompile docs on a project whose text holds HTML: the page's data holds it escaped", async () => {
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
    owner: "<img src=x onerror=alert(1)>"
    features:
      - name: clicks
        type: int64
        description: "</script><script>alert(1)</script>"
`,
    });
    try {
      const out = await fcompileOk(d, "docs");
      expect(out).toMatch(/wrote .*index\.html: 1 feature \(0 with a profile\), 1 view, 0 services/);
      const js = readFileSync(path.join(d, "target", "docs", "catalog-data.js"), "utf8");
      expect(js).not.toContain("<");
      expect(readFileSync(path.join(d, "target", "docs", "index.html"), "utf8")).toContain("<title>t — feature catalog</title>");
    } finally {
      removeProject(d);
    }
  });
});

describe("fcompile docs --serve", () => {
  it("resolveUnder refuses paths outside the folder", () => {
    expect(resolveUnder("/srv/docs", "/")).toBe(path.resolve("/srv/docs/index.html"));
    expect(resolveUnder("/srv/docs", "/catalog.css?x=1")).toBe(path.resolve("/srv/docs/catalog.css"));
    for (const p of ["/../secret", "/%2e%2e/secret", "/a/../../secret", "/..%2fsecret", "/%00", "/..\\secret", "/%E0%A4%A"])
      expect(resolveUnder("/srv/docs", p), p).toBeUndefined();
  });

  it("serves index.html and the assets on loopback, refuses path traversal, stops on SIGINT", async () => {
    writeFileSync(path.join(dir, "secret.txt"), "secret");
    const child = spawn(process.execPath, [path.resolve("bin/fcompile"), "docs", "--serve", "--port", "0"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (b: Buffer) => {
          out += b.toString();
          const m = /serving the catalog at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const index = await fetchRaw(url, "/");
      expect(index.status).toBe(200);
      expect(index.type).toBe("text/html; charset=utf-8");
      expect(index.body).toContain('<script src="catalog-app.js"></script>');
      const app = await fetchRaw(url, "/catalog-app.js");
      expect(app.status).toBe(200);
      expect(app.type).toBe("text/javascript; charset=utf-8");
      expect((await fetchRaw(url, "/catalog-data.js")).body).toContain("window.FCOMPILE_CATALOG = ");
      expect((await fetchRaw(url, "/nothing.js")).status).toBe(404);
      for (const p of ["/../../secret.txt", "/%2e%2e/%2e%2e/secret.txt", "/..%2f..%2fsecret.txt"]) {
        const r = await fetchRaw(url, p);
        expect(r.status, p).toBe(403);
        expect(r.body).not.toBe("secret");
      }
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGINT");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("--serve on a port in use is exit 1 with FC015 saying so and to pass another --port", async () => {
    const taken = createServer();
    const port = await new Promise<number>((resolve) => taken.listen(0, "127.0.0.1", () => resolve((taken.address() as AddressInfo).port)));
    try {
      const r = await fcompileIn(dir, "docs", "--serve", "--port", String(port));
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain(
        `error FC015: cannot listen on 127.0.0.1:${port}: port ${port} is in use; pass --port with a free port (--port 0: any free one)`,
      );
      expect(r.stderr).not.toMatch(/internal error|This is a bug/);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("--serve on a host that is not loopback is a usage error", async () => {
    const r = await fcompileIn(dir, "docs", "--serve", "--host", "0.0.0.0");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--host '0.0.0.0' is not a loopback address");
    expect(existsSync(path.join(dir, "target", "docs"))).toBe(true);
  });
});

/** GET with the path sent exactly as given (no URL normalization). */
function fetchRaw(base: string, rawPath: string): Promise<{ status: number; type: string; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    get({ host: u.hostname, port: u.port, path: rawPath }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), body }));
    }).on("error", reject);
  });
}
