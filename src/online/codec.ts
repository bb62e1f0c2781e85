/**
 * The packed form of one (entity, view) value set, shared by the loader and the client. Imports
 * nothing, so the client stays small.
 *
 *   byte 0          format version (1)
 *   bytes 1..8      event timestamp, microseconds since 1970 UTC, int64 little-endian
 *   null bitmap     ceil(n / 8) bytes, bit i set = feature i is NULL
 *   values          each non-NULL feature in layout order: int32 4 bytes, int64 and timestamp
 *                   8 bytes (exact), float32 4, float64 8, bool 1, string varint length + UTF-8
 *
 * Five float64 features take 50 bytes; ten take 91.
 */
import type { OnlineType } from "./layout.js";

/** A decoded feature value: int64 as bigint (exact), timestamps as microseconds (bigint). */
export type OnlineValue = number | bigint | string | boolean | null;

const FORMAT = 1;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** Packs an event timestamp and feature values (in layout order) into bytes. */
export function encodeValue(types: readonly OnlineType[], ts: bigint, values: readonly OnlineValue[]): Uint8Array {
  return new ValuePacker(types, 0).pack(ts, values);
}

// Type codes and fixed sizes, so packing a row compares small integers rather than type names.
const STRING = 0;
const CODE: Record<OnlineType, number> = { string: STRING, int32: 1, float32: 2, float64: 3, int64: 4, timestamp: 4, bool: 5 };
const FIXED_SIZE = [0, 4, 4, 8, 8, 1];
/** A decoding code for an int64 read into two int32 halves (see `decodeColumns`); never packed. */
export const INT64_HALVES = 6;

/**
 * Packs value sets of one layout one after another into shared slabs of memory: one small view
 * per value instead of one buffer each, which is what makes a load of millions of rows cheap.
 * Each returned view stays valid (a full slab is left to the views into it; slabs are never reused).
 */
export class ValuePacker {
  private slab = new Uint8Array(0);
  private view = new DataView(this.slab.buffer);
  private pos = 0;
  private readonly codes: number[];
  private readonly sizes: number[];
  private readonly bitmapLen: number;
  private readonly strings: (Uint8Array | undefined)[] = [];

  /** `slabBytes` 0: each value gets a buffer of its own (what `encodeValue` returns). */
  constructor(
    types: readonly OnlineType[],
    private readonly slabBytes = 1 << 18,
  ) {
    this.codes = types.map((t) => CODE[t]);
    this.sizes = this.codes.map((c) => FIXED_SIZE[c]!);
    this.bitmapLen = (types.length + 7) >> 3;
  }

  /** Packs `values[offset … offset + types.length)` with event timestamp `ts`. */
  pack(ts: bigint, values: ArrayLike<OnlineValue | undefined>, offset = 0): Uint8Array {
    const size = this.measure(values, offset);
    if (this.pos + size > this.slab.length) {
      this.slab = new Uint8Array(Math.max(this.slabBytes, size));
      this.view = new DataView(this.slab.buffer);
      this.pos = 0;
    }
    const out = this.slab;
    const start = this.pos;
    const p = (this.pos = this.write(out, this.view, start, ts, values, offset));
    return start === 0 && p === out.length ? out : out.subarray(start, p);
  }

  /**
   * The bytes `pack` would take for these values; `write` must follow with the same values (it
   * takes the UTF-8 of their strings from here).
   */
  measure(values: ArrayLike<OnlineValue | undefined>, offset = 0): number {
    const { codes, sizes, strings } = this;
    const n = codes.length;
    let size = 9 + this.bitmapLen;
    for (let i = 0; i < n; i++) {
      const v = values[offset + i];
      if (v === null || v === undefined) continue;
      if (codes[i] === STRING) {
        const b = textEncoder.encode(String(v));
        strings[i] = b;
        size += varintSize(b.length) + b.length;
      } else size += sizes[i]!;
    }
    return size;
  }

  /**
   * Writes the packed value measured last into `out` at `p` (`dv` a DataView of out's whole
   * buffer; `ts` a bigint, or a number of µs exact within ±2^53); returns the position after it.
   */
  write(out: Uint8Array, dv: DataView, p: number, ts: bigint | number, values: ArrayLike<OnlineValue | undefined>, offset = 0): number {
    const { codes, strings } = this;
    const n = codes.length;
    const bitmap = p + 9;
    out[p] = FORMAT;
    const at = out.byteOffset + p + 1;
    if (typeof ts === "bigint") dv.setBigInt64(at, ts, true);
    else {
      const high = Math.floor(ts / 4294967296);
      dv.setUint32(at, ts - high * 4294967296, true);
      dv.setInt32(at + 4, high, true);
    }
    for (let i = 0; i < this.bitmapLen; i++) out[bitmap + i] = 0;
    p = bitmap + this.bitmapLen;
    for (let i = 0; i < n; i++) {
      const v = values[offset + i];
      if (v === null || v === undefined) {
        out[bitmap + (i >> 3)]! |= 1 << (i & 7);
        continue;
      }
      const o = out.byteOffset + p;
      switch (codes[i]) {
        case 3:
          dv.setFloat64(o, Number(v), true);
          p += 8;
          break;
        case 4:
          dv.setBigInt64(o, typeof v === "bigint" ? v : BigInt(v as number | string), true);
          p += 8;
          break;
        case 1:
          dv.setInt32(o, Number(v), true);
          p += 4;
          break;
        case 2:
          dv.setFloat32(o, Number(v), true);
          p += 4;
          break;
        case 5:
          out[p++] = v ? 1 : 0;
          break;
        default: {
          const b = strings[i]!;
          strings[i] = undefined;
          p = writeVarint(out, p, b.length);
          out.set(b, p);
          p += b.length;
        }
      }
    }
    return p;
  }
}

/** Unpacks bytes written by `encodeValue` with the same types. */
export function decodeValue(types: readonly OnlineType[], bytes: Uint8Array): { ts: bigint; values: OnlineValue[] } {
  const codes = typeCodes(types);
  const cells = types.map((t) => (isNumberType(t) ? new Float64Array(1) : [null as OnlineValue]));
  decodeColumns(codes, bytes, cells, 0);
  return { ts: eventTime(bytes), values: cells.map((c, i) => (isNull(bytes, i) ? null : c[0]!)) };
}

/** Whether a type is read as a JS number (so `decodeColumns` writes it into a Float64Array). */
export function isNumberType(t: OnlineType): boolean {
  return t === "int32" || t === "float32" || t === "float64";
}

/** Whether feature i of a packed value is NULL. */
export function isNull(bytes: Uint8Array, i: number): boolean {
  return (bytes[9 + (i >> 3)]! & (1 << (i & 7))) !== 0;
}

/** The codes `decodeFields` takes for a layout's types (computed once per layout by a reader). */
export function typeCodes(types: readonly OnlineType[]): Uint8Array {
  return Uint8Array.from(types, (t) => CODE[t]);
}

// One DataView per underlying buffer, not per value: a read of many values allocates no views.
let viewBuffer: ArrayBufferLike | undefined;
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

function viewOf(bytes: Uint8Array): DataView<ArrayBufferLike> {
  if (bytes.buffer !== viewBuffer) {
    viewBuffer = bytes.buffer;
    view = new DataView(bytes.buffer);
  }
  return view;
}

/**
 * Unpacks the feature values of bytes written by `encodeValue` straight into columns: feature i
 * goes to `targets[i][r]`, or nowhere if `targets[i]` is undefined. By code (`typeCodes`):
 * int32, float32 and float64 into a Float64Array; int64 and timestamp as bigints into an array
 * or a BigInt64Array; INT64_HALVES (an int64 read without making a bigint) into an Int32Array
 * over a BigInt64Array, as two halves at 2r and 2r + 1 (little-endian hosts only); bool and
 * string into an array. A NULL writes nothing: the caller fills the columns beforehand (NaN,
 * 0n, null), and `isNull` tells a NULL from a value.
 */
export function decodeColumns(
  codes: Uint8Array,
  bytes: Uint8Array,
  targets: readonly (OnlineValue[] | Float64Array | BigInt64Array | Int32Array | undefined)[],
  r: number,
): void {
  checkFormat(bytes);
  const dv = viewOf(bytes);
  const n = codes.length;
  // p runs over the DataView of the whole buffer (values read from Redis are slices of one reply buffer).
  let p = bytes.byteOffset + 9 + ((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    const t = targets[i];
    if (bytes[9 + (i >> 3)]! & (1 << (i & 7))) continue;
    switch (codes[i]) {
      case 3:
        if (t) (t as Float64Array)[r] = dv.getFloat64(p, true);
        p += 8;
        break;
      case 4:
        if (t) (t as bigint[])[r] = dv.getBigInt64(p, true);
        p += 8;
        break;
      case INT64_HALVES:
        if (t) {
          (t as Int32Array)[2 * r] = dv.getInt32(p, true);
          (t as Int32Array)[2 * r + 1] = dv.getInt32(p + 4, true);
        }
        p += 8;
        break;
      case 1:
        if (t) (t as Float64Array)[r] = dv.getInt32(p, true);
        p += 4;
        break;
      case 2:
        if (t) (t as Float64Array)[r] = shortestFloat32(dv.getFloat32(p, true));
        p += 4;
        break;
      case 5:
        if (t) (t as OnlineValue[])[r] = dv.getUint8(p) === 1;
        p++;
        break;
      default: {
        let len = 0;
        let shift = 0;
        for (;;) {
          const b = dv.getUint8(p++);
          len |= (b & 0x7f) << shift;
          if (b < 0x80) break;
          shift += 7;
        }
        if (t) (t as OnlineValue[])[r] = textDecoder.decode(new Uint8Array(dv.buffer, p, len));
        p += len;
      }
    }
  }
  if (p > bytes.byteOffset + bytes.byteLength)
    throw new Error("online value is shorter than its layout (truncated or packed with other types)");
}

/** Powers of ten that doubles hold exactly (10^0 … 10^22). */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * A float32 value as the number of the shortest decimal that reads back as the same float32
 * (`Math.fround(result) === x`): 1.111 stored as float32 is 1.1109999418258667 as a double, and
 * comes back as 1.111, so JSON shows `1.111` as the training CSV does. Of two shortest decimals
 * equally near, the one farther from zero (as `toPrecision` rounds). NaN, ±Infinity and ±0 are
 * returned as they are. `x` must be a float32 value (what DataView#getFloat32 gives).
 */
export function shortestFloat32(x: number): number {
  if (x === 0 || x !== x || x === Infinity || x === -Infinity) return x;
  const ax = x < 0 ? -x : x;
  const e = Math.floor(Math.log10(ax));
  // Outside 1e-13 … 1e21 the scaling below is no longer exact: the string search (rare values).
  if (e < -13 || e > 21) return shortestByText(x);
  // p significant digits work if p - 1 do (a coarser decimal grid is part of a finer one): a
  // binary search over 1 … 9 digits (9 always read back) tries about four.
  let found = decimalNear(ax, 8 - e);
  if (found !== found) return shortestByText(x);
  for (let lo = 1, hi = 9; lo < hi;) {
    const mid = (lo + hi) >> 1;
    const y = decimalNear(ax, mid - 1 - e);
    if (y === y) {
      hi = mid;
      found = y;
    } else lo = mid + 1;
  }
  return x < 0 ? -found : found;
}

/**
 * The decimal m / 10^k nearest to `ax` that reads back as the float32 `ax`, or NaN if none does.
 * m / 10^k and m * 10^-k are correctly rounded (m and the power of ten are exact), so the result
 * is the double that the decimal text would parse to.
 */
function decimalNear(ax: number, k: number): number {
  const m0 = Math.round(k >= 0 ? ax * POW10[k]! : ax / POW10[-k]!);
  let best = NaN;
  for (let m = m0 - 1; m <= m0 + 1; m++) {
    const y = k >= 0 ? m / POW10[k]! : m * POW10[-k]!;
    // `<=` keeps the later (larger) of two equally near decimals.
    if (Math.fround(y) === ax && !(Math.abs(y - ax) > Math.abs(best - ax))) best = y;
  }
  return best;
}

function shortestByText(x: number): number {
  for (let p = 1; p < 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return Number(x.toPrecision(9));
}

/** The event timestamp of a packed value, µs since 1970 UTC. */
export function eventTime(bytes: Uint8Array): bigint {
  checkFormat(bytes);
  return viewOf(bytes).getBigInt64(bytes.byteOffset + 1, true);
}

/**
 * The low and high int32 of a packed value's int64 event timestamp (no bigint made):
 * the timestamp is `high * 2^32 + (low >>> 0)`.
 */
export function eventTimeLow(bytes: Uint8Array): number {
  checkFormat(bytes);
  return int32At(bytes, 1);
}
export function eventTimeHigh(bytes: Uint8Array): number {
  return int32At(bytes, 5);
}

function int32At(bytes: Uint8Array, p: number): number {
  return bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24);
}

function checkFormat(bytes: Uint8Array): void {
  if (bytes[0] !== FORMAT) throw new Error(`online value in unknown format ${bytes[0]} (this client reads format ${FORMAT})`);
}

/**
 * An entity's key as text: one join key is its value as text; several are a JSON array of their
 * texts, so keys (1, 23) and (12, 3) never meet. Integers of any size keep every digit.
 */
export function encodeKey(parts: readonly unknown[]): string {
  if (parts.length === 1) return keyPart(parts[0]);
  return JSON.stringify(parts.map(keyPart));
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * An int64 join-key value as the text the store is keyed by (its canonical decimal: "042" and 42
 * are both "42"), or undefined when `v` is not an integer in the int64 range given exactly (a JS
 * number beyond 2^53, a fraction, text that is not an integer). The loader and the client key
 * int64 entities with it, so both sides agree.
 */
export function int64KeyText(v: unknown): string | undefined {
  let b: bigint;
  if (typeof v === "bigint") b = v;
  else if (typeof v === "number")
    return Number.isSafeInteger(v) ? String(v) : undefined; // -0 → "0"
  else if (typeof v === "string" && /^\s*[+-]?\d+\s*$/.test(v)) b = BigInt(v.trim());
  else return undefined;
  return b >= INT64_MIN && b <= INT64_MAX ? b.toString() : undefined;
}

function keyPart(v: unknown): string {
  if (v === null || v === undefined) throw new Error("a join key value is missing (NULL keys match nothing)");
  return typeof v === "string" ? v : String(v);
}

/** The bytes of `n` (a length, below 2^31) as a varint. */
export function varintSize(n: number): number {
  let s = 1;
  while (n >= 0x80) {
    n >>>= 7;
    s++;
  }
  return s;
}

/** Writes `n` (a length, below 2^31) as a varint at `p`; returns the position after it. */
export function writeVarint(out: Uint8Array, p: number, n: number): number {
  while (n >= 0x80) {
    out[p++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[p++] = n;
  return p;
}

/**
 * Reads the varint length at `p` of a sequence of length-prefixed records (aggregation states,
 * hop tiles, pushed records): [length, position after the varint]. Throws Error(`truncated`) when
 * the bytes end inside it.
 */
export function readVarint(bytes: Uint8Array, p: number, truncated: string): [number, number] {
  let len = 0;
  let shift = 0;
  for (;;) {
    if (p >= bytes.length) throw new Error(truncated);
    const b = bytes[p++]!;
    len += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [len, p];
    shift += 7;
  }
}

/**
 * Orders strings by code point (= UTF-8 byte order, as DuckDB and PostgreSQL's "C" collation):
 * JS `<` compares UTF-16 units, which differs past U+FFFF. Allocates nothing.
 */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800–DFFF) encode code points above U+FFFF: they sort after U+E000–FFFF.
    const fx = x >= 0xd800 && x <= 0xdfff ? x + 0x2000 : x >= 0xe000 ? x - 0x800 : x;
    const fy = y >= 0xd800 && y <= 0xdfff ? y + 0x2000 : y >= 0xe000 ? y - 0x800 : y;
    return fx < fy ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
