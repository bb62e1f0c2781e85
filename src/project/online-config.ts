import path from "node:path";
import { FcUserError } from "../diagnostics/diagnostic.js";
import { expandEnv } from "./env.js";
import type { ProjectConfig } from "./read-project.js";
import { locate } from "./yaml-file.js";

/**
 * Where the online store is: the `online:` section of fcompile.yaml, resolved. One member per
 * store of `STORES` (src/online/stores.ts), which must have an entry for each.
 */
export type OnlineStoreConfig =
  /** Redis at `url` (default `redis://127.0.0.1:6379/0`). */
  | { type: "redis"; url?: string }
  /** A SQLite file; the path is absolute once resolved. */
  | { type: "sqlite"; path: string };

/** The project's online store with `${VAR}` expanded and a SQLite path resolved from the project folder. */
export function resolveOnline(config: ProjectConfig): OnlineStoreConfig {
  const expand = (key: "path" | "url", fallback: string): string => {
    const { value, missing } = expandEnv(config.online[key] ?? fallback);
    if (missing.length > 0)
      throw new FcUserError(
        missing.map((m) => ({
          code: "FC014" as const,
          severity: "error" as const,
          message: `environment variable ${m} is not set (used by online.${key}); set it or write \${${m}:-default}`,
          at: locate(config.file, ["online", key]),
        })),
      );
    return value;
  };
  const type = config.online.type;
  switch (type) {
    case "redis":
      return { type, url: expand("url", "redis://127.0.0.1:6379/0") };
    case "sqlite":
      return { type, path: path.resolve(config.dir, expand("path", "online.sqlite")) };
    default:
      // fcompile.yaml's schema admits only the types above; a new store type fails to compile here.
      throw new FcUserError([
        {
          code: "FC013",
          severity: "error",
          message: `unknown online store type '${String(type satisfies never)}' (known: redis, sqlite)`,
          at: locate(config.file, ["online", "type"]),
        },
      ]);
  }
}
