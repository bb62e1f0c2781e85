import type { ServiceCatalog, ViewLayout } from "./layout.js";

/** One packed (entity, view) value set to write. */
export interface OnlineEntry {
  key: string;
  value: Uint8Array;
  /** Unix ms after which the store may drop the key (Redis PXAT); undefined = never. */
  expireAtMs?: number;
}

/**
 * Writes a load into an online store: new versions beside the current ones, then one atomic
 * switch. Readers see the whole old or the whole new load (docs/semantics.md, "Online").
 */
export interface OnlineWriter {
  /** Where the store is, for messages (a Redis URL with its password redacted, or the SQLite file). */
  readonly where: string;
  /** Takes the project's load lock (or fails: two loads never interleave), removes what dead loads left, reserves one version per view. */
  begin(views: string[]): Promise<number[]>;
  /**
   * The layouts the project's views are loaded with now (view → layout; a view never loaded is
   * absent). Call after `begin`: no other load can change them until this one ends.
   */
  loaded(): Promise<Map<string, ViewLayout>>;
  /** Writes entries under a reserved version; may return before they are acknowledged (`flush` waits). */
  write(version: number, entries: OnlineEntry[]): Promise<void>;
  /**
   * Records event ids under a reserved version of an aggregation view over a push source with a
   * dedupe_key: a push of an event with one of these ids, older than the version's end, is a
   * duplicate for that view (docs/push.md, "Duplicates"). Removed with the version.
   */
  writeLoadedIds(version: number, ids: string[]): Promise<void>;
  /** Waits until every write so far is stored. */
  flush(): Promise<void>;
  /**
   * Records the layouts and services and switches every view to its new version at once, and in
   * the same step retires every view of the store that `projectViews` (all the project's views)
   * no longer names; then removes the versions it replaced or retired. Returns how many old values
   * were removed, and the views retired.
   */
  commit(layouts: ViewLayout[], services: ServiceCatalog, projectViews: string[]): Promise<{ removed: number; retired: string[] }>;
  /** Gives up: the new versions are removed (or left for the next load to remove) and the lock released. */
  abort(): Promise<void>;
  close(): Promise<void>;
}

/** How to open a writer (store-specific settings come with the store's config). */
export interface WriterOptions {
  /** Redis: how long replaced values stay readable after the switch, in ms. Default 1000. */
  graceMs?: number;
}

/** Another load holds the lock. */
export class LoadLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LoadLockedError";
  }
}
