/**
 * `fcompile lint` (docs/governance.md, "lint"): each rule's finding at the exact file:line:col of
 * the offending name or expression, the configured severities, `--strict` on lint and build, and
 * a clean project with no finding.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { build } from "../src/index.js";
import { lint } from "../src/commands/lint.js";
import { formatDiagnostic } from "../src/diagnostics/diagnostic.js";
import { fcompileIn } from "./helpers/cli.js";
import { CONFIG, removeProject, tempProject } from "./helpers/temp-project.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(removeProject));

const BASE = [
  "entities:",
  "  - name: customer",
  "    join_keys: [{name: customer_id, type: int64}]",
  "sources:",
  "  - name: orders",
  "    path: ../data/orders.csv",
  "    timestamp: ts",
  "    labels: [is_fraud]",
  "",
].join("\n");
const DATA = "customer_id,ts,amount,is_fraud\n1,2025-01-01 00:00:00,10.5,false\n";
/** What every view below repeats: documented, owned, with freshness (no finding of its own). */
const DOC = ["    entities: [customer]", "    owner: growth", "    freshness: {warn_after: 1d}"];

function project(files: Record<string, string>, config = CONFIG): string {
  const dir = tempProject({ "fcompile.yaml": config, "definitions/base.yml": BASE, "data/orders.csv": DATA, ...files });
  dirs.push(dir);
  return dir;
}

async function lintOf(files: Record<string, string>, config = CONFIG): Promise<string[]> {
  const r = await lint({ projectDir: project(files, config) });
  return r.findings.map(formatDiagnostic);
}

const lines = (...ls: string[]): string => ls.join("\n") + "\n";

describe("fcompile lint", () => {
  it("finds a duplicate aggregation written with another window unit and name (7d vs 168h), at the second", async () => {
    const yml = lines(
      "feature_views:",
      "  - name: order_stats",
      "    source: orders",
      ...DOC,
      "    aggregations:",
      "      - {name: spend_week, function: sum, column: amount, window: 7d, description: Spend over a week}",
      "  - name: order_totals",
      "    source: orders",
      ...DOC,
      "    aggregations:",
      "      - {name: weekly_amount, function: sum, column: amount, window: 168h, description: Spend over a week}",
      "      - {name: weekly_amount_big, function: sum, column: amount, window: 168h, filter: amount > 100, description: Big spend}",
    );
    expect(await lintOf({ "definitions/v.yml": yml })).toEqual([
      "definitions/v.yml:15:16: warning FC105: aggregation 'order_totals:weekly_amount' computes the same as 'order_stats:spend_week' " +
        "(same events, keys, function, column, filter and window): keep one of them [duplicate_aggregation]",
    ]);
  });

  it("finds duplicate SQL view expressions written differently (amount * 100 vs 100*amount, aliases, comments)", async () => {
    const view = (name: string, file: string, feature: string): string[] => [
      `  - name: ${name}`,
      `    sql: ${file}`,
      "    timestamp: ts",
      ...DOC,
      "    features:",
      `      - {name: ${feature}, type: float64, description: Amount in cents}`,
    ];
    const yml = lines("feature_views:", ...view("cents_a", "a.sql", "amount_cents"), ...view("cents_b", "b.sql", "cents"));
    const files = {
      "definitions/s.yml": yml,
      "definitions/a.sql": 'SELECT customer_id, ts, amount * 100 AS amount_cents FROM {{source "orders"}}\n',
      "definitions/b.sql":
        '-- the same, spelled otherwise\nSELECT o.customer_id, o.ts,\n  100*o.amount   cents\nFROM {{source "orders"}} AS o\n',
    };
    expect(await lintOf(files)).toEqual([
      "definitions/s.yml:17:16: warning FC106: feature 'cents_b:cents' is the same expression over the same rows and keys as " +
        "'cents_a:amount_cents': keep one of them [duplicate_expression]",
    ]);
    // Over other rows (a WHERE), the same expression is another feature.
    files["definitions/b.sql"] = 'SELECT customer_id, ts, 100*amount AS cents FROM {{source "orders"}} WHERE amount > 0\n';
    expect(await lintOf(files)).toEqual([]);
  });

  it("finds duplicate expressions within one SQL view, also when it is the project's only SQL view (FC106)", async () => {
    const yml = lines(
      "feature_views:",
      "  - name: doubled",
      "    sql: d.sql",
      "    timestamp: ts",
      ...DOC,
      "    features:",
      "      - {name: dbl, type: float64, description: Twice the amount}",
      "      - {name: dbl2, type: float64, description: Twice the amount again}",
    );
    const files: Record<string, string> = {
      "definitions/s.yml": yml,
      "definitions/d.sql": 'SELECT customer_id, ts, amount * 2 AS dbl, 2*amount AS dbl2 FROM {{source "orders"}}\n',
    };
    const finding =
      "definitions/s.yml:10:16: warning FC106: feature 'doubled:dbl2' is the same expression over the same rows and keys as " +
      "'doubled:dbl': keep one of them [duplicate_expression]";
    expect(await lintOf(files)).toEqual([finding]);
    // The same on a PostgreSQL target (lint reads SQL with one grammar, whatever the target; no connection).
    const pg = 'name: t\ntarget: pg\ntargets:\n  pg: {type: postgres, url: "postgres://127.0.0.1:5432/test", schema: lint_t}\n';
    expect(await lintOf(files, pg)).toEqual([finding]);
    // A second SQL view over other rows changes nothing (it once made the finding appear).
    files["definitions/t.yml"] = lines(
      "feature_views:",
      "  - name: other",
      "    sql: o.sql",
      "    timestamp: ts",
      ...DOC,
      "    features:",
      "      - {name: triple, type: float64, description: Thrice the amount}",
    );
    files["definitions/o.sql"] = 'SELECT customer_id, ts, 3 * amount AS triple FROM {{source "orders"}}\n';
    expect(await lintOf(files)).toEqual([finding]);
    // Different expressions in one view: no finding.
    files["definitions/d.sql"] = 'SELECT customer_id, ts, amount * 2 AS dbl, amount + 2 AS dbl2 FROM {{source "orders"}}\n';
    expect(await lintOf(files)).toEqual([]);
  });

  it("finds duplicate aggregations within one view, also when it is the project's only view (FC105)", async () => {
    const yml = lines(
      "feature_views:",
      "  - name: order_stats",
      "    source: orders",
      ...DOC,
      "    aggregations:",
      "      - {name: spend_week, function: sum, column: amount, window: 7d, description: Spend over a week}",
      "      - {name: spend_168h, function: sum, column: amount, window: 168h, description: Spend over a week again}",
    );
    expect(await lintOf({ "definitions/v.yml": yml })).toEqual([
      "definitions/v.yml:9:16: warning FC105: aggregation 'order_stats:spend_168h' computes the same as 'order_stats:spend_week' " +
        "(same events, keys, function, column, filter and window): keep one of them [duplicate_aggregation]",
    ]);
  });

  it("finds a window suffix that disagrees with the window, normalized (1w = 7d), and type or view names in feature names", async () => {
    const yml = lines(
      "feature_views:",
      "  - name: order_stats",
      "    source: orders",
      ...DOC,
      "    aggregations:",
      "      - {name: orders_30d, function: count, window: 7d, description: Orders}",
      "      - {name: big_orders_1w, function: count, window: 7d, filter: amount > 1, description: Big orders}",
      "      - {name: spend_24h, function: sum, column: amount, window: 1d, description: Spend}",
      "      - {name: amount_float, function: max, column: amount, window: 1d, description: Largest}",
      "      - {name: order_stats_avg, function: avg, column: amount, window: 1d, description: Average}",
      "      - {name: OrderCount, function: count, window: 2d, description: Orders}",
    );
    expect(await lintOf({ "definitions/v.yml": yml })).toEqual([
      "definitions/v.yml:8:16: warning FC102: feature 'orders_30d' of view 'order_stats' says 30d but its window is 7d: " +
        "rename it (e.g. 'orders_7d') or change the window [window_suffix]",
      "definitions/v.yml:11:16: warning FC103: feature 'amount_float' of view 'order_stats' has the type word 'float' in its name: " +
        "drop it (the type is declared, and may change) [type_in_name]",
      "definitions/v.yml:12:16: warning FC104: feature 'order_stats_avg' repeats its view's name 'order_stats': drop it " +
        "(with full names the output is 'order_stats__order_stats_avg' already) [view_in_name]",
      "definitions/v.yml:13:16: warning FC101: feature (of view 'order_stats') 'OrderCount' is not snake_case: rename it to 'order_count' [snake_case]",
    ]);
  });

  it("finds the wall clock in an SQL view and in an aggregation's SQL, and a FOLLOWING frame, at the word", async () => {
    const yml = lines(
      "feature_views:",
      "  - name: recent",
      "    sql: recent.sql",
      "    timestamp: ts",
      ...DOC,
      "    features:",
      "      - {name: next_avg, type: float64, description: Average of this and the next 3 orders}",
      "  - name: order_stats",
      "    sql: events.sql",
      "    timestamp: ts",
      ...DOC,
      "    aggregations:",
      "      - {name: spend_7d, function: sum, column: amount, window: 7d, type: float64, description: Spend}",
    );
    const events = "SELECT customer_id, ts, amount FROM {{source \"orders\"}}\nWHERE ts >= current_date - INTERVAL '90 days'\n";
    const sql = [
      "SELECT customer_id, ts,",
      "  avg(amount) OVER (PARTITION BY customer_id ORDER BY ts ROWS BETWEEN CURRENT ROW AND 3 FOLLOWING) AS next_avg",
      'FROM {{source "orders"}}',
      "WHERE ts > Now() - INTERVAL '30 days' -- not now() in a comment, nor 'now()' in a string",
      "",
    ].join("\n");
    expect(await lintOf({ "definitions/v.yml": yml, "definitions/recent.sql": sql, "definitions/events.sql": events })).toEqual([
      "definitions/events.sql:2:13: warning FC107: the SQL of view 'order_stats' reads the wall clock (current_date): its values would depend on " +
        "when it runs, so training and serving differ; use the rows' event time instead [wall_clock]",
      "definitions/recent.sql:2:89: warning FC108: the SQL of view 'recent' has a window frame reading FOLLOWING rows: a row's value " +
        "would see later events (leakage); end the frame at CURRENT ROW or PRECEDING [following_frame]",
      "definitions/recent.sql:4:12: warning FC107: the SQL of view 'recent' reads the wall clock (now): its values would depend on " +
        "when it runs, so training and serving differ; use the rows' event time instead [wall_clock]",
    ]);
  });

  it("finds features computed from a label: a plain feature, an aggregation's column, an SQL view's expression", async () => {
    const yml = lines(
      "feature_views:",
      "  - name: raw",
      "    source: orders",
      ...DOC,
      "    features:",
      "      - {name: amount, type: float64, description: Amount}",
      "      - {name: is_fraud, type: bool, description: Fraud}",
      "  - name: fraud_stats",
      "    source: orders",
      ...DOC,
      "    aggregations:",
      "      - {name: frauds_7d, function: count_distinct, column: is_fraud, window: 7d, description: Frauds}",
      "  - name: flagged",
      "    sql: flagged.sql",
      "    timestamp: ts",
      ...DOC,
      "    features:",
      "      - {name: fraud_flag, type: int32, description: Fraud as 0 or 1}",
    );
    const sql = 'SELECT customer_id, ts,\n       CASE WHEN is_fraud THEN 1 ELSE 0 END AS fraud_flag\nFROM {{source "orders"}}\n';
    const found = await lintOf({ "definitions/v.yml": yml, "definitions/flagged.sql": sql });
    expect(found).toEqual([
      "definitions/flagged.sql:2:18: warning FC109: feature 'flagged:fraud_flag' is computed from 'is_fraud', a label of source 'orders' " +
        "(known only after the event): drop it, or remove 'is_fraud' from the source's labels if it is not one [label_leak]",
      "definitions/v.yml:9:16: warning FC109: feature 'raw:is_fraud' is computed from 'is_fraud', a label of source 'orders' " +
        "(known only after the event): drop it, or remove 'is_fraud' from the source's labels if it is not one [label_leak]",
      "definitions/v.yml:16:61: warning FC109: feature 'fraud_stats:frauds_7d' is computed from 'is_fraud', a label of source 'orders' " +
        "(known only after the event): drop it, or remove 'is_fraud' from the source's labels if it is not one [label_leak]",
    ]);
  });

  it("compares aggregations over SQL events by their normalized SQL, and finds a label read by a filter, at the word", async () => {
    const view = (name: string, file: string, feature: string, extra = ""): string[] => [
      `  - name: ${name}`,
      `    sql: ${file}`,
      "    timestamp: ts",
      ...DOC,
      "    aggregations:",
      `      - {name: ${feature}, function: sum, column: amount, type: float64, window: 1d, description: Spend${extra}}`,
    ];
    const yml = lines(
      "feature_views:",
      ...view("paid_a", "a.sql", "paid_1d"),
      ...view("paid_b", "b.sql", "paid_day"),
      "  - name: honest",
      "    source: orders",
      ...DOC,
      "    aggregations:",
      "      - {name: spend_1d, function: sum, column: amount, window: 1d, filter: NOT is_fraud, description: Honest spend}",
    );
    const files = {
      "definitions/v.yml": yml,
      "definitions/a.sql": 'SELECT customer_id, ts, amount FROM {{source "orders"}} WHERE amount > 0 AND customer_id <> 0\n',
      "definitions/b.sql":
        'select o.customer_id, o.ts, o.amount\nfrom {{source "orders"}} o\nwhere 0 <> o.customer_id and 0 < amount -- same rows\n',
    };
    const found = await lintOf(files);
    // (`0 < amount` is not `amount > 0` once normalized: only commutative operators are reordered)
    expect(found).toEqual([
      "definitions/v.yml:24:81: warning FC109: feature 'honest:spend_1d' is computed from 'is_fraud', a label of source 'orders' " +
        "(known only after the event): drop it, or remove 'is_fraud' from the source's labels if it is not one [label_leak]",
    ]);
    files["definitions/b.sql"] =
      'select o.customer_id, o.ts, o.amount\nfrom {{source "orders"}} o\nwhere 0 <> o.customer_id and amount > 0\n';
    expect((await lintOf(files)).map((d) => d.split(" ").slice(0, 6).join(" "))).toEqual([
      "definitions/v.yml:17:16: warning FC105: aggregation 'paid_b:paid_day' computes",
      "definitions/v.yml:24:81: warning FC109: feature 'honest:spend_1d' is",
    ]);
  });

  it("finds a view without an owner or freshness and a feature without a description", async () => {
    const yml = lines(
      "feature_views:",
      "  - name: order_stats",
      "    entities: [customer]",
      "    source: orders",
      "    aggregations:",
      "      - {name: orders_7d, function: count, window: 7d}",
    );
    expect(await lintOf({ "definitions/v.yml": yml })).toEqual([
      "definitions/v.yml:2:11: warning FC111: view 'order_stats' has no owner: add 'owner:' (a team or an address to ask) [view_owner]",
      "definitions/v.yml:2:11: warning FC112: view 'order_stats' has no freshness: add 'freshness: {warn_after: …, error_after: …}' " +
        "(how old its newest event may get) [view_freshness]",
      "definitions/v.yml:6:16: warning FC110: feature 'order_stats:orders_7d' has no description: add 'description:' " +
        "(what it means, in which unit) [feature_description]",
    ]);
  });

  const UNDOCUMENTED = lines(
    "feature_views:",
    "  - name: order_stats",
    "    entities: [customer]",
    "    sql: recent.sql",
    "    timestamp: ts",
    "    freshness: {warn_after: 1d}",
    "    aggregations:",
    "      - {name: orders_7d, function: count, window: 7d, description: Orders}",
  );
  const RECENT = 'SELECT customer_id, ts FROM {{source "orders"}} WHERE ts < now()\n';

  it("honors the configured severities: off drops a rule, error fails lint and build (nothing written)", async () => {
    const config = CONFIG + "lint:\n  rules: {view_owner: error, wall_clock: off}\n";
    const dir = project({ "definitions/v.yml": UNDOCUMENTED, "definitions/recent.sql": RECENT }, config);
    const r = await lint({ projectDir: dir });
    expect(r.ok).toBe(false);
    expect(r.findings.map(formatDiagnostic)).toEqual([
      "definitions/v.yml:2:11: error FC111: view 'order_stats' has no owner: add 'owner:' (a team or an address to ask) [view_owner]",
    ]);
    const b = await build({ projectDir: dir });
    expect(b.ok).toBe(false);
    expect(b.lint!.map((d) => d.code)).toEqual(["FC111"]);
    expect(existsSync(path.join(dir, "target", "manifest.json"))).toBe(false);
    // The defaults: both rules warn, and build succeeds.
    const dflt = await lint({ projectDir: project({ "definitions/v.yml": UNDOCUMENTED, "definitions/recent.sql": RECENT }) });
    expect(dflt.ok).toBe(true);
    expect(dflt.findings.map((d) => `${d.code} ${d.severity}`)).toEqual(["FC107 warning", "FC111 warning"]);
  });

  it("takes naming.type_words from fcompile.yaml", async () => {
    const yml = lines(
      "feature_views:",
      "  - name: order_stats",
      "    source: orders",
      ...DOC,
      "    aggregations:",
      "      - {name: amount_float, function: max, column: amount, window: 1d, description: Largest}",
      "      - {name: amount_dbl, function: min, column: amount, window: 1d, description: Smallest}",
    );
    const config = CONFIG + "lint:\n  naming: {type_words: [dbl]}\n";
    expect((await lintOf({ "definitions/v.yml": yml }, config)).map((d) => d.split(": ")[1])).toEqual(["warning FC103"]);
    expect((await lintOf({ "definitions/v.yml": yml }, config))[0]).toContain("'amount_dbl'");
  });

  it("reports a malformed lint: config at its place (FC003/FC013)", async () => {
    const config = CONFIG + "lint:\n  rules: {view_owner: loud, no_such_rule: off}\n";
    const b = await build({ projectDir: project({}, config) });
    expect(b.ok).toBe(false);
    expect(b.diagnostics.map((d) => `${d.at.file}:${d.at.line} ${d.code}`).sort()).toEqual([
      "fcompile.yaml:8 FC003",
      "fcompile.yaml:8 FC013",
    ]);
  });

  it("has no finding on the sample project, even with --strict", async () => {
    const r = await fcompileIn(path.resolve("sample_project"), "lint", "--strict");
    expect(r.stdout, r.stderr).toBe("lint ok: no findings\n");
    expect(r.stderr).not.toMatch(/FC1\d\d/);
    expect(r.status).toBe(0);
  });

  it("has no finding on a clean project", async () => {
    const yml = lines(
      "feature_views:",
      "  - name: order_stats",
      "    source: orders",
      ...DOC,
      "    aggregations:",
      "      - {name: orders_7d, function: count, window: 7d, description: Orders in the last 7 days}",
      "      - {name: spend_1w, function: sum, column: amount, window: 168h, description: Spend in the last week in dollars}",
      "      - {name: spend_30d, function: sum, column: amount, window: 30d, filter: amount > 0, description: Spend in 30 days}",
      "  - name: amounts",
      "    sql: amounts.sql",
      "    timestamp: ts",
      ...DOC,
      "    features:",
      "      - {name: amount_cents, type: float64, description: Order amount in cents}",
    );
    const sql =
      'SELECT customer_id, ts, amount * 100 AS amount_cents,\n  sum(amount) OVER (PARTITION BY customer_id ORDER BY ts ROWS 3 PRECEDING) AS s\nFROM {{source "orders"}}\n';
    expect(await lintOf({ "definitions/v.yml": yml, "definitions/amounts.sql": sql })).toEqual([]);
  });

  it("CLI: lint --strict and build --strict exit 1; without, build prints the warnings and exits 0; --json", async () => {
    const dir = project({ "definitions/v.yml": UNDOCUMENTED, "definitions/recent.sql": RECENT });
    const plain = await fcompileIn(dir, "lint");
    expect(plain.status).toBe(0);
    expect(plain.stderr).toContain("definitions/v.yml:2:11: warning FC111:");
    const strict = await fcompileIn(dir, "lint", "--strict");
    expect(strict.status).toBe(1);
    expect(strict.stderr).toContain("definitions/v.yml:2:11: error FC111:");
    expect(strict.stderr).toContain("definitions/recent.sql:1:60: error FC107:");
    const json = await fcompileIn(dir, "lint", "--json");
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ code: "FC107", rule: "wall_clock", severity: "warning", file: "definitions/recent.sql", line: 1, col: 60 }),
      expect.objectContaining({ code: "FC111", rule: "view_owner", severity: "warning", file: "definitions/v.yml", line: 2, col: 11 }),
    ]);
    const built = await fcompileIn(dir, "build");
    expect(built.status).toBe(0);
    expect(built.stderr).toContain("definitions/v.yml:2:11: warning FC111:");
    const buildStrict = await fcompileIn(dir, "build", "--strict");
    expect(buildStrict.status).toBe(1);
    expect(buildStrict.stderr).toContain("definitions/v.yml:2:11: error FC111:");
    expect(buildStrict.stderr).toContain("nothing was written");
    const help = await fcompileIn(dir, "lint", "--help");
    expect(help.stdout).toContain("FC109  label_leak");
  });
});
