import path from "node:path";
import { FcUserError } from "../diagnostics/diagnostic.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { expandEnv } from "./env.js";
import type { ProjectConfig } from "./read-project.js";
import { locate } from "./yaml-file.js";

/** A DuckDB target with paths resolved. */
export interface DuckDbTarget {
  name: string;
  type: "duckdb";
  /** Absolute path of the database file, or ":memory:". */
  path: string;
  /** Schema fcompile writes into: the project name. */
  schema: string;
  threads?: number;
  memoryLimit?: string;
}

/** A PostgreSQL target with `${VAR}` expanded. */
export interface PostgresTarget {
  name: string;
  type: "postgres";
  url: string;
  schema: string;
  statementTimeout?: string;
}

export type TargetConfig = DuckDbTarget | PostgresTarget;

/** Picks a target by name (default: the project's `target`, else the first one) and expands it. */
export function resolveTarget(config: ProjectConfig, name?: string): TargetConfig {
  const chosen = name ?? config.target ?? Object.keys(config.targets)[0]!;
  const raw = config.targets[chosen];
  const diags: Diagnostic[] = [];
  if (!raw) {
    throw new FcUserError([
      {
        code: "FC015",
        severity: "error",
        message: `no target '${chosen}' in fcompile.yaml; known targets: ${Object.keys(config.targets).join(", ")}`,
        at: { file: "<command line>", line: 1, col: 1 },
      },
    ]);
  }
  const expand = (key: "path" | "url" | "schema" | "statement_timeout" | "memory_limit"): string | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    const { value, missing } = expandEnv(v);
    for (const m of missing) {
      diags.push({
        code: "FC014",
        severity: "error",
        message: `environment variable ${m} is not set (used by target '${chosen}'); set it or write \${${m}:-default}`,
        at: locate(config.file, ["targets", chosen, key]),
      });
    }
    return value;
  };
  let target: TargetConfig;
  if (raw.type === "duckdb") {
    const p = expand("path") ?? `${config.name}.duckdb`;
    target = {
      name: chosen,
      type: "duckdb",
      path: p === ":memory:" ? p : path.resolve(config.dir, p),
      schema: config.name,
      threads: raw.threads,
      memoryLimit: expand("memory_limit"),
    };
  } else {
    const url = expand("url");
    if (!url && diags.length === 0) {
      diags.push({
        code: "FC013",
        severity: "error",
        message: `postgres target '${chosen}' needs 'url'`,
        at: locate(config.file, ["targets", chosen]),
      });
    }
    target = {
      name: chosen,
      type: "postgres",
      url: url ?? "",
      schema: expand("schema") ?? config.name,
      statementTimeout: expand("statement_timeout"),
    };
  }
  if (diags.length > 0) throw new FcUserError(diags);
  return target;
}
