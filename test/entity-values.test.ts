/**
 * One representation of each value in training output (docs/values.md), on every dialect: the
 * entity file's columns come out exactly as they came in, features in one form per type, and the
 * engines' output files are equal as text. Entity values that do not convert, and malformed
 * entity files, are reported with their file, line and column.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { FcUserError, train } from "../src/index.js";
import { formatDiagnostic } from "../src/diagnostics/diagnostic.js";
import type { DialectName } from "../src/dialects/index.js";
import { DIALECT_NAMES, TEST_TARGETS, closeTestTargets } from "./helpers/targets.js";
import type { CaseWarehouse } from "./helpers/targets.js";
import { micros } from "./reference/pit-reference.js";
import { readOutput, removeDir, withDuckDB } from "./reference/duckdb-harness.js";

afterAll(closeTestTargets);

const DEFS = (raw: string): string =>
  stringify({
    entities: [{ name: "customer", join_keys: ["customer_id"] }],
    sources: [{ name: "stats", table: `${raw}.stats`, timestamp: "ts" }],
    feature_views: [
      {
        name: "stats",
        entities: ["customer"],
        source: "stats",
        features: [
          { name: "f32", type: "float32" },
          { name: "f64", type: "float64" },
          { name: "flag", type: "bool" },
          { name: "seen", type: "timestamp" },
          { name: "name", type: "string" },
          { name: "big", type: "int64" },
          { name: "small", type: "int32" },
        ],
      },
    ],
  });

const ts = (iso: string): bigint => micros(iso);

/** A project on `dialect` with one view over `<raw>.stats`; returns its folder and warehouse. */
async function project(dialect: DialectName): Promise<{ dir: string; wh: CaseWarehouse }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fc-values-"));
  const wh = await TEST_TARGETS[dialect].prepare(dir);
  writeFileSync(path.join(dir, "fcompile.yaml"), stringify({ name: "t", target: "local", targets: { local: wh.target } }));
  mkdirSync(path.join(dir, "definitions"));
  writeFileSync(path.join(dir, "definitions", "defs.yml"), DEFS(wh.rawSchema));
  await wh.createTables([
    {
      table: `${wh.rawSchema}.stats`,
      columns: [
        { name: "customer_id", type: "int64" },
        { name: "ts", type: "timestamp" },
        { name: "f32", type: "float64" },
        { name: "f64", type: "float64" },
        { name: "flag", type: "bool" },
        { name: "seen", type: "timestamp" },
        { name: "name", type: "string" },
        { name: "big", type: "int64" },
        { name: "small", type: "int64" },
      ],
      rows: [
        // customer 1: the row at 07:00 UTC is the one for 10:00+02:00; the 09:00 one is later.
        {
          customer_id: 1n,
          ts: ts("2024-09-01 07:00:00"),
          f32: 1.111,
          f64: 0.1,
          flag: true,
          seen: ts("2024-08-31 12:00:00.5"),
          name: 'a "quoted", name',
          big: 9007199254740993n,
          small: -5n,
        },
        { customer_id: 1n, ts: ts("2024-09-01 09:00:00"), f32: 2, f64: 2, flag: false, seen: null, name: "later", big: 0n, small: 0n },
        {
          customer_id: 7n,
          ts: ts("2024-09-01 00:00:00"),
          f32: NaN,
          f64: -Infinity,
          flag: false,
          seen: ts("2024-01-01 00:00:00"),
          name: "",
          big: -9223372036854775808n,
          small: 2147483647n,
        },
        {
          customer_id: 8n,
          ts: ts("2024-09-01 00:00:00"),
          f32: Infinity,
          f64: 1e20,
          flag: null,
          seen: null,
          name: null,
          big: null,
          small: null,
        },
      ],
    },
  ]);
  return { dir, wh };
}

async function trainTo(dir: string, entities: string, out: string, extra: { entitiesSql?: string } = {}): Promise<string> {
  const file = path.join(dir, out);
  await train({
    projectDir: dir,
    features: ["stats:*"],
    ...(extra.entitiesSql ? { entitiesSql: extra.entitiesSql } : { entitiesFile: path.join(dir, entities) }),
    out: file,
  });
  return file;
}

async function errorsOf(p: Promise<unknown>): Promise<string[]> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "expected a user error").toBeInstanceOf(FcUserError);
  return (err as FcUserError).diagnostics.map(formatDiagnostic);
}

const ENTITY_CSV = [
  "customer_id,event_timestamp,note",
  '1,2024-09-01T10:00:00+02:00,"a,b"',
  "007,2024-09-01 09:00:00,",
  '8,2024-09-01T08:00:00Z,""',
  "2,2024-09-01,plain",
  ",2024-09-01,no key",
  "",
].join("\n");

/** What every dialect writes for ENTITY_CSV: the input's text unchanged, then the features. */
const EXPECTED_CSV = [
  "customer_id,event_timestamp,note,f32,f64,flag,seen,name,big,small",
  '1,2024-09-01T10:00:00+02:00,"a,b",1.111,0.1,true,2024-08-31T12:00:00.5Z,"a ""quoted"", name",9007199254740993,-5',
  '007,2024-09-01 09:00:00,,NaN,-Infinity,false,2024-01-01T00:00:00Z,"",-9223372036854775808,2147483647',
  '8,2024-09-01T08:00:00Z,"",Infinity,1e+20,,,,,',
  "2,2024-09-01,plain,,,,,,,",
  ",2024-09-01,no key,,,,,,,",
  "",
].join("\n");

const written: Partial<Record<DialectName, { csv: string; parquet: Buffer }>> = {};

describe.each(DIALECT_NAMES)("training output values on %s", (dialect) => {
  it("keeps the entity file's text (offsets, leading zeros, quoting) and writes one form per type", async () => {
    const { dir, wh } = await project(dialect);
    try {
      writeFileSync(path.join(dir, "entities.csv"), ENTITY_CSV);
      const csv = readFileSync(await trainTo(dir, "entities.csv", "out.csv"), "utf8");
      expect(csv).toBe(EXPECTED_CSV);
      const parquet = await trainTo(dir, "entities.csv", "out.parquet");
      const got = await readOutput(parquet);
      // A CSV has no types: its columns are strings in Parquet too, exactly as written.
      expect(got.types).toEqual([
        "VARCHAR",
        "VARCHAR",
        "VARCHAR",
        "FLOAT",
        "DOUBLE",
        "BOOLEAN",
        "TIMESTAMP",
        "VARCHAR",
        "BIGINT",
        "INTEGER",
      ]);
      expect(got.rows[0]).toEqual([
        "1",
        "2024-09-01T10:00:00+02:00",
        "a,b",
        Math.fround(1.111),
        0.1,
        true,
        ts("2024-08-31 12:00:00.5"),
        'a "quoted", name',
        9007199254740993n,
        -5n,
      ]);
      expect(got.rows[1]!.slice(0, 3)).toEqual(["007", "2024-09-01 09:00:00", null]);
      expect(got.rows[2]!.slice(2, 5)).toEqual(["", Infinity, 1e20]);
      written[dialect] = { csv, parquet: readFileSync(parquet) };
    } finally {
      removeDir(dir);
      await wh.cleanup();
    }
  });

  it("keeps a Parquet entity file's types (uint32 keys, nanosecond timestamps, decimals)", async () => {
    const { dir, wh } = await project(dialect);
    try {
      const file = path.join(dir, "entities.parquet");
      await withDuckDB(":memory:", async (conn) => {
        await conn.run(
          `COPY (SELECT * FROM (VALUES (1::UINTEGER, TIMESTAMP_NS '2024-09-01 08:00:00.123456789', 1.50::DECIMAL(10,2)), ` +
            `(7::UINTEGER, TIMESTAMP_NS '2024-09-01 09:00:00', NULL)) AS e(customer_id, event_timestamp, amount)) TO '${file}' (FORMAT parquet)`,
        );
      });
      const got = await readOutput(await trainTo(dir, "entities.parquet", "out.parquet"));
      expect(got.columns.slice(0, 3)).toEqual(["customer_id", "event_timestamp", "amount"]);
      expect(got.types.slice(0, 3)).toEqual(["UINTEGER", "TIMESTAMP_NS", "DECIMAL(10,2)"]);
      const csv = readFileSync(await trainTo(dir, "entities.parquet", "out.csv"), "utf8").split("\n");
      expect(csv.slice(1, 3)).toEqual([
        '1,2024-09-01T08:00:00.123456789Z,1.50,1.111,0.1,true,2024-08-31T12:00:00.5Z,"a ""quoted"", name",9007199254740993,-5',
        '7,2024-09-01T09:00:00Z,,NaN,-Infinity,false,2024-01-01T00:00:00Z,"",-9223372036854775808,2147483647',
      ]);
    } finally {
      removeDir(dir);
      await wh.cleanup();
    }
  });

  it("an entity key column that is empty in every row takes the key's type (not text): all features NULL", async () => {
    const { dir, wh } = await project(dialect);
    try {
      writeFileSync(path.join(dir, "entities.csv"), "customer_id,event_timestamp\n,2024-09-02\n,2024-09-03\n");
      const csv = readFileSync(await trainTo(dir, "entities.csv", "out.csv"), "utf8");
      expect(csv).toBe("customer_id,event_timestamp,f32,f64,flag,seen,name,big,small\n,2024-09-02,,,,,,,\n,2024-09-03,,,,,,,\n");
    } finally {
      removeDir(dir);
      await wh.cleanup();
    }
  });

  it("an entity key that is not an integer is reported with its file, line and column", async () => {
    const { dir, wh } = await project(dialect);
    try {
      writeFileSync(
        path.join(dir, "entities.csv"),
        "note,customer_id,event_timestamp\nx,1,2024-09-01\ny,abc,2024-09-01\nz,1.5,2024-09-01\n",
      );
      expect(await errorsOf(trainTo(dir, "entities.csv", "out.csv"))).toEqual([
        `${path.join(dir, "entities.csv")}:3:3: error FC015: column 'customer_id': 'abc' is not an int64; an int64 join key is an integer (digits, optionally signed, within ±9223372036854775807)`,
        `${path.join(dir, "entities.csv")}:4:3: error FC015: column 'customer_id': '1.5' is not an int64; an int64 join key is an integer (digits, optionally signed, within ±9223372036854775807)`,
      ]);
    } finally {
      removeDir(dir);
      await wh.cleanup();
    }
  });

  it("an entity key from --entities-sql that is not an integer is reported with its row", async () => {
    const { dir, wh } = await project(dialect);
    try {
      const sql =
        "SELECT * FROM (VALUES ('1', CAST('2024-09-01' AS DATE)), ('abc', CAST('2024-09-01' AS DATE))) AS e(customer_id, event_timestamp)";
      expect(await errorsOf(trainTo(dir, "", "out.csv", { entitiesSql: sql }))).toEqual([
        `--entities-sql:1:1: error FC015: column 'customer_id' (row 2): 'abc' is not an int64; an int64 join key is an integer (digits, optionally signed, within ±9223372036854775807)`,
      ]);
    } finally {
      removeDir(dir);
      await wh.cleanup();
    }
  });

  it("an entity timestamp with an impossible offset or date is reported with its line and column", async () => {
    const { dir, wh } = await project(dialect);
    try {
      writeFileSync(
        path.join(dir, "entities.csv"),
        "customer_id,event_timestamp\n1,2024-09-01T10:00:00+99:99\n1,2024-02-30\n1,1725177600\n1,2024-09-01T10:00:00-03:30\n1,2024-09-01T10:00:00+18:00\n1,2024-09-01T10:00:00-18:01\n",
      );
      const hint = "write ISO 8601, e.g. 2024-09-01T10:00:00Z or 2024-09-01 12:00:00+02:00 (no zone means UTC)";
      const f = path.join(dir, "entities.csv");
      expect(await errorsOf(trainTo(dir, "entities.csv", "out.csv"))).toEqual([
        `${f}:2:3: error FC015: column 'event_timestamp': '2024-09-01T10:00:00+99:99' is not a timestamp; ${hint}`,
        `${f}:3:3: error FC015: column 'event_timestamp': '2024-02-30' is not a timestamp; ${hint}`,
        `${f}:4:3: error FC015: column 'event_timestamp': '1725177600' is not a timestamp; ${hint}`,
        `${f}:7:3: error FC015: column 'event_timestamp': '2024-09-01T10:00:00-18:01' is not a timestamp; ${hint}`,
      ]);
    } finally {
      removeDir(dir);
      await wh.cleanup();
    }
  });

  it("malformed entity files name the file and the line, and say what to do", async () => {
    const { dir, wh } = await project(dialect);
    try {
      const cases: Array<[string, string, string[]]> = [
        [
          "short.csv",
          'customer_id,event_timestamp,label\n1,2024-09-01,a\n2,2024-09-01,b\n3,2024-09-01\n4,2024-09-02,"x,y"\n',
          [
            "short.csv:4:13: error FC015: row has 2 fields, the header has 3 (customer_id, event_timestamp, label): every row needs one field per header column (an empty field is a NULL)",
          ],
        ],
        [
          "extra.csv",
          "customer_id,event_timestamp,label\n1,2024-09-01,a\n2,2024-09-01,b,EXTRA\n",
          [
            "extra.csv:3:15: error FC015: row has more fields than the header's 3 (customer_id, event_timestamp, label): quote a value that contains the delimiter, or add the column to the header",
          ],
        ],
        [
          "quote.csv",
          'customer_id,event_timestamp,label\n1,2024-09-01,"a\n2,2024-09-01,b\n',
          [
            'quote.csv:2:14: error FC015: a quoted field is not closed, or has text after its closing quote: write a quote inside a value as "" and end each quoted value with "',
          ],
        ],
        [
          "empty.csv",
          "",
          [
            "empty.csv:1:1: error FC015: entity file empty.csv is empty: it needs a header line naming its columns (the join keys and the timestamp column) and one line per entity row",
          ],
        ],
        [
          "header.csv",
          "customer_id,event_timestamp\n",
          [
            "header.csv:1:1: error FC015: entity file header.csv has a header but no rows: add one line per entity row (its join keys and its timestamp)",
          ],
        ],
        [
          "nots.csv",
          "customer_id;when\n1;2024-09-01\n",
          [
            "nots.csv:1:1: error FC015: entity rows have no timestamp column 'event_timestamp' (columns: customer_id, when); name it in the header, or pass --timestamp-column NAME",
          ],
        ],
      ];
      for (const [name, text, want] of cases) {
        const file = path.join(dir, name);
        writeFileSync(file, text);
        const got = await errorsOf(train({ projectDir: dir, features: ["stats:*"], entitiesFile: file, out: path.join(dir, "out.csv") }));
        expect(got, name).toEqual(want.map((w) => w.replaceAll(name, file)));
      }
    } finally {
      removeDir(dir);
      await wh.cleanup();
    }
  });
});

describe("the engines' output files", () => {
  it("are equal: CSV byte for byte, Parquet read back value for value and type for type", async () => {
    const names = DIALECT_NAMES.filter((d) => written[d]);
    expect(names, "every dialect wrote its files in the tests above").toEqual(DIALECT_NAMES);
    const first = written[names[0]!]!;
    for (const d of names.slice(1)) {
      expect(written[d]!.csv, `${d} CSV`).toBe(first.csv);
      const dir = mkdtempSync(path.join(os.tmpdir(), "fc-values-cmp-"));
      try {
        writeFileSync(path.join(dir, "a.parquet"), first.parquet);
        writeFileSync(path.join(dir, "b.parquet"), written[d]!.parquet);
        const [a, b] = [await readOutput(path.join(dir, "a.parquet")), await readOutput(path.join(dir, "b.parquet"))];
        expect(b, `${d} Parquet`).toEqual(a);
      } finally {
        removeDir(dir);
      }
    }
  });
});
