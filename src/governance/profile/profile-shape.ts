/**
 * The shape of a saved profile (`profiles/NAME.json`, profile-file.ts) as a JSON Schema, and its
 * check: a profile a `drift:` baseline names is checked before its bins are used, so that a hand
 * edit or a truncated file is an error naming the file and the place in it (not a crash). ajv is
 * loaded only when a profile is checked (no cost to a project without drift:).
 */
import { createRequire } from "node:module";
import type * as AjvModule from "ajv";
import type { ValidateFunction } from "ajv";
import type { ProfileFile } from "./profile-file.js";

const count = { type: "integer", minimum: 0 };
const nullableNumber = { type: ["number", "null"] };
const scalar = { type: ["number", "string", "boolean"] };

/** The JSON Schema of a version 1 profile; unknown members are allowed (later versions may add some). */
export const PROFILE_SCHEMA = {
  type: "object",
  required: ["version", "features"],
  properties: {
    version: { const: 1 },
    name: { type: "string" },
    start: { type: ["string", "null"] },
    end: { type: ["string", "null"] },
    window: { type: ["string", "null"] },
    features: {
      type: "object",
      additionalProperties: {
        type: "object",
        required: ["view", "feature", "type", "kind", "count", "nullCount", "distinct"],
        properties: {
          view: { type: "string" },
          feature: { type: "string" },
          type: { enum: ["int32", "int64", "float32", "float64", "string", "bool", "timestamp"] },
          kind: { enum: ["numeric", "categorical", "boolean", "timestamp"] },
          count,
          nullCount: count,
          nonFiniteCount: count,
          distinct: count,
          min: { type: ["number", "string", "boolean", "null"] },
          max: { type: ["number", "string", "boolean", "null"] },
          mean: nullableNumber,
          stddev: nullableNumber,
          quantiles: {
            type: "array",
            items: { type: "object", required: ["q", "value"], properties: { q: { type: "number" }, value: nullableNumber } },
          },
          histogram: {
            type: "array",
            items: {
              type: "object",
              required: ["lower", "upper", "count"],
              properties: { lower: { type: "number" }, upper: { type: "number" }, count },
            },
          },
          topValues: {
            type: "array",
            items: { type: "object", required: ["value", "count"], properties: { value: scalar, count } },
          },
        },
        if: { properties: { kind: { const: "numeric" } } },
        then: { required: ["histogram"] },
      },
    },
  },
};

let validate: ValidateFunction | undefined;

/**
 * A profile file's text checked against PROFILE_SCHEMA: the profile, or the problems (each
 * `<JSON pointer>: <what is wrong>`, e.g. `/features/v:f/histogram: must be array`).
 */
export function checkProfileText(text: string): { profile: ProfileFile } | { problem: string } {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (err) {
    return { problem: `not JSON: ${(err as Error).message}` };
  }
  if (!validate) {
    const { Ajv } = createRequire(import.meta.url)("ajv") as typeof AjvModule;
    validate = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(PROFILE_SCHEMA);
  }
  if (validate(o)) return { profile: o as ProfileFile };
  const problems = (validate.errors ?? [])
    .filter((e) => e.keyword !== "if")
    .map((e) => `${e.instancePath || "/"}: ${e.message ?? "invalid"}`);
  return { problem: [...new Set(problems)].slice(0, 5).join("; ") };
}
