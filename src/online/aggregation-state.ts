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
 * Records are in no particular order, and a pushed event is one more record appended.
 */
import { ValuePacker, decodeValue } from "./codec.js";
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

/** Packs the events of one entity into one state, record after record. */
export class EventStatePacker {
  private readonly packer: ValuePacker;
  private parts: Uint8Array[] = [];
  private size = 0;

  constructor(layout: AggregationLayout) {
    this.packer = new ValuePacker(layout.eventTypes, 0);
  }

  /** Adds one event: its timestamp and values in `eventTypes` order (created first when there is one). */
  add(ts: bigint, values: ArrayLike<OnlineValue | undefined>, offset = 0): void {
    const packed = this.packer.pack(ts, values, offset);
    const head = varint(packed.length);
    this.parts.push(head, packed);
    this.size += head.length + packed.length;
  }

  /** The state of the events added since the last call, and starts over. */
  take(): Uint8Array {
    const out = new Uint8Array(this.size);
    let p = 0;
    for (const b of this.parts) {
      out.set(b, p);
      p += b.length;
    }
    this.parts = [];
    this.size = 0;
    return out;
  }
}

/** One event as a state record (what a push appends). */
export function encodeEventRecord(layout: AggregationLayout, ts: bigint, values: readonly OnlineValue[]): Uint8Array {
  const p = new EventStatePacker(layout);
  p.add(ts, values);
  return p.take();
}

/** Decodes a state written with `layout`. */
export function decodeEvents(layout: AggregationLayout, bytes: Uint8Array): DecodedEvents {
  const nValues = layout.eventTypes.length - (layout.created ? 1 : 0);
  const out: DecodedEvents = { ts: [], created: [], values: Array.from({ length: nValues }, () => []) };
  let p = 0;
  while (p < bytes.length) {
    let len = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[p++]!;
      len += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
      shift += 7;
    }
    const { ts, values } = decodeValue(layout.eventTypes, bytes.subarray(p, p + len));
    p += len;
    out.ts.push(ts);
    const off = layout.created ? 1 : 0;
    out.created.push(layout.created ? (values[0] as bigint | null) : null);
    for (let i = 0; i < nValues; i++) out.values[i]!.push(values[off + i]!);
  }
  return out;
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

/** Compares two non-NULL values of one type: numbers and bigints by value, booleans false < true, strings by code point. */
export function compareValues(a: OnlineValue, b: OnlineValue): number {
  if (typeof a === "string" && typeof b === "string") {
    // Code point order is UTF-8 byte order (what DuckDB and PostgreSQL's "C" collation use);
    // JS `<` compares UTF-16 units, which differs past U+FFFF.
    const ia = a[Symbol.iterator]();
    const ib = b[Symbol.iterator]();
    for (;;) {
      const x = ia.next();
      const y = ib.next();
      if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
      const cx = x.value.codePointAt(0)!;
      const cy = y.value.codePointAt(0)!;
      if (cx !== cy) return cx < cy ? -1 : 1;
    }
  }
  if (typeof a === "boolean" && typeof b === "boolean") return a === b ? 0 : a ? 1 : -1;
  return a! < b! ? -1 : a! > b! ? 1 : 0;
}

/** A key for distinctness: a value's type and text (1 and 1n, "1" and 1, stay apart). */
function distinctKey(v: OnlineValue): string {
  return `${typeof v}:${String(v)}`;
}

function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
}
