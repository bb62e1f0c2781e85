/**
 * Compiles the data tests of a project (docs/governance.md, "fcompile test"): each feature test
 * (not_null, max_null_rate, range, accepted_values) and view test (unique_per_entity_and_time)
 * becomes one query that returns the failing rows, as dbt's tests do (max_null_rate: one row with
 * the rate when it exceeds the limit). A view with `freshness:` also gets a query of its newest
 * event time. The tested rows are the view's rows whose event time is in `[fc_start, fc_end)`,
 * both run-time parameters (Dialect.parameter): a plain view's source rows, an SQL view's table
 * after `run`, an aggregation view's events (its view tests and freshness); an aggregation
 * feature's tests read, per entity with events in the window, the training values at its latest
 * such event (aggregationValues). Pure: no connection.
 */
import type { CompileTarget } from "../../compile/relations.js";
import { viewRowsRelation } from "../../compile/relations.js";
import { entityRowIdColumn } from "../../compile/internal-names.js";
import { compileTraining } from "../../compile/training.js";
import type { AggregationView, FeatureTest, FeatureView, Registry } from "../../registry/types.js";

/** One compiled data test. */
export interface CompiledDataTest {
  view: string;
  /** The tested feature (feature tests only). */
  feature?: string;
  /** `<feature>__<kind>` (a second test of one kind on a feature: `…_2`), or the view test's kind. */
  name: string;
  kind: FeatureTest["kind"] | "unique_per_entity_and_time";
  /** Path under `target/compiled/<dialect>/`: `test/<view>/<name>.sql`. */
  path: string;
  /** The query returning the failing rows (one statement, no `;`). */
  sql: string;
}

/** A view's freshness query: one row, `newest_us` (its newest event time in epoch microseconds, NULL without rows). */
export interface CompiledFreshness {
  view: string;
  path: string;
  sql: string;
}

/** The files `build` writes for the data tests: path under `target/compiled/<dialect>/` → script. */
export function dataTestFiles(reg: Registry, t: CompileTarget): Map<string, string> {
  const { tests, freshness } = compileDataTests(reg, t);
  return new Map([...tests, ...freshness].map((q) => [q.path, `${q.sql};\n`]));
}

/** The data tests of every view (in registry order), and the freshness queries of views with `freshness:`. */
export function compileDataTests(reg: Registry, t: CompileTarget): { tests: CompiledDataTest[]; freshness: CompiledFreshness[] } {
  const tests: CompiledDataTest[] = [];
  const freshness: CompiledFreshness[] = [];
  for (const view of reg.views.values()) {
    tests.push(...viewDataTests(reg, view, t));
    if (view.freshness) freshness.push(compileFreshness(reg, view, t));
  }
  return { tests, freshness };
}

/**
 * The tested rows of a view, as a `WITH tested AS (…)` (no trailing comma) of its join keys, its
 * timestamp (cast to TIMESTAMP) and the features named (each cast to its type): the rows with
 * event time in `[fc_start, fc_end)` of a plain or SQL view; for an aggregation view, per entity
 * with events in the window, the training values at its latest such event (every feature).
 * `header` is the leading comment of a query over them. Shared by the data tests, `profile` and `drift:`.
 */
export function testedRows(
  reg: Registry,
  view: FeatureView,
  t: CompileTarget,
  features: readonly string[],
): { tested: string; header: (what: string, returns: string) => string } {
  return view.kind === "aggregation" ? aggregationValues(reg, view, t) : eventRows(reg, view, t, features);
}

/** A view's rows (an aggregation view's events) with event time in `[fc_start, fc_end)`, as testedRows gives them. */
function eventRows(
  reg: Registry,
  view: FeatureView,
  t: CompileTarget,
  features: readonly string[],
): { tested: string; header: (what: string, returns: string) => string } {
  const d = t.dialect;
  const q = (s: string): string => d.quote(s);
  const relation = viewRowsRelation(reg, view, t);
  const ts = `CAST(${q(view.timestamp)} AS ${d.sqlType("timestamp")})`;
  const types = new Map(view.features.map((f) => [f.name, f.type]));
  const columns = [
    ...view.joinKeys.map(q),
    `${ts} AS ${q(view.timestamp)}`,
    ...features.map((f) => `CAST(${q(f)} AS ${d.sqlType(types.get(f)!)}) AS ${q(f)}`),
  ];
  return {
    header: (what, returns) =>
      `-- fcompile test: ${what}\n-- Returns ${returns}; tested rows: ${relation} with ${q(view.timestamp)} in [fc_start, fc_end).`,
    tested:
      `WITH tested AS (\n  SELECT ${columns.join(", ")}\n  FROM ${relation}\n` +
      `  WHERE ${ts} >= ${d.parameter("fc_start")} AND ${ts} < ${d.parameter("fc_end")}\n)`,
  };
}

/** The compiled tests of one view, feature tests first (in declared order), then view tests. */
export function viewDataTests(reg: Registry, view: FeatureView, t: CompileTarget): CompiledDataTest[] {
  const d = t.dialect;
  const q = (s: string): string => d.quote(s);
  const keys = view.joinKeys.map(q);
  const { header, tested: testedView } = eventRows(reg, view, t, []);
  const out: CompiledDataTest[] = [];
  const used = new Set<string>();
  {
    for (const f of view.features) {
      const col = q(f.name);
      // An aggregation view's features are tested at each entity's latest event in the window: the
      // values training gives an entity row at that time (windows [T − w, T): that event itself not counted).
      const rows = testedRows(reg, view, t, [f.name]);
      const rowCols = [...keys, q(view.timestamp), col].join(", ");
      for (const test of f.tests) {
        let name = `${f.name}__${test.kind}`;
        for (let i = 2; used.has(name); i++) name = `${f.name}__${test.kind}_${i}`;
        used.add(name);
        const where = `${test.at.file}:${test.at.line}`;
        let body: string;
        let what: string;
        switch (test.kind) {
          case "not_null":
            what = `${view.name}.${f.name} not_null (${where})`;
            body = `SELECT ${rowCols}\nFROM tested\nWHERE ${col} IS NULL`;
            break;
          case "max_null_rate": {
            what = `${view.name}.${f.name} max_null_rate ${test.rate} (${where})`;
            const nulls = `count(*) - count(${col})`;
            body =
              `SELECT count(*) AS row_count, ${nulls} AS null_count, CAST(${nulls} AS ${d.sqlType("float64")}) / count(*) AS null_rate\n` +
              `FROM tested\nHAVING count(*) > 0 AND CAST(${nulls} AS ${d.sqlType("float64")}) > ${numberLiteral(test.rate)} * count(*)`;
            break;
          }
          case "range": {
            const bounds = [
              ...(test.min !== undefined ? [`${col} < ${numberLiteral(test.min)}`] : []),
              ...(test.max !== undefined ? [`${col} > ${numberLiteral(test.max)}`] : []),
            ];
            what = `${view.name}.${f.name} range [${test.min ?? "-∞"}, ${test.max ?? "∞"}] (${where})`;
            body = `SELECT ${rowCols}\nFROM tested\nWHERE ${col} IS NOT NULL AND (${bounds.length ? bounds.join(" OR ") : "FALSE"})`;
            break;
          }
          case "accepted_values": {
            const values = test.values.map((v) =>
              typeof v === "string" ? d.stringLiteral(v) : typeof v === "boolean" ? (v ? "TRUE" : "FALSE") : numberLiteral(v),
            );
            what = `${view.name}.${f.name} accepted_values (${where})`;
            body = `SELECT ${rowCols}\nFROM tested\nWHERE ${col} IS NOT NULL AND ${col} NOT IN (${values.join(", ")})`;
            break;
          }
        }
        const returns = test.kind === "max_null_rate" ? "one row (the rate) when the share of NULLs exceeds the limit" : "the failing rows";
        out.push({
          view: view.name,
          feature: f.name,
          name,
          kind: test.kind,
          path: `test/${view.name}/${name}.sql`,
          sql: `${rows.header(what, returns)}\n${rows.tested}\n${body}`,
        });
      }
    }
  }
  for (const test of view.tests) {
    const name = test.kind;
    const where = `${test.at.file}:${test.at.line}`;
    const group = [...keys, q(view.timestamp)].join(", ");
    out.push({
      view: view.name,
      name,
      kind: test.kind,
      path: `test/${view.name}/${name}.sql`,
      sql:
        `${header(`${view.name} unique_per_entity_and_time (${where})`, "each (join keys, timestamp) held by more than one row")}\n` +
        `${testedView}\nSELECT ${group}, count(*) AS row_count\nFROM tested\nGROUP BY ${group}\nHAVING count(*) > 1`,
    });
  }
  return out;
}

/**
 * The tested rows of an aggregation view's feature tests: per entity with events in
 * `[fc_start, fc_end)`, the training values at its latest such event (join keys, that time as the
 * view's timestamp, every feature), as a `WITH tested AS (…)`.
 */
function aggregationValues(
  reg: Registry,
  view: AggregationView,
  t: CompileTarget,
): { tested: string; header: (what: string, returns: string) => string } {
  const d = t.dialect;
  const q = (s: string): string => d.quote(s);
  const relation = viewRowsRelation(reg, view, t);
  const ts = `CAST(${q(view.timestamp)} AS ${d.sqlType("timestamp")})`;
  const keys = view.joinKeys.map(q);
  const entityColumns = [...view.joinKeys, "event_timestamp"];
  const rowId = d.numbersEntityRows === "load" ? [`row_number() OVER () AS ${q(entityRowIdColumn(entityColumns))}`] : [];
  const entities =
    `(SELECT ${[...keys, `max(${ts}) AS ${q("event_timestamp")}`, ...rowId].join(", ")} FROM ${relation}` +
    ` WHERE ${ts} >= ${d.parameter("fc_start")} AND ${ts} < ${d.parameter("fc_end")} GROUP BY ${keys.join(", ")})`;
  const training = compileTraining(reg, t, {
    title: `data tests of ${view.name}: each entity's latest event in [fc_start, fc_end)`,
    features: view.features.map((f) => ({ view: view.name, feature: f.name })),
    entities,
    timestampColumn: "event_timestamp",
    fullNames: false,
    entityColumns,
  }).trim();
  const cols = [...keys, `${q("event_timestamp")} AS ${q(view.timestamp)}`, ...view.features.map((f) => q(f.name))];
  return {
    header: (what, returns) =>
      `-- fcompile test: ${what}\n-- Returns ${returns}; tested rows: per entity, the training values at its latest event in [fc_start, fc_end) of ${relation}.`,
    tested: `WITH tested AS (\n  SELECT ${cols.join(", ")}\n  FROM (\n${training.replace(/;\s*$/, "")}\n  ) AS fc_values\n)`,
  };
}

/** A view's newest event time before fc_end (no window start), as epoch microseconds in `newest_us`. */
export function compileFreshness(reg: Registry, view: FeatureView, t: CompileTarget): CompiledFreshness {
  const d = t.dialect;
  const ts = `CAST(${d.quote(view.timestamp)} AS ${d.sqlType("timestamp")})`;
  return {
    view: view.name,
    path: `test/${view.name}/freshness.sql`,
    sql:
      `-- fcompile test: freshness of ${view.name}: its newest event time before fc_end (epoch microseconds; NULL without rows)\n` +
      `SELECT ${d.epochMicros(`max(${ts})`)} AS newest_us\nFROM ${viewRowsRelation(reg, view, t)}\nWHERE ${ts} < ${d.parameter("fc_end")}`,
  };
}

/** A finite number as an SQL numeric literal (the schema admits JSON numbers only). */
function numberLiteral(n: number): string {
  return Number.isInteger(n) ? String(n) : String(n).replace(/e\+?/i, "E");
}
