import type { RefView, Row, Value } from "./pit-reference.js";
import { chooseRow, keyEquals } from "./pit-reference.js";

/**
 * docs/semantics.md, "Online": for every distinct key tuple of the view (no NULL part), the row training returns at
 * T = end, as [keys…, ts, features…]; entities without a candidate are absent.
 */
export function materializeReference(ref: RefView, end: bigint): Value[][] {
  const keys: Row[] = [];
  for (const r of ref.rows) {
    const k = Object.fromEntries(ref.joinKeys.map((j) => [j, r[j] ?? null]));
    if (Object.values(k).some((v) => v === null)) continue;
    if (!keys.some((x) => ref.joinKeys.every((j) => keyEquals(x[j]!, k[j]!)))) keys.push(k);
  }
  const tsCol = ref.timestampColumn ?? "ts";
  const out: Value[][] = [];
  for (const k of keys) {
    const row = chooseRow(ref, k, end);
    if (row) out.push([...ref.joinKeys.map((j) => k[j]!), row[tsCol]!, ...ref.features.map((f) => row[f] ?? null)]);
  }
  return out;
}

/** A stable key for a materialized row: its join-key values. */
export function keyOf(row: Value[], keyCount: number): string {
  return JSON.stringify(row.slice(0, keyCount), (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}
