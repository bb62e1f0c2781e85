/**
 * What `train` needs to know about a view's relation before it picks the view's training shape
 * (src/compile/training-shapes.ts, docs/training.md), read from the warehouse's catalog.
 */
export interface PitIndexFacts {
  /**
   * A usable index for point-in-time lookups: a valid, non-partial btree index whose leading key
   * columns are the join keys (in any order) followed by the timestamp.
   */
  lookup: boolean;
  /**
   * The engine guarantees that no two rows share (join keys, timestamp): a valid, non-partial
   * unique index, PRIMARY KEY or UNIQUE constraint whose key columns are all plain columns among
   * the join keys and the timestamp. Each (keys, timestamp) then has one row, so the
   * point-in-time tie-break has nothing to choose from and training can skip it. (Rows with a
   * NULL key or timestamp, which such an index lets repeat, never match an entity row.)
   */
  unique: boolean;
}

/** One index or constraint as the catalog describes it. */
export interface CatalogIndex {
  /** Key columns in order (INCLUDE columns left out); null for an expression. */
  key: readonly (string | null)[];
  unique: boolean;
}

/** PitIndexFacts of a relation from its valid, non-partial btree indexes and unique constraints. */
export function pitIndexFacts(indexes: readonly CatalogIndex[], keys: readonly string[], timestamp: string): PitIndexFacts {
  const wanted = new Set([...keys, timestamp]);
  return {
    lookup: indexes.some((ix) => leadsWith(ix.key, keys, timestamp)),
    unique: indexes.some((ix) => ix.unique && ix.key.length > 0 && ix.key.every((c) => c !== null && wanted.has(c))),
  };
}

/** Whether an index key starts with `keys` (any order), then `timestamp`. */
function leadsWith(indexKey: readonly (string | null)[], keys: readonly string[], timestamp: string): boolean {
  if (indexKey.length <= keys.length || indexKey[keys.length] !== timestamp) return false;
  const lead = new Set(indexKey.slice(0, keys.length));
  return keys.every((k) => lead.has(k));
}
