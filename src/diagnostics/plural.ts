/**
 * A count with its noun in messages and summaries: `1 view`, `2 views`, `1 entity`, `3 entities`.
 * `pluralForm` when the plural is not the singular + "s". The count is written as is (format it
 * with `noun` for thousands separators: `${n.toLocaleString("en")} ${noun(n, "row")}`).
 */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${noun(n, singular, pluralForm)}`;
}

/** The noun alone for a count: `singular` for 1, else `pluralForm`. */
export function noun(n: number, singular: string, pluralForm = `${singular}s`): string {
  return n === 1 ? singular : pluralForm;
}
