import type { FastifySchemaValidationError } from "fastify";

/** The most entity rows one request may ask for, unless the server is told otherwise. */
export const DEFAULT_MAX_ENTITY_ROWS = 10_000;

/** The keys a request body may have (Feast's `POST /get-online-features`, plus `at`). */
const REQUEST_KEYS = ["features", "feature_service", "entities", "full_feature_names", "at"];

/**
 * JSON Schema of a request body: `features` or `feature_service`, `entities` as columns (join key
 * → values), optional `full_feature_names` and `at`. Entity values are not typed here: a 64-bit
 * key arrives as a bigint, which JSON Schema has no type for; the client checks them.
 */
export function requestSchema(maxEntityRows = DEFAULT_MAX_ENTITY_ROWS) {
  return {
    type: "object",
    additionalProperties: false,
    required: ["entities"],
    properties: {
      features: { type: "array", minItems: 1, maxItems: 10_000, items: { type: "string", minLength: 1 } },
      feature_service: { type: "string", minLength: 1 },
      entities: {
        type: "object",
        minProperties: 1,
        maxProperties: 64,
        additionalProperties: { type: "array", maxItems: maxEntityRows },
      },
      full_feature_names: { type: "boolean" },
      at: { type: "string", minLength: 1 },
    },
  } as const;
}

/** A request body that passed `requestSchema` (entity values: number, bigint, string, boolean or null). */
export interface FeastRequest {
  features?: string[];
  feature_service?: string;
  entities: Record<string, unknown[]>;
  full_feature_names?: boolean;
  at?: string;
}

/** One column of a response: the join key's or the feature's value for every entity row. */
export interface FeastColumn {
  values: unknown[];
  statuses: string[];
  event_timestamps: string[];
}

/** A response body: column names (join keys first), then one result per column. */
export interface FeastResponse {
  metadata: { feature_names: string[] };
  results: FeastColumn[];
}

/** JSON Schema of a response body (what `POST /get-online-features` answers with 200). */
export const RESPONSE_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["metadata", "results"],
  properties: {
    metadata: {
      type: "object",
      required: ["feature_names"],
      properties: { feature_names: { type: "array", items: { type: "string" } } },
    },
    results: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["values", "statuses", "event_timestamps"],
        properties: {
          values: { type: "array" },
          statuses: { type: "array", items: { enum: ["PRESENT", "NULL_VALUE", "NOT_FOUND", "OUTSIDE_MAX_AGE", "BEFORE_STATE"] } },
          event_timestamps: { type: "array", items: { type: "string" } },
        },
      },
    },
  },
} as const;

const ARTICLE: Record<string, string> = {
  array: "an array",
  object: "a JSON object",
  string: "a string",
  boolean: "true or false",
};

/** The first schema violation as one sentence that names the offending key. */
export function describeValidationError(errors: readonly FastifySchemaValidationError[]): string {
  const e = errors[0];
  if (!e) return "the request body is not valid";
  const where = e.instancePath === "" ? "the request body" : `'${jsonPointerToPath(e.instancePath)}'`;
  const p = e.params;
  switch (e.keyword) {
    case "required":
      return p.missingProperty === "entities"
        ? `the request body has no 'entities': give the entity rows as columns, e.g. "entities": {"customer_id": [1001, 1002]}`
        : `${where} has no '${String(p.missingProperty)}'`;
    case "additionalProperties":
      return `unknown key '${String(p.additionalProperty)}' in ${where} (accepted: ${REQUEST_KEYS.join(", ")})`;
    case "type":
      return `${where} must be ${ARTICLE[String(p.type)] ?? String(p.type)}`;
    case "maxItems":
      return e.instancePath.startsWith("/entities/")
        ? `${where} has more than ${String(p.limit)} values: at most ${String(p.limit)} entity rows per request; send them in several requests, or start the server with a larger 'fcompile serve --max-entities'`
        : `${where} has more than ${String(p.limit)} items: ask for at most ${String(p.limit)} per request`;
    case "minItems":
    case "minLength":
      return `${where} must not be empty`;
    case "minProperties":
      return `${where} must have at least one join key column, e.g. {"customer_id": [1001]}`;
    default:
      return `${where} ${e.message ?? "is not valid"}`;
  }
}

/** `/entities/customer_id` → `entities.customer_id`; `/features/0` → `features[0]`. */
function jsonPointerToPath(pointer: string): string {
  return pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : path ? `${path}.${s}` : s), "");
}
