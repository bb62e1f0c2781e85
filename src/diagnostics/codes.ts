/**
 * Every diagnostic code fcompile emits, with a one-line summary. The message of a
 * diagnostic says the specific problem; this table is what `README.md` documents.
 */
export const CODES = {
  FC001: "YAML syntax error",
  FC002: "unknown key",
  FC003: "wrong type or invalid value",
  FC004: "missing required key",
  FC005: "duplicate name",
  FC006: "reference to something that does not exist",
  FC007: "cycle between SQL feature views",
  FC008: "SQL that does not parse",
  FC009: "unsafe identifier",
  FC010: "feature name clash",
  FC011: "file not found or unreadable",
  FC012: "not supported yet",
  FC013: "invalid project configuration (fcompile.yaml)",
  FC014: "environment variable not set",
  FC015: "invalid command-line input",
  FC016: "warehouse error",
  FC017: "column missing in a source or SQL view",
  FC018: "aggregation that pushed events cannot be evaluated with",
  FC019: "pushed row that cannot be written (fcompile push)",
} as const;

/** A diagnostic code, e.g. `FC006`. */
export type DiagnosticCode = keyof typeof CODES;
