import Database from "better-sqlite3";
import type { Statement } from "better-sqlite3";
import type { ServiceCatalog, ViewLayout } from "../layout.js";
import type { StoreReader } from "../store-reader.js";
import { OnlineError } from "../store-reader.js";

/** Opens the SQLite file read-only; a missing or unreadable file is an OnlineError STORE saying to run `load`. */
export function openSqliteReader(path: string, project: string, timeoutMs: number): SqliteReader {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: timeoutMs });
  } catch (err) {
    throw new OnlineError("STORE", `cannot open the online store ${path}: ${(err as Error).message} (run 'fcompile load' first)`);
  }
  return new SqliteReader(db, project);
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
  ) => {
    current: (number | undefined)[];
    values: (Uint8Array | null)[][];
  };

  constructor(
    private readonly db: Database.Database,
    private readonly project: string,
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
      (views: readonly string[], versions: readonly (number | undefined)[], keys: readonly (readonly string[])[]) => {
        const current = views.map((v) => (this.pointer.get(this.project, v) as number | undefined) ?? undefined);
        const values = versions.map((ver, i) =>
          ver === undefined ? keys[i]!.map(() => null) : keys[i]!.map((k) => (this.value.get(ver, k) as Buffer | undefined) ?? null),
        );
        return { current, values };
      },
    );
  }

  async read(views: readonly string[], versions: readonly (number | undefined)[], keys: readonly (readonly string[])[]) {
    try {
      return this.snapshot(views, versions, keys);
    } catch (err) {
      throw this.storeError(err);
    }
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
    this.db.close();
  }
}
