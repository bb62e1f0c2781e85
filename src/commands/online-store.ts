/**
 * What a project has in its online store, and removing it from there, for `status` and `clean`:
 * each store does both in its own folder (src/online/<type>/admin.ts, through STORES). Each
 * driver is loaded only when its store is used.
 */
import type { OnlineStoreConfig } from "../online/layout.js";
import { onlineStore } from "../online/stores.js";
import type { ClearedOnline, OnlineContents } from "../online/admin.js";

export type { OnlineContents } from "../online/admin.js";

/** Where a store is, for messages (a file path, a URL with its password hidden). */
export function storeName(store: OnlineStoreConfig): string {
  return onlineStore(store).where(store);
}

/**
 * Reads what `project` has in its online store, without changing it. A SQLite file that does
 * not exist, or a Redis without the project's keys, has no views. `countEntries` also counts its
 * keys or values (on Redis a SCAN of the whole keyspace). Throws FC016 if Redis is down.
 */
export async function inspectOnline(store: OnlineStoreConfig, project: string, countEntries = false): Promise<OnlineContents> {
  return onlineStore(store).inspect(store, project, countEntries);
}

/**
 * Removes everything `project` has in its online store: on Redis every `fc:<project>:*` key
 * (SCAN + UNLINK), on SQLite the project's rows in one transaction, and the file itself (with its
 * WAL) when no other project and no other table is left in it. Other projects are untouched.
 * Throws FC016 while a load of the project is running. Returns the keys or value rows removed;
 * `onProgress` gets the count so far after each batch (Redis).
 */
export async function clearOnline(
  store: OnlineStoreConfig,
  project: string,
  onProgress?: (removed: number) => void,
): Promise<ClearedOnline> {
  return onlineStore(store).clear(store, project, onProgress);
}
