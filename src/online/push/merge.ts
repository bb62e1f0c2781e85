/**
 * What a read makes of pushed entries (docs/push.md): an aggregation view's state gets the
 * pushed event records at or after its version's end appended (older ones are in the
 * materialization when pushed offline, or were pushed before it) — a hop view's records are
 * one-event tiles stamped with the event's time, so the same test applies; a plain view takes the
 * pushed row when it is as new as the version's value or newer. Imports only the codec.
 */
import { eventTime, readVarint } from "../codec.js";
import { PLAIN_ORDER_BYTES } from "./encode.js";

/** The state followed by the pushed records whose event time is ≥ `end` (µs); `state` itself when none. */
export function mergeAggregation(state: Uint8Array | null, pushed: Uint8Array | null, end: bigint): Uint8Array | null {
  if (!pushed || pushed.length === 0) return state;
  const keep: [number, number][] = [];
  let size = 0;
  for (let p = 0; p < pushed.length;) {
    const [len, q] = readVarint(pushed, p, "pushed records are truncated (a record runs past its end)");
    if (eventTime(pushed.subarray(q, q + len)) >= end) {
      keep.push([p, q + len]);
      size += q + len - p;
    }
    p = q + len;
  }
  if (size === 0) return state;
  const base = state?.length ?? 0;
  const out = new Uint8Array(base + size);
  if (state) out.set(state, 0);
  let o = base;
  for (const [a, b] of keep) {
    out.set(pushed.subarray(a, b), o);
    o += b - a;
  }
  return out;
}

/** The version's value, or the pushed row (without its order prefix) when its event time is not older. */
export function mergePlain(value: Uint8Array | null, pushed: Uint8Array | null): Uint8Array | null {
  if (!pushed || pushed.length <= PLAIN_ORDER_BYTES) return value;
  const row = pushed.subarray(PLAIN_ORDER_BYTES);
  if (!value || eventTime(row) >= eventTime(value)) return row;
  return value;
}
