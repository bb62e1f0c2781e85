/**
 * The online state of an aggregation view with `hop:` (docs/aggregations.md, "Hop"): per entity,
 * one tile per hop — the partial aggregates of its events — instead of the events themselves, so
 * the state of an entity holds at most (longest window / hop + 2) tiles, whatever the number of
 * events. A read at time t finishes each feature over the tiles of [floor_hop(t − w), t): the
 * window's lower edge rounded down to a multiple of the hop (UTC epoch-aligned).
 *
 *   state  := record*
 *   record := varint(length) tile
 *   tile   := a value set packed by the codec (src/online/codec.ts) with `tileTypes(layout)`: its
 *             timestamp is the tile's bucket (the hop's multiple its events start at; PREFIX_TILE for
 *             the tile of every event before `tilesStart`; the event's own time for a pushed
 *             event's tile), its values the latest event time in it, then each partial's fields
 *             (`partialTypes`)
 *
 * Several tiles of one bucket are allowed, in any order, and merged at read. A pushed event is a
 * tile of its own whose timestamp is the event's time, not its bucket (`HopStatePacker.eventTile`):
 * read as the tile [ts, ts], it is counted exactly when its event is. Every partial merges exactly:
 * counts, int64 sums (bigint), min, max, `last` by (time, created, value); float sums and (count,
 * mean, M2) for stddev to floating-point precision. Imports nothing but the codec and the exact
 * reader, so the client stays small.
 */
import { EventStateReader, NO_EVENT, compareValues, numberBefore } from "./aggregation-state.js";
import {
  INT64_HALVES,
  ValuePacker,
  decodeColumns,
  decodeValue,
  isNull,
  readVarint,
  shortestFloat32,
  typeCodes,
  varintSize,
  writeVarint,
} from "./codec.js";
import type { OnlineValue } from "./codec.js";
import type { AggregationLayout, HopLayout, HopPartialKind, OnlineType } from "./layout.js";

/** The bucket of the tile that holds every event before the first tile (a lifetime window's past). */
export const PREFIX_TILE = -(2n ** 63n);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** `x` rounded down to a multiple of `h` (h > 0), for negative x too. */
export function floorTo(x: bigint, h: bigint): bigint {
  const r = x % h;
  return r < 0n ? x - r - h : x - r;
}

/** The partial a function keeps per tile (count_distinct has none: its set is unbounded, and `build` refuses it with hop). */
function partialKind(fn: AggregationLayout["features"][number]["function"]): HopPartialKind {
  switch (fn) {
    case "count":
      return "count";
    case "sum":
    case "avg":
      return "sum";
    case "stddev":
      return "moments";
    case "min":
    case "max":
    case "last":
      return fn;
    default:
      throw new Error(`aggregation function ${fn} cannot be kept in hop tiles`);
  }
}

/**
 * The hop part of a view's layout: its partials (one per distinct function kind, value and filter:
 * `count_7d` and `count_30d` share one), and the first tile, floor_hop(end − longest finite window).
 */
export function hopLayout(base: Pick<AggregationLayout, "features">, hopMicros: bigint, end: bigint): HopLayout {
  const partials: HopLayout["partials"] = [];
  const index = new Map<string, number>();
  const featurePartial = base.features.map((f) => {
    const kind = partialKind(f.function);
    const key = `${kind}|${f.value}|${f.flag}`;
    if (!index.has(key)) {
      index.set(key, partials.length);
      partials.push({ kind, value: f.value, flag: f.flag });
    }
    return index.get(key)!;
  });
  const finite = base.features.flatMap((f) => (f.windowMicros === null ? [] : [BigInt(f.windowMicros)]));
  const longest = finite.reduce((m, w) => (w > m ? w : m), 0n);
  return { hopMicros: String(hopMicros), tilesStart: String(floorTo(end - longest, hopMicros)), partials, featurePartial };
}

/** The type of the value a partial reads (from the layout's event types). */
function valueType(layout: AggregationLayout, value: number | null): OnlineType {
  return value === null ? "bool" : layout.eventTypes[(layout.created ? 1 : 0) + value]!;
}

/** The fields of one partial in a tile. */
function partialTypes(layout: AggregationLayout, p: HopLayout["partials"][number]): OnlineType[] {
  const v = valueType(layout, p.value);
  switch (p.kind) {
    case "count":
      return ["int64"];
    case "sum":
      return ["int64", v === "int64" ? "int64" : "float64"];
    case "moments":
      return ["int64", "float64", "float64"];
    case "min":
    case "max":
      return [v];
    case "last":
      return ["timestamp", ...(layout.created ? (["timestamp"] as const) : []), v];
  }
}

/** The types of a tile's values: its latest event time, then each partial's fields. */
export function tileTypes(layout: AggregationLayout): OnlineType[] {
  return ["timestamp", ...hopOf(layout).partials.flatMap((p) => partialTypes(layout, p))];
}

function hopOf(layout: AggregationLayout): HopLayout {
  if (!layout.hop) throw new Error("not a hop layout");
  return layout.hop;
}

/** A value as the codec would give it back: int64 and timestamps as bigint, float32 rounded, numbers as numbers. */
function canonical(v: OnlineValue | undefined, type: OnlineType): OnlineValue {
  if (v === null || v === undefined) return null;
  switch (type) {
    case "int64":
    case "timestamp":
      return typeof v === "bigint" ? v : BigInt(v as number | string);
    case "int32":
    case "float64":
      return Number(v);
    case "float32":
      return shortestFloat32(Math.fround(Number(v)));
    case "bool":
      return Boolean(v);
    case "string":
      return String(v);
  }
}

interface Ev {
  ts: bigint;
  created: bigint | null;
  values: OnlineValue[];
}

/**
 * Packs one entity's events into tiles (one per hop bucket, in bucket order; events before
 * `tilesStart` in one prefix tile when a window is lifetime, else dropped: no read at or after the
 * end needs them). The same interface as EventStatePacker, so `load` uses either. Errors: an int64
 * sum of one tile beyond the int64 range (training would fail on a window over it too).
 */
export class HopStatePacker {
  private readonly hop: bigint;
  private readonly tilesStart: bigint;
  private readonly lifetime: boolean;
  private readonly types: OnlineType[];
  private readonly packer: ValuePacker;
  private readonly off: number;
  private events: Ev[] = [];
  /** `eventTile`'s packer (one slab, copied out of) and tile values, reused. */
  private readonly eventPacker: ValuePacker;
  private readonly eventValues: OnlineValue[];

  constructor(private readonly layout: AggregationLayout) {
    const h = hopOf(layout);
    this.hop = BigInt(h.hopMicros);
    this.tilesStart = BigInt(h.tilesStart);
    this.lifetime = layout.features.some((f) => f.windowMicros === null);
    this.types = tileTypes(layout);
    this.packer = new ValuePacker(this.types, 0);
    this.off = layout.created ? 1 : 0;
    this.eventPacker = new ValuePacker(this.types, 1 << 16);
    this.eventValues = new Array<OnlineValue>(this.types.length).fill(null);
  }

  /** Adds one event: its timestamp and values in `eventTypes` order (created first when there is one). */
  add(ts: bigint, values: ArrayLike<OnlineValue | undefined>, offset = 0): void {
    const { eventTypes } = this.layout;
    const vals: OnlineValue[] = new Array(eventTypes.length - this.off);
    for (let i = this.off; i < eventTypes.length; i++) vals[i - this.off] = canonical(values[offset + i], eventTypes[i]!);
    const created = this.off ? (canonical(values[offset], "timestamp") as bigint | null) : null;
    this.events.push({ ts: BigInt(ts), created, values: vals });
  }

  /**
   * One event as a record of the state (varint(length) then the tile) holding a tile of its own
   * whose bucket is the event's time `ts` rather than its hop's multiple: a pushed event
   * (docs/push.md). A read counts such a tile exactly when it counts the event — `ts` is at or
   * after a window's lower edge (a multiple of the hop) iff floor_hop(ts) is, and before the read
   * time iff the event is — and what trims or merges pushed records by their timestamp
   * (src/online/push/merge.ts) sees the event's time. Values as `add` takes them; the events
   * added and not taken are left alone.
   */
  eventTile(ts: bigint, values: ArrayLike<OnlineValue | undefined>, offset = 0): Uint8Array {
    // The values `tileValues` gives for one event, without its general merge (pushes encode many).
    const { eventTypes, created: hasCreated } = this.layout;
    const out = this.eventValues;
    out[0] = ts;
    let o = 1;
    for (const p of hopOf(this.layout).partials) {
      const x = p.value === null ? null : canonical(values[offset + this.off + p.value], eventTypes[this.off + p.value]!);
      const picked =
        (p.flag === null || canonical(values[offset + this.off + p.flag], "bool") === true) && (p.value === null || x !== null);
      switch (p.kind) {
        case "count":
          out[o++] = picked ? 1n : 0n;
          break;
        case "sum":
          // 0 + x, as tileValues adds: a sum of -0 is 0.
          out[o++] = picked ? 1n : 0n;
          out[o++] = !picked ? null : eventTypes[this.off + p.value!] === "int64" ? x : 0 + Number(x);
          break;
        case "moments": {
          // Welford's update over one event, as tileValues computes it.
          const v = Number(x);
          const mean = 0 + (v - 0) / 1;
          out[o++] = picked ? 1n : 0n;
          out[o++] = picked ? mean : null;
          out[o++] = picked ? 0 + (v - 0) * (v - mean) : null;
          break;
        }
        case "min":
        case "max":
          out[o++] = picked ? x : null;
          break;
        case "last":
          out[o++] = picked ? ts : null;
          if (hasCreated) out[o++] = picked ? canonical(values[offset], "timestamp") : null;
          out[o++] = picked ? x : null;
          break;
      }
    }
    const packed = this.eventPacker.pack(ts, out);
    const record = new Uint8Array(varintSize(packed.length) + packed.length);
    record.set(packed, writeVarint(record, 0, packed.length));
    return record;
  }

  /** The tiles of the events added since the last call, in bucket order; and starts over. */
  take(): Uint8Array {
    const buckets = new Map<bigint, Ev[]>();
    for (const e of this.events) {
      const b = e.ts < this.tilesStart ? PREFIX_TILE : floorTo(e.ts, this.hop);
      if (b === PREFIX_TILE && !this.lifetime) continue;
      let list = buckets.get(b);
      if (!list) buckets.set(b, (list = []));
      list.push(e);
    }
    this.events = [];
    const parts: Uint8Array[] = [];
    let size = 0;
    for (const b of [...buckets.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))) {
      // In time order (ties in the order added): float sums add as the exact reader adds them.
      const evs = buckets.get(b)!.map((e, i) => [e, i] as const);
      evs.sort(([a, i], [c, j]) => (a.ts < c.ts ? -1 : a.ts > c.ts ? 1 : i - j));
      const packed = this.packer.pack(b, this.tileValues(evs.map(([e]) => e)));
      parts.push(packed);
      size += varintSize(packed.length) + packed.length;
    }
    const out = new Uint8Array(size);
    let p = 0;
    for (const packed of parts) {
      p = writeVarint(out, p, packed.length);
      out.set(packed, p);
      p += packed.length;
    }
    return out;
  }

  /** A tile's values over its events (in time order): the latest time, then each partial's fields. */
  private tileValues(evs: Ev[]): OnlineValue[] {
    const out: OnlineValue[] = [evs[evs.length - 1]!.ts];
    for (const p of hopOf(this.layout).partials) {
      const picked = evs.filter((e) => (p.flag === null || e.values[p.flag] === true) && (p.value === null || e.values[p.value] !== null));
      const v = (e: Ev): OnlineValue => e.values[p.value!]!;
      switch (p.kind) {
        case "count":
          out.push(BigInt(picked.length));
          break;
        case "sum": {
          const int = partialTypes(this.layout, p)[1] === "int64";
          let s: bigint | number = int ? 0n : 0;
          for (const e of picked) s = int ? (s as bigint) + (v(e) as bigint) : (s as number) + Number(v(e));
          if (int && ((s as bigint) > INT64_MAX || (s as bigint) < INT64_MIN))
            throw new Error(
              `an int64 sum of one hop tile is ${s}, beyond the int64 range; aggregate a narrower column or use a shorter hop`,
            );
          out.push(BigInt(picked.length), picked.length === 0 ? null : s);
          break;
        }
        case "moments": {
          // Welford's update, in time order.
          let mean = 0;
          let m2 = 0;
          picked.forEach((e, i) => {
            const x = Number(v(e));
            const d = x - mean;
            mean += d / (i + 1);
            m2 += d * (x - mean);
          });
          out.push(BigInt(picked.length), picked.length === 0 ? null : mean, picked.length === 0 ? null : m2);
          break;
        }
        case "min":
        case "max": {
          let best: OnlineValue = null;
          for (const e of picked) {
            const c = best === null ? 0 : compareValues(v(e), best);
            if (best === null || (p.kind === "min" ? c < 0 : c > 0)) best = v(e);
          }
          out.push(best);
          break;
        }
        case "last": {
          let best: Ev | null = null;
          for (const e of picked) if (best === null || later(e.ts, e.created, v(e), best.ts, best.created, v(best)) > 0) best = e;
          out.push(best?.ts ?? null, ...(this.layout.created ? [best?.created ?? null] : []), best === null ? null : v(best));
          break;
        }
      }
    }
    return out;
  }
}

/** Order of two events for `last`: timestamp, then created timestamp (NULL lowest), then value. */
function later(ta: bigint, ca: bigint | null, va: OnlineValue, tb: bigint, cb: bigint | null, vb: OnlineValue): number {
  if (ta !== tb) return ta > tb ? 1 : -1;
  if (ca !== cb) {
    if (ca === null) return -1;
    if (cb === null) return 1;
    return ca > cb ? 1 : -1;
  }
  return compareValues(va, vb);
}

/** What the client's reader of an aggregation view's states does (EventStateReader, HopStateReader). */
export type AggregationStateReader = Pick<EventStateReader, "at" | "read" | "latestMicros" | "latestBefore" | "finish">;

/** The reader of a layout's states: tiles for a hop view, events otherwise. */
export function aggregationStateReader(layout: AggregationLayout): AggregationStateReader {
  return layout.hop ? new HopStateReader(layout) : new EventStateReader(layout);
}

/** Whether typed arrays are little-endian here (int64 fields are read as two int32 halves): nearly every platform. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** A high int32 inside ±2^21: the int64 is a safe integer as a double. */
const SAFE_HIGH = 0x200000;
const FAST_KINDS: ReadonlySet<HopPartialKind> = new Set(["count", "sum", "moments", "min", "max"]);

/**
 * Finishes the features of a hop view over one entity's tiles after another, at one read time
 * (docs/aggregations.md, "Hop"). Feature k with window w reads the tiles whose bucket is in
 * [floor_hop(t − w), t) (every tile before t, the prefix tile too, for lifetime) and merges their
 * partials. `finish` gives undefined (BEFORE_STATE) when the window starts before the first tile,
 * or when a tile it reads holds an event at or after t (a read before the end, inside a tile):
 * the tiles cannot answer such a read by the definition. Reads at or after the end never get it.
 *
 * `read` decodes the tiles once into reused typed columns (int64 fields as two int32 halves, read
 * as exact doubles), and counts, float sums, averages, standard deviations and min/max of
 * numbers are merged over them; int64 sums, `last`, min/max of other types, tiles out of bucket
 * order and values beyond ±2^53 take `finishGeneral` over bigints.
 */
export class HopStateReader {
  private readonly hop: bigint;
  private readonly tilesStart: bigint;
  private readonly types: OnlineType[];
  /** The decoding codes: int64 and timestamp fields as INT64_HALVES. */
  private readonly codes: Uint8Array;
  /** Per partial: the index of its first field among a tile's values. */
  private readonly fieldOf: number[];
  private readonly windows: (bigint | null)[];
  /** Per feature: merged over the typed columns (else `finishGeneral`). */
  private readonly fast: boolean[];
  private t = 0n;
  private tNum = 0;
  /** Per feature, at the read time: its lower edge as a double (-Infinity: lifetime), and whether it is before the first tile. */
  private readonly lowers: Float64Array;
  private readonly before: Uint8Array;
  private timesSafe = true;
  // The tiles last read.
  private n = 0;
  private safe = true;
  private bytes: Uint8Array | null = null;
  private buckets = new Float64Array(0);
  private latest = new Float64Array(0);
  private cols: (Float64Array | Int32Array | OnlineValue[] | undefined)[] = [];
  private nulls: Uint8Array[] = [];
  private general: { buckets: bigint[]; latest: bigint[]; values: OnlineValue[][] } | undefined;
  /** Byte offsets of the fields in a record with no NULL, and its size (-1: a string field, sizes vary). */
  private readonly places: Int32Array;
  private readonly fullSize: number;
  private viewBuffer: ArrayBufferLike | undefined;
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  constructor(private readonly layout: AggregationLayout) {
    const h = hopOf(layout);
    this.hop = BigInt(h.hopMicros);
    this.tilesStart = BigInt(h.tilesStart);
    this.types = tileTypes(layout);
    this.codes = Uint8Array.from(typeCodes(this.types), (c, i) =>
      this.types[i] === "int64" || this.types[i] === "timestamp" ? INT64_HALVES : c,
    );
    let at = 1;
    this.fieldOf = h.partials.map((p) => {
      const first = at;
      at += partialTypes(layout, p).length;
      return first;
    });
    this.windows = layout.features.map((f) => (f.windowMicros === null ? null : BigInt(f.windowMicros)));
    this.fast = layout.features.map((f, k) => {
      const p = h.partials[h.featurePartial[k]!]!;
      if (!LITTLE_ENDIAN || !FAST_KINDS.has(p.kind)) return false;
      const v = valueType(layout, p.value);
      if (p.kind === "sum") return f.function === "avg" || v !== "int64";
      if (p.kind === "min" || p.kind === "max") return v === "int32" || v === "float32" || v === "float64";
      return true;
    });
    this.lowers = new Float64Array(layout.features.length);
    this.before = new Uint8Array(layout.features.length);
    const sizes = [0, 4, 4, 8, 8, 1, 8];
    let place = 9 + ((this.codes.length + 7) >> 3);
    this.places = Int32Array.from(this.codes, (c) => {
      const at = place;
      place += sizes[c]!;
      return at;
    });
    this.fullSize = this.codes.some((c) => c === 0) ? -1 : place;
  }

  /** Sets the read time (µs) for the states read next. */
  at(t: bigint): void {
    this.t = t;
    this.tNum = Number(t);
    let safe = t >= -MAX_SAFE && t <= MAX_SAFE;
    for (let k = 0; k < this.windows.length; k++) {
      const w = this.windows[k]!;
      const lower = w === null ? null : floorTo(t - w, this.hop);
      if (lower !== null && (lower < -MAX_SAFE || lower > MAX_SAFE)) safe = false;
      this.lowers[k] = lower === null ? -Infinity : Number(lower);
      this.before[k] = lower !== null && lower < this.tilesStart ? 1 : 0;
    }
    this.timesSafe = safe;
  }

  /** Reads one entity's tiles (null: the store holds no events of it). */
  read(bytes: Uint8Array | null): void {
    this.bytes = bytes;
    this.general = undefined;
    this.safe = LITTLE_ENDIAN;
    let n = 0;
    if (bytes !== null && LITTLE_ENDIAN) {
      const { codes, places, fullSize } = this;
      const nf = codes.length;
      const bitmapLen = (nf + 7) >> 3;
      this.reserve(Math.ceil(bytes.length / 17));
      if (bytes.buffer !== this.viewBuffer) {
        this.viewBuffer = bytes.buffer;
        this.view = new DataView(bytes.buffer);
      }
      const dv = this.view;
      const base = bytes.byteOffset;
      let prev = -Infinity;
      let p = 0;
      while (p < bytes.length) {
        let len = bytes[p]!;
        let q = p + 1;
        if (len >= 0x80) [len, q] = readVarint(bytes, p, TRUNCATED);
        if (q + len > bytes.length || len < 9) throw new Error(TRUNCATED);
        p = q + len;
        if (bytes[q] !== 1) throw new Error(`online value in unknown format ${bytes[q]} (this client reads format 1)`);
        const hi = dv.getInt32(base + q + 5, true);
        const lo = dv.getInt32(base + q + 1, true);
        const b = hi === -0x80000000 && lo === 0 ? -Infinity : hi * 4294967296 + (lo >>> 0);
        if (b !== -Infinity && (hi <= -SAFE_HIGH || hi >= SAFE_HIGH)) this.safe = false;
        if (b < prev) this.safe = false; // out of bucket order (appended tiles): the general path sorts
        prev = b;
        this.buckets[n] = b;
        // A record of fixed-size fields and no NULL (the usual tile): each field read at its place.
        let full = len === fullSize;
        for (let i = 0; full && i < bitmapLen; i++) full = bytes[q + 9 + i] === 0;
        if (full) {
          for (let i = 0; i < nf; i++) {
            const at = base + q + places[i]!;
            const col = this.cols[i]!;
            switch (codes[i]) {
              case INT64_HALVES: {
                const high = dv.getInt32(at + 4, true);
                (col as Int32Array)[2 * n] = dv.getInt32(at, true);
                (col as Int32Array)[2 * n + 1] = high;
                if (high <= -SAFE_HIGH || high >= SAFE_HIGH) this.safe = false;
                break;
              }
              case 3:
                (col as Float64Array)[n] = dv.getFloat64(at, true);
                break;
              case 1:
                (col as Float64Array)[n] = dv.getInt32(at, true);
                break;
              case 2:
                (col as Float64Array)[n] = shortestFloat32(dv.getFloat32(at, true));
                break;
              default:
                (col as OnlineValue[])[n] = dv.getUint8(at) === 1;
            }
            this.nulls[i]![n] = 0;
          }
          this.latest[n] = this.int64(0, n);
          n++;
          continue;
        }
        const record = bytes.subarray(q, q + len);
        decodeColumns(codes, record, this.cols, n);
        for (let i = 0; i < nf; i++) {
          const nul = isNull(record, i) ? 1 : 0;
          this.nulls[i]![n] = nul;
          if (nul === 0 && codes[i] === INT64_HALVES) {
            const high = (this.cols[i] as Int32Array)[2 * n + 1]!;
            if (high <= -SAFE_HIGH || high >= SAFE_HIGH) this.safe = false;
          }
        }
        this.latest[n] = this.int64(0, n);
        n++;
      }
    }
    this.n = n;
  }

  /** Int64 field i of tile n as a double (exact while `safe`). */
  private int64(i: number, n: number): number {
    const h = this.cols[i] as Int32Array;
    return h[2 * n + 1]! * 4294967296 + (h[2 * n]! >>> 0);
  }

  /** The latest event time before the read time (µs) as a number, -Infinity for none, NaN when not exact as a number. */
  latestMicros(): number {
    if (!this.safe || !this.timesSafe) return NaN;
    let best = -Infinity;
    for (let i = 0; i < this.n; i++) {
      const l = this.latest[i]!;
      if (l < this.tNum && l > best) best = l;
    }
    return best;
  }

  /** The latest event time before the read time over the tiles (µs), or NO_EVENT. */
  latestBefore(): bigint {
    let best = NO_EVENT;
    for (const l of this.generalTiles().latest) if (l < this.t && l > best) best = l;
    return best;
  }

  /**
   * Feature `k` of the tiles last read: its value (counts as numbers, int64 sums as bigints), null
   * for NULL, undefined when the tiles cannot answer it (BEFORE_STATE).
   */
  finish(k: number): OnlineValue | undefined {
    if (this.before[k] === 1) return undefined;
    if (!this.fast[k] || !this.safe || !this.timesSafe) return this.finishGeneral(k);
    const h = hopOf(this.layout);
    const pi = h.featurePartial[k]!;
    const kind = h.partials[pi]!.kind;
    const at = this.fieldOf[pi]!;
    const { tNum, buckets, latest, nulls } = this;
    const lower = this.lowers[k]!;
    let n = 0;
    let sum = 0;
    let mean = 0;
    let m2 = 0;
    let best = 0;
    let found = false;
    const values = kind === "sum" || kind === "moments" ? (this.cols[at + 1] as Float64Array) : (this.cols[at] as Float64Array);
    for (let i = 0; i < this.n; i++) {
      const b = buckets[i]!;
      if (b >= tNum) break;
      if (b < lower) continue;
      if (latest[i]! >= tNum) return undefined;
      if (kind === "min" || kind === "max") {
        if (nulls[at]![i] === 1) continue;
        const x = values[i]!;
        if (!found || (kind === "min" ? numberBefore(x, best) : numberBefore(best, x))) best = x;
        found = true;
        continue;
      }
      const c = this.int64(at, i);
      if (kind === "count") n += c;
      else if (c === 0) continue;
      else if (kind === "sum") {
        sum += values[i]!;
        n += c;
      } else {
        // Chan et al.'s merge of (count, mean, M2).
        const total = n + c;
        const d = values[i]! - mean;
        mean += (d * c) / total;
        m2 += (this.cols[at + 2] as Float64Array)[i]! + (d * d * n * c) / total;
        n = total;
      }
    }
    if (kind === "min" || kind === "max") return found ? best : null;
    const fn = this.layout.features[k]!.function;
    if (fn === "count") return n;
    if (n === 0) return null;
    return fn === "sum" ? sum : fn === "avg" ? sum / n : Math.sqrt(m2 / n);
  }

  /** `finish` over bigints and values as decoded (tiles in bucket order, ties in record order). */
  private finishGeneral(k: number): OnlineValue | undefined {
    const { t } = this;
    const { buckets, latest, values: tiles } = this.generalTiles();
    const w = this.windows[k]!;
    const lower = w === null ? null : floorTo(t - w, this.hop);
    if (lower !== null && lower < this.tilesStart) return undefined;
    const h = hopOf(this.layout);
    const pi = h.featurePartial[k]!;
    const p = h.partials[pi]!;
    const at = this.fieldOf[pi]!;
    const fn = this.layout.features[k]!.function;
    let n = 0;
    let sum: number | bigint = 0;
    let mean = 0;
    let m2 = 0;
    let best: OnlineValue = null;
    let bestTs = 0n;
    let bestCreated: bigint | null = null;
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i]!;
      if (b >= t) break;
      if (lower !== null && b < lower) continue;
      if (latest[i]! >= t) return undefined;
      const vals = tiles[i]!;
      switch (p.kind) {
        case "count":
          n += Number(vals[at] as bigint);
          break;
        case "sum": {
          const c = Number(vals[at] as bigint);
          if (c === 0) break;
          const s = vals[at + 1]!;
          sum = typeof s === "bigint" ? (n === 0 ? 0n : (sum as bigint)) + s : (n === 0 ? 0 : (sum as number)) + (s as number);
          n += c;
          break;
        }
        case "moments": {
          const c = Number(vals[at] as bigint);
          if (c === 0) break;
          const total = n + c;
          const d = (vals[at + 1] as number) - mean;
          mean += (d * c) / total;
          m2 += (vals[at + 2] as number) + (d * d * n * c) / total;
          n = total;
          break;
        }
        case "min":
        case "max": {
          const v = vals[at]!;
          if (v === null) break;
          const c = best === null ? 0 : compareValues(v, best);
          if (best === null || (p.kind === "min" ? c < 0 : c > 0)) best = v;
          break;
        }
        case "last": {
          const ts = vals[at] as bigint | null;
          if (ts === null) break;
          const created = this.layout.created ? (vals[at + 1] as bigint | null) : null;
          const v = vals[at + (this.layout.created ? 2 : 1)]!;
          if (best === null || later(ts, created, v, bestTs, bestCreated, best) > 0) {
            best = v;
            bestTs = ts;
            bestCreated = created;
          }
          break;
        }
      }
    }
    switch (fn) {
      case "count":
        return n;
      case "sum":
        // An int64 sum beyond the int64 range is returned as it is: the client refuses it, naming the feature.
        return n === 0 ? null : sum;
      case "avg":
        return n === 0 ? null : Number(sum) / n;
      case "stddev":
        return n === 0 ? null : Math.sqrt(m2 / n);
      default:
        return best;
    }
  }

  /** The tiles last read, decoded with bigints, in bucket order (ties in record order). */
  private generalTiles(): { buckets: bigint[]; latest: bigint[]; values: OnlineValue[][] } {
    if (this.general) return this.general;
    const tiles: { b: bigint; values: OnlineValue[]; i: number }[] = [];
    const bytes = this.bytes;
    let p = 0;
    while (bytes !== null && p < bytes.length) {
      const [len, q] = readVarint(bytes, p, TRUNCATED);
      if (q + len > bytes.length) throw new Error(TRUNCATED);
      const { ts, values } = decodeValue(this.types, bytes.subarray(q, q + len));
      tiles.push({ b: ts, values, i: tiles.length });
      p = q + len;
    }
    tiles.sort((x, y) => (x.b < y.b ? -1 : x.b > y.b ? 1 : x.i - y.i));
    return (this.general = {
      buckets: tiles.map((x) => x.b),
      latest: tiles.map((x) => x.values[0] as bigint),
      values: tiles.map((x) => x.values),
    });
  }

  /** Room for `n` tiles in every column. */
  private reserve(n: number): void {
    if (n <= this.buckets.length && this.cols.length > 0) return;
    const cap = Math.max(n, 2 * this.buckets.length, 64);
    this.buckets = new Float64Array(cap);
    this.latest = new Float64Array(cap);
    this.cols = Array.from(this.codes, (c) =>
      c === INT64_HALVES ? new Int32Array(2 * cap) : c >= 1 && c <= 3 ? new Float64Array(cap) : new Array<OnlineValue>(cap).fill(null),
    );
    this.nulls = Array.from(this.codes, () => new Uint8Array(cap));
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const TRUNCATED = "hop state is truncated (a tile runs past its end)";
