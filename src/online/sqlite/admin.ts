/**
 * The SQLite store's administration (online/admin.ts): a project's views and value rows, and
 * removing the project's rows in one transaction (the file too when nothing else is left in it).
 */
import { existsSync, rmSync } from "node:fs";
import { userError } from "../../diagnostics/diagnostic.js";
import type { OnlineStoreConfig } from "../../project/online-config.js";
import { layoutsOf } from "../admin.js";
import type { ClearedOnline, OnlineContents } from "../admin.js";
import type { ViewLayout } from "../layout.js";
import type { PushedState } from "../stores.js";

type Config = Extract<OnlineStoreConfig, { type: "sqlite" }>;

/** The SQLite online store's tables (README, "The online store"). */
const SQLITE_TABLES = ["fc_pointer", "fc_meta", "fc_values"];
/** The tables of pushed events (docs/online.md), each with a `project` column; absent from files written before pushes. */
const PUSH_TABLES = ["fc_pushed", "fc_push_newest", "fc_pushed_ids"];

export async function inspectSqlite(store: Config, project: string, countEntries: boolean): Promise<OnlineContents> {
  const where = store.path;
  const empty = { store: where, views: new Map<string, ViewLayout>(), entries: countEntries ? 0 : undefined, loading: false };
  if (!existsSync(store.path)) return empty;
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(store.path, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    const have = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    if (!SQLITE_TABLES.every((t) => have.includes(t))) return empty;
    const pointer = (
      db.prepare("SELECT view, version FROM fc_pointer WHERE project = ? ORDER BY view").all(project) as {
        view: string;
        version: number;
      }[]
    ).map((p) => [p.view, p.version] as [string, number]);
    const meta = db.prepare("SELECT value FROM fc_meta WHERE project = ? AND name = ?").pluck();
    const json = pointer.map(([, n]) => meta.get(project, `v${n}`) as string | undefined);
    const entries = countEntries
      ? (db
          .prepare("SELECT count(*) FROM fc_values WHERE version IN (SELECT version FROM fc_pointer WHERE project = ?)")
          .pluck()
          .get(project) as number) +
        (have.includes("fc_pushed") ? (db.prepare("SELECT count(*) FROM fc_pushed WHERE project = ?").pluck().get(project) as number) : 0)
      : undefined;
    return { store: where, views: layoutsOf(pointer, json), entries, loading: false };
  } finally {
    db.close();
  }
}

/** What pushes left for the project (OnlineStore.pushedState): rows of fc_pushed per view, fc_push_newest, fc_pushed_ids. */
export async function pushedStateSqlite(store: Config, project: string, idLimit: number): Promise<PushedState> {
  const state: PushedState = { entries: new Map(), newest: new Map(), ids: new Map() };
  if (!existsSync(store.path)) return state;
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(store.path, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    const have = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    if (have.includes("fc_pushed"))
      for (const r of db.prepare("SELECT view, count(*) AS n FROM fc_pushed WHERE project = ? GROUP BY view").all(project) as {
        view: string;
        n: number;
      }[])
        state.entries.set(r.view, r.n);
    if (have.includes("fc_push_newest"))
      for (const r of db.prepare("SELECT view, micros FROM fc_push_newest WHERE project = ?").safeIntegers().all(project) as {
        view: string;
        micros: bigint;
      }[])
        state.newest.set(r.view, r.micros);
    if (have.includes("fc_pushed_ids")) {
      const sources = db.prepare("SELECT DISTINCT source FROM fc_pushed_ids WHERE project = ?").pluck().all(project) as string[];
      const ids = db.prepare("SELECT id FROM fc_pushed_ids WHERE project = ? AND source = ? ORDER BY micros DESC LIMIT ?").pluck();
      for (const source of sources) state.ids.set(source, ids.all(project, source, idLimit) as string[]);
    }
    return state;
  } finally {
    db.close();
  }
}

export async function clearSqlite(store: Config, project: string): Promise<ClearedOnline> {
  if (!existsSync(store.path)) return { removed: 0, fileRemoved: false };
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(store.path, { fileMustExist: true, timeout: 5000 });
  let removed = 0;
  let alone = false;
  try {
    const have = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    if (SQLITE_TABLES.every((t) => have.includes(t))) {
      try {
        db.exec("BEGIN IMMEDIATE");
      } catch (err) {
        if (/locked|busy/i.test((err as Error).message))
          throw userError("FC016", `a load is writing ${store.path}; wait for it to finish, then clean`);
        throw err;
      }
      try {
        const versions = new Set([
          ...(db.prepare("SELECT version FROM fc_pointer WHERE project = ?").pluck().all(project) as number[]),
          ...(db.prepare("SELECT name FROM fc_meta WHERE project = ? AND name GLOB 'v[0-9]*'").pluck().all(project) as string[]).map((n) =>
            Number(n.slice(1)),
          ),
        ]);
        const del = db.prepare("DELETE FROM fc_values WHERE version = ?");
        for (const v of versions) removed += del.run(v).changes;
        if (have.includes("fc_loaded_ids")) {
          const delIds = db.prepare("DELETE FROM fc_loaded_ids WHERE version = ?");
          for (const v of versions) delIds.run(v);
        }
        db.prepare("DELETE FROM fc_pointer WHERE project = ?").run(project);
        db.prepare("DELETE FROM fc_meta WHERE project = ?").run(project);
        for (const t of PUSH_TABLES.filter((t) => have.includes(t)))
          removed += db.prepare(`DELETE FROM ${t} WHERE project = ?`).run(project).changes;
        db.exec("COMMIT");
      } catch (err) {
        db.exec("ROLLBACK");
        throw err;
      }
    }
    const others =
      (db
        .prepare(
          `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT IN (${[...SQLITE_TABLES, ...PUSH_TABLES, "fc_loaded_ids"].map((t) => `'${t}'`).join(", ")})`,
        )
        .pluck()
        .get() as number) +
      PUSH_TABLES.filter((t) => have.includes(t)).reduce(
        (n, t) => n + (db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number),
        0,
      ) +
      (SQLITE_TABLES.every((t) => have.includes(t))
        ? (db
            .prepare(
              "SELECT (SELECT count(*) FROM fc_pointer) + (SELECT count(*) FROM fc_meta WHERE project <> '*') + (SELECT count(*) FROM fc_values)",
            )
            .pluck()
            .get() as number)
        : 0);
    alone = others === 0;
  } finally {
    db.close();
  }
  // The file held only this project: it goes too, with its journals.
  if (alone) for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(store.path + suffix, { force: true });
  return { removed, fileRemoved: alone };
}
