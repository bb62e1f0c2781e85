import { NO_EVENT, isoMicros } from "../client/index.js";
import type { FeatureColumn, GetOnlineFeatureColumnsResponse, GetOnlineFeaturesRequest } from "../client/index.js";
import type { FeastColumn, FeastRequest, FeastResponse } from "./feast-schema.js";

/** Feast writes this where a column has no event time (join keys, features not found). */
export const NO_TIMESTAMP = "1970-01-01T00:00:00Z";

/** A request the server refuses before asking the store; `statusCode` is the HTTP status. */
export class RequestError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = "RequestError";
  }
}

/** A Feast request → the client's request (entity columns → rows), and the entity columns to echo. */
export function toClientRequest(body: FeastRequest): { request: GetOnlineFeaturesRequest; columns: [string, unknown[]][] } {
  if (body.features !== undefined && body.feature_service !== undefined)
    throw new RequestError(400, "give either 'features' or 'feature_service', not both");
  if (body.features === undefined && body.feature_service === undefined)
    throw new RequestError(400, `give 'features' (e.g. ["customer_stats:total_orders_30d"]) or 'feature_service' (a service name)`);
  const columns = Object.entries(body.entities);
  const [first, n] = [columns[0]![0], columns[0]![1].length];
  const uneven = columns.find(([, values]) => values.length !== n);
  if (uneven)
    throw new RequestError(
      400,
      `entity columns must have equal lengths (one value per entity row): '${first}' has ${n}, '${uneven[0]}' has ${uneven[1].length}`,
    );
  // fromEntries defines own properties, so a column named like an Object.prototype member stays data.
  const entityRows = Array.from({ length: n }, (_, i) => Object.fromEntries(columns.map(([k, values]) => [k, values[i]])));
  return {
    request: {
      service: body.feature_service,
      features: body.features,
      entityRows,
      at: body.at,
      fullNames: body.full_feature_names ?? false,
    },
    columns,
  };
}

/**
 * The client's columns → Feast's columnar response: the join-key columns first (as given, status
 * PRESENT), then one column per feature in the requested order.
 */
export function toFeastResponse(columns: readonly [string, unknown[]][], res: GetOnlineFeatureColumnsResponse): FeastResponse {
  for (const name of res.featureNames)
    if (columns.some(([k]) => k === name))
      throw new RequestError(400, `feature '${name}' has the same name as the entity column '${name}'; set "full_feature_names": true`);
  const keyColumns: FeastColumn[] = columns.map(([, values]) => ({
    values,
    statuses: values.map(() => "PRESENT"),
    event_timestamps: values.map(() => NO_TIMESTAMP),
  }));
  // The features of one view share their event times: each is formatted once.
  const formatted = new Map<BigInt64Array, string[]>();
  const featureColumns: FeastColumn[] = res.featureNames.map((name) => {
    const c = res.columns[name]!;
    let iso = formatted.get(c.eventMicros);
    if (!iso) formatted.set(c.eventMicros, (iso = eventTimes(c)));
    return { values: jsonValues(c), statuses: c.statuses, event_timestamps: iso };
  });
  return {
    metadata: { feature_names: [...columns.map(([k]) => k), ...res.featureNames] },
    results: [...keyColumns, ...featureColumns],
  };
}

/** A column's values for JSON: null wherever the status is not PRESENT (typed columns hold NaN or 0n there). */
function jsonValues(c: FeatureColumn): unknown[] {
  if (Array.isArray(c.values)) return c.values;
  const out: (number | bigint | null)[] = new Array(c.values.length);
  for (let r = 0; r < out.length; r++) out[r] = c.statuses[r] === "PRESENT" ? c.values[r]! : null;
  return out;
}

/**
 * ISO event times of a column; NO_TIMESTAMP where the entity has no value in the view, or (an
 * aggregation view) no event before the read time (eventMicros NO_EVENT).
 */
function eventTimes(c: FeatureColumn): string[] {
  const out: string[] = new Array(c.statuses.length);
  for (let r = 0; r < out.length; r++) {
    const t = c.eventMicros[r]!;
    out[r] = c.statuses[r] === "NOT_FOUND" || t === NO_EVENT ? NO_TIMESTAMP : isoMicros(t);
  }
  return out;
}
