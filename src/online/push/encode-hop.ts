/**
 * The bytes a view with `hop:` keeps for a pushed event (docs/push.md, docs/aggregations.md
 * "Hop"): one record of its hop state — a tile of its own over that one event, whose timestamp is
 * the event's time (HopStatePacker.eventTile, src/online/hop-state.ts). The stores handle it as
 * an exact view's event record: appended to the view's push key at or after the version's end,
 * to the version's state before it; merged at read and trimmed at a load by that timestamp.
 */
import { HopStatePacker } from "../hop-state.js";
import type { OnlineValue } from "../codec.js";
import type { AggregationLayout } from "../layout.js";

/**
 * The encoder of `layout`'s pushed events (a hop layout): event time (µs) and the event's values
 * in `eventTypes` order (created first when there is one) → one framed tile record, a new buffer.
 */
export function hopEventEncoder(layout: AggregationLayout): (ts: bigint, values: readonly OnlineValue[]) => Uint8Array {
  const packer = new HopStatePacker(layout);
  return (ts, values) => packer.eventTile(ts, values);
}
