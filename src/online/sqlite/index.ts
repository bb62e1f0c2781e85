/**
 * The SQLite online store (README "The online store"), the default: one file, its writer and
 * reader each loaded (with better-sqlite3) only when a SQLite store is used.
 */
import type { OnlineStoreConfig } from "../../project/online-config.js";
import type { OnlineStore } from "../stores.js";

type Config = Extract<OnlineStoreConfig, { type: "sqlite" }>;

export const sqliteStore: OnlineStore<Config> = {
  where: (config) => config.path,
  async openWriter(config, project) {
    const { SqliteWriter } = await import("./writer.js");
    return SqliteWriter.open(config.path, project);
  },
  async openReader(config, project, opts) {
    const { openSqliteReader } = await import("./reader.js");
    return openSqliteReader(config.path, project, opts.timeoutMs);
  },
  async inspect(config, project, countEntries) {
    const { inspectSqlite } = await import("./admin.js");
    return inspectSqlite(config, project, countEntries);
  },
  async pushedState(config, project, idLimit) {
    const { pushedStateSqlite } = await import("./admin.js");
    return pushedStateSqlite(config, project, idLimit);
  },
  async clear(config, project) {
    const { clearSqlite } = await import("./admin.js");
    return clearSqlite(config, project);
  },
};
