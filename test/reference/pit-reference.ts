/**
 * In-memory reference implementation of docs/semantics.md ("Training") (point-in-time training semantics) for
 * plain feature views. Used only by tests: it is deliberately simple (a linear scan per entity
 * row) so that it is easy to check by reading.
 *
 * Data model
 * - Timestamps are `bigint` microseconds since the epoch, UTC (or `null`).
 * - Keys and values are `bigint | number | string | boolean | null`. 64-bit integers are
 *   `bigint`; float64 values are `number`; timestamps used as feature values are `bigint` micros.
 */

export type Value = bigint | number | string | boolean | null;
export type Row = Record<string, Value>;

export interface RefView {
  name: string;
  /** Join-key columns; the same column names are used in the entity rows. */
  joinKeys: string[];
  /** Time-to-live in microseconds; `null` = no limit. */
  ttlMicros: bigint | null;
  /** Feature columns in declared order (the order used to break exact ties). */
  features: string[];
  /** Rows of the view. */
  rows: Row[];
  /** Event-timestamp column of `rows` (default `ts`). */
  timestampColumn?: string;
  /** Created-timestamp column of `rows` (default `created`; `null` = the source has none). */
  createdColumn?: string | null;
}

/** A requested feature: `{view, feature}`. */
export interface FeatureRef {
  view: string;
  feature: string;
}

export interface PitRequest {
  views: RefView[];
  /** Entity rows; every row holds the join-key columns of every requested view and the timestamp column. */
  entityRows: Row[];
  /** Column names of the entity rows, in order (default: keys of the first row). */
  entityColumns?: string[];
  /** `view:feature` / `view:*` strings or `{view, feature}` objects, in the requested order. */
  features: Array<string | FeatureRef>;
  /** Entity timestamp column (default `event_timestamp`). */
  timestampColumn?: string;
  /** Name output columns `view__feature` instead of `feature`. */
  fullNames?: boolean;
}

export interface PitResult {
  /** Output column names, in order: the entity columns, then the features as requested. */
  columns: string[];
  /** One row per entity row, in input order. */
  rows: Row[];
}

// ---------------------------------------------------------------------------------------------
// Value comparison
// ---------------------------------------------------------------------------------------------

/** Key equality: by value; NULL never equals anything; bigint and integral number compare numerically. */
export function keyEquals(a: Value, b: Value): boolean {
  if (a === null || b === null) return false;
  if (typeof a === "bigint" && typeof b === "number") return Number.isInteger(b) && a === BigInt(b);
  if (typeof a === "number" && typeof b === "bigint") return Number.isInteger(a) && BigInt(a) === b;
  if (typeof a !== typeof b) return false;
  if (typeof a === "number") return a === b; // NaN never equals (NaN is not a sensible key)
  return a === b;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * Total order on values of one column: NULL lowest; numbers numerically with NaN greatest;
 * bigint numerically; strings by UTF-8 bytes; false < true. Returns <0, 0 or >0.
 */
export function compareValues(a: Value, b: Value): number {
  if (a === null || b === null) {
    if (a === null && b === null) return 0;
    return a === null ? -1 : 1;
  }
  if ((typeof a === "number" || typeof a === "bigint") && (typeof b === "number" || typeof b === "bigint")) {
    if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
    const an = typeof a === "number" && Number.isNaN(a);
    const bn = typeof b === "number" && Number.isNaN(b);
    if (an || bn) return an && bn ? 0 : an ? 1 : -1;
    if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
    // mixed bigint / number: compare exactly
    return compareMixed(a, b);
  }
  if (typeof a === "string" && typeof b === "string") return compareBytes(a, b);
  if (typeof a === "boolean" && typeof b === "boolean") return a === b ? 0 : a ? 1 : -1;
  throw new Error(`cannot compare ${typeof a} with ${typeof b}`);
}

function compareMixed(a: bigint | number, b: bigint | number): number {
  const toParts = (x: bigint | number): number => {
    if (typeof x === "bigint") return Number(x);
    return x;
  };
  // Infinities first
  const af = toParts(a);
  const bf = toParts(b);
  if (!Number.isFinite(af) || !Number.isFinite(bf)) return af < bf ? -1 : af > bf ? 1 : 0;
  // Compare floor as bigint, then fraction.
  const ai = typeof a === "bigint" ? a : BigInt(Math.floor(a));
  const bi = typeof b === "bigint" ? b : BigInt(Math.floor(b));
  if (ai !== bi) return ai < bi ? -1 : 1;
  const afr = typeof a === "bigint" ? 0 : a - Math.floor(a);
  const bfr = typeof b === "bigint" ? 0 : b - Math.floor(b);
  return afr < bfr ? -1 : afr > bfr ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Point-in-time join
// ---------------------------------------------------------------------------------------------

function asMicros(v: Value, what: string): bigint | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  throw new Error(`${what}: expected bigint microseconds, got ${typeof v} ${String(v)}`);
}

/** Resolves `view:feature` / `view:*` references against the views, in requested order. */
export function resolveFeatures(views: RefView[], refs: Array<string | FeatureRef>): FeatureRef[] {
  const byName = new Map(views.map((v) => [v.name, v]));
  const out: FeatureRef[] = [];
  for (const ref of refs) {
    const r: FeatureRef =
      typeof ref === "string"
        ? (() => {
            const i = ref.indexOf(":");
            if (i < 0) throw new Error(`bad feature reference '${ref}'`);
            return { view: ref.slice(0, i), feature: ref.slice(i + 1) };
          })()
        : ref;
    const view = byName.get(r.view);
    if (!view) throw new Error(`unknown view '${r.view}'`);
    if (r.feature === "*") {
      for (const f of view.features) out.push({ view: view.name, feature: f });
    } else {
      if (!view.features.includes(r.feature)) throw new Error(`unknown feature '${r.view}:${r.feature}'`);
      out.push(r);
    }
  }
  return out;
}

/**
 * Picks the row of `view` that the point-in-time rules return for an entity row with keys taken from `entity`
 * at time `t` (micros), or `undefined` when there is no candidate.
 */
export function chooseRow(view: RefView, entity: Row, t: bigint | null): Row | undefined {
  if (t === null) return undefined;
  const tsCol = view.timestampColumn ?? "ts";
  const createdCol = view.createdColumn === undefined ? "created" : view.createdColumn;
  let best: Row | undefined;
  let bestTs = 0n;
  for (const row of view.rows) {
    if (!view.joinKeys.every((k) => keyEquals(entity[k] ?? null, row[k] ?? null))) continue;
    const ts = asMicros(row[tsCol] ?? null, `${view.name}.${tsCol}`);
    if (ts === null) continue;
    if (ts > t) continue;
    if (view.ttlMicros !== null && ts < t - view.ttlMicros) continue;
    if (best === undefined || isBetter(view, createdCol, row, ts, best, bestTs)) {
      best = row;
      bestTs = ts;
    }
  }
  return best;
}

function isBetter(view: RefView, createdCol: string | null, row: Row, ts: bigint, best: Row, bestTs: bigint): boolean {
  if (ts !== bestTs) return ts > bestTs;
  if (createdCol !== null) {
    const c = compareValues(
      asMicros(row[createdCol] ?? null, `${view.name}.${createdCol}`),
      asMicros(best[createdCol] ?? null, `${view.name}.${createdCol}`),
    );
    if (c !== 0) return c > 0;
  }
  // Exact tie on (keys, ts, created): greatest feature values in declared order, NULL lowest.
  for (const f of view.features) {
    const c = compareValues(row[f] ?? null, best[f] ?? null);
    if (c !== 0) return c > 0;
  }
  return false; // identical feature values: either row gives the same answer
}

/** Point-in-time rules: one output row per entity row, in input order, entity columns then requested features. */
export function pointInTimeJoin(req: PitRequest): PitResult {
  const tsColumn = req.timestampColumn ?? "event_timestamp";
  const entityColumns = req.entityColumns ?? (req.entityRows.length > 0 ? Object.keys(req.entityRows[0]!) : []);
  const refs = resolveFeatures(req.views, req.features);
  const byName = new Map(req.views.map((v) => [v.name, v]));
  const outNames = refs.map((r) => (req.fullNames ? `${r.view}__${r.feature}` : r.feature));
  const columns = [...entityColumns, ...outNames];
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw new Error(`output column name clash: '${c}'`);
    seen.add(c);
  }
  const usedViews = [...new Set(refs.map((r) => r.view))].map((n) => byName.get(n)!);
  const rows: Row[] = req.entityRows.map((entity) => {
    const t = asMicros(entity[tsColumn] ?? null, `entity.${tsColumn}`);
    const chosen = new Map<string, Row | undefined>();
    for (const v of usedViews) chosen.set(v.name, chooseRow(v, entity, t));
    const out: Row = {};
    for (const c of entityColumns) out[c] = entity[c] ?? null;
    refs.forEach((r, i) => {
      const row = chosen.get(r.view);
      out[outNames[i]!] = row === undefined ? null : (row[r.feature] ?? null);
    });
    return out;
  });
  return { columns, rows };
}

/** Rows as arrays in `columns` order (for order-sensitive comparison). */
export function toArrays(result: PitResult): Value[][] {
  return result.rows.map((r) => result.columns.map((c) => r[c] ?? null));
}

// ---------------------------------------------------------------------------------------------
// Small helpers for writing test data
// ---------------------------------------------------------------------------------------------

/** Microseconds since the epoch of an ISO timestamp without zone (taken as UTC). */
export function micros(iso: string): bigint {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z?$/.exec(iso);
  if (!m) throw new Error(`bad timestamp '${iso}'`);
  const ms = Date.parse(`${m[1]}T${m[2]}Z`);
  if (Number.isNaN(ms)) throw new Error(`bad timestamp '${iso}'`);
  const frac = BigInt((m[3] ?? "").padEnd(6, "0"));
  return BigInt(ms) * 1000n + frac;
}

/** ISO text (`YYYY-MM-DD HH:MM:SS.ffffff`, UTC) of a micros timestamp. */
export function isoFromMicros(us: bigint): string {
  const secs = us / 1_000_000n - (us % 1_000_000n < 0n ? 1n : 0n);
  const frac = us - secs * 1_000_000n;
  const d = new Date(Number(secs) * 1000);
  const base = d.toISOString().slice(0, 19).replace("T", " ");
  return `${base}.${frac.toString().padStart(6, "0")}`;
}

/** Duration text like `3600s`, `2d` → micros. */
export function durationMicros(text: string): bigint {
  const m = /^(\d+)([smhdw])$/.exec(text);
  if (!m) throw new Error(`bad duration '${text}'`);
  const unit = { s: 1n, m: 60n, h: 3600n, d: 86400n, w: 604800n }[m[2] as "s" | "m" | "h" | "d" | "w"];
  return BigInt(m[1]!) * unit * 1_000_000n;
}
