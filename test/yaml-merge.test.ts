/**
 * YAML merge keys (issue 9, B.7): `<<: *base` brings the anchored mapping's keys in; a problem
 * inside the anchor is reported once, at the anchor's line.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { build } from "../src/index.js";
import { formatDiagnostic } from "../src/diagnostics/diagnostic.js";
import { CONFIG, removeProject, tempProject } from "./helpers/temp-project.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeProject));

async function buildWith(yml: string) {
  const dir = tempProject({ "fcompile.yaml": CONFIG, "definitions/d.yml": yml });
  dirs.push(dir);
  const r = await build({ projectDir: dir });
  return { dir, ok: r.ok, diagnostics: r.diagnostics.map(formatDiagnostic) };
}

const HEAD = [
  "entities:",
  "  - {name: customer, join_keys: [customer_id]}",
  "sources:",
  "  - {name: stats, table: raw.stats, timestamp: ts}",
].join("\n");

describe("YAML merge keys", () => {
  it("a merged view builds with the anchor's keys, and its own keys win", async () => {
    const yml = [
      HEAD,
      "x-view-defaults: &defaults",
      "  entities: [customer]",
      "  source: stats",
      "  ttl: 30d",
      "  owner: growth",
      "feature_views:",
      "  - <<: *defaults",
      "    name: a",
      "    features: [{name: f, type: int64}]",
      "  - <<: [*defaults]",
      "    name: b",
      "    ttl: 7d",
      "    features: [{name: g, type: int64}]",
    ].join("\n");
    const r = await buildWith(yml);
    expect(r.diagnostics).toEqual([]);
    expect(r.ok).toBe(true);
    const m = JSON.parse(readFileSync(path.join(r.dir, "target/manifest.json"), "utf8")) as {
      feature_views: Record<string, { entities: string[]; source: string; ttl: string; owner: string }>;
    };
    expect(m.feature_views.a).toMatchObject({ entities: ["customer"], source: "stats", ttl: "30d", owner: "growth" });
    expect(m.feature_views.b).toMatchObject({ entities: ["customer"], source: "stats", ttl: "7d", owner: "growth" });
  });

  it("a wrong key or value inside the anchor is reported once, at the anchor's line; the views' other problems too", async () => {
    const yml = [
      HEAD,
      "feature_views:",
      "  - &base",
      "    name: a",
      "    entities: [customr]",
      "    source: stats",
      "    colour: blue",
      "    ttl: 30 days",
      "    features: [{name: f, type: int64}]",
      "  - <<: *base",
      "    name: b",
    ].join("\n");
    const r = await buildWith(yml);
    expect(r.ok).toBe(false);
    // The unknown key hides no other problem: each view's unknown entity, at the anchor's line.
    expect(r.diagnostics).toEqual([
      "definitions/d.yml:8:16: error FC006: unknown entity 'customr' in view 'a'; did you mean 'customer'?",
      "definitions/d.yml:8:16: error FC006: unknown entity 'customr' in view 'b'; did you mean 'customer'?",
      "definitions/d.yml:10:5: error FC002: unknown key 'colour'; expected one of: name, entities, source, sql, timestamp, created_timestamp, ttl, lateness, owner, description, tags, features, aggregations, hop, freshness, tests",
      `definitions/d.yml:11:10: error FC003: invalid value "30 days" for 'ttl': a duration: a whole number and a unit, s m h d or w (e.g. 30d).`,
    ]);
  });

  it("a dangling reference inside an anchor or an aliased list points into the anchor", async () => {
    const yml = [
      HEAD,
      "x-entities: &ents [customr]",
      "feature_views:",
      "  - name: a",
      "    entities: *ents",
      "    source: stats",
      "    features: [{name: f, type: int64}]",
    ].join("\n");
    const r = await buildWith(yml);
    expect(r.diagnostics).toEqual(["definitions/d.yml:5:20: error FC006: unknown entity 'customr' in view 'a'; did you mean 'customer'?"]);
  });
});
