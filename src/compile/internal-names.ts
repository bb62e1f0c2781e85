/**
 * Names the training query makes up for itself (CTEs, table aliases, helper columns), chosen so
 * that they never equal a name the user wrote: an entity column, a view's key, timestamp or
 * feature column, a relation name. Entity files may have any column names, `__fc_row_id` or
 * `entity_rows` included, and a user's input columns always come out unchanged.
 */

/**
 * Hands out names that differ from every name it was given and from each other. Names compare
 * case-insensitively: DuckDB's identifiers are case-insensitive even when quoted, so `"V1"` and
 * `v1` are the same column there.
 */
export class NamePicker {
  private readonly taken = new Set<string>();

  constructor(names: Iterable<string>) {
    for (const n of names) this.taken.add(n.toLowerCase());
  }

  /** `base` if it is free, else `base_2`, `base_3`, …; the name returned is taken from then on. */
  pick(base: string): string {
    let name = base;
    for (let i = 2; this.taken.has(name.toLowerCase()); i++) name = `${base}_${i}`;
    this.taken.add(name.toLowerCase());
    return name;
  }

  /** Marks names as taken (e.g. a name chosen elsewhere by the same rule). */
  reserve(...names: string[]): void {
    for (const n of names) this.taken.add(n.toLowerCase());
  }
}

/**
 * The column holding an entity row's input position (1, 2, …) where the warehouse numbers entity
 * rows as it loads them (Dialect.numbersEntityRows = "load"): `__fc_row_id`, or `__fc_row_id_2`, …
 * when the entity rows have such a column already. The loader and the training query both call
 * this with the entity rows' own columns, so they agree on the name.
 */
export function entityRowIdColumn(entityColumns: readonly string[]): string {
  return new NamePicker(entityColumns).pick("__fc_row_id");
}
