/**
 * Governance declarations (docs/governance.md): a feature's `tests:` and `drift:`, an
 * aggregation's too, a view's `freshness:` and `tests:`, a source's `labels:` are read into the
 * registry and written to the manifest (without source locations); what is wrong with them is
 * reported at its file:line:col, every problem in one run, and does not hide the view's other
 * problems.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { build } from "../src/index.js";
import { formatDiagnostic } from "../src/diagnostics/diagnostic.js";
import { CONFIG, removeProject, tempProject } from "./helpers/temp-project.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(removeProject));

const ENTITY = "entities:\n  - name: customer\n    join_keys: [{name: customer_id, type: int64}]\n";
const SOURCE = ["sources:", "  - name: orders", "    path: ../data/orders.csv", "    timestamp: ts", "    labels: [is_fraud]", ""].join(
  "\n",
);
const DATA = "customer_id,ts,amount,segment,is_fraud\n1,2025-01-01 00:00:00,10.5,vip,false\n";

async function buildWith(yml: string): Promise<{ ok: boolean; diagnostics: string[]; dir: string }> {
  const dir = tempProject({ "fcompile.yaml": CONFIG, "definitions/a.yml": yml, "data/orders.csv": DATA });
  dirs.push(dir);
  const r = await build({ projectDir: dir });
  return { ok: r.ok, diagnostics: r.diagnostics.map(formatDiagnostic), dir };
}

describe("governance declarations", () => {
  it("are read into the manifest, without source locations", async () => {
    const yml = [
      ENTITY,
      SOURCE,
      "feature_views:",
      "  - name: stats",
      "    entities: [customer]",
      "    source: orders",
      "    owner: growth@example.com",
      "    freshness: {warn_after: 2d, error_after: 7d}",
      "    tests: [unique_per_entity_and_time]",
      "    features:",
      "      - name: amount",
      "        type: float64",
      "        description: Order amount in dollars",
      "        tests: [not_null, {max_null_rate: 0.05}, {range: {min: 0, max: 10000}}]",
      "        drift: {baseline: first_days, max_psi: 0.2, max_ks: 0.1}",
      "      - name: segment",
      "        type: string",
      "        tests: [{accepted_values: [new, regular, vip]}]",
      "  - name: agg",
      "    entities: [customer]",
      "    source: orders",
      "    aggregations:",
      "      - {function: count, window: 7d, tests: [{range: {min: 0}}], drift: {baseline: first_days}}",
    ].join("\n");
    const r = await buildWith(yml);
    // No profile is saved yet: build warns at each baseline (docs/governance.md, "Drift") and goes on.
    expect(r.diagnostics).toEqual([
      "definitions/a.yml:23:27: warning FC011: drift baseline of 'stats:amount': no profile 'profiles/first_days.json'; save one with 'fcompile profile --save first_days'",
      "definitions/a.yml:31:85: warning FC011: drift baseline of 'agg:count_7d': no profile 'profiles/first_days.json'; save one with 'fcompile profile --save first_days'",
    ]);
    expect(r.ok).toBe(true);
    const m = JSON.parse(readFileSync(path.join(r.dir, "target", "manifest.json"), "utf8")) as Record<
      string,
      Record<string, Record<string, unknown>>
    >;
    expect(m.sources!.orders!.labels).toEqual(["is_fraud"]);
    expect(m.feature_views!.stats!.freshness).toEqual({
      warnAfter: "2d",
      warnAfterSeconds: 172800,
      errorAfter: "7d",
      errorAfterSeconds: 604800,
    });
    expect(m.feature_views!.stats!.tests).toEqual([{ kind: "unique_per_entity_and_time" }]);
    expect(m.features!["stats:amount"]!.tests).toEqual([
      { kind: "not_null" },
      { kind: "max_null_rate", rate: 0.05 },
      { kind: "range", min: 0, max: 10000 },
    ]);
    expect(m.features!["stats:amount"]!.drift).toEqual({ baseline: "first_days", maxPsi: 0.2, maxKs: 0.1 });
    expect(m.features!["stats:segment"]!.tests).toEqual([{ kind: "accepted_values", values: ["new", "regular", "vip"] }]);
    expect(m.features!["agg:count_7d"]!.tests).toEqual([{ kind: "range", min: 0 }]);
    expect(m.features!["agg:count_7d"]!.drift).toEqual({ baseline: "first_days", maxPsi: 0.25 });
    // Without declarations a feature's entry has no tests key (manifests of projects without governance do not change).
    expect(Object.keys(m.features!["agg:count_7d"]!)).toContain("tests");
  });

  it("report every problem at its file:line:col in one run, beside the view's other problems", async () => {
    const yml = [
      ENTITY,
      "sources:",
      "  - name: orders",
      "    path: ../data/orders.csv",
      "    timestamp: ts",
      "    labels: [is_fraud, outcome]",
      "feature_views:",
      "  - name: stats",
      "    entities: [customer]",
      "    source: orders",
      "    ttl: 30 days",
      "    freshness: {warn_after: 7d, error_after: 2d}",
      "    tests: [unique_per_key]",
      "    features:",
      "      - name: amount",
      "        type: float64",
      "        tests: [{range: {min: 10, max: 1}}, {accepted_values: [1.5]}, {max_null_rate: 2}]",
      "      - name: segment",
      "        type: string",
      "        tests: [{range: {min: 0}}, {accepted_values: [vip, 3]}]",
      "        drift: {baseline: first_days, max_psi: 0}",
      "  - name: agg",
      "    entities: [customer]",
      "    source: orders",
      "    aggregations:",
      "      - {function: max, column: segment, window: 7d, tests: [{range: {max: 5}}]}",
    ].join("\n");
    const r = await buildWith(yml);
    expect(r.ok).toBe(false);
    expect(r.diagnostics).toEqual([
      "definitions/a.yml:9:24: error FC017: label 'outcome' of source 'orders' is not a column of its data file (columns: customer_id, ts, amount, segment, is_fraud)",
      `definitions/a.yml:14:10: error FC003: invalid value "30 days" for 'ttl': a duration: a whole number and a unit, s m h d or w (e.g. 30d).`,
      "definitions/a.yml:15:29: error FC003: freshness of view 'stats': warn_after (7d) is longer than error_after (2d); a view goes stale in warning first",
      `definitions/a.yml:16:13: error FC003: item 1 of 'tests' must be one of: unique_per_entity_and_time (got "unique_per_key")`,
      "definitions/a.yml:20:25: error FC003: range of feature 'amount' in view 'stats': min 10 is greater than max 1",
      "definitions/a.yml:20:45: error FC003: accepted_values applies to text, integers and booleans; feature 'amount' of view 'stats' is float64 (use a range)",
      "definitions/a.yml:20:87: error FC003: 'max_null_rate' must be <= 1",
      "definitions/a.yml:23:17: error FC003: a range test applies to numbers; feature 'segment' of view 'stats' is string",
      "definitions/a.yml:23:36: error FC003: accepted value 3 of feature 'segment' in view 'stats' is not a string",
      "definitions/a.yml:24:48: error FC003: 'max_psi' must be > 0",
      "definitions/a.yml:29:62: error FC003: a range test applies to numbers; feature 'segment_max_7d' of view 'agg' is string",
    ]);
  });
});
