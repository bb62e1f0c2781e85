/**
 * What the client needs from an online store, and the error every store's reader throws. Each
 * store implements `StoreReader` in its folder (src/online/<store>/reader.ts); the client reaches
 * them through `STORES` (src/online/stores.ts).
 */
import type { ServiceCatalog, ViewLayout } from "./layout.js";
import type { EncodedPush } from "./push/encode.js";

/** What a store did with one step of a push: per target (in order) rows applied and late, and duplicates; or `stale`: a load switched a target's version first (nothing written). */
export type PushOutcome = { stale: string } | { applied: number[]; late: number[]; duplicates: number };

/** What the client needs from an online store; Redis answers each call in one round trip. */
export interface StoreReader {
  /** Where the store is, for messages: `redis://host:6379/0` (password redacted) or the SQLite file. */
  readonly where: string;
  /**
   * The current version of each view (undefined: never loaded) and, for the views whose version
   * is passed, the packed values of the given entity keys (null: no value) read from that version.
   * The caller compares `current` with what it passed and retries on a change. `pushed[i]`: also
   * read view i's pushed entries of the same keys (docs/push.md), in the same round trip.
   */
  read(
    views: readonly string[],
    versions: readonly (number | undefined)[],
    keys: readonly (readonly string[])[],
    pushed?: readonly boolean[],
  ): Promise<{ current: (number | undefined)[]; values: (Uint8Array | null)[][]; pushed?: (Uint8Array | null)[][] }>;
  /** The current version of every loaded view of the project. */
  pointers(): Promise<Map<string, number>>;
  /** Applies one step of a push atomically (docs/push.md): all of it or nothing. */
  pushBatch(batch: EncodedPush): Promise<PushOutcome>;
  /** Layouts of versions (immutable, so callers cache them). */
  layouts(versions: readonly number[]): Promise<ViewLayout[]>;
  services(): Promise<ServiceCatalog>;
  /**
   * The projects that have something loaded in this store, when the store can tell cheaply (SQLite:
   * one query); undefined when it cannot (Redis would have to scan every key).
   */
  projects(): Promise<string[] | undefined>;
  /** Resolves if the store answers (one round trip); rejects with an OnlineError if not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Why an online read failed. */
export type OnlineErrorCode = "TIMEOUT" | "UNAVAILABLE" | "BAD_REQUEST" | "STORE";

/** A failed online read: `code` says whether to retry (TIMEOUT, UNAVAILABLE) or fix the request. */
export class OnlineError extends Error {
  constructor(
    readonly code: OnlineErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "OnlineError";
  }
}
