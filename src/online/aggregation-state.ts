/**
 * The online state of an aggregation view (docs/aggregations.md, "Online"): per entity, its events
 * in the window the view needs, packed one after another; a read at time t finishes each
 * aggregate over the events in [t − w, t). Shared by the loader (packing) and the client (reading);
 * imports nothing but the codec, so the client stays small.
 *
 *   state   := record*
 *   record  := varint(length) event
 *   event   := a value set packed by the codec (src/online/codec.ts) with the layout's
 *              `eventTypes`: its timestamp is the event's, its values are the created timestamp
 *              (when the view has one), then each aggregated value, then each filter's flag
 *
 * The packer writes an entity's records in time order (ties in the order they were added), which
 * is what a read is fastest on; a reader does not rely on it (a pushed event is one more record
 * appended), and reads a state in any order the same.
 */
import {
  ValuePacker,
  compareStrings,
  decodeColumns,
  eventTime,
  readVarint,
  shortestFloat32,
  typeCodes,
  varintSize,
  writeVarint,
} from "./codec.js";
import type { OnlineValue } from "./codec.js";
import type { AggregationLayout } from "./layout.js";

/** No event in the state before the read time: the value of `eventMicros` for such a row. */
export const NO_EVENT = -(2n ** 63n);

/** One entity's events, decoded: timestamps, created timestamps, and values by value index. */
export interface DecodedEvents {
  ts: bigint[];
  created: (bigint | null)[];
  /** `values[i][e]`: value i (aggregated values, then flags) of event e. */
  values: OnlineValue[][];
}

/** Packs the events of one entity into one state, in time order (ties in the order added). */
export class EventStatePacker {
  /** Packs into shared slabs of `slabBytes` (one small view per event), copied out by `take`. */
  private readonly packer: ValuePacker;
  private parts: Uint8Array[] = [];
  private times: bigint[] = [];
  private inOrder = true;
  private size = 0;

  constructor(layout: AggregationLayout, slabBytes = 1 << 18) {
    this.packer = new ValuePacker(layout.eventTypes, slabBytes);
  }

  /** Adds one event: its timestamp and values in `eventTypes` order (created first when there is one). */
  add(ts: bigint, values: ArrayLike<OnlineValue | undefined>, offset = 0): void {
    const packed = this.packer.pack(ts, values, offset);
    const n = this.times.length;
    if (n > 0 && ts < this.times[n - 1]!) this.inOrder = false;
    this.times.push(ts);
    this.parts.push(packed);
    this.size += varintSize(packed.length) + packed.length;
  }

  /** The state of the events added since the last call, records in time order; and starts over. */
  take(): Uint8Array {
    const out = new Uint8Array(this.size);
    const { parts } = this;
    const order = this.inOrder ? undefined : timeOrder(this.times);
    let p = 0;
    for (let i = 0; i < parts.length; i++) {
      const packed = parts[order === undefined ? i : order[i]!]!;
      const len = packed.length;
      p = writeVarint(out, p, len);
      out.set(packed, p);
      p += len;
    }
    this.parts = [];
    this.times = [];
    this.inOrder = true;
    this.size = 0;
    return out;
  }
}

/** The indexes of `times` by timestamp, then index. */
function timeOrder(times: readonly bigint[]): ArrayLike<number> {
  const n = times.length;
  const nums = Float64Array.from(times, Number);
  const order = new Int32Array(n);
  if (nums.every(Number.isSafeInteger)) orderByTime(nums, n, order, nums);
  else {
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => (times[a]! < times[b]! ? -1 : times[a]! > times[b]! ? 1 : a - b));
  }
  return order;
}

/**
 * Writes into `order` the indexes 0 … n−1 of `ts` (safe integers) by timestamp, then index;
 * `scratch` (n doubles, may be `ts` itself) is overwritten. While (max − min + 1) · n is a safe
 * integer (a window of days is), one key per event, (ts − min) · n + index, is sorted as numbers
 * by the engine, with no comparator call per comparison; else a comparator sort.
 */
function orderByTime(ts: Float64Array, n: number, order: Int32Array, scratch: Float64Array): void {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    if (ts[i]! < min) min = ts[i]!;
    if (ts[i]! > max) max = ts[i]!;
  }
  if ((max - min + 1) * n <= Number.MAX_SAFE_INTEGER) {
    const keys = scratch.subarray(0, n);
    for (let i = 0; i < n; i++) keys[i] = (ts[i]! - min) * n + i;
    keys.sort();
    for (let i = 0; i < n; i++) order[i] = keys[i]! % n;
  } else {
    for (let i = 0; i < n; i++) order[i] = i;
    order.subarray(0, n).sort((a, b) => ts[a]! - ts[b]! || a - b);
  }
}

/** Decodes a state written with `layout` (records in the order they are stored). */
export function decodeEvents(layout: AggregationLayout, bytes: Uint8Array): DecodedEvents {
  const codes = typeCodes(layout.eventTypes);
  const off = layout.created ? 1 : 0;
  // Every field into an array of its own (NULL stays null): created first when there is one.
  const fields: OnlineValue[][] = layout.eventTypes.map(() => []);
  const ts: bigint[] = [];
  let p = 0;
  while (p < bytes.length) {
    const [len, q] = readVarint(bytes, p, TRUNCATED);
    const record = bytes.subarray(q, q + len);
    p = q + len;
    for (const f of fields) f.push(null);
    ts.push(eventTime(record));
    decodeColumns(codes, record, fields, ts.length - 1);
  }
  return { ts, created: off ? (fields[0] as (bigint | null)[]) : ts.map(() => null), values: fields.slice(off) };
}

/** What a read gives for one aggregation feature. */
export interface AggregateResult {
  value: OnlineValue;
  /**
   * `exact`: the state holds every event the window needs; `before-state`: the window reaches
   * before the oldest event the state holds (a read far before the materialization's end), so the
   * value is unknown.
   */
  exact: boolean;
}

/**
 * Finishes aggregation feature `k` of `layout` at read time `t` (µs) over decoded events
 * (docs/aggregations.md): the events with `t − window <= ts < t` whose filter flag is true,
 * NULL values skipped; count and count_distinct of nothing are 0, the others NULL. `last` takes
 * the greatest (ts, created with NULL lowest, value). Strings compare by code point (= UTF-8
 * bytes), int64 and timestamps exactly as bigint; float sums add in timestamp order.
 */
export function aggregateAt(layout: AggregationLayout, k: number, events: DecodedEvents, t: bigint): AggregateResult {
  const f = layout.features[k]!;
  const w = f.windowMicros === null ? null : BigInt(f.windowMicros);
  const lower = w === null ? null : t - w;
  const start = layout.stateStart === null ? null : BigInt(layout.stateStart);
  // Exact when the state reaches back to the window's lower edge (a lifetime window: to the beginning).
  const exact = start === null || (lower !== null && lower >= start);
  const values = f.value === null ? undefined : events.values[f.value]!;
  const flags = f.flag === null ? undefined : events.values[f.flag]!;
  const type = f.value === null ? "int64" : layout.eventTypes[(layout.created ? 1 : 0) + f.value]!;
  const picked: number[] = [];
  for (let e = 0; e < events.ts.length; e++) {
    const ts = events.ts[e]!;
    if (ts >= t || (lower !== null && ts < lower)) continue;
    if (flags && flags[e] !== true) continue;
    if (values && values[e] === null) continue;
    picked.push(e);
  }
  if (!exact) return { value: null, exact };
  const v = (e: number): OnlineValue => values![e]!;
  switch (f.function) {
    case "count":
      return { value: BigInt(picked.length), exact };
    case "count_distinct":
      return { value: BigInt(new Set(picked.map((e) => distinctKey(v(e)))).size), exact };
    case "sum": {
      if (picked.length === 0) return { value: null, exact };
      if (type === "int64") return { value: picked.reduce((s, e) => s + (v(e) as bigint), 0n), exact };
      return { value: inTimeOrder(picked, events).reduce((s, e) => s + Number(v(e)), 0), exact };
    }
    case "avg": {
      if (picked.length === 0) return { value: null, exact };
      return { value: inTimeOrder(picked, events).reduce((s, e) => s + Number(v(e)), 0) / picked.length, exact };
    }
    case "stddev": {
      if (picked.length === 0) return { value: null, exact };
      const xs = inTimeOrder(picked, events).map((e) => Number(v(e)));
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      return { value: Math.sqrt(xs.reduce((s, x) => s + (x - mean) * (x - mean), 0) / xs.length), exact };
    }
    case "min":
    case "max": {
      let best: OnlineValue = null;
      for (const e of picked) {
        const c = best === null ? 0 : compareValues(v(e), best);
        if (best === null || (f.function === "min" ? c < 0 : c > 0)) best = v(e);
      }
      return { value: best, exact };
    }
    case "last": {
      let best = -1;
      for (const e of picked) if (best < 0 || laterEvent(events, e, best, values!) > 0) best = e;
      return { value: best < 0 ? null : v(best), exact };
    }
    default:
      throw new Error(`unknown aggregation function ${String(f.function)}`);
  }
}

/** A timestamp whose high int32 is inside ±2^21 is a safe integer as a double (|ts| < 2^53 µs, years 1685–2255). */
const SAFE_HIGH = 0x200000;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** Bytes of a fixed-size value by type code (`typeCodes`: string 0, int32 1, float32 2, float64 3, int64 and timestamp 4, bool 5). */
const FIXED = [0, 4, 4, 8, 8, 1];
const NUMBER = 1;
const BOOL = 2;
const [COUNT, SUM, AVG, STDDEV, MIN, MAX] = [1, 2, 3, 4, 5, 6];
/** Functions `EventStateReader` finishes over typed columns (of number values); the others take `aggregateAt`. */
const FUNCTION_CODES: Partial<Record<string, number>> = { count: COUNT, sum: SUM, avg: AVG, stddev: STDDEV, min: MIN, max: MAX };

/**
 * Finishes the aggregation features of one layout over one entity's state after another, at one
 * read time (docs/aggregations.md, "Online"), with the results of `aggregateAt` and
 * `latestBefore` but without an object per event. `read` decodes a state once into reused typed
 * columns — timestamps as exact doubles, number values unboxed, flags as bytes, only the fields
 * some feature reads — in time order (as the packer writes it; sorted once if not). A window is
 * then a range of positions found by binary search, and count, sum and avg of the same value,
 * filter and window share one pass. Float sums add in time order, ties in record order, as in
 * `aggregateAt`; min and max go in record order, as there. Features over other values (int64
 * sums, strings, `last`, `count_distinct`) and states or read times beyond ±2^53 µs take
 * `aggregateAt` over `decodeEvents`. Errors: a state in another format or cut short.
 */
export class EventStateReader {
  private readonly codes: Uint8Array;
  private readonly off: number;
  private readonly bitmapLen: number;
  /** Per field (the created timestamp first when there is one): 0 not read here, NUMBER or BOOL. */
  private readonly kinds: Uint8Array;
  /** Per feature: finished over the typed columns, and the index of the pass it shares (-1: none). */
  private readonly typed: boolean[];
  private readonly groupOf: Int32Array;
  /** Per feature: its function (COUNT …), and the fields of its value and filter flag (-1: none). */
  private readonly fn: Uint8Array;
  private readonly valueField: Int32Array;
  private readonly flagField: Int32Array;
  /** The fields read here, their byte offsets in a record with no NULL, and that record's size (-1: strings, sizes vary). */
  private readonly needed: Int32Array;
  private readonly placeOf: Int32Array;
  private readonly fullSize: number;
  /** Per feature: its window in µs (null: lifetime); the state's start (null: every event). */
  private readonly windows: (bigint | null)[];
  private readonly stateStart: bigint | null;
  // The read time, as bigint and as double; per feature, its window's lower edge as a double
  // (-Infinity: lifetime) and whether the state reaches back to it; whether all of these are exact doubles.
  private t = 0n;
  private tNum = 0;
  private readonly lowers: Float64Array;
  private readonly exact: Uint8Array;
  private timesExact = false;
  // The state last read, in columns reused from state to state.
  private n = 0;
  private end = 0;
  private safe = true;
  private bytes: Uint8Array | null = null;
  private general: DecodedEvents | undefined;
  private ts = new Float64Array(0);
  private sorted = new Float64Array(0);
  private orderBuf = new Int32Array(0);
  private order: Int32Array | null = null;
  private readonly nums: Float64Array[] = [];
  private readonly nulls: Uint8Array[] = [];
  /** Per field: whether the state last read has a NULL in it (else its `nulls` are stale and not read). */
  private readonly hasNull: Uint8Array;
  private anyNull = false;
  private readonly memoAt: Float64Array;
  private readonly memoCount: Float64Array;
  private readonly memoSum: Float64Array;
  private stateNo = 0;
  private viewBuffer: ArrayBufferLike | undefined;
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  constructor(readonly layout: AggregationLayout) {
    this.codes = typeCodes(layout.eventTypes);
    this.off = layout.created ? 1 : 0;
    this.bitmapLen = (layout.eventTypes.length + 7) >> 3;
    this.kinds = new Uint8Array(layout.eventTypes.length);
    this.hasNull = new Uint8Array(layout.eventTypes.length);
    const groups = new Map<string, number>();
    this.groupOf = new Int32Array(layout.features.length).fill(-1);
    this.fn = Uint8Array.from(layout.features, (f) => FUNCTION_CODES[f.function] ?? 0);
    this.valueField = Int32Array.from(layout.features, (f) => (f.value === null ? -1 : this.off + f.value));
    this.flagField = Int32Array.from(layout.features, (f) => (f.flag === null ? -1 : this.off + f.flag));
    this.typed = layout.features.map((f, k) => {
      const value = f.value === null ? undefined : this.codes[this.off + f.value];
      const flag = f.flag === null ? undefined : this.codes[this.off + f.flag];
      const numeric = value !== undefined && value >= 1 && value <= 3; // int32, float32, float64
      const ok =
        FUNCTION_CODES[f.function] !== undefined &&
        (flag === undefined || flag === 5) &&
        (f.function === "count" ? value === undefined || value === 5 : numeric);
      if (!ok) return false;
      if (f.value !== null) this.kinds[this.off + f.value] = value === 5 ? BOOL : NUMBER;
      if (f.flag !== null) this.kinds[this.off + f.flag] = BOOL;
      if (f.function !== "min" && f.function !== "max") {
        const key = `${f.value}|${f.flag}|${f.windowMicros}`;
        if (!groups.has(key)) groups.set(key, groups.size);
        this.groupOf[k] = groups.get(key)!;
      }
      return true;
    });
    // Where each field read here sits in a record with every value present, when all are fixed-size.
    const hasString = this.codes.some((c) => c === 0);
    const places: number[] = [];
    let at = 9 + this.bitmapLen;
    for (let i = 0; i < this.codes.length; i++) {
      if (this.kinds[i] !== 0) places.push(at);
      at += FIXED[this.codes[i]!]!;
    }
    this.fullSize = hasString ? -1 : at;
    this.needed = Int32Array.from(this.kinds.keys()).filter((i) => this.kinds[i] !== 0);
    this.placeOf = Int32Array.from(places);
    for (let i = 0; i < this.kinds.length; i++) {
      this.nums.push(new Float64Array(0));
      this.nulls.push(new Uint8Array(0));
    }
    this.windows = layout.features.map((f) => (f.windowMicros === null ? null : BigInt(f.windowMicros)));
    this.stateStart = layout.stateStart === null ? null : BigInt(layout.stateStart);
    this.lowers = new Float64Array(layout.features.length);
    this.exact = new Uint8Array(layout.features.length);
    this.memoAt = new Float64Array(groups.size).fill(-1);
    this.memoCount = new Float64Array(groups.size);
    this.memoSum = new Float64Array(groups.size);
  }

  /** Sets the read time (µs) for the states read next (call before `read`). */
  at(t: bigint): void {
    this.stateNo++;
    this.t = t;
    this.tNum = Number(t);
    const start = this.stateStart;
    let timesExact = t >= -MAX_SAFE && t <= MAX_SAFE;
    for (let k = 0; k < this.windows.length; k++) {
      const w = this.windows[k]!;
      const lower = w === null ? null : t - w;
      if (lower !== null && (lower < -MAX_SAFE || lower > MAX_SAFE)) timesExact = false;
      this.lowers[k] = lower === null ? -Infinity : Number(lower);
      // Exact when the state reaches back to the window's lower edge (a lifetime window: to the beginning).
      this.exact[k] = start === null || (lower !== null && lower >= start) ? 1 : 0;
    }
    this.timesExact = timesExact;
  }

  /** Reads one entity's state (null: the store holds no events of it). */
  read(bytes: Uint8Array | null): void {
    this.bytes = bytes;
    this.general = undefined;
    this.stateNo++;
    this.order = null;
    this.safe = true;
    if (this.anyNull) {
      this.hasNull.fill(0);
      this.anyNull = false;
    }
    let n = 0;
    if (bytes !== null && bytes.length > 0) {
      const { codes, nums, nulls, bitmapLen, needed, placeOf, fullSize } = this;
      this.reserve(Math.ceil(bytes.length / (10 + bitmapLen)));
      if (bytes.buffer !== this.viewBuffer) {
        this.viewBuffer = bytes.buffer;
        this.view = new DataView(bytes.buffer);
      }
      const dv = this.view;
      const base = bytes.byteOffset;
      const ts = this.ts;
      const nums0 = needed.length > 0 ? nums[needed[0]!] : undefined;
      const code0 = needed.length > 0 ? codes[needed[0]!]! : 0;
      const place0 = placeOf[0] ?? 0;
      let inOrder = true;
      let prev = -Infinity;
      let p = 0;
      while (p < bytes.length) {
        let len = bytes[p++]!;
        if (len >= 0x80) [len, p] = readVarint(bytes, p - 1, TRUNCATED);
        const q = p;
        p += len;
        if (len < 9 + bitmapLen || p > bytes.length) throw new Error(TRUNCATED);
        if (bytes[q] !== 1) throw new Error(`online value in unknown format ${bytes[q]} (this client reads format 1)`);
        const hi = dv.getInt32(base + q + 5, true);
        if (hi <= -SAFE_HIGH || hi >= SAFE_HIGH) this.safe = false;
        const t = hi * 4294967296 + dv.getUint32(base + q + 1, true);
        ts[n] = t;
        if (t < prev) inOrder = false;
        prev = t;
        // A record of fixed-size values and no NULL (the usual one): each field read at its place.
        let full = len === fullSize && bytes[q + 9] === 0;
        for (let i = 1; full && i < bitmapLen; i++) full = bytes[q + 9 + i] === 0;
        if (full) {
          // The first field from locals (most views aggregate one column), the others from the lists.
          if (nums0 !== undefined)
            nums0[n] = code0 === 3 ? dv.getFloat64(base + q + place0, true) : this.number(code0, bytes, base + q + place0);
          for (let j = 1; j < needed.length; j++) nums[needed[j]!]![n] = this.number(codes[needed[j]!]!, bytes, base + q + placeOf[j]!);
          if (this.anyNull) for (let j = 0; j < needed.length; j++) nulls[needed[j]!]![n] = 0;
        } else this.fields(bytes, q, p, n);
        n++;
      }
      if (!inOrder) this.sortByTime(n);
    }
    this.n = n;
    this.end = this.timesExact && this.safe ? firstAtOrAfter(this.order ? this.sorted : this.ts, this.tNum, 0, n) : 0;
  }

  /** The time order of the n events read (ties in record order): `order` and the timestamps in it, `sorted`. */
  private sortByTime(n: number): void {
    const { ts, sorted } = this;
    const order = this.orderBuf.subarray(0, n);
    orderByTime(ts, n, order, sorted);
    for (let i = 0; i < n; i++) sorted[i] = ts[order[i]!]!;
    this.order = order;
  }

  /**
   * The fields of the record at [q, end) of `bytes` (event n) that some feature reads, NULLs and
   * strings included. A field's NULLs are kept from its first NULL in the state on (the events
   * before it marked not NULL then).
   */
  private fields(bytes: Uint8Array, q: number, end: number, n: number): void {
    const { codes, kinds, nums, nulls, hasNull } = this;
    let v = q + 9 + this.bitmapLen;
    for (let i = 0; i < codes.length; i++) {
      const kind = kinds[i]!;
      if (bytes[q + 9 + (i >> 3)]! & (1 << (i & 7))) {
        if (kind !== 0) {
          if (!this.anyNull) {
            // From now on every event of the state writes its NULL marks.
            for (const j of this.needed) nulls[j]!.fill(0, 0, n + 1);
            this.anyNull = true;
          }
          hasNull[i] = 1;
          nulls[i]![n] = 1;
          nums[i]![n] = 0;
        }
        continue;
      }
      const code = codes[i]!;
      if (kind !== 0) {
        if (this.anyNull) nulls[i]![n] = 0;
        nums[i]![n] = this.number(code, bytes, bytes.byteOffset + v);
      }
      if (code === 0) {
        const [len, at] = readVarint(bytes, v, TRUNCATED);
        v = at + len;
      } else v += FIXED[code]!;
    }
    if (v > end) throw new Error("online value is shorter than its layout (truncated or packed with other types)");
  }

  /** A number or bool field at byte `at` of the buffer: its value (a bool as 1 or 0). */
  private number(code: number, bytes: Uint8Array, at: number): number {
    const dv = this.view;
    return code === 3
      ? dv.getFloat64(at, true)
      : code === 1
        ? dv.getInt32(at, true)
        : code === 2
          ? shortestFloat32(dv.getFloat32(at, true))
          : bytes[at - bytes.byteOffset] === 1
            ? 1
            : 0;
  }

  /**
   * The latest event before the read time in the state last read as a number of µs (-Infinity:
   * none), or NaN when it is not known exactly as a number (then ask `latestBefore`).
   */
  latestMicros(): number {
    if (!this.timesExact || !this.safe) return NaN;
    return this.end === 0 ? -Infinity : (this.order ? this.sorted : this.ts)[this.end - 1]!;
  }

  /** The latest event before the read time in the state last read (µs), or NO_EVENT. */
  latestBefore(): bigint {
    if (!this.timesExact || !this.safe) return latestBefore(this.generalEvents(), this.t);
    if (this.end === 0) return NO_EVENT;
    return BigInt((this.order ? this.sorted : this.ts)[this.end - 1]!);
  }

  /**
   * Feature `k` of the state last read: its value (counts as numbers here, as bigints from
   * `aggregateAt`), null for NULL, undefined when the window starts before the state (BEFORE_STATE).
   */
  finish(k: number): OnlineValue | undefined {
    if (this.exact[k] === 0) return undefined;
    if (!this.typed[k] || !this.timesExact || !this.safe) return aggregateAt(this.layout, k, this.generalEvents(), this.t).value;
    const fn = this.fn[k]!;
    if (fn === MIN || fn === MAX) return this.extreme(k, fn === MIN);
    const g = this.groupOf[k]!;
    if (this.memoAt[g] !== this.stateNo) this.pass(g, k);
    const count = this.memoCount[g]!;
    if (fn === COUNT) return count;
    if (count === 0) return null;
    if (fn === SUM) return this.memoSum[g]!;
    const mean = this.memoSum[g]! / count;
    if (fn === AVG) return mean;
    // stddev: the population standard deviation, deviations added in time order.
    const values = this.nums[this.valueField[k]!]!;
    const nulls = this.nullsOf(this.valueField[k]!);
    const flags = this.flagField[k]! < 0 ? undefined : this.nums[this.flagField[k]!]!;
    const order = this.order;
    let s = 0;
    for (let i = this.start(k); i < this.end; i++) {
      const e = order === null ? i : order[i]!;
      if ((flags !== undefined && flags[e] !== 1) || (nulls !== undefined && nulls[e] === 1)) continue;
      const d = values[e]! - mean;
      s += d * d;
    }
    return Math.sqrt(s / count);
  }

  /** Count and (number values) sum of the events of feature k's window, filter and value: one pass in time order. */
  private pass(g: number, k: number): void {
    const lo = this.start(k);
    const vf = this.valueField[k]!;
    const ff = this.flagField[k]!;
    let count = 0;
    let sum = 0;
    if (ff < 0 && (vf < 0 || (this.kinds[vf] !== NUMBER && this.nullsOf(vf) === undefined))) count = this.end - lo;
    else {
      const values = vf >= 0 && this.kinds[vf] === NUMBER ? this.nums[vf]! : undefined;
      const nulls = vf < 0 ? undefined : this.nullsOf(vf);
      const flags = ff < 0 ? undefined : this.nums[ff]!;
      const order = this.order;
      if (order === null && flags === undefined && nulls === undefined && values !== undefined) {
        // The usual pass: a state in time order, a number value never NULL, no filter.
        count = this.end - lo;
        for (let e = lo; e < this.end; e++) sum += values[e]!;
      } else
        for (let i = lo; i < this.end; i++) {
          const e = order === null ? i : order[i]!;
          if ((flags !== undefined && flags[e] !== 1) || (nulls !== undefined && nulls[e] === 1)) continue;
          count++;
          if (values !== undefined) sum += values[e]!;
        }
    }
    this.memoAt[g] = this.stateNo;
    this.memoCount[g] = count;
    this.memoSum[g] = sum;
  }

  /** min or max of feature k's window's non-NULL values, in record order (a tie keeps the first, as `aggregateAt`). */
  private extreme(k: number, min: boolean): number | null {
    const values = this.nums[this.valueField[k]!]!;
    const nulls = this.nullsOf(this.valueField[k]!);
    const flags = this.flagField[k]! < 0 ? undefined : this.nums[this.flagField[k]!]!;
    const { ts, tNum } = this;
    const lower = this.lowers[k]!;
    let best = 0;
    let found = false;
    for (let e = 0; e < this.n; e++) {
      const t = ts[e]!;
      if (t >= tNum || t < lower) continue;
      if ((flags !== undefined && flags[e] !== 1) || (nulls !== undefined && nulls[e] === 1)) continue;
      const x = values[e]!;
      if (!found || (min ? numberBefore(x, best) : numberBefore(best, x))) best = x;
      found = true;
    }
    return found ? best : null;
  }

  /** A field's NULL marks in the state last read, or undefined when it has no NULL. */
  private nullsOf(field: number): Uint8Array | undefined {
    return this.hasNull[field] === 1 ? this.nulls[field] : undefined;
  }

  /** The first time position in feature k's window (at or after its lower edge). */
  private start(k: number): number {
    const lower = this.lowers[k]!;
    return lower === -Infinity ? 0 : firstAtOrAfter(this.order ? this.sorted : this.ts, lower, 0, this.end);
  }

  private generalEvents(): DecodedEvents {
    return (this.general ??= this.bytes ? decodeEvents(this.layout, this.bytes) : { ts: [], created: [], values: [] });
  }

  /** Room for `n` events in every column. */
  private reserve(n: number): void {
    if (n <= this.ts.length) return;
    const cap = Math.max(n, 2 * this.ts.length, 64);
    this.ts = new Float64Array(cap);
    this.sorted = new Float64Array(cap);
    this.orderBuf = new Int32Array(cap);
    for (let i = 0; i < this.kinds.length; i++)
      if (this.kinds[i] !== 0) {
        this.nums[i] = new Float64Array(cap);
        this.nulls[i] = new Uint8Array(cap);
      }
  }
}

/** The first index in [lo, hi) of ascending `xs` with xs[i] >= x (hi if none). */
function firstAtOrAfter(xs: Float64Array, x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The latest event in the state before `t` (µs), or NO_EVENT. */
export function latestBefore(events: DecodedEvents, t: bigint): bigint {
  let best = NO_EVENT;
  for (const ts of events.ts) if (ts < t && ts > best) best = ts;
  return best;
}

function inTimeOrder(picked: number[], events: DecodedEvents): number[] {
  return picked.slice().sort((a, b) => (events.ts[a]! < events.ts[b]! ? -1 : events.ts[a]! > events.ts[b]! ? 1 : a - b));
}

/** Order of two events for `last`: timestamp, then created timestamp (NULL lowest), then value. */
function laterEvent(events: DecodedEvents, a: number, b: number, values: OnlineValue[]): number {
  if (events.ts[a] !== events.ts[b]) return events.ts[a]! > events.ts[b]! ? 1 : -1;
  const ca = events.created[a] ?? null;
  const cb = events.created[b] ?? null;
  if (ca !== cb) {
    if (ca === null) return -1;
    if (cb === null) return 1;
    return ca > cb ? 1 : -1;
  }
  return compareValues(values[a]!, values[b]!);
}

/**
 * Compares two non-NULL values of one type: numbers and bigints by value, NaN after every other
 * number and equal to itself (as DuckDB and PostgreSQL order floats: min, max and the ties of
 * `last` come out as in training), booleans false < true, strings by code point.
 */
export function compareValues(a: OnlineValue, b: OnlineValue): number {
  if (typeof a === "string" && typeof b === "string") return compareStrings(a, b);
  if (typeof a === "boolean" && typeof b === "boolean") return a === b ? 0 : a ? 1 : -1;
  if (a !== a || b !== b) return a !== a ? (b !== b ? 0 : 1) : -1;
  return a! < b! ? -1 : a! > b! ? 1 : 0;
}

/** Number `a` sorts before `b`, NaN after every other number (compareValues' order, without its dispatch). */
export function numberBefore(a: number, b: number): boolean {
  return a < b || (b !== b && a === a);
}

/** A key for distinctness: a value's type and text (1 and 1n, "1" and 1, stay apart). */
function distinctKey(v: OnlineValue): string {
  return `${typeof v}:${String(v)}`;
}

const TRUNCATED = "aggregation state is truncated (a record runs past its end)";
