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
  FC101: "lint: a name that is not snake_case",
  FC102: "lint: a window suffix in a feature name that differs from the aggregation's window",
  FC103: "lint: a type name inside a feature name",
  FC104: "lint: the view's own name repeated inside a feature name",
  FC105: "lint: an aggregation that computes the same as another one",
  FC106: "lint: an SQL view feature whose expression equals another one's",
  FC107: "lint: SQL that reads the wall clock (now(), current_date, …)",
  FC108: "lint: a window frame that reads FOLLOWING rows",
  FC109: "lint: a feature computed from a label column",
  FC110: "lint: a feature without a description",
  FC111: "lint: a view without an owner",
  FC112: "lint: a view without freshness",
} as const;

/** A diagnostic code, e.g. `FC006`. */
export type DiagnosticCode = keyof typeof CODES;
