import {
  INT64_HALVES,
  decodeColumns,
  encodeKey,
  eventTime,
  eventTimeHigh,
  eventTimeLow,
  isNull,
  isNumberType,
  typeCodes,
} from "../online/codec.js";
import type { OnlineValue } from "../online/codec.js";
import type { ServiceCatalog, ViewLayout } from "../online/layout.js";
import { formatTimestamp, nowMicros, parseTimestamp } from "../timestamps.js";
import type { StoreReader } from "./store-reader.js";
import { OnlineError } from "./store-reader.js";

/** SPEC.md §4: what a read says about each feature. */
export type FeatureStatus = "PRESENT" | "NULL_VALUE" | "NOT_FOUND" | "OUTSIDE_MAX_AGE";

/** A feature value as read: int64 as bigint (exact), timestamps as ISO 8601 UTC strings with microseconds. */
export type FeatureScalar = number | bigint | string | boolean;

/** One feature of one entity row. The value is null unless the status is PRESENT. */
export interface FeatureValue<T extends FeatureScalar = FeatureScalar> {
  value: T | null;
  /** When the value was true (its row's event timestamp), ISO 8601 UTC; null when NOT_FOUND. */
  eventTimestamp: string | null;
  status: FeatureStatus;
}

/** A read: `service` or `features` (`view:feature`, `view:*`), and the entity rows (join key → value). */
export interface GetOnlineFeaturesRequest {
  service?: string;
  features?: string[];
  entityRows: Record<string, unknown>[];
  /** Evaluate ttl as of this time instead of now (SPEC.md §2 `--at`). ISO 8601 text or a Date. */
  at?: string | Date;
  /** Name features `view__feature` instead of `feature`. */
  fullNames?: boolean;
}

/** One result row: the entity row as given and its features, in the requested order. */
export interface OnlineRow<F = Record<string, FeatureValue>> {
  entity: Record<string, unknown>;
  features: F;
}

export interface GetOnlineFeaturesResponse<F = Record<string, FeatureValue>> {
  /** Output names, in order. */
  featureNames: string[];
  rows: OnlineRow<F>[];
}

/** One feature's values for every entity row, in row order (Feast's columnar shape). */
export interface FeatureColumn<T extends FeatureScalar = FeatureScalar> {
  /**
   * The values in row order. Numbers (int32, float32, float64 features) come as a Float64Array,
   * ready for a model, with NaN where the status is not PRESENT (a PRESENT value may be NaN too);
   * int64 as a BigInt64Array with 0n there; other types (string, bool, timestamp as ISO text) as
   * an array with null there. The statuses say which values are PRESENT.
   */
  values: ColumnValues<T>;
  /** Each row's status. Features of one view may share this array while none is NULL: do not write to it. */
  statuses: FeatureStatus[];
  /**
   * Each row's event timestamp in microseconds since 1970 UTC (0n where NOT_FOUND); `isoMicros`
   * formats one. The features of one view share this array: do not write to it.
   */
  eventMicros: BigInt64Array;
}

/** How a column holds values of type T: numbers in a Float64Array, int64 in a BigInt64Array, the rest in an array with nulls. */
export type ColumnValues<T extends FeatureScalar> = T extends number
  ? Float64Array
  : T extends bigint
    ? BigInt64Array
    : T extends boolean
      ? (boolean | null)[]
      : (T | null)[];

/** The value type of a row-shaped feature type (`FeatureValue<bigint>` → `bigint`). */
export type ScalarOf<V> = V extends FeatureValue<infer T extends FeatureScalar> ? T : FeatureScalar;

/** A read in columns: for each feature, its values, statuses and event times for all rows. */
export interface GetOnlineFeatureColumnsResponse<F = Record<string, FeatureValue>> {
  /** Output names, in order (the keys of `columns`). */
  featureNames: string[];
  /** The number of entity rows read (the length of every column). */
  rowCount: number;
  columns: { [K in keyof F]: FeatureColumn<ScalarOf<F[K]>> };
}

interface Wanted {
  view: string;
  feature: string;
  name: string;
}

/** A request's features resolved against the layouts known when it was resolved. */
interface Resolved {
  wanted: Wanted[];
  views: string[];
  /** How to answer from values read at these versions (rebuilt when a read uses other versions). */
  plan?: AnswerPlan;
}

interface AnswerPlan {
  versions: (number | undefined)[];
  /** Per view: its type codes in packing order (`typeCodes`), and its ttl in microseconds (null = no limit). */
  codes: Uint8Array[];
  ttlMicros: (bigint | null)[];
  /** Per output feature: its name, view index, index in the view's values, and whether it is a timestamp or a number. */
  features: { name: string; vi: number; fi: number; timestamp: boolean; number: boolean; int64: boolean }[];
  /** Per view: the indexes (in `features`) of the output features it holds. */
  byView: number[][];
  /** How many output features are numbers (read into Float64Arrays), and how many int64 (BigInt64Arrays). */
  numberColumns: number;
  int64Columns: number;
  /** An object with every output name (null), in order: copied for each row. */
  template: Record<string, null>;
}

/** What a read found, before it takes the shape asked for. */
interface Read {
  resolved: Resolved;
  plan: AnswerPlan;
  rowCount: number;
  columns: FeatureColumn[];
  /** Per view: the event times (shared by that view's columns). */
  stamps: BigInt64Array[];
}

/** Whether typed arrays are little-endian here (as the packed values are): nearly every platform. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Resolved requests kept at most (distinct service / feature lists); the cache starts over past it. */
const RESOLVED_CACHE = 1000;

/** The thin online client: one round trip per read, whatever the number of entities and views. */
export class OnlineClient {
  private readonly versions = new Map<string, number>();
  private readonly layoutCache = new Map<number, ViewLayout>();
  private catalog: ServiceCatalog | undefined;
  /** Requests resolved since the versions last changed; `generation` counts the changes. */
  private readonly resolved = new Map<string, Resolved>();
  private generation = 0;

  constructor(private readonly store: StoreReader) {}

  /**
   * Reads features for entity rows (SPEC.md §4), one object per row and feature. Throws
   * OnlineError on a bad request or a store failure. `getOnlineFeatureColumns` reads the same in
   * columns, with far fewer objects: the faster shape for large batches.
   */
  async getOnlineFeatures<F = Record<string, FeatureValue>>(req: GetOnlineFeaturesRequest): Promise<GetOnlineFeaturesResponse<F>> {
    return toRows<F>(req.entityRows, await this.read(req));
  }

  /**
   * Reads features for entity rows (SPEC.md §4) in columns: per feature, its values, statuses and
   * event times for every row, in row order. Same reads and errors as `getOnlineFeatures`.
   */
  async getOnlineFeatureColumns<F = Record<string, FeatureValue>>(
    req: GetOnlineFeaturesRequest,
  ): Promise<GetOnlineFeatureColumnsResponse<F>> {
    const read = await this.read(req);
    const columns: Record<string, FeatureColumn | null> = { ...read.plan.template };
    read.plan.features.forEach((f, k) => (columns[f.name] = read.columns[k]!));
    return {
      featureNames: read.resolved.wanted.map((w) => w.name),
      rowCount: read.rowCount,
      columns: columns as unknown as GetOnlineFeatureColumnsResponse<F>["columns"],
    };
  }

  /** One round trip (more only when a load switched versions), decoded into columns. */
  private async read(req: GetOnlineFeaturesRequest): Promise<Read> {
    const at = req.at === undefined ? nowMicros() : atMicros(req.at);
    let resolved = await this.resolve(req);
    for (let attempt = 0; ; attempt++) {
      const { views } = resolved;
      const versions = views.map((v) => this.versions.get(v));
      const keys = versions.map((v) => (v === undefined ? [] : keysOf(this.layoutCache.get(v)!, req.entityRows)));
      const { current, values } = await this.store.read(views, versions, keys);
      if (current.every((c, i) => c === versions[i])) return this.decode(resolved, versions, values, at, req.entityRows.length);
      // A load switched versions since the last read (or this is the first): learn the new layouts, read again.
      if (attempt >= 3) throw new OnlineError("STORE", "the online store kept switching versions during the read; try again");
      await this.learn(views, current);
      if (resolved.wanted.some((w) => w.feature === "*")) resolved = await this.resolve(req);
    }
  }

  /** Resolves if the online store answers; rejects with an OnlineError (TIMEOUT, UNAVAILABLE, STORE) if not. Caches nothing. */
  async ping(): Promise<void> {
    await this.store.ping();
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  private async learn(views: string[], current: (number | undefined)[]): Promise<void> {
    const missing = current.filter((v): v is number => v !== undefined && !this.layoutCache.has(v));
    for (const l of await this.store.layouts(missing)) this.layoutCache.set(l.version, l);
    // A new load (not a first sight) may have changed the services too.
    if (views.some((v, i) => this.versions.has(v) && this.versions.get(v) !== current[i])) this.catalog = undefined;
    views.forEach((v, i) => (current[i] === undefined ? this.versions.delete(v) : this.versions.set(v, current[i]!)));
    this.generation++;
    this.resolved.clear();
  }

  /** The request's features, checked against the store's layouts; cached until a load switches versions. */
  private async resolve(req: GetOnlineFeaturesRequest): Promise<Resolved> {
    if (!!req.service === !!req.features?.length) throw new OnlineError("BAD_REQUEST", "give exactly one of service or features");
    if (!Array.isArray(req.entityRows)) throw new OnlineError("BAD_REQUEST", "entityRows must be an array of objects");
    const cacheKey = `${req.fullNames ? 1 : 0}\u0001${req.service ?? ""}\u0001${req.features?.join("\u0001") ?? ""}`;
    const hit = this.resolved.get(cacheKey);
    if (hit) return hit;
    const generation = this.generation;
    const wanted = await this.resolveWanted(req);
    const out: Resolved = { wanted, views: [...new Set(wanted.map((w) => w.view))] };
    // Kept only if no load switched versions meanwhile (this request's own first sight of a view included).
    if (generation === this.generation) {
      if (this.resolved.size >= RESOLVED_CACHE) this.resolved.clear();
      this.resolved.set(cacheKey, out);
    }
    return out;
  }

  private async resolveWanted(req: GetOnlineFeaturesRequest): Promise<Wanted[]> {
    let refs: [string, string][];
    if (req.service) {
      this.catalog ??= await this.store.services();
      const s = this.catalog[req.service];
      if (!s)
        throw new OnlineError(
          "BAD_REQUEST",
          `unknown feature service '${req.service}' in the online store (loaded: ${Object.keys(this.catalog).join(", ") || "none"})`,
        );
      refs = s;
    } else {
      refs = req.features!.map((f) => {
        const m = /^([^:]+):([^:]+)$/.exec(f);
        if (!m) throw new OnlineError("BAD_REQUEST", `feature reference '${f}' must be view:feature or view:*`);
        return [m[1]!, m[2]!];
      });
    }
    // Make sure every view's layout is known, so view:* expands and names are checked.
    const unknown = [...new Set(refs.map((r) => r[0]))].filter((v) => !this.versions.has(v));
    if (unknown.length > 0) {
      const { current } = await this.store.read(
        unknown,
        unknown.map(() => undefined),
        unknown.map(() => []),
      );
      await this.learn(unknown, current);
    }
    const out: Wanted[] = [];
    for (const [view, feature] of refs) {
      const ver = this.versions.get(view);
      const layout = ver === undefined ? undefined : this.layoutCache.get(ver);
      if (!layout)
        throw new OnlineError("BAD_REQUEST", `feature view '${view}' has not been loaded into the online store (run 'fcompile load')`);
      const names = feature === "*" ? layout.features.map((f) => f[0]) : [feature];
      for (const f of names) {
        if (!layout.features.some((x) => x[0] === f)) throw new OnlineError("BAD_REQUEST", `feature view '${view}' has no feature '${f}'`);
        out.push({ view, feature: f, name: req.fullNames ? `${view}__${f}` : f });
      }
    }
    const seen = new Set<string>();
    for (const w of out) {
      if (seen.has(w.name)) throw new OnlineError("BAD_REQUEST", `two requested features are named '${w.name}'; pass fullNames`);
      seen.add(w.name);
    }
    return out;
  }

  /** The values read, decoded straight into one column per requested feature. */
  private decode(resolved: Resolved, versions: (number | undefined)[], read: (Uint8Array | null)[][], at: bigint, n: number): Read {
    let plan = resolved.plan;
    if (!plan || plan.versions.some((v, i) => v !== versions[i])) plan = resolved.plan = this.plan(resolved, versions);
    // One buffer for all views' event times and one for all number columns, each a slice of it.
    const allStamps = new BigInt64Array(n * versions.length);
    const stamps = versions.map((_, vi) => allStamps.subarray(vi * n, (vi + 1) * n));
    const numbers = new Float64Array(n * plan.numberColumns).fill(NaN);
    const int64s = new BigInt64Array(n * plan.int64Columns);
    let nextNumber = 0;
    let nextInt64 = 0;
    // Numbers go into Float64Arrays (NaN unless PRESENT), int64 into BigInt64Arrays (0n unless
    // PRESENT), other types into arrays (null unless PRESENT).
    const values: (Float64Array | BigInt64Array | (FeatureScalar | null)[])[] = plan.features.map((f) =>
      f.number
        ? numbers.subarray(nextNumber++ * n, nextNumber * n)
        : f.int64
          ? int64s.subarray(nextInt64++ * n, nextInt64 * n)
          : new Array<FeatureScalar | null>(n).fill(null),
    );
    const statuses: FeatureStatus[][] = new Array(plan.features.length);
    for (let vi = 0; vi < versions.length; vi++) {
      const outs = plan.byView[vi]!;
      const m = outs.length;
      const vals = outs.map((k) => values[k]!);
      const fis = outs.map((k) => plan.features[k]!.fi);
      const isTs = outs.map((k) => plan.features[k]!.timestamp);
      const codes = plan.codes[vi]!;
      // Per field of the view's values: the column it is decoded into (none if not requested);
      // int64 as two int32 halves (no bigint made) where the codes say so.
      const targets: (OnlineValue[] | Float64Array | BigInt64Array | Int32Array | undefined)[] = new Array(codes.length);
      for (let j = 0; j < m; j++) {
        const v = vals[j]!;
        targets[fis[j]!] =
          codes[fis[j]!] === INT64_HALVES
            ? new Int32Array((v as BigInt64Array).buffer, (v as BigInt64Array).byteOffset, 2 * n)
            : (v as OnlineValue[]);
      }
      // The view's status per row (PRESENT, NOT_FOUND or OUTSIDE_MAX_AGE), shared by its features;
      // a feature gets an array of its own at its first NULL_VALUE.
      const rowStatus: FeatureStatus[] = new Array(n);
      const sts: FeatureStatus[][] = outs.map(() => rowStatus);
      const own: number[] = [];
      const stamp = stamps[vi]!;
      // The event times are copied as two int32 halves (no bigint per row) where the platform allows.
      const halves = LITTLE_ENDIAN ? new Int32Array(stamp.buffer, stamp.byteOffset, 2 * n) : undefined;
      const ttl = plan.ttlMicros[vi];
      // The oldest event time still inside the ttl at `at` (inclusive); compared as a double while exact.
      const oldest = ttl === null || ttl === undefined ? null : at - ttl;
      const oldestNum = oldest === null ? 0 : Number(oldest);
      const numeric = oldest !== null && Number.isSafeInteger(oldestNum);
      const got = read[vi]!;
      for (let r = 0; r < n; r++) {
        const bytes = got[r];
        let status: FeatureStatus = "PRESENT";
        if (!bytes) status = "NOT_FOUND";
        else if (halves) {
          const lo = eventTimeLow(bytes);
          const hi = eventTimeHigh(bytes);
          halves[2 * r] = lo;
          halves[2 * r + 1] = hi;
          if (
            oldest !== null &&
            (numeric && hi > -0x200000 && hi < 0x200000 ? hi * 4294967296 + (lo >>> 0) < oldestNum : stamp[r]! < oldest)
          )
            status = "OUTSIDE_MAX_AGE";
        } else {
          stamp[r] = eventTime(bytes);
          if (oldest !== null && stamp[r]! < oldest) status = "OUTSIDE_MAX_AGE";
        }
        rowStatus[r] = status;
        if (status !== "PRESENT") {
          for (const j of own) sts[j]![r] = status;
          continue;
        }
        decodeColumns(codes, bytes!, targets, r);
        for (let j = 0; j < m; j++) {
          if (isNull(bytes!, fis[j]!)) {
            if (sts[j] === rowStatus) {
              sts[j] = rowStatus.slice();
              own.push(j);
            }
            sts[j]![r] = "NULL_VALUE";
            continue;
          }
          if (sts[j] !== rowStatus) sts[j]![r] = "PRESENT";
          if (isTs[j]) {
            const col = vals[j] as (FeatureScalar | null)[];
            col[r] = isoMicros(col[r] as bigint);
          }
        }
      }
      for (let j = 0; j < m; j++) statuses[outs[j]!] = sts[j]!;
    }
    const columns: FeatureColumn[] = plan.features.map((f, k) => ({
      values: values[k]!,
      statuses: statuses[k]!,
      eventMicros: stamps[f.vi]!,
    })) as FeatureColumn[];
    return { resolved, plan, rowCount: n, columns, stamps };
  }

  /** Where each requested feature is in the values read at these versions. */
  private plan(resolved: Resolved, versions: (number | undefined)[]): AnswerPlan {
    const layouts = versions.map((v) => (v === undefined ? undefined : this.layoutCache.get(v)));
    const features = resolved.wanted.map((w) => {
      const vi = resolved.views.indexOf(w.view);
      const fi = layouts[vi]!.features.findIndex((f) => f[0] === w.feature);
      const type = layouts[vi]!.features[fi]![1];
      return { name: w.name, vi, fi, timestamp: type === "timestamp", number: isNumberType(type), int64: type === "int64" };
    });
    // Requested int64 fields are read as two int32 halves into their BigInt64Array, on little-endian hosts.
    const codes = layouts.map((l) => typeCodes(l ? l.features.map((f) => f[1]) : []));
    if (LITTLE_ENDIAN) for (const f of features) if (f.int64) codes[f.vi]![f.fi] = INT64_HALVES;
    return {
      versions: [...versions],
      codes,
      ttlMicros: layouts.map((l) => (l && l.ttlSeconds !== null ? BigInt(l.ttlSeconds) * 1_000_000n : null)),
      features,
      byView: resolved.views.map((_, vi) => features.flatMap((f, k) => (f.vi === vi ? [k] : []))),
      numberColumns: features.filter((f) => f.number).length,
      int64Columns: features.filter((f) => f.int64).length,
      template: Object.fromEntries(resolved.wanted.map((w) => [w.name, null])),
    };
  }
}

/** Columns → one object per row and feature; each view's event time is formatted once per row. */
function toRows<F>(entityRows: readonly Record<string, unknown>[], read: Read): GetOnlineFeaturesResponse<F> {
  const { plan, columns, stamps } = read;
  const isos: (string | undefined)[] = new Array(stamps.length);
  const rows: OnlineRow<F>[] = new Array(read.rowCount);
  for (let r = 0; r < rows.length; r++) {
    isos.fill(undefined);
    // A copy of a template with every name: the stores below then only fill existing properties.
    const features: Record<string, FeatureValue | null> = { ...plan.template };
    for (let k = 0; k < columns.length; k++) {
      const f = plan.features[k]!;
      const c = columns[k]!;
      const status = c.statuses[r]!;
      const eventTimestamp = status === "NOT_FOUND" ? null : (isos[f.vi] ??= isoMicros(stamps[f.vi]![r]!));
      features[f.name] = { value: status === "PRESENT" ? c.values[r]! : null, eventTimestamp, status };
    }
    rows[r] = { entity: entityRows[r]!, features: features as unknown as F };
  }
  return { featureNames: read.resolved.wanted.map((w) => w.name), rows };
}

/** The entity key of every row for a view (its join keys, in order). */
function keysOf(layout: ViewLayout, rows: readonly Record<string, unknown>[]): string[] {
  const out: string[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = keyOf(layout, rows[r]!, r);
  return out;
}

function keyOf(layout: ViewLayout, row: Record<string, unknown>, r: number): string {
  if (row === null || typeof row !== "object") throw new OnlineError("BAD_REQUEST", `entity row ${r} is not an object`);
  const { keys } = layout;
  // One join key (the usual case): its text, with no array on the way (what encodeKey would give).
  if (keys.length === 1) {
    const v = row[keys[0]!];
    return typeof v === "string" ? v : String(keyValue(layout, keys[0]!, v, r)); // = encodeKey([v])
  }
  const parts: unknown[] = new Array(keys.length);
  for (let i = 0; i < parts.length; i++) parts[i] = keyValue(layout, keys[i]!, row[keys[i]!], r);
  return encodeKey(parts);
}

function keyValue(layout: ViewLayout, k: string, v: unknown, r: number): unknown {
  if (v === undefined || v === null)
    throw new OnlineError(
      "BAD_REQUEST",
      `entity row ${r} has no value for join key '${k}' (view '${layout.view}' is keyed by ${layout.keys.join(", ")})`,
    );
  if (typeof v !== "string" && typeof v !== "number" && typeof v !== "bigint" && typeof v !== "boolean")
    throw new OnlineError("BAD_REQUEST", `entity row ${r}: join key '${k}' must be a string or a number`);
  return v;
}

const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));
const dates = new Map<number, string>();

/** `2025-06-01T00:00:00.123456Z`: exact to the microsecond (the fraction without trailing zeros, none if whole). */
export function isoMicros(micros: bigint): string {
  const m = Number(micros);
  if (Number.isSafeInteger(m)) {
    // Exact in doubles. The date of a day is formatted once (by Date), the time of day by hand.
    let sub = m % 1_000_000;
    if (sub < 0) sub += 1_000_000;
    const secs = (m - sub) / 1_000_000;
    let sod = secs % 86_400;
    if (sod < 0) sod += 86_400;
    const day = (secs - sod) / 86_400;
    let date = dates.get(day);
    if (date === undefined) {
      const iso = new Date(day * 86_400_000).toISOString();
      date = iso.length === 24 ? iso.slice(0, 11) : "";
      if (dates.size >= 4096) dates.clear();
      dates.set(day, date);
    }
    if (date !== "") {
      const t = `${date}${PAD2[Math.floor(sod / 3600)]}:${PAD2[Math.floor(sod / 60) % 60]}:${PAD2[sod % 60]}`;
      return sub === 0 ? `${t}Z` : `${t}.${fraction(sub)}Z`;
    }
  }
  // Years outside 0000–9999, or beyond 2^53 µs: the general formatter.
  return formatTimestamp(micros).replace(" ", "T") + "Z";
}

/** Six digits of microseconds, trailing zeros dropped. */
function fraction(sub: number): string {
  let s = String(sub).padStart(6, "0");
  let end = 6;
  while (s.charCodeAt(end - 1) === 0x30) end--;
  if (end < 6) s = s.slice(0, end);
  return s;
}

function atMicros(at: string | Date): bigint {
  if (at instanceof Date) return BigInt(at.getTime()) * 1000n;
  const t = parseTimestamp(at);
  if (t === undefined) throw new OnlineError("BAD_REQUEST", `'at' must be an ISO 8601 timestamp (got '${at}')`);
  return t;
}
