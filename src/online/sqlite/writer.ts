import Database from "better-sqlite3";
import type { Statement } from "better-sqlite3";
import { setTimeout as sleep } from "node:timers/promises";
import { SQLITE_SCHEMA, dedupedSources } from "../layout.js";
import type { ServiceCatalog, ViewLayout } from "../layout.js";
import { LoadLockedError } from "../online-writer.js";
import type { OnlineEntry, OnlineWriter } from "../online-writer.js";
import { OnlineError } from "../store-reader.js";
import { mergeAggregation } from "../push/merge.js";
import { parseTimestamp } from "../../timestamps.js";

/**
 * In the load's transaction: drops each aggregation view's pushed records older than its new
 * version's end (reads of it skip them; docs/push.md), and the pushed entries (and newest-seen
 * times) of retired views and of views no longer over a push source.
 */
function trimPushedSqlite(db: Database.Database, project: string, layouts: readonly ViewLayout[], retired: readonly string[]): void {
  const dropEntries = db.prepare("DELETE FROM fc_pushed WHERE project = ? AND view = ?");
  const dropNewest = db.prepare("DELETE FROM fc_push_newest WHERE project = ? AND view = ?");
  const drop = { run: (p: string, v: string): void => void (dropEntries.run(p, v), dropNewest.run(p, v)) };
  for (const v of retired) drop.run(project, v);
  const rows = db.prepare("SELECT key, value FROM fc_pushed WHERE project = ? AND view = ?");
  const set = db.prepare("UPDATE fc_pushed SET value = ? WHERE project = ? AND view = ? AND key = ?");
  const del = db.prepare("DELETE FROM fc_pushed WHERE project = ? AND view = ? AND key = ?");
  for (const l of layouts) {
    if (!l.push) {
      drop.run(project, l.view);
      continue;
    }
    if (!l.aggregation) continue;
    const end = parseTimestamp(l.end)!;
    for (const r of rows.all(project, l.view) as { key: string; value: Buffer }[]) {
      const kept = mergeAggregation(null, r.value, end);
      if (!kept) del.run(project, l.view, r.key);
      else if (kept.length !== r.value.length) set.run(Buffer.from(kept), project, l.view, r.key);
    }
  }
}

/**
 * The embedded online store. A whole load is one write transaction: readers (WAL snapshots) see
 * the old values until it commits; a load that dies is rolled back by SQLite; a second load waits
 * for the lock, then fails.
 */
export class SqliteWriter implements OnlineWriter {
  private insert!: Statement;
  private inTxn = false;

  readonly where: string;

  private constructor(
    private readonly db: Database.Database,
    private readonly project: string,
    private readonly lockWaitMs: number,
  ) {
    this.where = db.name;
  }

  /** Opens (or creates) the file; one that cannot be opened is an OnlineError STORE naming it and saying what to check. */
  static open(path: string, project: string, lockWaitMs = 5000): SqliteWriter {
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { timeout: lockWaitMs });
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.exec(SQLITE_SCHEMA);
      return new SqliteWriter(db, project, lockWaitMs);
    } catch (err) {
      db?.close();
      if (/locked|busy/i.test((err as Error).message))
        throw new LoadLockedError(`another load is writing ${path}; wait for it to finish, then run 'fcompile load' again`);
      throw new OnlineError(
        "STORE",
        `cannot open the online store ${path}: ${(err as Error).message}; check online.path in fcompile.yaml (its folder must exist and be writable)`,
        { cause: err },
      );
    }
  }

  /**
   * Takes the write lock for the whole load, trying every millisecond for `lockWaitMs` (SQLite's
   * own busy handler pauses up to 100 ms between tries, and would rarely find the lock free between
   * the short transactions of a stream of pushes, which take it again at once). Still taken then:
   * LoadLockedError.
   */
  async begin(views: string[]): Promise<number[]> {
    const deadline = performance.now() + this.lockWaitMs;
    this.db.pragma("busy_timeout = 0");
    for (;;) {
      try {
        this.db.exec("BEGIN IMMEDIATE");
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== "SQLITE_BUSY") throw err;
        if (performance.now() >= deadline)
          throw new LoadLockedError(
            `another load, or pushes, kept ${this.db.name} locked for ${this.lockWaitMs} ms; wait for it to finish, then run 'fcompile load' again`,
          );
      }
      await sleep(1);
    }
    this.db.pragma(`busy_timeout = ${this.lockWaitMs}`);
    this.inTxn = true;
    this.insert = this.db.prepare("INSERT INTO fc_values (version, key, value) VALUES (?, ?, ?)");
    const seq = this.db.prepare("SELECT value FROM fc_meta WHERE project = '*' AND name = 'seq'").pluck().get() as string | undefined;
    const first = Number(seq ?? 0) + 1;
    this.db.prepare("INSERT OR REPLACE INTO fc_meta VALUES ('*', 'seq', ?)").run(String(first + views.length - 1));
    return views.map((_, i) => first + i);
  }

  async loaded(): Promise<Map<string, ViewLayout>> {
    const rows = this.db
      .prepare(
        "SELECT p.view, m.value FROM fc_pointer p JOIN fc_meta m ON m.project = p.project AND m.name = 'v' || p.version WHERE p.project = ?",
      )
      .all(this.project) as { view: string; value: string }[];
    return new Map(rows.map((r) => [r.view, JSON.parse(r.value) as ViewLayout]));
  }

  async write(version: number, entries: OnlineEntry[]): Promise<void> {
    for (const e of entries) this.insert.run(version, e.key, e.value);
  }

  async writeLoadedIds(version: number, ids: string[]): Promise<void> {
    const insert = this.db.prepare("INSERT OR IGNORE INTO fc_loaded_ids VALUES (?, ?)");
    for (const id of ids) insert.run(version, id);
  }

  async flush(): Promise<void> {}

  async commit(layouts: ViewLayout[], services: ServiceCatalog, projectViews: string[]): Promise<{ removed: number; retired: string[] }> {
    const old = this.db.prepare("SELECT version FROM fc_pointer WHERE project = ? AND view = ?").pluck();
    const setMeta = this.db.prepare("INSERT OR REPLACE INTO fc_meta VALUES (?, ?, ?)");
    let removed = 0;
    const drop = (version: number) => {
      removed += this.db.prepare("DELETE FROM fc_values WHERE version = ?").run(version).changes;
      this.db.prepare("DELETE FROM fc_loaded_ids WHERE version = ?").run(version);
      this.db.prepare("DELETE FROM fc_meta WHERE project = ? AND name = ?").run(this.project, `v${version}`);
    };
    // Views the project no longer has: their pointer and values go, in this same transaction.
    const keep = new Set(projectViews);
    const stored = this.db.prepare("SELECT view, version FROM fc_pointer WHERE project = ?").all(this.project) as {
      view: string;
      version: number;
    }[];
    const retired = stored.filter((p) => !keep.has(p.view));
    for (const p of retired) {
      drop(p.version);
      this.db.prepare("DELETE FROM fc_pointer WHERE project = ? AND view = ?").run(this.project, p.view);
    }
    for (const l of layouts) {
      const prev = old.get(this.project, l.view) as number | undefined;
      if (prev !== undefined) drop(prev);
      this.db.prepare("INSERT OR REPLACE INTO fc_pointer VALUES (?, ?, ?)").run(this.project, l.view, l.version);
      setMeta.run(this.project, `v${l.version}`, JSON.stringify(l));
    }
    setMeta.run(this.project, "services", JSON.stringify(services));
    // Pushed ids of sources no loaded view reads as a push source with a dedupe_key any more.
    const deduped = [...dedupedSources((await this.loaded()).values())];
    this.db
      .prepare(`DELETE FROM fc_pushed_ids WHERE project = ? AND source NOT IN (${deduped.map(() => "?").join(", ")})`)
      .run(this.project, ...deduped);
    trimPushedSqlite(
      this.db,
      this.project,
      layouts,
      retired.map((p) => p.view),
    );
    this.db.exec("COMMIT");
    this.inTxn = false;
    return { removed, retired: retired.map((p) => p.view) };
  }

  async abort(): Promise<void> {
    if (this.inTxn) this.db.exec("ROLLBACK");
    this.inTxn = false;
  }

  async close(): Promise<void> {
    await this.abort();
    this.db.close();
  }
}
