import fc from "fast-check";
import { assertProperty } from "../helpers/property.js";
import { describe, expect, it } from "vitest";
import { caseArb, toRefViews } from "./arbitraries.js";
import type { GenCase } from "./arbitraries.js";
import { compareValues, durationMicros, keyEquals, pointInTimeJoin } from "./pit-reference.js";
import type { RefView, Row, Value } from "./pit-reference.js";

function runRef(c: GenCase, views: RefView[] = toRefViews(c)) {
  return pointInTimeJoin({
    views,
    entityRows: c.entityRows,
    entityColumns: c.entityColumns.map((col) => col.name),
    features: c.features,
    timestampColumn: c.timestampColumn,
    fullNames: c.fullNames,
  });
}

/** A second, sort-based oracle: filter, sort by (ts desc, created desc NULLS LAST, features desc NULLS LAST), take first. */
function sortOracle(view: RefView, entity: Row, t: bigint): Row | undefined {
  const tsCol = view.timestampColumn ?? "ts";
  const cr = view.createdColumn === undefined ? "created" : view.createdColumn;
  const cands = view.rows.filter((r) => {
    const ts = r[tsCol];
    if (typeof ts !== "bigint") return false;
    if (!view.joinKeys.every((k) => keyEquals(entity[k] ?? null, r[k] ?? null))) return false;
    return ts <= t && (view.ttlMicros === null || t - ts <= view.ttlMicros);
  });
  const cols = [tsCol, ...(cr === null ? [] : [cr]), ...view.features];
  cands.sort((a, b) => {
    for (const c of cols) {
      const d = compareValues(b[c] ?? null, a[c] ?? null);
      if (d !== 0) return d;
    }
    return 0;
  });
  return cands[0];
}

describe("reference on random cases", () => {
  it("keeps one row per entity row, in order, with input columns unchanged", () => {
    assertProperty(
      fc.property(caseArb(), (c) => {
        const r = runRef(c);
        expect(r.rows.length).toBe(c.entityRows.length);
        r.rows.forEach((row, i) => {
          for (const col of c.entityColumns) expect(row[col.name]).toBe(c.entityRows[i]![col.name]);
        });
      }),
      { runs: 300, minRuns: 100, seconds: 20 },
    );
  });

  it("does not depend on the order of view rows", () => {
    assertProperty(
      fc.property(
        caseArb().chain((c) =>
          fc.tuple(
            fc.constant(c),
            fc.tuple(...c.views.map((v) => fc.shuffledSubarray(v.rows, { minLength: v.rows.length, maxLength: v.rows.length }))),
          ),
        ),
        ([c, shuffled]) => {
          const a = runRef(c);
          const views = toRefViews(c).map((v, i) => ({ ...v, rows: shuffled[i]! }));
          const b = runRef(c, views);
          expect(b).toEqual(a);
        },
      ),
      { runs: 300, minRuns: 100, seconds: 20 },
    );
  });

  it("agrees with a sort-based oracle", () => {
    assertProperty(
      fc.property(caseArb(), (c) => {
        const views = toRefViews(c);
        const r = runRef(c, views);
        c.entityRows.forEach((e, i) => {
          for (const ref of c.features) {
            const [vn, fn] = ref.split(":") as [string, string];
            const view = views.find((v) => v.name === vn)!;
            const chosen = sortOracle(view, e, e[c.timestampColumn] as bigint);
            for (const f of fn === "*" ? view.features : [fn]) {
              const col = c.fullNames ? `${vn}__${f}` : f;
              const want: Value = chosen === undefined ? null : (chosen[f] ?? null);
              expect(r.rows[i]![col]).toEqual(want);
            }
          }
        });
      }),
      { runs: 300, minRuns: 100, seconds: 20 },
    );
  });

  it("the arbitraries hit the corners often", () => {
    const stats = { ttlEdge: 0, createdTie: 0, exactTie: 0, composite: 0, beyond53: 0, before: 0, dupEntity: 0, noMatch: 0, csv: 0 };
    const samples = fc.sample(caseArb(), { numRuns: 300, seed: 42 });
    for (const c of samples) {
      const views = toRefViews(c);
      if (c.entitiesVia === "csv") stats.csv++;
      if (views.some((v) => v.joinKeys.length > 1)) stats.composite++;
      const json = (r: Row) => JSON.stringify(r, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
      if (new Set(c.entityRows.map(json)).size < c.entityRows.length) stats.dupEntity++;
      const all = [...c.entityRows, ...views.flatMap((v) => v.rows)];
      if (all.some((r) => Object.values(r).some((x) => typeof x === "bigint" && (x > 2n ** 53n || x < -(2n ** 53n)) && x % 1000n !== 0n)))
        stats.beyond53++;
      let ttlEdge = false;
      let createdTie = false;
      let exactTie = false;
      let before = false;
      let noMatch = false;
      for (const e of c.entityRows) {
        const t = e[c.timestampColumn] as bigint;
        for (const v of views) {
          const ts = v.timestampColumn!;
          const cand = v.rows.filter((r) => v.joinKeys.every((k) => keyEquals(e[k] ?? null, r[k] ?? null)));
          if (cand.length === 0) noMatch = true;
          if (cand.length > 0 && cand.every((r) => typeof r[ts] === "bigint" && (r[ts] as bigint) > t)) before = true;
          if (v.ttlMicros !== null && cand.some((r) => r[ts] === t - v.ttlMicros!)) ttlEdge = true;
          const top = cand.filter((r) => typeof r[ts] === "bigint" && (r[ts] as bigint) <= t);
          const maxTs = top.reduce<bigint | null>((m, r) => (m === null || (r[ts] as bigint) > m ? (r[ts] as bigint) : m), null);
          const atMax = top.filter((r) => r[ts] === maxTs);
          if (atMax.length > 1 && v.createdColumn) {
            createdTie = true;
            const cr = v.createdColumn;
            const created = atMax.map((r) => r[cr]);
            if (new Set(created.map(String)).size < created.length) exactTie = true;
          } else if (atMax.length > 1) exactTie = true;
        }
      }
      if (ttlEdge) stats.ttlEdge++;
      if (createdTie) stats.createdTie++;
      if (exactTie) stats.exactTie++;
      if (before) stats.before++;
      if (noMatch) stats.noMatch++;
    }
    if (process.env.SHOW_STATS) console.log(stats);
    for (const [k, n] of Object.entries(stats)) expect(n, k).toBeGreaterThan(20);
    expect(durationMicros("1d")).toBe(86_400_000_000n);
  });
});
