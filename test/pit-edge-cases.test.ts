/**
 * The point-in-time corner cases (docs/semantics.md, "Training"), one named test each, through
 * train() on every dialect (test/helpers/targets.ts) with exact expected rows (written by hand,
 * and cross-checked against the reference).
 */
import { afterAll, describe, expect, it } from "vitest";
import { FcUserError } from "../src/index.js";
import type { DialectName } from "../src/dialects/index.js";
import { DIALECT_NAMES, closeTestTargets } from "./helpers/targets.js";
import { T0, HOUR } from "./reference/arbitraries.js";
import type { ColumnSpec, EntitiesVia, GenCase, GenFeature, GenView, KeyType } from "./reference/arbitraries.js";
import { toArrays } from "./reference/pit-reference.js";
import type { Row, Value } from "./reference/pit-reference.js";
import { expectedRows, referenceFor, trainCase } from "./reference/train-runner.js";

const at = (hours: number, extraMicros = 0n): bigint => T0 + BigInt(hours) * HOUR + extraMicros;

interface ViewSpec {
  name?: string;
  keys?: Array<{ name: string; type: KeyType }>;
  timestampColumn?: string;
  createdColumn?: string | null;
  ttl?: string | null;
  features?: GenFeature[];
  rows: Row[];
}

/** A GenCase from a compact description; entity columns default to the view keys, event_timestamp, label. */
function mk(
  viewSpecs: ViewSpec[],
  entityRows: Row[],
  opts: { features?: string[]; entityColumns?: ColumnSpec[]; timestampColumn?: string; fullNames?: boolean; via?: EntitiesVia } = {},
): GenCase {
  const views: GenView[] = viewSpecs.map((s, i) => {
    const name = s.name ?? (i === 0 ? "v" : `v${i}`);
    return {
      name,
      entity: i,
      sourceName: `src_${name}`,
      table: `raw.src_${name}`,
      timestampColumn: s.timestampColumn ?? "ts",
      createdColumn: s.createdColumn === undefined ? null : s.createdColumn,
      ttl: s.ttl ?? null,
      features: s.features ?? [{ name: "x", type: "int64" }],
      rows: s.rows,
    };
  });
  const entities = viewSpecs.map((s, i) => ({ name: `ent${i}`, keys: s.keys ?? [{ name: "id", type: "int64" as KeyType }] }));
  const tsCol = opts.timestampColumn ?? "event_timestamp";
  const keyCols = new Map<string, ColumnSpec>();
  for (const e of entities) for (const k of e.keys) keyCols.set(k.name, { name: k.name, type: k.type });
  const entityColumns = opts.entityColumns ?? [...keyCols.values(), { name: tsCol, type: "timestamp" }, { name: "label", type: "label" }];
  return {
    entities,
    views,
    entityColumns,
    entityRows: entityRows.map((r) => Object.fromEntries(entityColumns.map((c) => [c.name, r[c.name] ?? null]))),
    timestampColumn: tsCol,
    features: opts.features ?? views.map((v) => `${v.name}:*`),
    fullNames: opts.fullNames ?? false,
    entitiesVia: opts.via ?? "sql",
  };
}

afterAll(closeTestTargets);

/**
 * Runs the case through train() on `dialect` and checks columns and rows exactly (the entity
 * columns of a CSV file as their text), and that the reference agrees.
 */
async function expectRows(dialect: DialectName, c: GenCase, columns: string[], rows: Value[][]): Promise<void> {
  const ref = referenceFor(c);
  expect(ref.columns, "reference columns").toEqual(columns);
  expect(toArrays(ref), "reference rows").toEqual(rows);
  const got = await trainCase(c, { dialect });
  expect(got.columns).toEqual(columns);
  expect(got.rows).toEqual(expectedRows(c, rows));
  expect(got.reported).toBe(rows.length);
}

const E = (id: Value, h: number, extra = 0n, label: Value = null): Row => ({ id, event_timestamp: at(h, extra), label });
const TIMEOUT = 30_000;

describe.each(DIALECT_NAMES)("point-in-time edge cases through train() on %s", { timeout: TIMEOUT }, (dialect) => {
  it("ttl lower bound is inclusive: a row exactly at T - ttl is used, 1µs older is not", async () => {
    const c = mk([{ ttl: "2h", rows: [{ id: 1n, ts: at(1), x: 10n }] }], [E(1n, 3), E(1n, 3, 1n), E(1n, 3, -1n)]);
    await expectRows(
      dialect,
      c,
      ["id", "event_timestamp", "label", "x"],
      [
        [1n, at(3), null, 10n],
        [1n, at(3, 1n), null, null],
        [1n, at(3, -1n), null, 10n],
      ],
    );
  });

  it("ttl in seconds (3600s) has the same inclusive bound", async () => {
    const c = mk([{ ttl: "3600s", rows: [{ id: 1n, ts: at(1), x: 10n }] }], [E(1n, 2), E(1n, 2, 1n)]);
    await expectRows(
      dialect,
      c,
      ["id", "event_timestamp", "label", "x"],
      [
        [1n, at(2), null, 10n],
        [1n, at(2, 1n), null, null],
      ],
    );
  });

  it("upper bound is inclusive: a row exactly at T is used, a row 1µs later is not", async () => {
    const c = mk(
      [
        {
          rows: [
            { id: 1n, ts: at(1), x: 1n },
            { id: 1n, ts: at(1, 1n), x: 2n },
          ],
        },
      ],
      [E(1n, 1), E(1n, 1, 1n), E(1n, 1, -1n)],
    );
    await expectRows(
      dialect,
      c,
      ["id", "event_timestamp", "label", "x"],
      [
        [1n, at(1), null, 1n],
        [1n, at(1, 1n), null, 2n],
        [1n, at(1, -1n), null, null],
      ],
    );
  });

  it("ttl 0s keeps only rows exactly at T", async () => {
    const c = mk([{ ttl: "0s", rows: [{ id: 1n, ts: at(1), x: 10n }] }], [E(1n, 1), E(1n, 1, 1n)]);
    await expectRows(
      dialect,
      c,
      ["id", "event_timestamp", "label", "x"],
      [
        [1n, at(1), null, 10n],
        [1n, at(1, 1n), null, null],
      ],
    );
  });

  it("an expired newest row gives NULL; it does not fall back to an older row", async () => {
    const c = mk(
      [
        {
          ttl: "1h",
          rows: [
            { id: 1n, ts: at(0), x: 1n },
            { id: 1n, ts: at(2), x: 2n },
          ],
        },
      ],
      [E(1n, 1, HOUR / 2n), E(1n, 3), E(1n, 3, 1n)],
    );
    await expectRows(
      dialect,
      c,
      ["id", "event_timestamp", "label", "x"],
      [
        [1n, at(1, HOUR / 2n), null, null],
        [1n, at(3), null, 2n],
        [1n, at(3, 1n), null, null],
      ],
    );
  });

  it("ties on the event timestamp are broken by the greatest created timestamp", async () => {
    const c = mk(
      [
        {
          createdColumn: "created",
          rows: [
            { id: 1n, ts: at(1), created: at(5), x: 5n },
            { id: 1n, ts: at(1), created: at(7), x: 7n },
            { id: 1n, ts: at(1), created: at(6), x: 6n },
            { id: 1n, ts: at(0), created: at(9), x: 9n },
          ],
        },
      ],
      [E(1n, 1), E(1n, 0)],
    );
    await expectRows(
      dialect,
      c,
      ["id", "event_timestamp", "label", "x"],
      [
        [1n, at(1), null, 7n],
        [1n, at(0), null, 9n],
      ],
    );
  });

  it("a NULL created timestamp sorts lowest", async () => {
    const c = mk(
      [
        {
          createdColumn: "created_at",
          rows: [
            { id: 1n, ts: at(1), created_at: null, x: 100n },
            { id: 1n, ts: at(1), created_at: at(-50), x: 1n },
            { id: 1n, ts: at(1), created_at: null, x: 200n },
            { id: 2n, ts: at(1), created_at: null, x: 300n },
          ],
        },
      ],
      [E(1n, 2), E(2n, 2)],
    );
    await expectRows(
      dialect,
      c,
      ["id", "event_timestamp", "label", "x"],
      [
        [1n, at(2), null, 1n],
        [2n, at(2), null, 300n],
      ],
    );
  });

  it("exact duplicates on (keys, ts, created): one row per entity row, greatest values in declared order", async () => {
    const c = mk(
      [
        {
          createdColumn: "created",
          features: [
            { name: "a", type: "int64" },
            { name: "b", type: "string" },
          ],
          rows: [
            { id: 1n, ts: at(1), created: at(1), a: 1n, b: "z" },
            { id: 1n, ts: at(1), created: at(1), a: 2n, b: null },
            { id: 1n, ts: at(1), created: at(1), a: 2n, b: "b" },
            { id: 1n, ts: at(1), created: at(1), a: null, b: "zz" },
            { id: 1n, ts: at(1), created: at(1), a: 2n, b: "b" },
          ],
        },
      ],
      [E(1n, 1), E(1n, 2)],
      { features: ["v:b", "v:a"] },
    );
    await expectRows(
      dialect,
      c,
      ["id", "event_timestamp", "label", "b", "a"],
      [
        [1n, at(1), null, "b", 2n],
        [1n, at(2), null, "b", 2n],
      ],
    );
  });

  it("exact ties are broken on all declared features, also when only some are requested", async () => {
    const c = mk(
      [
        {
          features: [
            { name: "a", type: "int64" },
            { name: "b", type: "string" },
          ],
          rows: [
            { id: 1n, ts: at(1), a: 1n, b: "y" },
            { id: 1n, ts: at(1), a: 2n, b: "x" },
          ],
        },
      ],
      [E(1n, 1)],
      { features: ["v:b"] },
    );
    await expectRows(dialect, c, ["id", "event_timestamp", "label", "b"], [[1n, at(1), null, "x"]]);
  });

  it("exact ties: NaN is the greatest float, true beats false, strings by UTF-8 bytes", async () => {
    const c = mk(
      [
        {
          features: [
            { name: "f", type: "float64" },
            { name: "s", type: "string" },
            { name: "b", type: "bool" },
          ],
          rows: [
            { id: 1n, ts: at(1), f: Infinity, s: "a", b: true },
            { id: 1n, ts: at(1), f: NaN, s: null, b: null },
            { id: 2n, ts: at(1), f: null, s: "\uFF21", b: true },
            { id: 2n, ts: at(1), f: null, s: "\u{1F600}", b: false },
            { id: 3n, ts: at(1), f: null, s: null, b: false },
            { id: 3n, ts: at(1), f: null, s: null, b: true },
          ],
        },
      ],
      [E(1n, 1), E(2n, 1), E(3n, 1)],
    );
    await expectRows(
      dialect,
      c,
      ["id", "event_timestamp", "label", "f", "s", "b"],
      [
        [1n, at(1), null, NaN, null, null],
        [2n, at(1), null, null, "\u{1F600}", false],
        [3n, at(1), null, null, null, true],
      ],
    );
  });

  it("composite keys compare by all parts: (1, 23) is not (12, 3)", async () => {
    const c = mk(
      [
        {
          keys: [
            { name: "a", type: "int64" },
            { name: "b", type: "int64" },
          ],
          rows: [
            { a: 1n, b: 23n, ts: at(0), x: 123n },
            { a: 12n, b: 3n, ts: at(0), x: 1203n },
          ],
        },
      ],
      [
        { a: 12n, b: 3n, event_timestamp: at(1) },
        { a: 1n, b: 23n, event_timestamp: at(1) },
        { a: 1n, b: 3n, event_timestamp: at(1) },
        { a: 123n, b: 0n, event_timestamp: at(1) },
      ],
    );
    await expectRows(
      dialect,
      c,
      ["a", "b", "event_timestamp", "label", "x"],
      [
        [12n, 3n, at(1), null, 1203n],
        [1n, 23n, at(1), null, 123n],
        [1n, 3n, at(1), null, null],
        [123n, 0n, at(1), null, null],
      ],
    );
  });

  it("string composite keys: ('a', 'b|c'), ('a|b', 'c') and ('ab', 'c') are all different", async () => {
    const c = mk(
      [
        {
          keys: [
            { name: "a", type: "string" },
            { name: "b", type: "string" },
          ],
          rows: [
            { a: "a", b: "b|c", ts: at(0), x: 1n },
            { a: "a|b", b: "c", ts: at(0), x: 2n },
            { a: "ab", b: "c", ts: at(0), x: 3n },
          ],
        },
      ],
      [
        { a: "a|b", b: "c", event_timestamp: at(1) },
        { a: "a", b: "b|c", event_timestamp: at(1) },
        { a: "a", b: "bc", event_timestamp: at(1) },
        { a: "ab", b: "c", event_timestamp: at(1) },
      ],
    );
    await expectRows(
      dialect,
      c,
      ["a", "b", "event_timestamp", "label", "x"],
      [
        ["a|b", "c", at(1), null, 2n],
        ["a", "b|c", at(1), null, 1n],
        ["a", "bc", at(1), null, null],
        ["ab", "c", at(1), null, 3n],
      ],
    );
  });

  it("64-bit ids and values beyond 2^53 are exact", async () => {
    const c = mk(
      [
        {
          rows: [
            { id: 9007199254740992n, ts: at(0), x: 9007199254740992n },
            { id: 9007199254740993n, ts: at(0), x: 9007199254740993n },
            { id: -9223372036854775808n, ts: at(0), x: 9223372036854775807n },
          ],
        },
      ],
      [E(9007199254740993n, 1), E(9007199254740992n, 1), E(9223372036854775807n, 1), E(-9223372036854775808n, 1)],
    );
    await expectRows(
      dialect,
      c,
      ["id", "event_timestamp", "label", "x"],
      [
        [9007199254740993n, at(1), null, 9007199254740993n],
        [9007199254740992n, at(1), null, 9007199254740992n],
        [9223372036854775807n, at(1), null, null],
        [-9223372036854775808n, at(1), null, 9223372036854775807n],
      ],
    );
  });

  it("64-bit ids beyond 2^53 are exact from a CSV entity file too (its columns come out as their text)", async () => {
    const c = mk(
      [
        {
          rows: [
            { id: 9007199254740992n, ts: at(0), x: 2n },
            { id: 9007199254740993n, ts: at(0), x: 3n },
          ],
        },
      ],
      [E(9007199254740993n, 1, 0n, "p"), E(9007199254740992n, 1, 0n, "q")],
      { via: "csv" },
    );
    await expectRows(
      dialect,
      c,
      ["id", "event_timestamp", "label", "x"],
      [
        [9007199254740993n, at(1), "p", 3n],
        [9007199254740992n, at(1), "q", 2n],
      ],
    );
  });

  it("entity rows from a Parquet file", async () => {
    const c = mk([{ rows: [{ id: 1n, ts: at(0), x: 5n }] }], [E(1n, 1, 0n, "p"), E(2n, 1, 0n, "q")], { via: "parquet" });
    await expectRows(
      dialect,
      c,
      ["id", "event_timestamp", "label", "x"],
      [
        [1n, at(1), "p", 5n],
        [2n, at(1), "q", null],
      ],
    );
  });

  it("entity rows before any feature row get NULL", async () => {
    const c = mk([{ rows: [{ id: 1n, ts: at(5), x: 1n }] }], [E(1n, 0), E(1n, 5, -1n), E(1n, 5)]);
    await expectRows(
      dialect,
      c,
      ["id", "event_timestamp", "label", "x"],
      [
        [1n, at(0), null, null],
        [1n, at(5, -1n), null, null],
        [1n, at(5), null, 1n],
      ],
    );
  });

  it("unknown keys and NULL keys get NULL (a NULL key never matches, not even a NULL view key)", async () => {
    const c = mk(
      [
        {
          rows: [
            { id: null, ts: at(0), x: 1n },
            { id: 2n, ts: at(0), x: 2n },
          ],
        },
      ],
      [E(null, 1), E(3n, 1), E(2n, 1)],
    );
    await expectRows(
      dialect,
      c,
      ["id", "event_timestamp", "label", "x"],
      [
        [null, at(1), null, null],
        [3n, at(1), null, null],
        [2n, at(1), null, 2n],
      ],
    );
  });

  it("duplicate entity rows are all kept", async () => {
    const c = mk([{ rows: [{ id: 1n, ts: at(0), x: 1n }] }], [E(1n, 1, 0n, "a"), E(1n, 1, 0n, "a"), E(1n, 1, 0n, "a")]);
    await expectRows(
      dialect,
      c,
      ["id", "event_timestamp", "label", "x"],
      [
        [1n, at(1), "a", 1n],
        [1n, at(1), "a", 1n],
        [1n, at(1), "a", 1n],
      ],
    );
  });

  it("input order is kept (not sorted by key or time) and every input column is unchanged", async () => {
    const c = mk(
      [
        {
          rows: [
            { id: 1n, ts: at(1), x: 11n },
            { id: 2n, ts: at(1), x: 21n },
            { id: 1n, ts: at(3), x: 13n },
          ],
        },
      ],
      [E(2n, 9, 0n, "r0"), E(1n, 4, 0n, "r1"), E(1n, 1, 0n, "r2"), E(2n, 0, 0n, "r3"), E(1n, 2, 0n, "r4"), E(1n, 4, 0n, "r1")],
      {
        entityColumns: [
          { name: "label", type: "label" },
          { name: "event_timestamp", type: "timestamp" },
          { name: "id", type: "int64" },
        ],
      },
    );
    await expectRows(
      dialect,
      c,
      ["label", "event_timestamp", "id", "x"],
      [
        ["r0", at(9), 2n, 21n],
        ["r1", at(4), 1n, 13n],
        ["r2", at(1), 1n, 11n],
        ["r3", at(0), 2n, null],
        ["r4", at(2), 1n, 11n],
        ["r1", at(4), 1n, 13n],
      ],
    );
  });

  it("input order is kept for many rows (parallel scans must not reorder)", async () => {
    const n = 5000;
    const rows: Row[] = [];
    for (let i = 0; i < n; i++) rows.push(E(BigInt((i * 7919) % 97), (i * 31) % 13, 0n, `r${i}`));
    const view = { rows: Array.from({ length: 97 }, (_, k) => ({ id: BigInt(k), ts: at(k % 13), x: BigInt(k) })) };
    const c = mk([view], rows);
    const got = await trainCase(c, { dialect });
    expect(got.rows.map((r) => r[2])).toEqual(rows.map((r) => r.label));
    expect(got.rows).toEqual(toArrays(referenceFor(c)));
  });

  it("a NULL value of the chosen row stays NULL (never filled from an older row)", async () => {
    const c = mk(
      [
        {
          features: [
            { name: "x", type: "int64" },
            { name: "y", type: "string" },
          ],
          rows: [
            { id: 1n, ts: at(1), x: 1n, y: "one" },
            { id: 1n, ts: at(2), x: null, y: "two" },
            { id: 1n, ts: at(3), x: 3n, y: null },
          ],
        },
      ],
      [E(1n, 2), E(1n, 3), E(1n, 1)],
    );
    await expectRows(
      dialect,
      c,
      ["id", "event_timestamp", "label", "x", "y"],
      [
        [1n, at(2), null, null, "two"],
        [1n, at(3), null, 3n, null],
        [1n, at(1), null, 1n, "one"],
      ],
    );
  });

  it("rows with a NULL event timestamp never match", async () => {
    const c = mk(
      [
        {
          rows: [
            { id: 1n, ts: null, x: 99n },
            { id: 1n, ts: at(0), x: 1n },
            { id: 2n, ts: null, x: 98n },
          ],
        },
      ],
      [E(1n, 5), E(2n, 5)],
    );
    await expectRows(
      dialect,
      c,
      ["id", "event_timestamp", "label", "x"],
      [
        [1n, at(5), null, 1n],
        [2n, at(5), null, null],
      ],
    );
  });

  it("features come in the requested order; view:* in declared order; full names", async () => {
    const c = mk(
      [
        {
          name: "p",
          features: [
            { name: "x", type: "int64" },
            { name: "y", type: "float64" },
          ],
          rows: [{ id: 1n, ts: at(0), x: 1n, y: 1.5 }],
        },
        {
          name: "q",
          keys: [{ name: "id", type: "int64" }],
          ttl: "1d",
          features: [
            { name: "x", type: "string" },
            { name: "t", type: "timestamp" },
          ],
          rows: [{ id: 1n, ts: at(0), x: "q1", t: at(-1) }],
        },
      ],
      [E(1n, 1)],
      { features: ["q:*", "p:y", "p:x"], fullNames: true },
    );
    await expectRows(
      dialect,
      c,
      ["id", "event_timestamp", "label", "q__x", "q__t", "p__y", "p__x"],
      [[1n, at(1), null, "q1", at(-1), 1.5, 1n]],
    );
  });

  it("a feature name clash without full names is a user error", async () => {
    const c = mk(
      [
        { name: "p", rows: [] },
        { name: "q", keys: [{ name: "id", type: "int64" }], rows: [] },
      ],
      [E(1n, 1)],
      { features: ["p:x", "q:x"] },
    );
    await expect(trainCase(c, { dialect })).rejects.toBeInstanceOf(FcUserError);
  });

  it("several views with different keys, ttls and timestamp columns", async () => {
    const c = mk(
      [
        {
          name: "p",
          timestampColumn: "event_timestamp", // same name as the entity timestamp column
          rows: [
            { id: 1n, event_timestamp: at(1), x: 1n },
            { id: 2n, event_timestamp: at(1), x: 20n },
          ],
        },
        {
          name: "q",
          keys: [
            { name: "a", type: "string" },
            { name: "b", type: "int64" },
          ],
          timestampColumn: "updated_at",
          createdColumn: "created",
          ttl: "1h",
          features: [{ name: "z", type: "float64" }],
          rows: [
            { a: "p", b: 1n, updated_at: at(0), created: null, z: 0.5 },
            { a: "p", b: 1n, updated_at: at(2), created: at(2), z: 2.5 },
            { a: "p", b: 1n, updated_at: at(2), created: at(1), z: 9.5 },
          ],
        },
      ],
      [
        { id: 1n, a: "p", b: 1n, event_timestamp: at(1) },
        { id: 1n, a: "p", b: 1n, event_timestamp: at(2) },
        { id: 2n, a: "p", b: 1n, event_timestamp: at(3, 1n) },
      ],
      { features: ["q:z", "p:x"] },
    );
    await expectRows(
      dialect,
      c,
      ["id", "a", "b", "event_timestamp", "label", "z", "x"],
      [
        [1n, "p", 1n, at(1), null, 0.5, 1n],
        [1n, "p", 1n, at(2), null, 2.5, 1n],
        [2n, "p", 1n, at(3, 1n), null, null, 20n],
      ],
    );
  });

  it("a .csv output file holds the same rows", async () => {
    const c = mk(
      [
        {
          rows: [
            { id: 9007199254740993n, ts: at(0), x: 9007199254740993n },
            { id: 2n, ts: at(0), x: null },
          ],
        },
      ],
      [E(9007199254740993n, 1, 0n, "a"), E(2n, 1, 0n, "b"), E(3n, 1, 0n, "c")],
    );
    const got = await trainCase(c, { dialect, out: "csv" });
    expect(got.columns).toEqual(["id", "event_timestamp", "label", "x"]);
    expect(got.rows).toEqual([
      [9007199254740993n, at(1), "a", 9007199254740993n],
      [2n, at(1), "b", null],
      [3n, at(1), "c", null],
    ]);
  });

  it("a custom entity timestamp column (timestampColumn option)", async () => {
    const c = mk([{ rows: [{ id: 1n, ts: at(1), x: 1n }] }], [{ id: 1n, t: at(1), event_timestamp: at(0) }], {
      timestampColumn: "t",
      entityColumns: [
        { name: "id", type: "int64" },
        { name: "t", type: "timestamp" },
        { name: "event_timestamp", type: "timestamp" },
      ],
    });
    await expectRows(dialect, c, ["id", "t", "event_timestamp", "x"], [[1n, at(1), at(0), 1n]]);
  });
});
