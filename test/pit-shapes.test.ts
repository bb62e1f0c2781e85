/**
 * The training query's shapes on PostgreSQL (docs/training.md) against the reference: the
 * sort-merge shape `train` picks when a table source has no index on (join keys, timestamp), and
 * the lookup shapes once the advised index is there. Also: internal names never clash with what a
 * user can write (entity columns named `__fc_row_id`, `entity_rows`, `v1`, …; a created timestamp
 * that is the timestamp column) on DuckDB and PostgreSQL.
 */
import { createReadStream, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import fc from "fast-check";
import { from as copyFrom } from "pg-copy-streams";
import { stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { build, train, trainingSql } from "../src/index.js";
import type { TrainOptions } from "../src/index.js";
import { PG_URL, dropSchemas, testSchema, withPg } from "./helpers/postgres.js";
import { assertAsyncProperty, testTimeout } from "./helpers/property.js";
import type { PropertyBudget } from "./helpers/property.js";
import { caseArb } from "./reference/arbitraries.js";
import type { ColumnSpec, GenCase } from "./reference/arbitraries.js";
import {
  copyToParquet,
  createTable,
  entityTable,
  readOutput,
  removeDir,
  show,
  tempDir,
  viewTables,
  withDuckDB,
  writeEntitiesCsv,
  writeProjectFiles,
} from "./reference/duckdb-harness.js";
import type { ColumnType, TableSpec } from "./reference/duckdb-harness.js";
import { toArrays } from "./reference/pit-reference.js";
import type { Row } from "./reference/pit-reference.js";
import { expectedRows, referenceFor } from "./reference/train-runner.js";

const PG_TYPES: Record<ColumnType, string> = {
  int64: "BIGINT",
  float64: "DOUBLE PRECISION",
  string: "TEXT",
  label: "TEXT",
  bool: "BOOLEAN",
  timestamp: "TIMESTAMP",
};
const qi = (s: string): string => `"${s.replaceAll('"', '""')}"`;
const rel = (table: string): string => table.split(".").map(qi).join(".");

const schemas: string[] = [];
afterAll(() => dropSchemas(...schemas));

/** Loads a table into PostgreSQL through a CSV written by DuckDB (exact for every type used). */
async function loadPg(dir: string, spec: TableSpec): Promise<void> {
  const csv = path.join(dir, `${spec.table}.csv`);
  await withDuckDB(path.join(dir, "warehouse.duckdb"), async (conn) => {
    await conn.run(`COPY ${rel(spec.table)} TO '${csv}' (FORMAT csv, HEADER true)`);
  });
  await withPg(async (c) => {
    const cols = spec.columns.map((x) => `${qi(x.name)} ${PG_TYPES[x.type]}`).join(", ");
    await c.query(`CREATE TABLE ${rel(spec.table)} (${cols})`);
    await pipeline(createReadStream(csv), c.query(copyFrom(`COPY ${rel(spec.table)} FROM STDIN (FORMAT csv, HEADER true)`)));
  });
}

type Engine = "duckdb" | "postgres";

/** The case's view tables (a created timestamp that is the timestamp column is one column). */
function tablesOf(c: GenCase): TableSpec[] {
  return viewTables({ ...c, views: c.views.map((v) => (v.createdColumn === v.timestampColumn ? { ...v, createdColumn: null } : v)) });
}

/**
 * Writes the case as a project on `engine` (its tables in schema `raw`, renamed to a schema of
 * this run's own on PostgreSQL), and returns a function that trains it and reads the output.
 */
async function setUp(c: GenCase, engine: Engine, dir: string): Promise<{ c: GenCase; raw: string }> {
  const raw = engine === "postgres" ? testSchema("fc_shape_raw") : "raw";
  const out = testSchema("fc_shape");
  if (engine === "postgres") schemas.push(raw, out);
  const moved: GenCase = { ...c, views: c.views.map((v) => ({ ...v, table: `${raw}.${v.table.split(".")[1]}` })) };
  writeProjectFiles(dir, moved);
  if (engine === "postgres") {
    writeFileSync(
      path.join(dir, "fcompile.yaml"),
      stringify({ name: "t", target: "pg", targets: { pg: { type: "postgres", url: PG_URL, schema: out } } }),
    );
  }
  const entities = entityTable(moved, `${raw}.entities`);
  await withDuckDB(path.join(dir, "warehouse.duckdb"), async (conn) => {
    for (const t of [...tablesOf(moved), entities]) await createTable(conn, t);
    if (moved.entitiesVia === "parquet") await copyToParquet(conn, entities.table, path.join(dir, "entities.parquet"));
  });
  if (moved.entitiesVia === "csv") writeEntitiesCsv(path.join(dir, "entities.csv"), entities);
  if (engine === "postgres") {
    await withPg((pgc) => pgc.query(`CREATE SCHEMA ${qi(raw)}`));
    for (const t of [...tablesOf(moved), entities]) await loadPg(dir, t);
  }
  return { c: moved, raw };
}

async function trainIt(dir: string, c: GenCase, raw: string, extra: Partial<TrainOptions> = {}) {
  const file = path.join(dir, `out-${Math.random().toString(36).slice(2)}.parquet`);
  const res = await train({
    projectDir: dir,
    features: c.features,
    ...(c.entitiesVia === "sql"
      ? { entitiesSql: `SELECT * FROM ${rel(`${raw}.entities`)}` }
      : { entitiesFile: path.join(dir, `entities.${c.entitiesVia}`) }),
    out: file,
    ...(c.timestampColumn === "event_timestamp" ? {} : { timestampColumn: c.timestampColumn }),
    ...(c.fullNames ? { fullNames: true } : {}),
    ...extra,
  });
  return { res, got: await readOutput(file) };
}

/** Checks an output against the reference, row for row in input order. */
function expectReference(c: GenCase, got: Awaited<ReturnType<typeof readOutput>>, what: string): void {
  const want = referenceFor(c);
  expect(got.columns, what).toEqual(want.columns);
  // A CSV entity file's columns come out as the text they were written as.
  const wantRows = expectedRows(c, toArrays(want));
  expect(got.rows.length, what).toBe(wantRows.length);
  for (let i = 0; i < wantRows.length; i++) {
    expect(got.rows[i], `${what}: row ${i} (entity ${show(c.entityRows[i])}); output types ${show(got.types)}`).toEqual(wantRows[i]);
  }
}

/** Applies `build`'s index advice for the case's table sources (as a user is told to); `only`: for that table alone. */
async function applyIndexAdvice(dir: string, c: GenCase, only?: string): Promise<void> {
  await build({ projectDir: dir });
  const advice = readFileSync(path.join(dir, "target/compiled/postgres/index-advice.sql"), "utf8");
  await withPg(async (pgc) => {
    const statements = advice.split("\n").filter((l) => l.startsWith("CREATE INDEX"));
    for (const st of statements) if (!only || st.includes(` ON ${rel(only)} `)) await pgc.query(st);
    for (const t of tablesOf(c)) await pgc.query(`VACUUM ANALYZE ${rel(t.table)}`);
  });
}

/** Each case loads tables into PostgreSQL and trains two or three times (about 0.5–1.5 s). */
const SHAPES_BUDGET: PropertyBudget = { runs: 15, minRuns: 8, seconds: 90 };

describe("PostgreSQL: the sort-merge shape (no index) and the lookup shapes (index) agree with the reference", () => {
  it(
    "random projects: without an index train picks sort-merge and says so; with the advised index, a lookup; both equal the reference",
    async () => {
      await assertAsyncProperty(
        fc.asyncProperty(caseArb(), async (generated) => {
          const dir = tempDir("fcompile-shape-");
          try {
            const { c, raw } = await setUp(generated, "postgres", dir);
            const before = await trainIt(dir, c, raw);
            expect(before.res.shapes.map((s) => s.shape)).toEqual(before.res.shapes.map(() => "sort-merge"));
            expect(before.res.notes.length).toBe(before.res.shapes.length);
            for (const note of before.res.notes)
              expect(note).toMatch(/^shape of v\d: sort-merge \(no index on "fc_shape_raw_[^"]+"\."src_v\d" \(/);
            expectReference(c, before.got, "sort-merge");
            if (c.views.length > 1) {
              // One view indexed, the others not: lookups after the sort-merge stages.
              await applyIndexAdvice(dir, c, c.views[0]!.table);
              const mixed = await trainIt(dir, c, raw);
              for (const s of mixed.res.shapes) expect(s.shape === "sort-merge", s.view).toBe(s.view !== c.views[0]!.name);
              expectReference(c, mixed.got, "mixed");
            }
            await applyIndexAdvice(dir, c);
            const after = await trainIt(dir, c, raw);
            for (const s of after.res.shapes) expect(s.shape).toMatch(/^lookup-(ties|max)$/);
            expect(after.res.notes).toEqual([]);
            expectReference(c, after.got, "lookup");
          } finally {
            removeDir(dir);
          }
        }),
        SHAPES_BUDGET,
      );
    },
    testTimeout(SHAPES_BUDGET),
  );
});

/**
 * The case with each view's rows cut to one per (join keys, timestamp) (the first generated),
 * so that a unique index fits; rows with a NULL key or timestamp, which a unique index lets
 * repeat and which never match, all stay.
 */
function uniqueCase(c: GenCase): GenCase {
  return {
    ...c,
    views: c.views.map((v) => {
      const keys = c.entities[v.entity]!.keys.map((k) => k.name);
      const seen = new Set<string>();
      const rows = v.rows.filter((r) => {
        const parts = [...keys, v.timestampColumn].map((k) => r[k]);
        if (parts.some((x) => x === null || x === undefined)) return true;
        const id = JSON.stringify(parts.map(String));
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      });
      return { ...v, rows };
    }),
  };
}

/** Creates a unique index on (join keys, timestamp) of every view table of the case. */
async function addUniqueIndexes(engine: Engine, dir: string, c: GenCase): Promise<void> {
  const statements = c.views.map((v, i) => {
    const cols = [...c.entities[v.entity]!.keys.map((k) => k.name), v.timestampColumn].map(qi).join(", ");
    return `CREATE UNIQUE INDEX ${qi(`fc_uniq_${i}`)} ON ${rel(v.table)} (${cols})`;
  });
  if (engine === "postgres") {
    await withPg(async (pgc) => {
      for (const st of statements) await pgc.query(st);
      for (const v of c.views) await pgc.query(`ANALYZE ${rel(v.table)}`);
    });
  } else {
    await withDuckDB(path.join(dir, "warehouse.duckdb"), async (conn) => {
      for (const st of statements) await conn.run(st);
    });
  }
}

/** One case: set up, train, add the unique indexes, train again (DuckDB about 0.3 s, PostgreSQL about 1 s). */
const UNIQUE_BUDGET: Record<Engine, PropertyBudget> = {
  duckdb: { runs: 20, minRuns: 8, seconds: 45 },
  postgres: { runs: 12, minRuns: 6, seconds: 75 },
};

describe("a unique index on (join keys, timestamp): train skips the tie-break and still equals the reference", () => {
  for (const engine of ["duckdb", "postgres"] as const) {
    it(
      `${engine}: random projects with one row per (keys, timestamp): the shape without tie-break once the index is there`,
      async () => {
        await assertAsyncProperty(
          fc.asyncProperty(caseArb(), async (generated) => {
            const dir = tempDir("fcompile-unique-");
            try {
              const { c, raw } = await setUp(uniqueCase(generated), engine, dir);
              if (engine === "postgres") await applyIndexAdvice(dir, c);
              const before = await trainIt(dir, c, raw);
              for (const s of before.res.shapes) expect(s.shape).toMatch(/^(asof|lookup-ties|lookup-max)$/);
              await addUniqueIndexes(engine, dir, c);
              const after = await trainIt(dir, c, raw);
              for (const s of after.res.shapes) expect(s.shape).toBe(engine === "postgres" ? "lookup-unique" : "asof-unique");
              expectReference(c, after.got, "unique");
              expect(after.got.rows).toEqual(before.got.rows);
            } finally {
              removeDir(dir);
            }
          }),
          UNIQUE_BUDGET[engine],
        );
      },
      testTimeout(UNIQUE_BUDGET[engine]),
    );
  }
});

// ---------------------------------------------------------------------------------------------
// Internal names
// ---------------------------------------------------------------------------------------------

/** Names a user may give entity columns that look like what the compiler writes. */
const TRICKY = [
  "__fc_row_id",
  "__FC_ROW_ID",
  "__fc_row_id_2",
  "__fc_entity_ts",
  "__fc_ts",
  "__fc_kind",
  "__fc_seq",
  "__fc_created",
  "entity_rows",
  "Entity_Rows",
  "e",
  "r",
  "m",
  "t",
  "er",
  "vr",
  "v1",
  "v2",
  "V1",
  "v0",
  "v1__rows",
  "v0__rows",
  "v0__match",
  "raw",
  "src_v0",
  "entity_input",
  "fc_entity_rows",
  "event_timestamp_2",
  "a__b",
  "__",
];
const nameArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 1, arbitrary: fc.stringMatching(/^_{0,2}[a-z]{1,4}__[a-z0-9_]{0,5}$/) },
);

/** The case with extra text columns named from `names` (those that clash with a column already there are left out). */
function withExtraColumns(c: GenCase, names: string[], values: string[]): GenCase {
  const outputs = c.features.flatMap((f) => {
    const [view, feature] = f.split(":");
    const v = c.views.find((x) => x.name === view)!;
    const feats = feature === "*" ? v.features.map((x) => x.name) : [feature!];
    return feats.map((x) => (c.fullNames ? `${view}__${x}` : x));
  });
  const taken = new Set([...c.entityColumns.map((x) => x.name), ...outputs].map((x) => x.toLowerCase()));
  const extra: ColumnSpec[] = [];
  for (const n of names) {
    if (taken.has(n.toLowerCase())) continue;
    taken.add(n.toLowerCase());
    extra.push({ name: n, type: "label" });
  }
  const columns = [...extra.slice(0, 1), ...c.entityColumns, ...extra.slice(1)];
  const rows: Row[] = c.entityRows.map((r, i) =>
    Object.fromEntries(columns.map((col) => [col.name, col.name in r ? r[col.name]! : `${values[i % values.length]}${i}`])),
  );
  return { ...c, entityColumns: columns, entityRows: rows };
}

/** One training per case: DuckDB about 0.1–0.3 s, PostgreSQL about 0.3–0.6 s. */
const NAMES_BUDGET: Record<"duckdb" | "postgres", PropertyBudget> = {
  duckdb: { runs: 25, minRuns: 10, seconds: 45 },
  postgres: { runs: 12, minRuns: 6, seconds: 60 },
};

describe("internal names never clash with what a user can write", () => {
  for (const engine of ["duckdb", "postgres"] as const) {
    it(
      `${engine}: random entity columns with internal-looking names come out unchanged, and features equal the reference`,
      async () => {
        await assertAsyncProperty(
          fc.asyncProperty(
            caseArb(),
            fc.uniqueArray(nameArb, { minLength: 1, maxLength: 6 }),
            fc.array(fc.constantFrom("x", "y z", "é", "a,b"), { minLength: 1, maxLength: 3 }),
            async (generated, names, values) => {
              const dir = tempDir("fcompile-names-");
              try {
                const { c, raw } = await setUp(withExtraColumns(generated, names, values), engine, dir);
                const { got } = await trainIt(dir, c, raw);
                expectReference(c, got, engine);
              } finally {
                removeDir(dir);
              }
            },
          ),
          NAMES_BUDGET[engine],
        );
      },
      testTimeout(NAMES_BUDGET[engine]),
    );
  }
});

const T0 = 1_704_067_200_000_000n; // 2024-01-01 00:00:00 UTC, in µs
const H = 3_600_000_000n;

/**
 * Views named `entity_rows` and `v1` (the names of the query's CTE and first alias), a feature
 * named `fc_ts` (definitions may not name a column `__fc…`: reserved, see docs/definitions.md),
 * a view whose created timestamp is its timestamp column, and entity columns named
 * `__fc_row_id`, `__fc_entity_ts`, `v1` and `entity_rows`.
 */
function namesCase(entitiesVia: GenCase["entitiesVia"]): GenCase {
  const entityRow = (user: bigint, ts: bigint, i: number): Row => ({
    user_id: user,
    event_timestamp: ts,
    __fc_row_id: `id${i}`,
    __fc_entity_ts: `ts${i}`,
    v1: `v${i}`,
    entity_rows: `e${i}`,
  });
  return {
    entities: [{ name: "user", keys: [{ name: "user_id", type: "int64" }] }],
    views: [
      {
        name: "entity_rows",
        entity: 0,
        sourceName: "er_src",
        table: "raw.er_src",
        timestampColumn: "ts",
        createdColumn: null,
        ttl: null,
        features: [{ name: "fc_ts", type: "int64" }],
        rows: [
          { user_id: 1n, ts: T0, fc_ts: 10n },
          { user_id: 1n, ts: T0 + H, fc_ts: 11n },
        ],
      },
      {
        name: "v1",
        entity: 0,
        sourceName: "v1_src",
        table: "raw.v1_src",
        timestampColumn: "updated",
        createdColumn: "updated",
        ttl: null,
        features: [
          { name: "score", type: "float64" },
          { name: "fc_seq", type: "int64" },
        ],
        rows: [
          { user_id: 1n, updated: T0, score: 1.5, fc_seq: 1n },
          { user_id: 1n, updated: T0, score: 2.5, fc_seq: 0n },
          { user_id: 1n, updated: T0 + 2n * H, score: 0.5, fc_seq: 7n },
        ],
      },
    ],
    entityColumns: [
      { name: "__fc_row_id", type: "label" },
      { name: "user_id", type: "int64" },
      { name: "event_timestamp", type: "timestamp" },
      { name: "__fc_entity_ts", type: "label" },
      { name: "v1", type: "label" },
      { name: "entity_rows", type: "label" },
    ],
    entityRows: [entityRow(1n, T0 + H / 2n, 0), entityRow(1n, T0 + 3n * H, 1), entityRow(2n, T0 + 3n * H, 2), entityRow(1n, T0 - H, 3)],
    timestampColumn: "event_timestamp",
    features: ["entity_rows:fc_ts", "v1:*"],
    fullNames: false,
    entitiesVia,
  };
}

describe("internal names: named examples, with their right values", () => {
  const cases: [Engine, GenCase["entitiesVia"], "index" | "no index"][] = [
    ["duckdb", "sql", "no index"],
    ["duckdb", "csv", "no index"],
    ["postgres", "sql", "no index"],
    ["postgres", "csv", "no index"],
    ["postgres", "sql", "index"],
    ["postgres", "parquet", "index"],
  ];
  for (const [engine, via, index] of cases) {
    it(`${engine}, entities via ${via}, ${index}: a created timestamp that is the timestamp column, and entity columns named like internal names`, async () => {
      const dir = tempDir("fcompile-names-");
      try {
        const { c, raw } = await setUp(namesCase(via), engine, dir);
        if (index === "index") await applyIndexAdvice(dir, c);
        const { res, got } = await trainIt(dir, c, raw);
        if (engine === "postgres") {
          expect(res.shapes.map((s) => s.shape)).toEqual(index === "index" ? ["lookup-ties", "lookup-ties"] : ["sort-merge", "sort-merge"]);
        }
        expect(got.columns).toEqual([
          "__fc_row_id",
          "user_id",
          "event_timestamp",
          "__fc_entity_ts",
          "v1",
          "entity_rows",
          "fc_ts",
          "score",
          "fc_seq",
        ]);
        expect(got.rows).toEqual(
          expectedRows(c, [
            // at T0 the two v1 rows tie on timestamp and created timestamp: the greater score wins
            ["id0", 1n, T0 + H / 2n, "ts0", "v0", "e0", 10n, 2.5, 0n],
            ["id1", 1n, T0 + 3n * H, "ts1", "v1", "e1", 11n, 0.5, 7n],
            ["id2", 2n, T0 + 3n * H, "ts2", "v2", "e2", null, null, null],
            ["id3", 1n, T0 - H, "ts3", "v3", "e3", null, null, null],
          ]),
        );
        expectReference(c, got, `${engine} ${via} ${index}`);
      } finally {
        removeDir(dir);
      }
    });
  }
});

describe("the sort-merge shape's plan on PostgreSQL", () => {
  it("has no nested loop and no per-row subplan, whatever the planner estimates (it has no join to misjudge)", async () => {
    const dir = tempDir("fcompile-plan-");
    try {
      // Two views, tiny tables without statistics: the estimates that once made a nested loop.
      const { c, raw } = await setUp(namesCase("sql"), "postgres", dir);
      const sql = await trainingSql({
        projectDir: dir,
        features: c.features,
        // The entity table has a column __fc_row_id of its own: the row id is __fc_row_id_2.
        entities: `(SELECT e.*, row_number() OVER () AS "__fc_row_id_2" FROM ${rel(`${raw}.entities`)} AS e)`,
        entityColumns: c.entityColumns.map((x) => x.name),
        index: "absent",
      });
      expect(sql.match(/sort-merge/g)?.length).toBeGreaterThanOrEqual(2);
      const plan = await withPg(async (pgc) => {
        await pgc.query("SET TimeZone = 'UTC'");
        const r = await pgc.query(`EXPLAIN ${sql}`);
        return r.rows.map((x: Record<string, string>) => x["QUERY PLAN"]).join("\n");
      });
      expect(plan).not.toMatch(/Nested Loop|SubPlan/);
      expect(plan).not.toMatch(/Index/);
    } finally {
      removeDir(dir);
    }
  });
});
