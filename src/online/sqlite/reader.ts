import Database from "better-sqlite3";
import type { Statement } from "better-sqlite3";
import type { ServiceCatalog, ViewLayout } from "../layout.js";
import type { PushOutcome, StoreReader } from "../store-reader.js";
import type { EncodedPush } from "../push/encode.js";
import { SqlitePusher } from "./pusher.js";
import { OnlineError } from "../store-reader.js";

/** Opens the SQLite file read-only; a missing or unreadable file is an OnlineError STORE saying to run `load`. */
export function openSqliteReader(path: string, project: string, timeoutMs: number): SqliteReader {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: timeoutMs });
  } catch (err) {
    throw new OnlineError("STORE", `cannot open the online store ${path}: ${(err as Error).message} (run 'fcompile load' first)`);
  }
  return new SqliteReader(db, project, timeoutMs);
}

/** Reads the embedded SQLite store: pointer and values in one read transaction (a consistent snapshot). */
export class SqliteReader implements StoreReader {
  private readonly pointer: Statement;
  private readonly value: Statement;
  private readonly meta: Statement;
  private readonly projectList: Statement;
  readonly where: string;
  private readonly snapshot: (
    views: readonly string[],
    versions: readonly (number | undefined)[],
    keys: readonly (readonly string[])[],
    pushed?: readonly boolean[],
  ) => {
    current: (number | undefined)[];
    values: (Uint8Array | null)[][];
    pushed?: (Uint8Array | null)[][];
  };
  /** Pushed entries (prepared at the first read that asks: a store loaded before pushes existed has no such table until a push). */
  private pushedValue: Statement | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly project: string,
    private readonly timeoutMs = 1000,
  ) {
    this.where = db.name;
    try {
      this.pointer = db.prepare("SELECT version FROM fc_pointer WHERE project = ? AND view = ?").pluck();
      this.value = db.prepare("SELECT value FROM fc_values WHERE version = ? AND key = ?").pluck();
      this.meta = db.prepare("SELECT value FROM fc_meta WHERE project = ? AND name = ?").pluck();
      this.projectList = db.prepare("SELECT DISTINCT project FROM fc_pointer ORDER BY project").pluck();
    } catch (err) {
      if (/no such table/.test((err as Error).message))
        throw new OnlineError(
          "STORE",
          `the online store ${db.name} has not been loaded yet (run 'fcompile load'): ${(err as Error).message}`,
        );
      throw this.storeError(err);
    }
    // A deferred transaction that only reads: WAL gives it one snapshot, so a load's flip is all or nothing to it.
    this.snapshot = db.transaction(
      (
        views: readonly string[],
        versions: readonly (number | undefined)[],
        keys: readonly (readonly string[])[],
        pushed?: readonly boolean[],
      ) => {
        const current = views.map((v) => (this.pointer.get(this.project, v) as number | undefined) ?? undefined);
        const values = versions.map((ver, i) =>
          ver === undefined ? keys[i]!.map(() => null) : keys[i]!.map((k) => (this.value.get(ver, k) as Buffer | undefined) ?? null),
        );
        if (!pushed?.some((p) => p)) return { current, values };
        const stmt = this.pushedStatement();
        const push = versions.map((ver, i) =>
          ver === undefined || !pushed[i] || !stmt
            ? keys[i]!.map(() => null)
            : keys[i]!.map((k) => (stmt.get(this.project, views[i], k) as Buffer | undefined) ?? null),
        );
        return { current, values, pushed: push };
      },
    );
  }

  async read(
    views: readonly string[],
    versions: readonly (number | undefined)[],
    keys: readonly (readonly string[])[],
    pushed?: readonly boolean[],
  ) {
    try {
      return this.snapshot(views, versions, keys, pushed);
    } catch (err) {
      throw this.storeError(err);
    }
  }

  async pointers(): Promise<Map<string, number>> {
    try {
      const rows = this.db.prepare("SELECT view, version FROM fc_pointer WHERE project = ?").all(this.project) as {
        view: string;
        version: number;
      }[];
      return new Map(rows.map((r) => [r.view, r.version]));
    } catch (err) {
      throw this.storeError(err);
    }
  }

  private writer: SqlitePusher | undefined;

  /** One IMMEDIATE transaction on a writable connection of its own (opened at the first push); waits for the lock without blocking (SqlitePusher). */
  async pushBatch(batch: EncodedPush): Promise<PushOutcome> {
    try {
      this.writer ??= new SqlitePusher(this.db.name, this.project, this.timeoutMs);
      return await this.writer.apply(batch);
    } catch (err) {
      if (err instanceof OnlineError) throw err;
      throw this.storeError(err);
    }
  }

  private pushedStatement(): Statement | undefined {
    try {
      this.pushedValue ??= this.db.prepare("SELECT value FROM fc_pushed WHERE project = ? AND view = ? AND key = ?").pluck();
    } catch (err) {
      if (!/no such table/.test((err as Error).message)) throw err;
    }
    return this.pushedValue;
  }

  /** SQLite's errors as the client's: a lock held past the timeout is TIMEOUT, anything else STORE. */
  private storeError(err: unknown): OnlineError {
    const e = err as { code?: string; message?: string };
    if (e.code === "SQLITE_BUSY" || e.code === "SQLITE_LOCKED")
      return new OnlineError("TIMEOUT", `the online store ${this.db.name} stayed locked past the timeout: ${e.message}`, { cause: err });
    return new OnlineError("STORE", `the online store ${this.db.name} cannot be read: ${e.message ?? String(err)}`, { cause: err });
  }

  async layouts(versions: readonly number[]): Promise<ViewLayout[]> {
    return versions.map((v) => {
      let j: string | undefined;
      try {
        j = this.meta.get(this.project, `v${v}`) as string | undefined;
      } catch (err) {
        throw this.storeError(err);
      }
      if (!j) throw new OnlineError("STORE", `the online store ${this.where} has no layout for version ${v}`);
      return JSON.parse(j) as ViewLayout;
    });
  }

  async services(): Promise<ServiceCatalog> {
    let j: string | undefined;
    try {
      j = this.meta.get(this.project, "services") as string | undefined;
    } catch (err) {
      throw this.storeError(err);
    }
    return j ? (JSON.parse(j) as ServiceCatalog) : {};
  }

  async projects(): Promise<string[]> {
    try {
      return this.projectList.all() as string[];
    } catch (err) {
      throw this.storeError(err);
    }
  }

  async ping(): Promise<void> {
    try {
      this.meta.get(this.project, "services");
    } catch (err) {
      throw this.storeError(err);
    }
  }

  async close(): Promise<void> {
    this.writer?.close();
    this.db.close();
  }
}
