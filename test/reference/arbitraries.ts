/**
 * fast-check arbitraries for random fcompile projects (plain views over warehouse tables) and
 * their data, for differential tests against the reference in ./pit-reference.ts.
 *
 * Timestamps live on a small grid (hours after T0) so that ties and ttl edges are frequent; entity
 * timestamps are sometimes shifted by ±1µs to land just inside / outside a bound.
 */
import fc from "fast-check";
import type { Arbitrary } from "fast-check";
import { durationMicros, micros } from "./pit-reference.js";
import type { RefView, Row, Value } from "./pit-reference.js";

export type KeyType = "int64" | "string";
export type EntitiesVia = "sql" | "csv" | "parquet";
export type FeatureType = "int64" | "float64" | "string" | "bool" | "timestamp";

export const T0 = micros("2024-01-01 00:00:00");
export const HOUR = 3_600_000_000n;

export interface GenEntity {
  name: string;
  keys: Array<{ name: string; type: KeyType }>;
}

export interface GenFeature {
  name: string;
  type: FeatureType;
}

export interface GenView {
  name: string;
  /** Index into GenCase.entities. */
  entity: number;
  sourceName: string;
  /** Warehouse table, schema-qualified: `raw.<name>`. */
  table: string;
  timestampColumn: string;
  createdColumn: string | null;
  /** Duration text as written in YAML, or null for no ttl. */
  ttl: string | null;
  features: GenFeature[];
  rows: Row[];
}

export interface ColumnSpec {
  name: string;
  type: KeyType | "timestamp" | "label";
}

export interface GenCase {
  entities: GenEntity[];
  views: GenView[];
  /** Entity columns, in table order. */
  entityColumns: ColumnSpec[];
  entityRows: Row[];
  /** Entity timestamp column name (event_timestamp unless a custom one is tested). */
  timestampColumn: string;
  /** Requested features, `view:feature` or `view:*`. */
  features: string[];
  fullNames: boolean;
  /** How the entity rows reach train(): a SELECT over a warehouse table, a CSV file or a Parquet file. */
  entitiesVia: EntitiesVia;
}

// ---------------------------------------------------------------------------------------------
// Value pools
// ---------------------------------------------------------------------------------------------

const BIG = [9007199254740992n, 9007199254740993n, -9007199254740993n, 9223372036854775807n, -9223372036854775808n];

/** int64 keys: a tiny pool so that (1,23)/(12,3)-style collisions are frequent, plus 64-bit extremes. */
export const intKeyArb: Arbitrary<bigint> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(1n, 12n, 23n, 3n) },
  { weight: 1, arbitrary: fc.constantFrom(0n, -1n) },
  { weight: 2, arbitrary: fc.constantFrom(...BIG) },
);

/** string keys: concatenation traps ('a','bc') vs ('ab','c') vs ('a|b','c'); no numeric-looking or empty strings. */
export const stringKeyArb: Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("a", "b", "c", "ab", "bc") },
  { weight: 2, arbitrary: fc.constantFrom("a|b", "b|c", "é", "A", "a b") },
);

export function keyArb(type: KeyType): Arbitrary<Value> {
  return type === "int64" ? intKeyArb : stringKeyArb;
}

/** A grid timestamp: T0 + h hours. */
export const gridTs = (h: number, extra = 0n): bigint => T0 + BigInt(h) * HOUR + extra;

const nullable = <T>(arb: Arbitrary<T>, nullWeight = 1, valueWeight = 5): Arbitrary<T | null> =>
  fc.oneof({ weight: valueWeight, arbitrary: arb }, { weight: nullWeight, arbitrary: fc.constant(null) });

const noNegZero = (x: number): number => (Object.is(x, -0) ? 0 : x);

export function valueArb(type: FeatureType): Arbitrary<Value> {
  switch (type) {
    case "int64":
      return nullable(
        fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(0n, 1n, 2n, -1n) },
          { weight: 2, arbitrary: fc.constantFrom(...BIG) },
          { weight: 2, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) },
        ),
      );
    case "float64":
      return nullable(
        fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(0, 1.5, -2.25, 0.1) },
          { weight: 2, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 1e300, 5e-324, 2 ** 53 + 2) },
          { weight: 2, arbitrary: fc.double({ noNaN: true }).map(noNegZero) },
        ),
      );
    case "string":
      return nullable(
        fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom("", "a", "b", "A", "ab") },
          {
            weight: 2,
            arbitrary: fc.constantFrom("é", "\uFF21", "\u{1F600}", "O'Brien", 'say "hi"', "x,y", "line\nbreak", "NULL", " "),
          },
          { weight: 1, arbitrary: fc.string({ maxLength: 6, unit: "grapheme" }) },
        ),
      );
    case "bool":
      return nullable(fc.boolean());
    case "timestamp":
      return nullable(
        fc.oneof(
          { weight: 3, arbitrary: fc.integer({ min: -2, max: 10 }).map((h) => gridTs(h)) },
          { weight: 1, arbitrary: fc.constantFrom(0n, -1n, micros("1900-01-01 00:00:00"), micros("2262-04-11 00:00:00")) },
        ),
      );
  }
}

const featureTypeArb: Arbitrary<FeatureType> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<FeatureType>("int64") },
  { weight: 2, arbitrary: fc.constant<FeatureType>("float64") },
  { weight: 2, arbitrary: fc.constant<FeatureType>("string") },
  { weight: 1, arbitrary: fc.constant<FeatureType>("bool") },
  { weight: 1, arbitrary: fc.constant<FeatureType>("timestamp") },
);

/** ttl choices, all multiples of the grid step except 0s and 90m. */
export const ttlArb: Arbitrary<string | null> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(null) },
  { weight: 6, arbitrary: fc.constantFrom("3600s", "2h", "120m", "3h", "1d") },
  { weight: 1, arbitrary: fc.constantFrom("0s", "90m") },
);

// ---------------------------------------------------------------------------------------------
// Project shape
// ---------------------------------------------------------------------------------------------

const entitiesArb: Arbitrary<GenEntity[]> = fc
  .array(
    fc.record({
      keyTypes: fc.array(fc.constantFrom<KeyType>("int64", "int64", "string"), { minLength: 1, maxLength: 2 }),
    }),
    { minLength: 1, maxLength: 2 },
  )
  .map((es) =>
    es.map((e, i) => ({
      name: `ent${i}`,
      keys: e.keyTypes.map((type, j) => ({ name: `e${i}_k${j}`, type })),
    })),
  );

interface ViewShape {
  entity: number;
  timestampColumn: string;
  createdColumn: string | null;
  ttl: string | null;
  featureTypes: FeatureType[];
}

const viewShapeArb = (numEntities: number): Arbitrary<ViewShape> =>
  fc.record({
    entity: fc.nat({ max: numEntities - 1 }),
    timestampColumn: fc.constantFrom("ts", "event_timestamp", "updated_at"),
    createdColumn: fc.constantFrom<string | null>(null, "created", "created_at"),
    ttl: ttlArb,
    featureTypes: fc.array(featureTypeArb, { minLength: 1, maxLength: 3 }),
  });

/** Rows of one view: keys, grid ts (rarely NULL), created (NULLs and ties), feature values. */
function viewRowsArb(entity: GenEntity, shape: ViewShape, features: GenFeature[]): Arbitrary<Row[]> {
  const rowArb: Arbitrary<Row> = fc
    .record({
      keys: fc.tuple(...entity.keys.map((k) => nullable(keyArb(k.type), 1, 15))),
      ts: nullable(fc.integer({ min: 0, max: 8 }), 1, 20),
      created: nullable(fc.integer({ min: 0, max: 3 }), 1, 3),
      values: fc.tuple(...features.map((f) => valueArb(f.type))),
    })
    .map(({ keys, ts, created, values }) => {
      const row: Row = {};
      entity.keys.forEach((k, i) => (row[k.name] = keys[i] ?? null));
      row[shape.timestampColumn] = ts === null ? null : gridTs(ts);
      if (shape.createdColumn !== null) row[shape.createdColumn] = created === null ? null : gridTs(created);
      features.forEach((f, i) => (row[f.name] = values[i] ?? null));
      return row;
    });
  // Ties on (keys, ts) and exact duplicates on (keys, ts, created) with different values are made
  // frequent by copying the key/time part of an earlier row.
  return fc
    .tuple(fc.array(rowArb, { minLength: 0, maxLength: 14 }), fc.array(fc.tuple(fc.nat(), rowArb, fc.boolean()), { maxLength: 5 }))
    .map(([rows, copies]) => {
      const out = [...rows];
      if (rows.length > 0) {
        for (const [i, other, sameCreated] of copies) {
          const base = rows[i % rows.length]!;
          const copy: Row = { ...other };
          for (const k of entity.keys) copy[k.name] = base[k.name] ?? null;
          copy[shape.timestampColumn] = base[shape.timestampColumn] ?? null;
          // same created too (an exact tie), or a fresh created (a tie on ts only)
          if (shape.createdColumn !== null && sameCreated) copy[shape.createdColumn] = base[shape.createdColumn] ?? null;
          out.splice((i * 7) % (out.length + 1), 0, copy);
        }
      }
      return out;
    });
}

const labelArb: Arbitrary<Value> = nullable(fc.constantFrom("l0", "l1", "l2"), 1, 4);

/** Entity timestamp: grid hour -1..10 (before all data, on edges), sometimes ±1µs. */
const entityTsArb: Arbitrary<bigint> = fc
  .tuple(
    fc.integer({ min: -1, max: 10 }),
    fc.oneof({ weight: 4, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: fc.constantFrom(1n, -1n) }),
  )
  .map(([h, d]) => gridTs(h, d));

function entityRowsArb(entities: GenEntity[], views: Array<{ entity: number; rows: Row[] }>, tsColumn: string): Arbitrary<Row[]> {
  const keyCols = entities.flatMap((e) => e.keys);
  // Keys of an entity row: either copied from a view row of that entity (likely matches) or drawn fresh.
  const perEntityKeys = entities.map((e, ei) => {
    const seen = views.filter((v) => v.entity === ei).flatMap((v) => v.rows.map((r) => e.keys.map((k) => r[k.name] ?? null)));
    const fresh = fc.tuple(...e.keys.map((k) => nullable(keyArb(k.type), 1, 20)));
    return seen.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...seen) }, { weight: 2, arbitrary: fresh }) : fresh;
  });
  const rowArb: Arbitrary<Row> = fc
    .record({ keys: fc.tuple(...perEntityKeys), ts: entityTsArb, label: labelArb })
    .map(({ keys, ts, label }) => {
      const row: Row = {};
      let i = 0;
      for (const part of keys) for (const v of part) row[keyCols[i++]!.name] = v;
      row[tsColumn] = ts;
      row.label = label;
      return row;
    });
  return fc.tuple(fc.array(rowArb, { minLength: 1, maxLength: 10 }), fc.array(fc.nat(), { maxLength: 3 })).map(([rows, dups]) => {
    const out = [...rows];
    for (const d of dups) out.splice((d * 5) % (out.length + 1), 0, { ...rows[d % rows.length]! });
    return out;
  });
}

/** Requested feature references: per view `view:*` or a shuffled subset, views interleaved. */
function featureRefsArb(views: Array<{ name: string; features: GenFeature[] }>): Arbitrary<string[]> {
  const perView = views.map((v) =>
    fc.oneof(
      { weight: 1, arbitrary: fc.constant<string[]>([`${v.name}:*`]) },
      { weight: 1, arbitrary: fc.constant<string[]>([]) },
      {
        weight: 2,
        arbitrary: fc.shuffledSubarray(v.features, { minLength: 1 }).map((fs) => fs.map((f) => `${v.name}:${f.name}`)),
      },
    ),
  );
  return fc.tuple(...perView).chain((lists) => {
    const all = lists.flat();
    const refs = all.length > 0 ? all : [`${views[0]!.name}:*`];
    return fc.shuffledSubarray(refs, { minLength: refs.length, maxLength: refs.length });
  });
}

export interface CaseOptions {
  /** Allow entities via CSV / Parquet files (default true). */
  files?: boolean;
  /** Allow ttl 0s (default true). */
  zeroTtl?: boolean;
}

/** A whole random case: project shape, view data, entity rows and a feature request. */
export function caseArb(options: CaseOptions = {}): Arbitrary<GenCase> {
  const allowFiles = options.files ?? true;
  return entitiesArb
    .chain((entities) =>
      fc.record({
        entities: fc.constant(entities),
        shapes: fc.array(viewShapeArb(entities.length), { minLength: 1, maxLength: 3 }),
        fullNames: fc.boolean(),
        timestampColumn: fc.constantFrom("event_timestamp", "event_timestamp", "event_timestamp", "t"),
        entitiesVia: allowFiles ? fc.constantFrom<EntitiesVia>("sql", "sql", "sql", "csv", "parquet") : fc.constant<EntitiesVia>("sql"),
      }),
    )
    .filter((c) => options.zeroTtl !== false || c.shapes.every((s) => s.ttl !== "0s"))
    .chain(({ entities, shapes, fullNames, timestampColumn, entitiesVia }) => {
      const viewDefs = shapes.map((s, i) => ({
        shape: s,
        name: `v${i}`,
        // with fullNames, names clash across views on purpose; without, they are unique
        features: s.featureTypes.map((type, j) => ({ name: fullNames ? `f${j}` : `v${i}_f${j}`, type })),
      }));
      return fc.tuple(...viewDefs.map((d) => viewRowsArb(entities[d.shape.entity]!, d.shape, d.features))).chain((rowsPerView) => {
        const views: GenView[] = viewDefs.map((d, i) => ({
          name: d.name,
          entity: d.shape.entity,
          sourceName: `src_${d.name}`,
          table: `raw.src_${d.name}`,
          timestampColumn: d.shape.timestampColumn,
          createdColumn: d.shape.createdColumn,
          ttl: d.shape.ttl,
          features: d.features,
          rows: rowsPerView[i]!,
        }));
        const baseColumns: ColumnSpec[] = [
          ...entities.flatMap((e) => e.keys.map((k) => ({ name: k.name, type: k.type }))),
          { name: timestampColumn, type: "timestamp" },
          { name: "label", type: "label" },
        ];
        return fc
          .record({
            entityColumns: fc.shuffledSubarray(baseColumns, { minLength: baseColumns.length, maxLength: baseColumns.length }),
            entityRows: entityRowsArb(entities, views, timestampColumn),
            features: featureRefsArb(views),
          })
          .map(({ entityColumns, entityRows, features }): GenCase => ({
            entities,
            views,
            entityColumns,
            // reorder the keys of each row to the table's column order
            entityRows: entityRows.map((r) => Object.fromEntries(entityColumns.map((c) => [c.name, r[c.name] ?? null]))),
            timestampColumn,
            features,
            fullNames,
            entitiesVia,
          }));
      });
    });
  // An entity CSV whose key column is empty in every row is kept: keys take the views' type, not a guess.
}

/** The reference views of a case. */
export function toRefViews(c: GenCase): RefView[] {
  return c.views.map((v) => ({
    name: v.name,
    joinKeys: c.entities[v.entity]!.keys.map((k) => k.name),
    ttlMicros: v.ttl === null ? null : durationMicros(v.ttl),
    features: v.features.map((f) => f.name),
    rows: v.rows,
    timestampColumn: v.timestampColumn,
    createdColumn: v.createdColumn,
  }));
}
