import type { Dialect, DialectName } from "./dialect.js";
import { duckdbDialect } from "./duckdb.js";
import { postgresDialect } from "./postgres.js";

/** Every dialect, by name: adding a name to DialectName without an entry here fails to compile. */
export const DIALECTS: Record<DialectName, Dialect> = {
  duckdb: duckdbDialect,
  postgres: postgresDialect,
};

export type { Dialect, DialectName };
