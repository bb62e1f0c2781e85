/** What `fcompile test` found (docs/governance.md, "fcompile test"): the shapes of `--json`, `--junit` and `--alert-webhook`. */
import type { CompiledDataTest } from "./compile-data-tests.js";
import type { PsiBand } from "../drift/statistics.js";

/**
 * The result of one data test: `fail` when its query returned a row; a drift check (kind
 * `drift`) fails when its PSI is over max_psi or its KS over max_ks, and carries `psi`, `band`,
 * `ks`, `baseline` and, in `sample`, the bins whose share moved most (`{bin, expected, actual}`).
 */
export interface DataTestResult {
  view: string;
  feature?: string;
  name: string;
  kind: CompiledDataTest["kind"] | "drift";
  status: "pass" | "fail";
  /** Rows the test query returned (max_null_rate: 1 when the rate is over the limit; drift: 1 when it failed). */
  failing: number;
  /** Drift: the population stability index over the baseline's bins (null: no tested value). */
  psi?: number | null;
  /** Drift: none below 0.1, minor to 0.25, major above. */
  band?: PsiBand | null;
  /** Drift of a number: the KS statistic at the baseline's bin edges (a lower bound); null otherwise. */
  ks?: number | null;
  /** Drift: the baseline profile's name (`profiles/<baseline>.json`). */
  baseline?: string;
  /** Drift: max_psi and max_ks as declared. */
  maxPsi?: number;
  maxKs?: number;
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

/**
 * A drift result in one line, e.g. `PSI 0.41 (major) > 0.25, KS 0.30 against first_days` (the
 * limit shown with `>` when passed, `≤` otherwise); `no tested value against NAME` without rows.
 */
export function driftSummary(t: DataTestResult): string {
  if (t.psi === null || t.psi === undefined) return `no tested value against ${t.baseline}`;
  const psiOver = t.maxPsi !== undefined && t.psi > t.maxPsi;
  const psi = `PSI ${t.psi.toFixed(2)} (${t.band})${t.maxPsi !== undefined ? ` ${psiOver ? ">" : "≤"} ${t.maxPsi}` : ""}`;
  const ksOver = t.maxKs !== undefined && typeof t.ks === "number" && t.ks > t.maxKs;
  const ks = typeof t.ks === "number" ? `, KS ${t.ks.toFixed(2)}${t.maxKs !== undefined ? ` ${ksOver ? ">" : "≤"} ${t.maxKs}` : ""}` : "";
  return `${psi}${ks} against ${t.baseline}`;
}
