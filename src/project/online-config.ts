import path from "node:path";
import { FcUserError } from "../diagnostics/diagnostic.js";
import { expandEnv } from "./env.js";
import type { ProjectConfig } from "./read-project.js";
import { locate } from "./yaml-file.js";

/** Where the online store is: the `online:` section of fcompile.yaml, resolved. */
export type OnlineStoreConfig = { type: "redis"; url?: string } | { type: "sqlite"; path: string };

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
  if (config.online.type === "redis") return { type: "redis", url: expand("url", "redis://127.0.0.1:6379/0") };
  return { type: "sqlite", path: path.resolve(config.dir, expand("path", "online.sqlite")) };
}
