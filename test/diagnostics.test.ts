import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { build } from "../src/index.js";
import { formatDiagnostic } from "../src/diagnostics/diagnostic.js";
import { CONFIG, removeProject, tempProject } from "./helpers/temp-project.js";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(removeProject));

async function diagnose(files: Record<string, string>): Promise<string[]> {
  const dir = tempProject({ "fcompile.yaml": CONFIG, ...files });
  dirs.push(dir);
  const r = await build({ projectDir: dir });
  expect(r.ok).toBe(false);
  expect(existsSync(path.join(dir, "target"))).toBe(false);
  return r.diagnostics.map(formatDiagnostic);
}

const ENTITY = "entities:\n  - name: customer\n    join_keys: [customer_id]\n";
const SOURCE = "sources:\n  - name: stats\n    table: raw.stats\n    timestamp: ts\n";

describe("diagnostics point at file, line and column", () => {
  it("YAML syntax error", async () => {
    expect(await diagnose({ "definitions/a.yml": "entities:\n  - name: [unclosed\n" })).toEqual([
      expect.stringMatching(/^definitions\/a\.yml:3:1: error FC001: /),
    ]);
  });

  it("unknown key, wrong type, missing key, bad enum — all in one run", async () => {
    const yml = [
      ENTITY,
      SOURCE,
      "feature_views:",
      "  - name: v",
      "    entities: [customer]",
      "    source: stats",
      "    colour: blue",
      "    ttl: 30 days",
      "    features:",
      "      - {name: f, type: integer}",
      "      - {type: int64}",
    ].join("\n");
    expect(await diagnose({ "definitions/a.yml": yml })).toEqual([
      "definitions/a.yml:14:5: error FC002: unknown key 'colour'; expected one of: name, entities, source, sql, timestamp, created_timestamp, ttl, lateness, owner, description, tags, features, aggregations, hop, freshness, tests",
      `definitions/a.yml:15:10: error FC003: invalid value "30 days" for 'ttl': a duration: a whole number and a unit, s m h d or w (e.g. 30d).`,
      `definitions/a.yml:17:25: error FC003: 'type' must be one of: int32, int64, float32, float64, string, bool, timestamp (got "integer")`,
      "definitions/a.yml:18:9: error FC004: missing required key 'name' in item 2 of 'features'",
    ]);
  });

  it("an unknown key hides none of its item's other problems (a view's, a source's, an aggregation's)", async () => {
    const yml = [
      ENTITY,
      "sources:",
      "  - {name: stats, path: ../data/stats.csv, timestamp: ts, bogus: 1}",
      "feature_views:",
      "  - name: v",
      "    entities: [customer]",
      "    source: stats",
      "    late_ness: 1h",
      "    hop: 1h",
      "    features: [{name: f, type: int64, colour: red}]",
      "  - name: a",
      "    entities: [customer]",
      "    source: stats",
      "    aggregations: [{name: n, function: count, window: 1d, wat: 2}, {name: s, function: sum, column: nope, window: 1d}]",
    ].join("\n");
    expect(await diagnose({ "definitions/a.yml": yml, "data/stats.csv": "customer_id,ts,f\n1,2025-01-01 00:00:00,2\n" })).toEqual([
      "definitions/a.yml:6:59: error FC002: unknown key 'bogus'; expected one of: name, path, table, timestamp, created_timestamp, push, dedupe_key, description, owner, tags, labels",
      "definitions/a.yml:11:5: error FC002: unknown key 'late_ness'; expected one of: name, entities, source, sql, timestamp, created_timestamp, ttl, lateness, owner, description, tags, features, aggregations, hop, freshness, tests",
      "definitions/a.yml:12:10: error FC003: 'hop' applies only to aggregation views; feature view 'v' has no aggregations",
      "definitions/a.yml:13:39: error FC002: unknown key 'colour'; expected one of: name, type, description, owner, tags, tests, drift",
      "definitions/a.yml:17:59: error FC002: unknown key 'wat'; expected one of: name, function, column, window, filter, type, description, owner, tags, tests, drift",
      "definitions/a.yml:17:75: error FC017: column 'nope' of sum in view 'a' is not in data/stats.csv (columns: customer_id, ts, f)",
    ]);
  });

  it("a bad hop or created_timestamp is left out: the view's and the source's other problems still come out", async () => {
    const yml = [
      ENTITY,
      "sources:",
      "  - {name: stats, table: raw.stats, timestamp: ts, created_timestamp: bad-col}",
      "feature_views:",
      "  - name: v",
      "    entities: [custmer]",
      "    source: stats",
      "    hop: 1 hour",
      "    aggregations: [{name: n, function: count, window: 1d}]",
    ].join("\n");
    expect(await diagnose({ "definitions/a.yml": yml })).toEqual([
      expect.stringMatching(/^definitions\/a\.yml:6:71: error FC009: unsafe identifier "bad-col" for 'created_timestamp': a column name: /),
      "definitions/a.yml:9:16: error FC006: unknown entity 'custmer' in view 'v'; did you mean 'customer'?",
      `definitions/a.yml:11:10: error FC003: invalid value "1 hour" for 'hop': a duration (s m h d w); aggregation views only: online reads from per-hop partial aggregates, each window's lower edge rounded down to a multiple of the hop (docs/aggregations.md, Hop).`,
    ]);
  });

  it("dangling references to entity, source, view and feature", async () => {
    const yml = [
      ENTITY,
      SOURCE,
      "feature_views:",
      "  - name: v",
      "    entities: [custmer]",
      "    source: stat",
      "    features: [{name: f, type: int64}]",
      "feature_services:",
      "  - name: s",
      "    features: [v:g, w:f]",
    ].join("\n");
    expect(await diagnose({ "definitions/a.yml": yml })).toEqual([
      "definitions/a.yml:12:16: error FC006: unknown entity 'custmer' in view 'v'; did you mean 'customer'?",
      "definitions/a.yml:13:13: error FC006: unknown source 'stat' in view 'v'; did you mean 'stats'?",
      "definitions/a.yml:17:16: error FC006: view 'v' has no feature 'g'; did you mean 'f'? (it has: f)",
      "definitions/a.yml:17:21: error FC006: unknown feature view 'w' in service 's'; did you mean 'v'?",
    ]);
  });

  it("duplicate names across files", async () => {
    const diags = await diagnose({ "definitions/a.yml": ENTITY, "definitions/b/c.yaml": ENTITY });
    expect(diags).toEqual([
      "definitions/b/c.yaml:2:11: error FC005: duplicate entity name 'customer' (first defined at definitions/a.yml:2:11)",
    ]);
  });

  it("unsafe identifiers", async () => {
    const yml = 'entities:\n  - name: "Bad-Name"\n    join_keys: ["id; DROP TABLE x"]\n';
    expect(await diagnose({ "definitions/a.yml": yml })).toEqual([
      `definitions/a.yml:2:11: error FC009: unsafe identifier "Bad-Name" for 'name': lower-case name: a letter, then letters, digits or underscores; a name containing __fc is reserved (fcompile's internal tables end with it).`,
      `definitions/a.yml:3:17: error FC009: unsafe identifier "id; DROP TABLE x" for item 1 of 'join_keys': a column name: a letter or underscore, then letters, digits or underscores; a name starting with __fc (in any case) is reserved (fcompile's internal columns start with it).`,
    ]);
  });

  it("names fcompile reserves for its internal columns (__fc…, any case), wherever a column is named", async () => {
    const yml = [
      "entities:",
      "  - {name: c, join_keys: [__fc_row_id, {name: __FC_key, type: int64}]}",
      "sources:",
      "  - {name: s, table: raw.s, timestamp: __fc_ts, created_timestamp: __Fc_created}",
      "feature_views:",
      "  - {name: v, entities: [c], source: s, timestamp: __fc_entity_ts, features: [{name: __fc_x, type: int64}]}",
    ].join("\n");
    const reserved = (at: string, value: string, where: string) =>
      `definitions/a.yml:${at}: error FC009: reserved name "${value}" for ${where}: a column name: a letter or underscore, then letters, digits or underscores; a name starting with __fc (in any case) is reserved (fcompile's internal columns start with it). Rename it.`;
    expect(await diagnose({ "definitions/a.yml": yml })).toEqual([
      reserved("2:27", "__fc_row_id", "item 1 of 'join_keys'"),
      reserved("2:47", "__FC_key", "'name'"),
      reserved("4:40", "__fc_ts", "'timestamp'"),
      reserved("4:68", "__Fc_created", "'created_timestamp'"),
      reserved("6:52", "__fc_entity_ts", "'timestamp'"),
      reserved("6:86", "__fc_x", "'name'"),
    ]);
  });

  it("object names containing __fc (temporary tables are named <table>__fc_new)", async () => {
    const yml = "entities:\n  - {name: c, join_keys: [id]}\nsources:\n  - {name: s__fc_new, table: raw.s, timestamp: ts}\n";
    expect(await diagnose({ "definitions/a.yml": yml })).toEqual([
      `definitions/a.yml:4:12: error FC009: reserved name "s__fc_new" for 'name': lower-case name: a letter, then letters, digits or underscores; a name containing __fc is reserved (fcompile's internal tables end with it). Rename it.`,
    ]);
  });

  it("cycle between SQL views, and SQL that does not parse", async () => {
    const views = [
      ENTITY,
      "feature_views:",
      "  - {name: a, entities: [customer], sql: a.sql, timestamp: ts, features: [{name: x, type: int64}]}",
      "  - {name: b, entities: [customer], sql: b.sql, timestamp: ts, features: [{name: y, type: int64}]}",
      "  - {name: c, entities: [customer], sql: c.sql, timestamp: ts, features: [{name: z, type: int64}]}",
    ].join("\n");
    const diags = await diagnose({
      "definitions/v.yml": views,
      "definitions/a.sql": 'SELECT customer_id, ts, y AS x\nFROM {{ref "b"}}\n',
      "definitions/b.sql": 'SELECT customer_id, ts, x AS y FROM {{ref "a"}}',
      "definitions/c.sql": "SELECT customer_id, ts, z\nFROM t\nWHERE z >>> 1 AND",
    });
    expect(diags).toEqual([
      "definitions/b.sql:1:37: error FC007: cycle between SQL feature views: a -> b -> a",
      expect.stringMatching(/^definitions\/c\.sql:3:\d+: error FC008: SQL of view 'c' does not parse: /),
    ]);
  });

  it("SQL view missing a declared column, and an unknown template", async () => {
    const views = [
      ENTITY,
      "feature_views:",
      "  - name: a",
      "    entities: [customer]",
      "    sql: a.sql",
      "    timestamp: ts",
      "    features:",
      "      - {name: x, type: int64}",
      "      - {name: w, type: int64}",
      "  - {name: b, entities: [customer], sql: b.sql, timestamp: ts, features: [{name: y, type: int64}]}",
    ].join("\n");
    const diags = await diagnose({
      "definitions/v.yml": views,
      "definitions/a.sql": "SELECT customer_id, ts, 1 AS x FROM t",
      "definitions/b.sql": "SELECT * FROM\n  {{ source 'x' }}",
    });
    expect(diags).toEqual([
      "definitions/b.sql:2:3: error FC008: unknown template expression '{{ source 'x' }}'; use {{source \"name\"}} or {{ref \"view_name\"}}",
      "definitions/v.yml:12:16: error FC017: feature column 'w' is not among the columns of definitions/a.sql (customer_id, ts, x)",
    ]);
  });

  it("feature name clash in a service", async () => {
    const yml = [
      ENTITY,
      SOURCE,
      "feature_views:",
      "  - {name: v1, entities: [customer], source: stats, features: [{name: f, type: int64}]}",
      "  - {name: v2, entities: [customer], source: stats, features: [{name: f, type: int64}]}",
      "feature_services:",
      "  - name: s",
      "    features:",
      "      - v1:f",
      "      - v2:*",
    ].join("\n");
    expect(await diagnose({ "definitions/a.yml": yml })).toEqual([
      "definitions/a.yml:17:9: error FC010: features 'v1:f' and 'v2:f' both come out as column 'f' without full names in service 's'; rename one of them",
    ]);
  });

  it("output names that clash only with full names, only in case, or with a join key", async () => {
    const yml = [
      "entities:\n  - name: customer\n    join_keys: [Customer_ID]",
      SOURCE,
      "feature_views:",
      "  - {name: a, entities: [customer], source: stats, features: [{name: b__c, type: int64}, {name: Total, type: int64}]}",
      "  - {name: a__b, entities: [customer], source: stats, features: [{name: c, type: int64}, {name: customer_id, type: int64}]}",
      "  - {name: d, entities: [customer], source: stats, features: [{name: total, type: int64}]}",
      "feature_services:",
      "  - name: s",
      "    features: [a:b__c, a__b:c]",
      "  - name: t",
      "    features: [a:Total, d:total, a__b:customer_id]",
    ].join("\n");
    expect(await diagnose({ "definitions/a.yml": yml })).toEqual([
      "definitions/a.yml:11:97: error FC010: feature 'customer_id' has the name of a join key or timestamp column of view 'a__b'",
      "definitions/a.yml:15:24: error FC010: features 'a:b__c' and 'a__b:c' both come out as column 'a__b__c' with full names (view__feature) in service 's'; rename one of them",
      "definitions/a.yml:17:25: error FC010: features 'a:Total' and 'd:total' come out as columns 'Total' and 'total' without full names, one column to the warehouse (it ignores case) in service 't'; rename one of them",
      "definitions/a.yml:17:34: error FC010: feature 'a__b:customer_id' comes out as column 'customer_id' without full names, the name of join key 'Customer_ID' in service 't'; rename the feature",
    ]);
  });

  it("names too long for PostgreSQL once fcompile adds to them", async () => {
    const longView = "v".repeat(40);
    const yml = [
      ENTITY,
      `sources:\n  - {name: ${"s".repeat(48)}, table: raw.stats, timestamp: ts}\n  - {name: stats, table: raw.stats, timestamp: ts}`,
      "feature_views:",
      `  - {name: ${longView}, entities: [customer], source: stats, features: [{name: ${"f".repeat(22)}, type: int64}, {name: ${"g".repeat(21)}, type: int64}]}`,
      "feature_services:",
      `  - {name: s, features: ["${longView}:*"]}`,
    ].join("\n");
    expect(await diagnose({ "definitions/a.yml": yml })).toEqual([
      "definitions/a.yml:6:12: error FC009: 'name' is longer than 47 characters (fcompile's table names add up to 16 characters to it, as in source__<name>__fc_new, and PostgreSQL keeps only 63, so longer names could meet once cut); shorten it",
      `definitions/a.yml:11:26: error FC010: feature '${longView}:${"f".repeat(22)}' comes out as column '${longView}__${"f".repeat(22)}' with full names (view__feature), longer than the 63 characters PostgreSQL keeps (cut, it could meet another name) in service 's'; shorten the view or feature name`,
    ]);
  });

  it("aggregation views: every problem in one run, each at its line and column", async () => {
    const yml = [
      ENTITY,
      "sources:",
      "  - {name: orders, path: ../data/orders.csv, timestamp: ts}",
      "  - {name: remote, table: raw.remote, timestamp: ts}",
      "feature_views:",
      "  - name: agg",
      "    entities: [customer]",
      "    source: orders",
      "    aggregations:",
      "      - {function: count, window: 7d}",
      "      - {function: sum, column: status, window: 30d}",
      "      - {function: max, column: nope, window: 2d}",
      "      - {function: min, column: amount, window: 30s}",
      "      - {function: avg, window: lifetime}",
      '      - {function: last, column: amount, window: 1d, filter: "amount >"}',
      '      - {function: count, window: 1d, filter: "bogus > 1", name: c1}',
      "      - {function: median, column: amount, window: 1d}",
      "      - {function: count, column: amount, window: 400d}",
      '      - {function: sum, column: amount, window: 1d, filter: "amount > (SELECT 1)", name: s2}',
      "      - {function: avg, column: amount, window: 1d, type: int64}",
      "  - name: far",
      "    entities: [customer]",
      "    source: remote",
      "    ttl: 30d",
      "    aggregations:",
      "      - {function: sum, column: x, window: 1d}",
      "      - {function: count, window: 1d}",
      "      - {function: count, window: 1d}",
    ].join("\n");
    expect(
      await diagnose({ "definitions/a.yml": yml, "data/orders.csv": "customer_id,ts,amount,status\n1,2024-01-01 00:00:00,1.5,paid\n" }),
    ).toEqual([
      "definitions/a.yml:14:9: error FC003: sum cannot take column 'status' (VARCHAR in data/orders.csv): it needs a number",
      "definitions/a.yml:15:9: error FC017: column 'nope' of max in view 'agg' is not in data/orders.csv (columns: customer_id, ts, amount, status)",
      "definitions/a.yml:16:49: error FC003: window '30s' of view 'agg' is out of range: a window runs from 1m to 365d (s m h d w), or is 'lifetime'",
      "definitions/a.yml:17:9: error FC004: aggregation 'avg' in view 'agg' needs 'column' (only count can go without one: it then counts events)",
      "definitions/a.yml:18:62: error FC008: filter of 'amount_last_1d' in view 'agg' does not parse as an SQL predicate: unexpected end of SQL",
      "definitions/a.yml:19:47: error FC017: filter of 'c1' in view 'agg' reads column 'bogus', which the events do not have (columns: customer_id, ts, amount, status)",
      "definitions/a.yml:20:20: error FC003: 'function' must be one of: count, sum, avg, min, max, stddev, last, count_distinct (got \"median\")",
      "definitions/a.yml:21:51: error FC003: window '400d' of view 'agg' is out of range: a window runs from 1m to 365d (s m h d w), or is 'lifetime'",
      "definitions/a.yml:22:61: error FC008: filter of 's2' in view 'agg' reads other tables (a subquery): a filter reads only the event's own columns",
      "definitions/a.yml:23:59: error FC003: avg gives float64, not int64; drop 'type' or make it float64",
      "definitions/a.yml:27:10: error FC003: 'ttl' does not apply to aggregation view 'far': each aggregation has its own window",
      "definitions/a.yml:29:9: error FC004: give 'type' for sum of 'x' in view 'far': its type is the column's, and build cannot see the column of table raw.remote",
      "definitions/a.yml:31:9: error FC005: feature 'count_1d' is defined twice in view 'far'",
    ]);
  });

  it("hop: a bad duration, a hop longer than the shortest window, count_distinct, a hop on a plain view — each located", async () => {
    const yml = [
      ENTITY,
      "sources:",
      "  - {name: orders, path: ../data/orders.csv, timestamp: ts}",
      "feature_views:",
      "  - name: long_hop",
      "    entities: [customer]",
      "    source: orders",
      "    hop: 2h",
      "    aggregations:",
      "      - {function: count, window: 1h}",
      "      - {function: count_distinct, column: status, window: 1d}",
      "      - {function: sum, column: amount, window: lifetime}",
      "  - name: zero_hop",
      "    entities: [customer]",
      "    source: orders",
      "    hop: 0s",
      "    aggregations: [{function: count, window: 1h}]",
      "  - name: bad_hop",
      "    entities: [customer]",
      "    source: orders",
      "    hop: 1 hour",
      "    aggregations: [{function: count, window: 1h}]",
      "  - name: plain",
      "    entities: [customer]",
      "    source: orders",
      "    hop: 1h",
      "    features: [{name: amount, type: float64}]",
      "  - name: fine",
      "    entities: [customer]",
      "    source: orders",
      "    hop: 1h",
      "    aggregations: [{function: count, window: 1h}, {function: max, column: amount, window: 90m}, {function: sum, column: amount, window: lifetime}]",
    ].join("\n");
    expect(
      await diagnose({ "definitions/a.yml": yml, "data/orders.csv": "customer_id,ts,amount,status\n1,2024-01-01 00:00:00,1.5,paid\n" }),
    ).toEqual([
      "definitions/a.yml:11:10: error FC003: hop '2h' of view 'long_hop' is longer than its shortest window ('count_1h', 1h): a hop rounds each window's start down by up to the hop, so it must be at most the shortest window",
      "definitions/a.yml:14:20: error FC003: count_distinct ('status_count_distinct_1d') cannot be served with 'hop' in view 'long_hop': its partial state is the set of distinct values, which no hop bounds; move it to a view without 'hop'",
      "definitions/a.yml:19:10: error FC003: hop '0s' of view 'zero_hop' must be a duration of at least 1s (s m h d w)",
      `definitions/a.yml:24:10: error FC003: invalid value "1 hour" for 'hop': a duration (s m h d w); aggregation views only: online reads from per-hop partial aggregates, each window's lower edge rounded down to a multiple of the hop (docs/aggregations.md, Hop).`,
      "definitions/a.yml:29:10: error FC003: 'hop' applies only to aggregation views; feature view 'plain' has no aggregations",
    ]);
  });

  it("hop on a view over a push source is accepted (pushes update its tiles); only hop's own rules refuse", async () => {
    const yml = [
      ENTITY,
      "sources:",
      "  - {name: orders, path: ../data/orders.csv, timestamp: ts, push: true}",
      "feature_views:",
      "  - name: pushed_hop",
      "    entities: [customer]",
      "    source: orders",
      "    hop: 1h",
      "    lateness: 1d",
      "    aggregations: [{function: count, window: 1d}, {function: sum, column: amount, window: lifetime}]",
      "  - name: pushed_hop_distinct",
      "    entities: [customer]",
      "    source: orders",
      "    hop: 1h",
      "    aggregations: [{function: count_distinct, column: status, window: 1d}]",
    ].join("\n");
    expect(
      await diagnose({ "definitions/a.yml": yml, "data/orders.csv": "customer_id,ts,amount,status\n1,2024-01-01 00:00:00,1.5,paid\n" }),
    ).toEqual([
      "definitions/a.yml:18:31: error FC003: count_distinct ('status_count_distinct_1d') cannot be served with 'hop' in view 'pushed_hop_distinct': its partial state is the set of distinct values, which no hop bounds; move it to a view without 'hop'",
    ]);
  });

  it("aggregation filters: one condition over one event's own columns, or FC008 at build", async () => {
    const filters = [
      "amount",
      "amount + 1",
      "'paid'",
      "count(*) > 1",
      "events.status = 'paid'",
      "row_number() OVER (PARTITION BY customer_id ORDER BY ts) <= 3",
      "random() < 0.5",
      "ts < now()",
      "ts < current_date",
      "STATUS = 'paid' AND flag",
    ];
    const yml = [
      ENTITY,
      "sources:",
      "  - {name: orders, path: ../data/orders.csv, timestamp: ts}",
      "feature_views:",
      "  - name: agg",
      "    entities: [customer]",
      "    source: orders",
      "    aggregations:",
      ...filters.map((f, i) => `      - {name: f${i}, function: count, window: 1d, filter: "${f}"}`),
    ].join("\n");
    const out = await diagnose({
      "definitions/a.yml": yml,
      "data/orders.csv": "customer_id,ts,amount,status,flag\n1,2024-01-01 00:00:00,1.5,paid,true\n",
    });
    const line = (i: number): string => `definitions/a.yml:${12 + i}:`;
    expect(out).toEqual([
      expect.stringMatching(
        new RegExp(`^${line(0)}\\d+: error FC008: filter of 'f0' in view 'agg' is column 'amount' \\(DOUBLE\\), not a condition`),
      ),
      expect.stringMatching(new RegExp(`^${line(1)}\\d+: error FC008: filter of 'f1' .* is a value, not a condition`)),
      expect.stringMatching(new RegExp(`^${line(2)}\\d+: error FC008: filter of 'f2' .* is a value, not a condition`)),
      expect.stringMatching(new RegExp(`^${line(3)}\\d+: error FC008: filter of 'f3' .* has an aggregate \\(count\\)`)),
      expect.stringMatching(
        new RegExp(`^${line(4)}\\d+: error FC008: filter of 'f4' .* names a table \\('events\\.'\\); write the column alone`),
      ),
      expect.stringMatching(new RegExp(`^${line(5)}\\d+: error FC008: filter of 'f5' .* has a window function`)),
      expect.stringMatching(new RegExp(`^${line(6)}\\d+: error FC008: filter of 'f6' .* calls random`)),
      expect.stringMatching(new RegExp(`^${line(7)}\\d+: error FC008: filter of 'f7' .* calls now`)),
      expect.stringMatching(new RegExp(`^${line(8)}\\d+: error FC008: filter of 'f8' .* calls current_date`)),
    ]);
  });

  it("file source missing, and columns missing from a CSV file source", async () => {
    const yml = [
      ENTITY,
      "sources:",
      "  - {name: a, path: ../data/a.csv, timestamp: ts}",
      "  - {name: gone, path: ../data/gone.csv, timestamp: ts}",
      "feature_views:",
      "  - name: v",
      "    entities: [customer]",
      "    source: a",
      "    features: [{name: f, type: int64}, {name: g, type: int64}]",
    ].join("\n");
    expect(await diagnose({ "definitions/a.yml": yml, "data/a.csv": "customer_id,ts,f\n1,2025-01-01,2\n" })).toEqual([
      "definitions/a.yml:7:24: warning FC011: data file '../data/gone.csv' of source 'gone' not found (looked for data/gone.csv, relative to this YAML file); build goes on without it, but 'fcompile run' needs it: create it before running, or fix 'path'",
      "definitions/a.yml:12:47: error FC017: feature column 'g' is not in data/a.csv (columns: customer_id, ts, f)",
    ]);
  });

  it("push keys: a broken dedupe_key or lateness hides none of the other problems", async () => {
    const orders = "order_id,customer_id,ts,amount\n1,1,2025-01-01,2\n";
    // dedupe_key naming a missing column, and an unrelated unknown entity in a view elsewhere.
    const missing = [
      ENTITY,
      "sources:",
      "  - {name: orders, path: ../data/orders.csv, timestamp: ts, push: true, dedupe_key: order_uid}",
      "feature_views:",
      "  - {name: v, entities: [shopper], source: orders, features: [{name: amount, type: float64}]}",
    ].join("\n");
    expect(await diagnose({ "definitions/a.yml": missing, "data/orders.csv": orders })).toEqual([
      "definitions/a.yml:6:85: error FC017: dedupe_key 'order_uid' of source 'orders' is not a column of its data file (columns: order_id, customer_id, ts, amount)",
      "definitions/a.yml:8:26: error FC006: unknown entity 'shopper' in view 'v'",
    ]);
    // dedupe_key that is no column name: the source is still read, so the views over it are checked.
    const unsafe = [
      ENTITY,
      "sources:",
      "  - {name: orders, path: ../data/orders.csv, timestamp: ts, push: true, dedupe_key: order-id}",
      "feature_views:",
      "  - {name: v, entities: [customer], source: orders, features: [{name: amont, type: float64}]}",
      "  - {name: w, entities: [customer], source: orders, lateness: 1d, aggregations: [{name: n, function: sum, column: amont, window: 1d}]}",
    ].join("\n");
    expect(await diagnose({ "definitions/a.yml": unsafe, "data/orders.csv": orders })).toEqual([
      expect.stringMatching(/^definitions\/a\.yml:6:85: error FC009: unsafe identifier "order-id" for 'dedupe_key': /),
      "definitions/a.yml:8:71: error FC017: feature column 'amont' is not in data/orders.csv (columns: order_id, customer_id, ts, amount)",
      "definitions/a.yml:9:89: error FC017: column 'amont' of sum in view 'w' is not in data/orders.csv (columns: order_id, customer_id, ts, amount)",
    ]);
    // A bad lateness text with a bad window, an unknown entity and a missing column in the same view;
    // lateness on a view over a source without push: true, with a bad ttl beside it.
    const lateness = [
      ENTITY,
      "sources:",
      "  - {name: orders, path: ../data/orders.csv, timestamp: ts, push: true}",
      "  - {name: plain, path: ../data/orders.csv, timestamp: ts}",
      "feature_views:",
      "  - name: w",
      "    entities: [shopper]",
      "    source: orders",
      "    lateness: 5 minutes",
      "    aggregations:",
      "      - {name: n, function: count, window: 1x}",
      "      - {name: total, function: sum, column: amont, window: 1d}",
      "  - {name: p, entities: [customer], source: plain, lateness: 1h, ttl: 2 days, features: [{name: amont, type: float64}]}",
    ].join("\n");
    expect(await diagnose({ "definitions/a.yml": lateness, "data/orders.csv": orders })).toEqual([
      "definitions/a.yml:10:16: error FC006: unknown entity 'shopper' in view 'w'",
      "definitions/a.yml:12:15: error FC003: invalid value \"5 minutes\" for 'lateness': a duration: a whole number and a unit, s m h d or w (e.g. 30d).",
      "definitions/a.yml:14:44: error FC003: invalid value \"1x\" for 'window': from 1m to 365d (s m h d w), or lifetime.",
      "definitions/a.yml:15:16: error FC017: column 'amont' of sum in view 'w' is not in data/orders.csv (columns: order_id, customer_id, ts, amount)",
      "definitions/a.yml:16:62: error FC003: 'lateness' applies only to views over a push source: source 'plain' of view 'p' is not a push source; add 'push: true' to it",
      "definitions/a.yml:16:71: error FC003: invalid value \"2 days\" for 'ttl': a duration: a whole number and a unit, s m h d or w (e.g. 30d).",
      "definitions/a.yml:16:97: error FC017: feature column 'amont' is not in data/orders.csv (columns: order_id, customer_id, ts, amount)",
    ]);
  });

  it("a push: that is not a boolean leaves out the push rules, not the source or its views", async () => {
    const yml = [
      ENTITY,
      "sources:",
      "  - {name: orders, path: ../data/orders.csv, timestamp: ts, push: yes, dedupe_key: order_id}",
      "feature_views:",
      "  - {name: w, entities: [customer], source: orders, lateness: 1d, aggregations: [{name: n, function: sum, column: amont, window: 1d}]}",
    ].join("\n");
    expect(await diagnose({ "definitions/a.yml": yml, "data/orders.csv": "order_id,customer_id,ts,amount\n1,1,2025-01-01,2\n" })).toEqual([
      "definitions/a.yml:6:67: error FC003: 'push' must be a boolean",
      "definitions/a.yml:8:89: error FC017: column 'amont' of sum in view 'w' is not in data/orders.csv (columns: order_id, customer_id, ts, amount)",
    ]);
  });

  it("bad fcompile.yaml", async () => {
    const dir = tempProject({ "fcompile.yaml": "name: Shop\ntargets:\n  local: {type: oracle}\nextra: 1\n" });
    dirs.push(dir);
    const r = await build({ projectDir: dir });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      `fcompile.yaml:1:7: error FC009: unsafe identifier "Shop" for 'name': project name: a lower-case letter, then lower-case letters, digits or underscores. Namespaces online keys and warehouse objects.`,
      `fcompile.yaml:3:17: error FC003: 'type' must be one of: duckdb, postgres (got "oracle")`,
      "fcompile.yaml:4:1: error FC013: unknown key 'extra'; expected one of: name, definitions, target, targets, online, lint",
    ]);
  });
});

describe("fcompile.yaml's targets and online store", () => {
  it("a wrong target or online store is reported with the definitions' problems, in one run", async () => {
    const dir = tempProject({
      "fcompile.yaml":
        "name: shop\ntarget: nope\ntargets:\n  local: {type: duckdb, path: w.duckdb, thread: 2}\n  other: null\nonline: {type: memcached}\n",
      "definitions/a.yml": ENTITY + "\nsources:\n  - {name: s, table: raw.s, timestamp: ts, push: true, dedupe_key: 1x}\n",
    });
    dirs.push(dir);
    const r = await build({ projectDir: dir });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      expect.stringMatching(/^definitions\/a\.yml:6:68: error FC009: unsafe identifier "1x" for 'dedupe_key': /),
      "fcompile.yaml:2:9: error FC013: default target 'nope' is not defined under 'targets'",
      "fcompile.yaml:4:41: error FC013: unknown key 'thread'; expected one of: type, path, url, schema, threads, memory_limit, statement_timeout",
      "fcompile.yaml:5:10: error FC003: 'other' must be a mapping",
      `fcompile.yaml:6:16: error FC003: 'type' must be one of: sqlite, redis (got "memcached")`,
    ]);
  });
});

describe("a failed build leaves the previous target/ untouched", () => {
  it("keeps the old manifest", async () => {
    const dir = tempProject({ "fcompile.yaml": CONFIG, "definitions/a.yml": ENTITY });
    dirs.push(dir);
    expect((await build({ projectDir: dir })).ok).toBe(true);
    const before = readFileSync(path.join(dir, "target/manifest.json"), "utf8");
    tempProjectWrite(dir, "definitions/a.yml", ENTITY + "  - name: customer\n    join_keys: [x]\n");
    expect((await build({ projectDir: dir })).ok).toBe(false);
    expect(readFileSync(path.join(dir, "target/manifest.json"), "utf8")).toBe(before);
  });
});

function tempProjectWrite(dir: string, rel: string, content: string): void {
  writeFileSync(path.join(dir, rel), content);
}
