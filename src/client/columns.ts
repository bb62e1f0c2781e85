/**
 * Decoding a read into columns, the client's hot path: packed values (src/online/codec.ts) go
 * straight into typed arrays where they can (numbers, int64, event times), so a read of many
 * entities makes few objects. Rows are built from the columns on request.
 */
import { INT64_HALVES, decodeColumns, eventTime, eventTimeHigh, eventTimeLow, isNull, isNumberType, typeCodes } from "../online/codec.js";
import type { OnlineValue } from "../online/codec.js";
import type { ViewLayout } from "../online/layout.js";
import { NO_EVENT } from "../online/aggregation-state.js";
import { aggregationStateReader } from "../online/hop-state.js";
import type { AggregationStateReader } from "../online/hop-state.js";
import { isoMicros, isoMicrosNumber } from "./iso-micros.js";
import type { FeatureColumn, FeatureScalar, FeatureStatus, FeatureValue, OnlineRow } from "./types.js";
import { OnlineError } from "../online/store-reader.js";

/** Whether typed arrays are little-endian here (as the packed values are): nearly every platform. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** How to decode values read at given versions into the requested columns (cached per request shape). */
export interface AnswerPlan {
  versions: (number | undefined)[];
  /** Per view: its type codes in packing order (`typeCodes`), and its ttl in microseconds (null = no limit). */
  codes: Uint8Array[];
  ttlMicros: (bigint | null)[];
  /** Per output feature: its name, view index, index in the view's values, and whether it is a timestamp or a number. */
  features: { name: string; vi: number; fi: number; timestamp: boolean; number: boolean; int64: boolean }[];
  /** Per view: the indexes (in `features`) of the output features it holds. */
  byView: number[][];
  /** Per view: the reader of its aggregation states (aggregation views), else undefined; reused by every read of the plan. */
  aggregations: (AggregationStateReader | undefined)[];
  /** How many output features are numbers (read into Float64Arrays), and how many int64 (BigInt64Arrays). */
  numberColumns: number;
  int64Columns: number;
  /** An object with every output name (null), in order: copied for each row. */
  template: Record<string, null>;
}

/** What a read found, before it takes the shape asked for. */
export interface DecodedRead {
  rowCount: number;
  columns: FeatureColumn[];
  /** Per view: the event times (shared by that view's columns). */
  stamps: BigInt64Array[];
}

/** Where each requested feature is in the values read at these versions (layouts: undefined = not loaded). */
export function makePlan(
  wanted: readonly { view: string; feature: string; name: string }[],
  views: readonly string[],
  versions: readonly (number | undefined)[],
  layouts: readonly (ViewLayout | undefined)[],
): AnswerPlan {
  const features = wanted.map((w) => {
    const vi = views.indexOf(w.view);
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
    byView: views.map((_, vi) => features.flatMap((f, k) => (f.vi === vi ? [k] : []))),
    aggregations: layouts.map((l) => (l?.aggregation ? aggregationStateReader(l.aggregation) : undefined)),
    numberColumns: features.filter((f) => f.number).length,
    int64Columns: features.filter((f) => f.int64).length,
    // Made by JSON.parse, which keeps every property in the object itself: copies of it then need no separate property store.
    template: JSON.parse(`{${wanted.map((w) => `${JSON.stringify(w.name)}:null`).join(",")}}`) as Record<string, null>,
  };
}

/**
 * The values read (per view, per entity row: packed bytes or null), decoded straight into one
 * column per requested feature, with statuses as of `at` (µs).
 */
export function decodeRead(plan: AnswerPlan, read: (Uint8Array | null)[][], at: bigint, n: number): DecodedRead {
  const nv = plan.versions.length;
  // One buffer for all views' event times and one for all number columns, each a slice of it.
  const allStamps = new BigInt64Array(n * nv);
  const stamps = plan.versions.map((_, vi) => allStamps.subarray(vi * n, (vi + 1) * n));
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
  for (let vi = 0; vi < nv; vi++) {
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
    const aggregation = plan.aggregations[vi];
    if (aggregation) {
      decodeAggregations(aggregation, read[vi]!, at, n, fis, vals, outs, plan, stamps[vi]!, statuses);
      continue;
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
        if (oldest !== null && (numeric && hi > -0x200000 && hi < 0x200000 ? hi * 4294967296 + (lo >>> 0) < oldestNum : stamp[r]! < oldest))
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
  return { rowCount: n, columns, stamps };
}

/**
 * Columns → one object per row and feature; each view's event time is formatted once per row.
 * Per row it makes only what the answer holds: the row, its features object (a copy of the plan's
 * template, its properties in the object itself), one `{ value, eventTimestamp, status }` per
 * feature with its boxed value, and one event time text per view. Event times are read as two
 * int32 halves where they fit a double exactly, so no bigint is made for them.
 */
export function toRows<F>(entityRows: readonly Record<string, unknown>[], plan: AnswerPlan, read: DecodedRead): OnlineRow<F>[] {
  const { columns, stamps } = read;
  const nv = stamps.length;
  const nf = columns.length;
  const names = plan.features.map((f) => f.name);
  const vis = plan.features.map((f) => f.vi);
  const values = columns.map((c) => c.values as ArrayLike<FeatureScalar | null>);
  const statuses = columns.map((c) => c.statuses);
  const halves = LITTLE_ENDIAN ? stamps.map((s) => new Int32Array(s.buffer, s.byteOffset, 2 * s.length)) : undefined;
  // Per view, the current row's event time text: undefined until a feature needs it, null for none.
  const isos: (string | null | undefined)[] = new Array(nv);
  const rows: OnlineRow<F>[] = new Array(read.rowCount);
  for (let r = 0; r < rows.length; r++) {
    for (let vi = 0; vi < nv; vi++) isos[vi] = undefined;
    // A copy of a template with every name: the stores below then only fill existing properties.
    const features: Record<string, FeatureValue | null> = { ...plan.template };
    for (let k = 0; k < nf; k++) {
      const status = statuses[k]![r]!;
      let eventTimestamp: string | null = null;
      if (status !== "NOT_FOUND") {
        const vi = vis[k]!;
        let iso = isos[vi];
        if (iso === undefined) iso = isos[vi] = eventText(stamps[vi]!, halves?.[vi], r);
        eventTimestamp = iso;
      }
      features[names[k]!] = { value: status === "PRESENT" ? values[k]![r]! : null, eventTimestamp, status };
    }
    rows[r] = { entity: entityRows[r]!, features: features as unknown as F };
  }
  return rows;
}

/** Row r's event time as ISO text (null for NO_EVENT), from its two int32 halves when the time is a safe integer. */
function eventText(stamp: BigInt64Array, halves: Int32Array | undefined, r: number): string | null {
  if (halves !== undefined) {
    const hi = halves[2 * r + 1]!;
    if (hi > -0x200000 && hi < 0x200000) {
      const text = isoMicrosNumber(hi * 4294967296 + (halves[2 * r]! >>> 0));
      if (text !== undefined) return text;
    }
  }
  const micros = stamp[r]!;
  return micros === NO_EVENT ? null : isoMicros(micros);
}

const INT64_MAX = 2n ** 63n - 1n;

/**
 * An aggregation view's columns (docs/aggregations.md, "Online"): each entity's events decoded
 * once, each requested aggregate finished at `at` (src/online/aggregation-state.ts). An entity the
 * store holds no events of has an empty window (a count is 0, PRESENT; the others NULL_VALUE), as
 * in training; a window that starts before the oldest event the state holds (or, with hop, reads a
 * tile holding events at or after `at`) is BEFORE_STATE. The
 * event time is the latest event before `at` (NO_EVENT if none).
 */
function decodeAggregations(
  reader: AggregationStateReader,
  got: (Uint8Array | null)[],
  at: bigint,
  n: number,
  fis: number[],
  vals: (Float64Array | BigInt64Array | (FeatureScalar | null)[])[],
  outs: number[],
  plan: AnswerPlan,
  stamp: BigInt64Array,
  statuses: FeatureStatus[][],
): void {
  const m = outs.length;
  const sts: FeatureStatus[][] = outs.map(() => new Array<FeatureStatus>(n));
  const features = outs.map((k) => plan.features[k]!);
  // int64 results that are numbers (counts) go in as two int32 halves: no bigint made.
  const halves = outs.map((_, j) =>
    LITTLE_ENDIAN && features[j]!.int64
      ? new Int32Array((vals[j] as BigInt64Array).buffer, (vals[j] as BigInt64Array).byteOffset, 2 * n)
      : undefined,
  );
  const stampHalves = LITTLE_ENDIAN ? new Int32Array(stamp.buffer, stamp.byteOffset, 2 * n) : undefined;
  reader.at(at);
  for (let r = 0; r < n; r++) {
    reader.read(got[r] ?? null);
    // The event time as two int32 halves where it is a number (no bigint made).
    const latest = reader.latestMicros();
    if (stampHalves === undefined || latest !== latest) stamp[r] = reader.latestBefore();
    else if (latest === -Infinity) stamp[r] = NO_EVENT;
    else {
      const high = Math.floor(latest / 4294967296);
      stampHalves[2 * r] = latest - high * 4294967296;
      stampHalves[2 * r + 1] = high;
    }
    for (let j = 0; j < m; j++) {
      const value = reader.finish(fis[j]!);
      if (value === undefined || value === null) {
        sts[j]![r] = value === null ? "NULL_VALUE" : "BEFORE_STATE";
        continue;
      }
      sts[j]![r] = "PRESENT";
      const f = features[j]!;
      const col = vals[j]!;
      if (f.number) (col as Float64Array)[r] = Number(value);
      else if (f.int64) {
        const h = halves[j];
        if (typeof value === "number" && h !== undefined && value >= 0 && value <= 0x7fffffff) {
          // A count: 0 … 2^31 - 1 in practice, as two int32 halves.
          h[2 * r] = value;
          h[2 * r + 1] = 0;
        } else {
          const v = typeof value === "number" ? BigInt(value) : (value as bigint);
          // Training fails on such a sum (the warehouse's BIGINT overflows): so does the read, never a wrapped value.
          if (v > INT64_MAX || v < -INT64_MAX - 1n)
            throw new OnlineError(
              "STORE",
              `feature '${f.name}': the int64 sum of its window is ${v}, beyond the int64 range (training fails on it too); aggregate a narrower column or window`,
            );
          (col as BigInt64Array)[r] = v;
        }
      } else (col as (FeatureScalar | null)[])[r] = f.timestamp ? isoMicros(value as bigint) : (value as FeatureScalar);
    }
  }
  outs.forEach((k, j) => (statuses[k] = sts[j]!));
}
