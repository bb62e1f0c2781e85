/** What `fcompile test` found (docs/governance.md, "fcompile test"): the shapes of `--json`, `--junit` and `--alert-webhook`. */
import type { CompiledDataTest } from "./compile-data-tests.js";

/** The result of one data test: `fail` when its query returned a row. */
export interface DataTestResult {
  view: string;
  feature?: string;
  name: string;
  kind: CompiledDataTest["kind"];
  status: "pass" | "fail";
  /** Rows the test query returned (max_null_rate: 1 when the rate is over the limit). */
  failing: number;
  /** Up to 5 of them (SAMPLE_ROWS; timestamps as `YYYY-MM-DD HH:MM:SS[.ffffff]` text, integers beyond 2^53 as text). */
  sample: Record<string, unknown>[];
  /** The compiled file, `target/compiled/<dialect>/test/<view>/<name>.sql`. */
  file: string;
}

/** A view's freshness: its newest event time against `at`. */
export interface FreshnessResult {
  view: string;
  status: "pass" | "warn" | "fail";
  /** Newest event time, UTC `YYYY-MM-DD HH:MM:SS[.ffffff]`; null when the view has no row. */
  newest: string | null;
  /** `at` minus the newest event time, in seconds (null without rows). */
  ageSeconds: number | null;
  warnAfter?: string;
  errorAfter?: string;
}

/** What `fcompile test` found. */
export interface TestResult {
  project: string;
  target: string;
  /** UTC `YYYY-MM-DD HH:MM:SS[.ffffff]`. */
  at: string;
  /** The window's start, or null when every row was tested. */
  start: string | null;
  tests: DataTestResult[];
  freshness: FreshnessResult[];
  /** No test failed and no view is past its error_after. */
  ok: boolean;
}
