/**
 * `fcompile plan --against MANIFEST` (docs/governance.md, "plan"): the project compiled in memory
 * against the manifest of the deployed build. One case per class of change — each breaking kind,
 * backfill, non-breaking, documentation-only — with the exact report; exit codes, --json,
 * --allow-breaking, and a manifest that is missing or not one, through the CLI.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../src/index.js";
import { plan } from "../src/commands/plan.js";
import { formatPlan } from "../src/governance/plan/format-plan.js";
import { fcompileIn } from "./helpers/cli.js";
import { CONFIG, removeProject, tempProject } from "./helpers/temp-project.js";

const DEFS = `entities:
  - name: customer
    join_keys: [{name: customer_id, type: int64}]
    description: A shopper

sources:
  - name: orders
    path: ../data/orders.csv
    timestamp: order_ts
  - name: profiles
    path: ../data/profiles.csv
    timestamp: updated_at

feature_views:
  - name: profile
    entities: [customer]
    source: profiles
    ttl: 30d
    owner: growth
    tags: {tier: gold}
    features:
      - {name: segment, type: string, description: Customer segment}
      - {name: age, type: int64}
  - name: order_stats
    entities: [customer]
    source: orders
    aggregations:
      - {function: sum, column: amount, window: 7d}
      - {function: count, window: 30d}
  - name: unused
    entities: [customer]
    source: profiles
    ttl: 7d
    features:
      - {name: score, type: float64}

feature_services:
  - name: churn
    features: [profile:segment, profile:age, order_stats:amount_sum_7d]
  - name: audit
    features: [profile:segment]
`;

const FILES = {
  "fcompile.yaml": CONFIG,
  "data/orders.csv": "customer_id,store_id,order_ts,amount,status\n1,7,2025-01-01 00:00:00,10.5,paid\n",
  "data/profiles.csv": "customer_id,store_id,updated_at,segment,age,score,email\n1,7,2025-01-01 00:00:00,vip,40,0.5,a@b.c\n",
  "definitions/shop.yml": DEFS,
};

let dir: string;
let deployed: string;
beforeAll(async () => {
  dir = tempProject(FILES, "fc-plan-");
  expect((await build({ projectDir: dir })).ok).toBe(true);
  deployed = path.join(dir, "deployed.json");
  copyFileSync(path.join(dir, "target/manifest.json"), deployed);
});
afterAll(() => removeProject(dir));

/** The plan's report for the project with `edit` applied to its definitions (restored after). */
async function planWith(edit: (defs: string) => string): Promise<string> {
  const file = path.join(dir, "definitions/shop.yml");
  const changed = edit(DEFS);
  expect(changed, "the edit changed nothing").not.toBe(DEFS);
  writeFileSync(file, changed);
  try {
    const r = await plan({ projectDir: dir, against: deployed });
    return formatPlan("deployed.json", r.items, false);
  } finally {
    writeFileSync(file, DEFS);
  }
}

const lines = (...ls: string[]): string => ls.map((l) => `${l}\n`).join("");

describe("fcompile plan: breaking changes", () => {
  it("a removed feature a service serves (its service no longer serves it either)", async () => {
    expect(await planWith((d) => d.replace("      - {name: age, type: int64}\n", "").replace(", profile:age", ""))).toBe(
      lines(
        "plan against deployed.json: 2 breaking, 1 backfill, 0 non-breaking, 0 documentation-only",
        "",
        "BREAKING (2)",
        "  feature profile:age  removed; served by churn",
        "  service churn        no longer serves profile:age",
        "",
        "BACKFILL (1)",
        "  view profile  materialization hash changed: features removed: age",
        "",
        "2 breaking changes: exit 1 (pass --allow-breaking to accept)",
      ),
    );
  });

  it("a retyped feature a service serves (not breaking when no service serves it)", async () => {
    expect(
      await planWith((d) =>
        d
          .replace("{name: age, type: int64}", "{name: age, type: float64}")
          .replace("{name: score, type: float64}", "{name: score, type: string}"),
      ),
    ).toBe(
      lines(
        "plan against deployed.json: 1 breaking, 2 backfill, 1 non-breaking, 0 documentation-only",
        "",
        "BREAKING (1)",
        "  feature profile:age  type int64 → float64; served by churn",
        "",
        "BACKFILL (2)",
        "  view profile  materialization hash changed: features redefined: age",
        "  view unused   materialization hash changed: features redefined: score",
        "",
        "NON-BREAKING (1)",
        "  feature unused:score  type float64 → string",
        "",
        "1 breaking change: exit 1 (pass --allow-breaking to accept)",
      ),
    );
  });

  it("a changed join key type of an entity (and of every view on it)", async () => {
    expect(await planWith((d) => d.replace("{name: customer_id, type: int64}", "{name: customer_id, type: string}"))).toBe(
      lines(
        "plan against deployed.json: 4 breaking, 3 backfill, 0 non-breaking, 0 documentation-only",
        "",
        "BREAKING (4)",
        "  entity customer   join key types {customer_id: int64} → {customer_id: string}",
        "  view order_stats  join key types {customer_id: int64} → {customer_id: string}",
        "  view profile      join key types {customer_id: int64} → {customer_id: string}",
        "  view unused       join key types {customer_id: int64} → {customer_id: string}",
        "",
        "BACKFILL (3)",
        "  view order_stats  materialization hash changed: join key types changed",
        "  view profile      materialization hash changed: join key types changed",
        "  view unused       materialization hash changed: join key types changed",
        "",
        "4 breaking changes: exit 1 (pass --allow-breaking to accept)",
      ),
    );
  });

  it("a renamed join key of an entity, and a view keyed by another entity", async () => {
    const store = "entities:\n  - name: store\n    join_keys: [{name: store_id, type: int64}]\n";
    expect(
      await planWith((d) => d.replace("join_keys: [{name: customer_id, type: int64}]", "join_keys: [{name: store_id, type: int64}]")),
    ).toBe(
      lines(
        "plan against deployed.json: 4 breaking, 3 backfill, 0 non-breaking, 0 documentation-only",
        "",
        "BREAKING (4)",
        "  entity customer   join_keys [customer_id] → [store_id]; join key types {customer_id: int64} → {store_id: int64}",
        "  view order_stats  join_keys [customer_id] → [store_id]; join key types {customer_id: int64} → {store_id: int64}",
        "  view profile      join_keys [customer_id] → [store_id]; join key types {customer_id: int64} → {store_id: int64}",
        "  view unused       join_keys [customer_id] → [store_id]; join key types {customer_id: int64} → {store_id: int64}",
        "",
        "BACKFILL (3)",
        "  view order_stats  materialization hash changed: join_keys, join key types changed",
        "  view profile      materialization hash changed: join_keys, join key types changed",
        "  view unused       materialization hash changed: join_keys, join key types changed",
        "",
        "4 breaking changes: exit 1 (pass --allow-breaking to accept)",
      ),
    );
    expect(
      await planWith((d) =>
        d
          .replace("entities:\n", store)
          .replace("entities: [customer]\n    source: profiles\n    ttl: 7d", "entities: [store]\n    source: profiles\n    ttl: 7d"),
      ),
    ).toBe(
      lines(
        "plan against deployed.json: 1 breaking, 1 backfill, 1 non-breaking, 0 documentation-only",
        "",
        "BREAKING (1)",
        "  view unused  entities [customer] → [store]; join_keys [customer_id] → [store_id]; join key types {customer_id: int64} → {store_id: int64}",
        "",
        "BACKFILL (1)",
        "  view unused  materialization hash changed: entities, join_keys, join key types changed",
        "",
        "NON-BREAKING (1)",
        "  entity store  added",
        "",
        "1 breaking change: exit 1 (pass --allow-breaking to accept)",
      ),
    );
  });

  it("a join key type unknown at the deployed build (no declared type, no data file) that is now known is not breaking", async () => {
    const old = JSON.parse(readFileSync(deployed, "utf8")) as Record<string, Record<string, { keyTypes?: Record<string, unknown> }>>;
    for (const section of ["entities", "feature_views"]) for (const o of Object.values(old[section]!)) o.keyTypes = { customer_id: null };
    writeFileSync(path.join(dir, "untyped.json"), JSON.stringify(old));
    const r = await plan({ projectDir: dir, against: path.join(dir, "untyped.json") });
    expect(formatPlan("untyped.json", r.items, false)).toBe(
      lines(
        "plan against untyped.json: 0 breaking, 0 backfill, 4 non-breaking, 0 documentation-only",
        "",
        "NON-BREAKING (4)",
        "  entity customer   join key types {customer_id: null} → {customer_id: int64} (unknown at build on one side)",
        "  view order_stats  join key types {customer_id: null} → {customer_id: int64} (unknown at build on one side)",
        "  view profile      join key types {customer_id: null} → {customer_id: int64} (unknown at build on one side)",
        "  view unused       join key types {customer_id: null} → {customer_id: int64} (unknown at build on one side)",
      ),
    );
  });

  it("a changed window, function, column or filter of an aggregation", async () => {
    const r = await planWith((d) =>
      d
        .replace("{function: sum, column: amount, window: 7d}", "{name: amount_sum_7d, function: avg, column: amount, window: 14d}")
        .replace("{function: count, window: 30d}", `{name: count_30d, function: count, window: 30d, filter: "status = 'paid'"}`),
    );
    expect(r).toBe(
      lines(
        "plan against deployed.json: 2 breaking, 1 backfill, 0 non-breaking, 0 documentation-only",
        "",
        "BREAKING (2)",
        "  feature order_stats:amount_sum_7d  function sum → avg; window 7d → 14d",
        "  feature order_stats:count_30d      filter (none) → status = 'paid'",
        "",
        "BACKFILL (1)",
        "  view order_stats  materialization hash changed: features redefined: amount_sum_7d, count_30d",
        "",
        "2 breaking changes: exit 1 (pass --allow-breaking to accept)",
      ),
    );
  });

  it("a changed ttl of a served view (of a view no service serves: non-breaking)", async () => {
    expect(await planWith((d) => d.replace("ttl: 30d", "ttl: 60d").replace("ttl: 7d", "ttl: 14d"))).toBe(
      lines(
        "plan against deployed.json: 1 breaking, 2 backfill, 1 non-breaking, 0 documentation-only",
        "",
        "BREAKING (1)",
        "  view profile  ttl 30d → 60d (a served view: online values expire differently)",
        "",
        "BACKFILL (2)",
        "  view profile  materialization hash changed: ttl changed",
        "  view unused   materialization hash changed: ttl changed",
        "",
        "NON-BREAKING (1)",
        "  view unused  ttl 7d → 14d",
        "",
        "1 breaking change: exit 1 (pass --allow-breaking to accept)",
      ),
    );
  });

  it("a removed service", async () => {
    expect(await planWith((d) => d.replace("  - name: audit\n    features: [profile:segment]\n", ""))).toBe(
      lines(
        "plan against deployed.json: 1 breaking, 0 backfill, 0 non-breaking, 0 documentation-only",
        "",
        "BREAKING (1)",
        "  service audit  removed",
        "",
        "1 breaking change: exit 1 (pass --allow-breaking to accept)",
      ),
    );
  });
});

describe("fcompile plan: changes that break nothing", () => {
  it("backfill: a source's created_timestamp changes the materialization of every view over it", async () => {
    const r = await planWith((d) => d.replace("timestamp: updated_at", "timestamp: updated_at\n    created_timestamp: updated_at"));
    expect(r).toBe(
      lines(
        "plan against deployed.json: 0 breaking, 2 backfill, 3 non-breaking, 0 documentation-only",
        "",
        "BACKFILL (2)",
        "  view profile  materialization hash changed: created_timestamp changed; source profiles changed",
        "  view unused   materialization hash changed: created_timestamp changed; source profiles changed",
        "",
        "NON-BREAKING (3)",
        "  source profiles  created_timestamp (none) → updated_at",
        "  view profile     created_timestamp (none) → updated_at",
        "  view unused      created_timestamp (none) → updated_at",
      ),
    );
  });

  it("non-breaking: added objects, a feature a service now serves, a label, an unserved feature removed", async () => {
    const r = await planWith((d) =>
      d
        .replace("    timestamp: updated_at\n", "    timestamp: updated_at\n    labels: [email]\n")
        .replace("      - {name: score, type: float64}\n", "      - {name: score, type: float64}\n      - {name: email, type: string}\n")
        .replace("  - name: audit\n    features: [profile:segment]", "  - name: audit\n    features: [profile:segment, profile:age]")
        .concat("  - name: ranking\n    features: [unused:score]\n"),
    );
    expect(r).toBe(
      lines(
        "plan against deployed.json: 0 breaking, 1 backfill, 4 non-breaking, 0 documentation-only",
        "",
        "BACKFILL (1)",
        "  view unused  materialization hash changed: features added: email",
        "",
        "NON-BREAKING (4)",
        "  source profiles       labels (none) → [email]",
        "  feature unused:email  added",
        "  service audit         now serves profile:age",
        "  service ranking       added",
      ),
    );
  });

  it("an added view is a backfill; a removed view that no service serves is non-breaking", async () => {
    const r = await planWith((d) => d.replace("  - name: unused\n", "  - name: fresh_view\n"));
    expect(r).toBe(
      lines(
        "plan against deployed.json: 0 breaking, 1 backfill, 4 non-breaking, 0 documentation-only",
        "",
        "BACKFILL (1)",
        "  view fresh_view  new view: materialize it before it is served",
        "",
        "NON-BREAKING (4)",
        "  view fresh_view           added",
        "  view unused               removed (its features are listed apart)",
        "  feature fresh_view:score  added",
        "  feature unused:score      removed",
      ),
    );
  });

  it("documentation-only: description, owner, tags, tests, drift, freshness (no backfill)", async () => {
    const r = await planWith((d) =>
      d
        .replace("description: A shopper", "description: A registered shopper")
        .replace("owner: growth", "owner: retention\n    freshness: {warn_after: 2d}")
        .replace("tags: {tier: gold}", "tags: {tier: silver}")
        .replace(
          "{name: segment, type: string, description: Customer segment}",
          "{name: segment, type: string, tests: [not_null], drift: {baseline: jan}}",
        ),
    );
    expect(r).toBe(
      lines(
        "plan against deployed.json: 0 breaking, 0 backfill, 0 non-breaking, 3 documentation-only",
        "",
        "DOCUMENTATION-ONLY (3)",
        "  entity customer          description A shopper → A registered shopper",
        "  view profile             freshness (none) → {warnAfter: 2d}; owner growth → retention; tags {tier: gold} → {tier: silver}",
        '  feature profile:segment  description Customer segment → (none); drift (none) → {baseline: jan, maxPsi: 0.25}; tests (none) → [{"kind":"not_null"}]',
      ),
    );
  });

  it("no changes", async () => {
    const r = await plan({ projectDir: dir, against: deployed });
    expect(r.items).toEqual([]);
    expect(formatPlan("deployed.json", r.items, false)).toBe("no changes against deployed.json\n");
  });
});

describe("fcompile plan on the command line", () => {
  const breakingEdit = (d: string): string => d.replace("  - name: audit\n    features: [profile:segment]\n", "");

  it("exits 1 on a breaking change, 0 with --allow-breaking; --json holds every item; target/ is not written", async () => {
    const file = path.join(dir, "definitions/shop.yml");
    const manifestBefore = readFileSync(path.join(dir, "target/manifest.json"), "utf8");
    writeFileSync(file, breakingEdit(DEFS));
    try {
      const r = await fcompileIn(dir, "plan", "--against", "deployed.json");
      expect([r.status, r.stdout]).toEqual([
        1,
        lines(
          "plan against deployed.json: 1 breaking, 0 backfill, 0 non-breaking, 0 documentation-only",
          "",
          "BREAKING (1)",
          "  service audit  removed",
          "",
          "1 breaking change: exit 1 (pass --allow-breaking to accept)",
        ),
      ]);
      const allowed = await fcompileIn(dir, "plan", "--against", "deployed.json", "--allow-breaking", "--json");
      expect(allowed.status).toBe(0);
      expect(JSON.parse(allowed.stdout)).toEqual({
        project: "t",
        against: "deployed.json",
        summary: { breaking: 1, backfill: 0, "non-breaking": 0, "documentation-only": 0 },
        items: [{ class: "breaking", kind: "service", name: "audit", change: "removed", reasons: ["removed"] }],
      });
      const json = await fcompileIn(dir, "plan", "--against", "deployed.json", "--json");
      expect(json.status).toBe(1);
      expect(readFileSync(path.join(dir, "target/manifest.json"), "utf8")).toBe(manifestBefore);
    } finally {
      writeFileSync(file, DEFS);
    }
  });

  it("defaults to target/manifest.json; a missing or foreign manifest is exit 1 with FC015 (at the place in the file); a bad option exit 2", async () => {
    const ok = await fcompileIn(dir, "plan");
    expect([ok.status, ok.stdout]).toEqual([0, "no changes against target/manifest.json\n"]);
    const missing = await fcompileIn(dir, "plan", "--against", "nope.json");
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("error FC015: manifest nope.json not found; pass --against the manifest.json of the deployed build");
    writeFileSync(path.join(dir, "bad.json"), '{"metadata": {"project": "t", "manifest_version": 1}}');
    const bad = await fcompileIn(dir, "plan", "--against", "bad.json");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("bad.json:1:1: error FC015: not an fcompile manifest (no 'entities' section)");
    // Not JSON: at the place of the syntax error (line 3, column 1: the '}' after a trailing comma).
    writeFileSync(path.join(dir, "broken.json"), '{\n  "metadata": {"project": "t"},\n}\n');
    const broken = await fcompileIn(dir, "plan", "--against", "broken.json");
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/^broken\.json:3:1: error FC015: not JSON \(.+\); pass --against the manifest\.json of a build$/m);
    expect(broken.stderr).not.toContain("<command line>");
    const other = JSON.parse(readFileSync(deployed, "utf8")) as { metadata: { project: string } };
    other.metadata.project = "elsewhere";
    writeFileSync(path.join(dir, "other.json"), JSON.stringify(other));
    const foreign = await fcompileIn(dir, "plan", "--against", "other.json");
    expect(foreign.status).toBe(1);
    expect(foreign.stderr).toContain("other.json:1:1: error FC015: the manifest of project 'elsewhere', not of 't'");
    const usage = await fcompileIn(dir, "plan", "--bogus");
    expect(usage.status).toBe(2);
    const help = await fcompileIn(dir, "plan", "--help");
    expect(help.stdout).toContain("--allow-breaking");
    expect(help.stdout).toContain("DOCUMENTATION-ONLY");
    expect(existsSync(path.join(dir, ".target.tmp-" + String(process.pid)))).toBe(false);
  });

  it("a deployed manifest without materialization hashes (an older build) makes every changed view a backfill", async () => {
    const old = JSON.parse(readFileSync(deployed, "utf8")) as { feature_views: Record<string, Record<string, unknown>> };
    for (const v of Object.values(old.feature_views)) delete v.materializationHash;
    writeFileSync(path.join(dir, "old.json"), JSON.stringify(old));
    const r = await plan({ projectDir: dir, against: path.join(dir, "old.json") });
    expect(r.items.map((i) => [i.class, i.name, i.reasons])).toEqual([
      ...["order_stats", "profile", "unused"].map((v) => [
        "backfill",
        v,
        ["the deployed manifest has no materialization hash (built by an older fcompile): rebuild assumed"],
      ]),
    ]);
  });
});
