/**
 * JSON as fcompile prints it (`get`, `verify`, `serve`): 64-bit integers (bigint) as plain JSON
 * numbers with every digit, written by lossless-json rather than through a tagged string; NaN and
 * ±Infinity, which JSON numbers cannot hold, as the strings "NaN", "Infinity" and "-Infinity" (as
 * Protocol Buffers' JSON mapping writes them). docs/online.md lists each type's form.
 */
import { stringify } from "lossless-json";

/** `value` as JSON text (indented by `indent` spaces if given). Read it back with a bigint-aware parser to keep int64 exact. */
export function toJson(value: unknown, indent?: number): string {
  return stringify(value, nonFinite, indent) ?? "null";
}

function nonFinite(_key: string, v: unknown): unknown {
  return typeof v === "number" && !Number.isFinite(v) ? String(v) : v;
}
