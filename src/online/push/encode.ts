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
import type { OnlineType, PushLayout, ViewLayout } from "../layout.js";
import { parseTimestamp } from "../../timestamps.js";
import type { PushRowProblem, PushRows } from "./types.js";
import { BadValue, toFilterValue, toMicros, toOnline, toText } from "./values.js";
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

/** One step of a push, ready for a store: rows × targets. */
export interface EncodedPush {
  source: string;
  targets: PushTarget[];
  /** The dedupe ids are checked (the source has a dedupe_key). */
  dedupe: boolean;
  /** Every view over the source has a lateness: ids older than every view's horizon may be dropped. */
  trimIds: boolean;
  rows: {
    /** The dedupe id (null: none, or no dedupe_key). */
    id: string | null;
    ts: bigint;
    /** Per target: the entity key and the bytes. */
    entries: { key: string; value: Uint8Array }[];
  }[];
}

/** The largest |event time| in µs a push takes: the Redis script compares event times as doubles, exact up to 2^53 (the year 2255). */
export const MAX_PUSH_MICROS = 2n ** 53n;

/** Rows as a reader by row number and column, and their number; checks the shape. */
export function rowAccess(rows: PushRows): { n: number; get: (r: number, column: string) => unknown; columns: () => Set<string> } {
  if (Array.isArray(rows)) {
    return {
      n: rows.length,
      get: (r, c) => {
        const row = rows[r] as Record<string, unknown> | null;
        return row !== null && typeof row === "object" ? row[c] : undefined;
      },
      columns: () => new Set(rows.flatMap((row) => (row && typeof row === "object" ? Object.keys(row) : []))),
    };
  }
  if (rows === null || typeof rows !== "object") throw new TypeError("rows must be an array of objects or an object of column arrays");
  const cols = Object.entries(rows);
  for (const [c, vals] of cols) if (!Array.isArray(vals)) throw new TypeError(`column '${c}' is not an array`);
  const lengths = new Set(cols.map(([, v]) => v.length));
  if (lengths.size > 1) throw new TypeError(`the columns have different lengths (${cols.map(([c, v]) => `${c}: ${v.length}`).join(", ")})`);
  return { n: cols[0]?.[1].length ?? 0, get: (r, c) => rows[c]?.[r], columns: () => new Set(cols.map(([c]) => c)) };
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

/**
 * The bytes a plain view keeps for a pushed row: 32 characters of order (event time, then created
 * time, NULL lowest; as hex text, so the Redis script compares them as strings), then the packed
 * value (src/online/codec.ts), read as the version's values are.
 */
export const PLAIN_ORDER_BYTES = 32;

/**
 * Checks every row for every view of `layouts` (all over push source `source`), and encodes them.
 * Returns the problems (1-based rows) instead when there are any: a push with a bad row writes
 * nothing.
 */
export function encodePush(
  source: string,
  layouts: readonly ViewLayout[],
  rows: PushRows,
): { push: EncodedPush; problems: [] } | { push?: undefined; problems: PushRowProblem[] } {
  const access = rowAccess(rows);
  const views = layouts.map(prepare);
  const first = views[0]!.push;
  const problems: PushRowProblem[] = [];
  const out: EncodedPush["rows"] = [];
  const values: OnlineValue[] = [];
  for (let r = 0; r < access.n; r++) {
    const seen = new Set<string>();
    const problem = (column: string | undefined, reason: string): void => {
      const k = `${column ?? ""}\u0000${reason}`;
      if (seen.has(k)) return;
      seen.add(k);
      problems.push({ row: r + 1, ...(column !== undefined ? { column } : {}), reason });
    };
    const rowValue = access.get.bind(null, r);
    let ts: bigint | undefined;
    const tsRaw = rowValue(first.timestamp);
    if (tsRaw === null || tsRaw === undefined) problem(first.timestamp, "the event timestamp is missing");
    else
      try {
        ts = toMicros(tsRaw);
        if (ts > MAX_PUSH_MICROS || ts < -MAX_PUSH_MICROS) {
          problem(first.timestamp, "the event timestamp is beyond the year 2255 (or before 1684), which pushes do not take");
          ts = undefined;
        }
      } catch (err) {
        problem(first.timestamp, (err as Error).message);
      }
    let id: string | null = null;
    if (first.dedupeKey !== null) {
      const v = rowValue(first.dedupeKey);
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
    const entries: { key: string; value: Uint8Array }[] = [];
    for (const p of views) {
      const { layout, push } = p;
      const keyParts: string[] = [];
      push.keys.forEach((col, i) => {
        const v = rowValue(col);
        const type = layout.keyTypes?.[i];
        if (v === null || v === undefined) return problem(col, "the join key is missing");
        if (type === "int64") {
          const t = int64KeyText(v);
          if (t === undefined) return problem(col, `join key ${typeof v === "string" ? JSON.stringify(v) : String(v)} is not an int64`);
          keyParts.push(t);
        } else if (typeof v === "string" || typeof v === "number" || typeof v === "bigint") keyParts.push(String(v));
        else problem(col, "the join key must be text or a number");
      });
      let created: bigint | null = null;
      if (push.created !== null) {
        const v = rowValue(push.created);
        if (v !== null && v !== undefined)
          try {
            created = toMicros(v);
          } catch (err) {
            problem(push.created, (err as Error).message);
          }
      }
      values.length = 0;
      if (layout.aggregation?.created) values.push(created);
      let bad = false;
      push.values.forEach((spec, i) => {
        const v = rowValue(spec.column);
        try {
          values.push(
            spec.as === "notNull"
              ? v === null || v === undefined
                ? null
                : true
              : spec.as === "text"
                ? toText(v, spec.textOf)
                : toOnline(v, p.valueTypes[i]!),
          );
        } catch (err) {
          if (!(err instanceof BadValue)) throw err;
          problem(spec.column, err.message);
          bad = true;
        }
      });
      push.filters.forEach((expr, i) => {
        const row: Record<string, unknown> = {};
        try {
          for (const [c, t] of p.filterColumns[i]!) row[c] = toFilterValue(rowValue(c), t);
          values.push(evaluateFilter(expr, row) === true);
        } catch (err) {
          if (!(err instanceof BadValue) && !(err instanceof FilterEvalError)) throw err;
          problem(undefined, `a filter of view '${layout.view}' cannot be evaluated: ${err.message}`);
          bad = true;
        }
      });
      if (ts === undefined || bad || keyParts.length !== push.keys.length) continue;
      const key = keyParts.length === 1 ? keyParts[0]! : encodeKey(keyParts);
      if (p.hopEvent) entries.push({ key, value: p.hopEvent(ts, values) });
      else if (layout.aggregation) {
        // One record of the state: varint(length) then the packed event (src/online/aggregation-state.ts).
        const packed = p.packer.pack(ts, values);
        const value = new Uint8Array(varintSize(packed.length) + packed.length);
        value.set(packed, writeVarint(value, 0, packed.length));
        entries.push({ key, value });
      } else {
        const packed = p.packer.pack(ts, values);
        const value = new Uint8Array(PLAIN_ORDER_BYTES + packed.length);
        textEncoder.encodeInto(orderHex(ts) + orderHex(created ?? -(2n ** 63n)), value);
        value.set(packed, PLAIN_ORDER_BYTES);
        entries.push({ key, value });
      }
    }
    if (problems.length === 0) out.push({ id, ts: ts!, entries });
  }
  if (problems.length > 0) return { problems };
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
      rows: out,
    },
    problems: [],
  };
}
