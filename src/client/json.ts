/**
 * JSON with 64-bit integers kept exact: a bigint is written as a plain JSON number with all its
 * digits (JSON numbers have no size limit; parse them with a bigint-aware parser to keep them).
 */
export function toJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `\u0000big:${v.toString()}` : v), indent);
  return text.replace(/"\\u0000big:(-?\d+)"/g, "$1");
}
