/**
 * Property: whatever text an entity CSV holds (quotes, delimiters, line breaks, spaces, unicode,
 * leading zeros, timestamps with and without offsets, empty and quoted-empty fields), `train`
 * gives every input field back exactly, on every dialect, and the engines' CSV files are equal
 * byte for byte. The features show the keys and timestamps were read as docs/values.md says.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { train } from "../src/index.js";
import { assertAsyncProperty, testTimeout } from "./helpers/property.js";
import type { PropertyBudget } from "./helpers/property.js";
import { DIALECT_NAMES, TEST_TARGETS, closeTestTargets } from "./helpers/targets.js";
import { query, removeDir, withDuckDB } from "./reference/duckdb-harness.js";
import { micros } from "./reference/pit-reference.js";

const BUDGET: PropertyBudget = { runs: 15, minRuns: 6, seconds: 25 };

afterAll(closeTestTargets);

/** A field as written: its value (null: an unquoted empty field) and whether to quote it. */
interface Field {
  value: string | null;
  quote: boolean;
}

const KEYS = ["1", "007", "+2", "-3", " 4 ", "9223372036854775807"];
const KEY_VALUE: Record<string, bigint> = {
  "1": 1n,
  "007": 7n,
  "+2": 2n,
  "-3": -3n,
  " 4 ": 4n,
  "9223372036854775807": 9223372036854775807n,
};
const TIMES = [
  "2024-09-01",
  "2024-09-01 10:00",
  "2024-09-01T10:00:00Z",
  "2024-09-01T10:00:00+02:00",
  "2024-09-01 10:00:00.123456-0530",
  "2024-09-01T23:59:59+14",
  "2023-12-31T22:00:00-18:00",
];

const textArb = fc.string({ unit: fc.constantFrom("a", "Z", " ", ",", ";", '"', "\n", "é", "😀", "0", "|", "\t"), maxLength: 8 });

const fieldArb = (valueArb: fc.Arbitrary<string>): fc.Arbitrary<Field> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ value: valueArb, quote: fc.boolean() }) },
    { weight: 1, arbitrary: fc.constant({ value: null, quote: false }) },
    { weight: 1, arbitrary: fc.constant({ value: "", quote: true }) },
  );

const rowArb = fc.record({
  id: fc.record({ value: fc.constantFrom(...KEYS), quote: fc.boolean() }),
  ts: fc.record({ value: fc.constantFrom(...TIMES), quote: fc.boolean() }),
  note: fieldArb(textArb),
  more: fieldArb(textArb),
});

/** RFC 4180: quoted when asked or when it must be (a delimiter, quote or line break inside). */
function csvField(f: Field): string {
  if (f.value === null) return "";
  const must = /[,"\n\r]/.test(f.value) || f.value === "";
  return f.quote || must ? `"${f.value.replaceAll('"', '""')}"` : f.value;
}

const DEFS = (raw: string): string =>
  stringify({
    entities: [{ name: "customer", join_keys: ["id"] }],
    sources: [{ name: "s", table: `${raw}.s`, timestamp: "ts" }],
    feature_views: [{ name: "v", entities: ["customer"], source: "s", features: [{ name: "x", type: "int64" }] }],
  });

describe("entity CSV fields come out unchanged", () => {
  it(
    "on every dialect, and the engines' CSV files are equal",
    async () => {
      await assertAsyncProperty(
        fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 12 }), async (rows) => {
          const header = ["note", "id", "event_timestamp", "more"];
          const text = [
            header.join(","),
            ...rows.map((r) => [csvField(r.note), csvField(r.id), csvField(r.ts), csvField(r.more)].join(",")),
          ].join("\n");
          const outputs: string[] = [];
          for (const dialect of DIALECT_NAMES) {
            const dir = mkdtempSync(path.join(os.tmpdir(), "fc-passthrough-"));
            const wh = await TEST_TARGETS[dialect].prepare(dir);
            try {
              writeFileSync(path.join(dir, "fcompile.yaml"), stringify({ name: "t", target: "local", targets: { local: wh.target } }));
              mkdirSync(path.join(dir, "definitions"));
              writeFileSync(path.join(dir, "definitions", "d.yml"), DEFS(wh.rawSchema));
              // Every key has one row, long before every entity timestamp: x = -key.
              await wh.createTables([
                {
                  table: `${wh.rawSchema}.s`,
                  columns: [
                    { name: "id", type: "int64" },
                    { name: "ts", type: "timestamp" },
                    { name: "x", type: "int64" },
                  ],
                  rows: Object.values(KEY_VALUE).map((k) => ({ id: k, ts: micros("2000-01-01 00:00:00"), x: -k })),
                },
              ]);
              const file = path.join(dir, "entities.csv");
              writeFileSync(file, text);
              const out = path.join(dir, "out.csv");
              await train({ projectDir: dir, features: ["v:x"], entitiesFile: file, out });
              outputs.push(readFileSync(out, "utf8"));
              const got = await withDuckDB(":memory:", (conn) =>
                query(
                  conn,
                  `SELECT * FROM read_csv('${out}', auto_detect = false, header = true, quote = '"', escape = '"', allow_quoted_nulls = false, ` +
                    `columns = {'note': 'VARCHAR', 'id': 'VARCHAR', 'event_timestamp': 'VARCHAR', 'more': 'VARCHAR', 'x': 'BIGINT'})`,
                ),
              );
              expect(got.columns).toEqual([...header, "x"]);
              expect(got.rows, dialect).toEqual(
                rows.map((r) => [r.note.value, r.id.value, r.ts.value, r.more.value, -KEY_VALUE[r.id.value]!]),
              );
            } finally {
              removeDir(dir);
              await wh.cleanup();
            }
          }
          for (const o of outputs.slice(1)) expect(o).toBe(outputs[0]);
        }),
        BUDGET,
      );
    },
    testTimeout(BUDGET),
  );
});
