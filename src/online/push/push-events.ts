/**
 * `client.push` (docs/push.md): checks and encodes the rows for every loaded view over the push
 * source, then has the store apply them atomically, step by step.
 */
import type { StoreReader } from "../store-reader.js";
import { OnlineError } from "../store-reader.js";
import type { PushOptions, PushReport, PushRows } from "./types.js";

export async function pushEvents(store: StoreReader, source: string, rows: PushRows, opts: PushOptions): Promise<PushReport> {
  void store;
  void rows;
  void opts;
  throw new OnlineError("STORE", `push to '${source}': not implemented yet`);
}
