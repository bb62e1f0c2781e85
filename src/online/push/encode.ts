/**
 * Pushed rows checked and encoded for every view over the push source (docs/push.md): per row,
 * its event time, its dedupe id, and per view the entity key and the bytes the store appends
 * (an aggregation view: one event record, src/online/aggregation-state.ts, or with `hop:` one
 * tile, src/online/push/encode-hop.ts) or keeps (a plain view:
 * the row, after an order prefix). Pure: the stores apply the result (src/online/<store>/pusher.ts).
 */
import { ValuePacker, encodeKey, int64KeyText, varintSize, writeVarint } from "../codec.js";
import type { OnlineValue } from "../codec.js";
import { evaluateFilter, FilterEvalError } from "../filter-eval.js";
import type { FilterExpr, FilterNode } from "../filter-eval.js";
import type { ColumnCheck, OnlineType, PushLayout, ViewLayout } from "../layout.js";
import { parseTimestamp } from "../../timestamps.js";
import type { PushRowProblem, PushRows } from "./types.js";
import { BadValue, columnValueProblem, toFilterValue, toMicros, toOnline, toText } from "./values.js";
import { hopEventEncoder } from "./encode-hop.js";

/** A view a push writes to, as the store needs it. */
export interface PushTarget {
  view: string;
  version: number;
  /** The version's materialization end (µs). */
  end: bigint;
  kind: "aggregation" | "plain";
  /** µs; null: nothing is late. */
  lateness: bigint | null;
  /** Plain views with a ttl: how long a pushed row is kept after its event time (ms); null: no expiry. */
  ttlMs: number | null;
}

/**
 * One step of a push, ready for a store: rows × targets, column-shaped (a few arrays for the whole
 * request, no object per row: a push of many rows keeps little for the garbage collector to copy).
 * Entry x = r · targets.length + j is row r's for target j.
 */
export interface EncodedPush {
  source: string;
  targets: PushTarget[];
  /** The dedupe ids are checked (the source has a dedupe_key). */
  dedupe: boolean;
  /** Every view over the source has a lateness: ids older than every view's horizon may be dropped. */
  trimIds: boolean;
  /** Rows of the step. */
  n: number;
  /** Per row: the dedupe id (null: none, or no dedupe_key). */
  ids: (string | null)[];
  /** Per row: the event time in µs since 1970 UTC, exact (a push takes |t| ≤ 2^53: MAX_PUSH_MICROS). */
  ts: Float64Array;
  /** Per entry: the entity key. */
  keys: string[];
  /** Per entry x: its bytes are `bytes[starts[x] … starts[x + 1])` (starts has one more item than keys). */
  bytes: Uint8Array;
  starts: Uint32Array;
}

/** Rows `[from, to)` of an encoded push, sharing its bytes. */
export function pushStep(push: EncodedPush, from: number, to: number): EncodedPush {
  const nv = push.targets.length;
  to = Math.min(to, push.n);
  if (from === 0 && to === push.n) return push;
  return {
    ...push,
    n: to - from,
    ids: push.ids.slice(from, to),
    ts: push.ts.subarray(from, to),
    keys: push.keys.slice(from * nv, to * nv),
    starts: push.starts.subarray(from * nv, to * nv + 1),
  };
}

/** The bytes of entry x of a step (a view into its bytes). */
export function entryBytes(push: EncodedPush, x: number): Uint8Array {
  return push.bytes.subarray(push.starts[x]!, push.starts[x + 1]!);
}

/**
 * How far after the pushing machine's clock an event time may be (1 day of clock skew): a later
 * one is a bad row. One event from the future would make the view's newest event time jump, and
 * every real event after it late (docs/push.md, "Lateness"); replays of the past are not affected.
 */
export const MAX_FUTURE_MICROS = 86_400_000_000;

const FUTURE =
  "the event timestamp is more than a day after this machine's clock: an event from the future would make every later real event late; check its time zone and unit";

/** Options of encodePush. */
export interface EncodeOptions {
  /** The clock (µs since 1970) event times are checked against (MAX_FUTURE_MICROS); default now; null: not checked. */
  nowMicros?: number | null;
}

/** The largest |event time| in µs a push takes: the Redis script compares event times as doubles, exact up to 2^53 (the year 2255). */
export const MAX_PUSH_MICROS = 2n ** 53n;

/** Rows as a reader by row number and column, and their number; checks the shape. */
export function rowAccess(rows: PushRows): {
  n: number;
  get: (r: number, column: string) => unknown;
  columns: () => Set<string>;
  /** Each column not among `known`, with the first row (1-based) that has it: per row for rows, once for columns. */
  unknownColumns: (known: ReadonlySet<string>) => { row: number; column: string }[];
} {
  if (Array.isArray(rows)) {
    return {
      n: rows.length,
      get: (r, c) => {
        const row = rows[r] as Record<string, unknown> | null;
        return row !== null && typeof row === "object" ? row[c] : undefined;
      },
      columns: () => new Set(rows.flatMap((row) => (row && typeof row === "object" ? Object.keys(row) : []))),
      unknownColumns: (known) => {
        const out: { row: number; column: string }[] = [];
        let reported: Set<string> | undefined;
        for (let r = 0; r < rows.length; r++) {
          const row = rows[r] as Record<string, unknown> | null;
          if (row === null || typeof row !== "object") continue;
          for (const c in row)
            if (!known.has(c) && !(reported ??= new Set()).has(c)) {
              reported.add(c);
              out.push({ row: r + 1, column: c });
            }
        }
        return out;
      },
    };
  }
  if (rows === null || typeof rows !== "object") throw new TypeError("rows must be an array of objects or an object of column arrays");
  const cols = Object.entries(rows);
  for (const [c, vals] of cols) if (!Array.isArray(vals)) throw new TypeError(`column '${c}' is not an array`);
  const lengths = new Set(cols.map(([, v]) => v.length));
  if (lengths.size > 1) throw new TypeError(`the columns have different lengths (${cols.map(([c, v]) => `${c}: ${v.length}`).join(", ")})`);
  const n = cols[0]?.[1].length ?? 0;
  return {
    n,
    get: (r, c) => rows[c]?.[r],
    columns: () => new Set(cols.map(([c]) => c)),
    unknownColumns: (known) => (n === 0 ? [] : cols.filter(([c]) => !known.has(c)).map(([c]) => ({ row: 1, column: c }))),
  };
}

/** Per view, what encoding needs, prepared once. */
interface Prepared {
  layout: ViewLayout;
  push: PushLayout;
  packer: ValuePacker;
  /** Per value: its online type. */
  valueTypes: OnlineType[];
  /** Per filter: the columns it reads and their filter types. */
  filterColumns: [string, string][][];
  /** A view with `hop:`: its pushed event's bytes (src/online/push/encode-hop.ts). */
  hopEvent?: (ts: bigint, values: readonly OnlineValue[]) => Uint8Array;
}

function filterColumns(expr: FilterExpr): [string, string][] {
  const out = new Map<string, string>();
  const walk = (n: FilterNode | FilterNode[] | undefined): void => {
    if (!n) return;
    if (Array.isArray(n)) return n.forEach(walk);
    if (n.op === "column") out.set(n.name, n.type);
    for (const v of Object.values(n)) if (v && typeof v === "object") walk(v as FilterNode);
  };
  walk(expr.where);
  return [...out];
}

function prepare(layout: ViewLayout): Prepared {
  const push = layout.push!;
  if (layout.aggregation) {
    const off = layout.aggregation.created ? 1 : 0;
    return {
      layout,
      push,
      packer: new ValuePacker(layout.aggregation.eventTypes, 1 << 16),
      valueTypes: layout.aggregation.eventTypes.slice(off, off + push.values.length),
      filterColumns: push.filters.map(filterColumns),
      ...(layout.aggregation.hop ? { hopEvent: hopEventEncoder(layout.aggregation) } : {}),
    };
  }
  return {
    layout,
    push,
    packer: new ValuePacker(
      layout.features.map((f) => f[1]),
      1 << 16,
    ),
    valueTypes: layout.features.map((f) => f[1]),
    filterColumns: [],
  };
}

/** `hex16(x + 2^63)`: text whose order is the order of the int64 x. */
function orderHex(x: bigint): string {
  return (x + 2n ** 63n).toString(16).padStart(16, "0");
}

const textEncoder = new TextEncoder();
const HEX = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];

/** Writes `hex16(x + 2^63)` of an exact number x (|x| ≤ 2^53) at `p`, as orderHex does; no bigint. */
function writeOrderHex(out: Uint8Array, p: number, x: number): void {
  const high = Math.floor(x / 4294967296);
  let lo = x - high * 4294967296;
  let hi = (high + 0x80000000) >>> 0;
  for (let i = 7; i >= 0; i--) {
    out[p + i] = HEX[hi & 15]!;
    out[p + 8 + i] = HEX[lo % 16]!;
    hi >>>= 4;
    lo = Math.floor(lo / 16);
  }
}

/**
 * The bytes a plain view keeps for a pushed row: 32 characters of order (event time, then created
 * time, NULL lowest; as hex text, so the Redis script compares them as strings), then the packed
 * value (src/online/codec.ts), read as the version's values are.
 */
export const PLAIN_ORDER_BYTES = 32;

/** The largest |milliseconds| of a Date whose µs a push takes (µs within ±2^53). */
const MAX_PUSH_MILLIS = Math.floor(Number(MAX_PUSH_MICROS) / 1000);
const BEYOND = "the event timestamp is beyond the year 2255 (or before 1684), which pushes do not take";

/** A growing byte buffer the records of a push are written into, one after another. */
class RecordBytes {
  bytes: Uint8Array;
  view: DataView;
  p = 0;
  constructor(size: number) {
    this.bytes = new Uint8Array(Math.max(size, 256));
    this.view = new DataView(this.bytes.buffer);
  }
  /** Room for `n` more bytes. */
  reserve(n: number): void {
    if (this.p + n <= this.bytes.length) return;
    const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.p + n));
    bigger.set(this.bytes.subarray(0, this.p));
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer);
  }
}

/**
 * Checks every row for every view of `layouts` (all over push source `source`), and encodes them.
 * Returns the problems (1-based rows) instead when there are any: a push with a bad row writes
 * nothing. A column the source does not have is a problem (once per column, at the first row
 * that has it) when the layouts know the source's columns (PushLayout.columns).
 */
export function encodePush(
  source: string,
  layouts: readonly ViewLayout[],
  rows: PushRows,
  opts: EncodeOptions = {},
): { push: EncodedPush; problems: [] } | { push?: undefined; problems: PushRowProblem[] } {
  const access = rowAccess(rows);
  const get = access.get;
  const views = layouts.map(prepare);
  const nv = views.length;
  const first = views[0]!.push;
  const problems: PushRowProblem[] = [];
  const known = layouts.find((l) => l.push?.columns)?.push?.columns;
  if (known) {
    const columns = new Set(known);
    for (const u of access.unknownColumns(columns))
      problems.push({ row: u.row, column: u.column, reason: `no such column in push source '${source}' (columns: ${known.join(", ")})` });
  }
  // Every value is checked against its source column (ColumnCheck), read by a view or not: what the
  // warehouse would refuse or change is a bad row, online as offline. Older layouts: NaN in floats only.
  const checks = layouts.find((l) => l.push?.columnChecks)?.push?.columnChecks;
  // (the timestamp, the dedupe key, join keys and created timestamps have checks of their own below)
  const ownChecks = new Set([first.timestamp, first.dedupeKey, ...views.flatMap((v) => [...v.push.keys, v.push.created])]);
  const checked: [string, ColumnCheck][] = (
    checks
      ? Object.entries(checks)
      : (layouts.find((l) => l.push?.floatColumns)?.push?.floatColumns ?? []).map((c): [string, ColumnCheck] => [c, { kind: "float" }])
  ).filter(([c]) => !ownChecks.has(c));
  const horizon = opts.nowMicros === null ? Infinity : (opts.nowMicros ?? Date.now() * 1000) + MAX_FUTURE_MICROS;
  const n = access.n;
  const ids = new Array<string | null>(n);
  const tss = new Float64Array(n);
  const keys = new Array<string>(n * nv);
  const starts = new Uint32Array(n * nv + 1);
  const out = new RecordBytes(n * nv * 24);
  const values: OnlineValue[] = [];
  const keyParts: string[] = [];
  // Problems of row r: one per (column, reason).
  let row = 0;
  let seen: Set<string> | undefined;
  const problem = (column: string | undefined, reason: string): void => {
    const k = `${row}\u0000${column ?? ""}\u0000${reason}`;
    if ((seen ??= new Set()).has(k)) return;
    seen.add(k);
    problems.push({ row: row + 1, ...(column !== undefined ? { column } : {}), reason });
  };
  for (let r = 0; r < n; r++) {
    row = r;
    let ts = NaN;
    const tsRaw = get(r, first.timestamp);
    if (tsRaw === null || tsRaw === undefined) problem(first.timestamp, "the event timestamp is missing");
    else if (tsRaw instanceof Date && !Number.isNaN(tsRaw.getTime())) {
      const ms = tsRaw.getTime();
      if (ms > MAX_PUSH_MILLIS || ms < -MAX_PUSH_MILLIS) problem(first.timestamp, BEYOND);
      else ts = ms * 1000;
    } else
      try {
        const t = toMicros(tsRaw);
        if (t > MAX_PUSH_MICROS || t < -MAX_PUSH_MICROS) problem(first.timestamp, BEYOND);
        else ts = Number(t);
      } catch (err) {
        problem(first.timestamp, (err as Error).message);
      }
    let id: string | null = null;
    if (first.dedupeKey !== null) {
      const v = get(r, first.dedupeKey);
      if (v === null || v === undefined)
        problem(first.dedupeKey, "the dedupe_key is missing (an event without an id cannot be deduplicated)");
      else if (typeof v === "string" || typeof v === "number" || typeof v === "bigint" || typeof v === "boolean" || v instanceof Date)
        try {
          // As the warehouse writes the column's value (load records the loaded events' ids so).
          id = toText(v, first.dedupeTextOf);
        } catch (err) {
          problem(first.dedupeKey, `the dedupe_key ${(err as Error).message}`);
        }
      else problem(first.dedupeKey, "the dedupe_key must be text or a number");
    }
    for (let i = 0; i < checked.length; i++) {
      const [column, check] = checked[i]!;
      const wrong = columnValueProblem(get(r, column), check);
      if (wrong !== undefined) problem(column, wrong);
    }
    if (ts > horizon) {
      problem(first.timestamp, FUTURE);
      ts = NaN;
    }
    // A row already bad in its values is not evaluated further (a filter over a bad value would only repeat it).
    const badValues = problems.length > 0 && problems[problems.length - 1]!.row === r + 1;
    ids[r] = id;
    tss[r] = ts;
    for (let j = 0; j < nv; j++) {
      const p = views[j]!;
      const { layout, push } = p;
      // Written by index (no length reset, a runtime call, per row).
      let nk = 0;
      for (let i = 0; i < push.keys.length; i++) {
        const col = push.keys[i]!;
        const v = get(r, col);
        const type = layout.keyTypes?.[i];
        if (v === null || v === undefined) problem(col, "the join key is missing");
        else if (type === "int64") {
          const t = int64KeyText(v);
          if (t === undefined) problem(col, `join key ${typeof v === "string" ? JSON.stringify(v) : String(v)} is not an int64`);
          else keyParts[nk++] = t;
        } else if (typeof v === "string" || typeof v === "number" || typeof v === "bigint") keyParts[nk++] = String(v);
        else problem(col, "the join key must be text or a number");
      }
      let created: bigint | null = null;
      if (push.created !== null) {
        const v = get(r, push.created);
        if (v !== null && v !== undefined)
          try {
            created = toMicros(v);
          } catch (err) {
            problem(push.created, (err as Error).message);
          }
      }
      let nvals = 0;
      if (layout.aggregation?.created) values[nvals++] = created;
      let bad = badValues;
      for (let i = 0; i < push.values.length && !badValues; i++) {
        const spec = push.values[i]!;
        const v = get(r, spec.column);
        try {
          values[nvals++] =
            spec.as === "notNull"
              ? v === null || v === undefined
                ? null
                : true
              : spec.as === "text"
                ? toText(v, spec.textOf)
                : toOnline(v, p.valueTypes[i]!);
        } catch (err) {
          if (!(err instanceof BadValue)) throw err;
          problem(spec.column, err.message);
          bad = true;
        }
      }
      for (let i = 0; i < push.filters.length && !bad; i++) {
        const filterRow: Record<string, unknown> = {};
        try {
          for (const [c, t] of p.filterColumns[i]!) filterRow[c] = toFilterValue(get(r, c), t);
          values[nvals++] = evaluateFilter(push.filters[i]!, filterRow) === true;
        } catch (err) {
          if (!(err instanceof BadValue) && !(err instanceof FilterEvalError)) throw err;
          problem(undefined, `a filter of view '${layout.view}' cannot be evaluated: ${err.message}`);
          bad = true;
        }
      }
      // After a problem (in any row) the rest is only checked.
      if (problems.length > 0 || bad || Number.isNaN(ts) || nk !== push.keys.length) continue;
      const x = r * nv + j;
      keys[x] = nk === 1 ? keyParts[0]! : encodeKey(keyParts.length === nk ? keyParts : keyParts.slice(0, nk));
      if (p.hopEvent) {
        // A view with hop: one framed tile of its own (src/online/push/encode-hop.ts).
        const tile = p.hopEvent(BigInt(ts), values);
        out.reserve(tile.length);
        out.bytes.set(tile, out.p);
        out.p += tile.length;
        starts[x + 1] = out.p;
        continue;
      }
      const size = p.packer.measure(values);
      if (layout.aggregation) {
        // One record of the state: varint(length) then the packed event (src/online/aggregation-state.ts).
        out.reserve(varintSize(size) + size);
        out.p = writeVarint(out.bytes, out.p, size);
      } else {
        out.reserve(PLAIN_ORDER_BYTES + size);
        writeOrderHex(out.bytes, out.p, ts);
        textEncoder.encodeInto(orderHex(created ?? -(2n ** 63n)), out.bytes.subarray(out.p + 16, out.p + 32));
        out.p += PLAIN_ORDER_BYTES;
      }
      out.p = p.packer.write(out.bytes, out.view, out.p, ts, values);
      starts[x + 1] = out.p;
    }
  }
  if (problems.length > 0) return { problems: problems.sort((a, b) => a.row - b.row) };
  return {
    push: {
      source,
      targets: views.map(({ layout, push }) => ({
        view: layout.view,
        version: layout.version,
        end: parseTimestamp(layout.end)!,
        kind: layout.aggregation ? "aggregation" : "plain",
        lateness: push.latenessMicros === null ? null : BigInt(push.latenessMicros),
        ttlMs: layout.aggregation || layout.ttlSeconds === null ? null : layout.ttlSeconds * 1000,
      })),
      dedupe: first.dedupeKey !== null,
      trimIds: views.every((v) => v.push.latenessMicros !== null),
      n,
      ids,
      ts: tss,
      keys,
      bytes: out.bytes,
      starts,
    },
    problems: [],
  };
}
