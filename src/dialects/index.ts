import type { Dialect } from "./dialect.js";
import { duckdbDialect } from "./duckdb.js";
import { postgresDialect } from "./postgres.js";

/**
 * Every dialect, by name (its `name`, and its folder under templates/). A new dialect is one line
 * here (docs/adding-a-dialect.md); DialectName follows.
 */
export const DIALECTS = {
  duckdb: duckdbDialect,
  postgres: postgresDialect,
} as const satisfies Record<string, Dialect>;

/** Names of the SQL dialects fcompile compiles to. */
export type DialectName = keyof typeof DIALECTS;

export type { Dialect };
