import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { FcUserError, userError } from "../diagnostics/diagnostic.js";
import { compileDriftChecks } from "../governance/drift/compile-drift.js";
import { driftVerdict } from "../governance/drift/drift-result.js";
import { compileDataTests } from "../governance/test/compile-data-tests.js";
import type { DataTestResult, FreshnessResult, TestResult } from "../governance/test/results.js";
import { formatTimestamp, nowMicros } from "../timestamps.js";
import { checkReady, compileTargetFor, loadProject, openWarehouse, selectedViews, timestampOption, windowStart } from "./common.js";
import type { ProjectOptions } from "./common.js";
import { readProfiles } from "./profile-files.js";

export type { DataTestResult, FreshnessResult, TestResult };

/** How many failing rows a result shows. */
export const SAMPLE_ROWS = 5;

/** Options of `fcompile test` (docs/governance.md, "fcompile test"). */
export interface TestOptions extends ProjectOptions {
  /** The time freshness is measured against, and the window's end; default now. */
  at?: string;
  /** Test only the rows of `[at − window, at)` (a duration: `7d`); default every row before at. */
  window?: string;
  /** Views to test; default all. */
  select?: string[];
}

/**
 * `fcompile test`: runs the compiled data tests of the chosen views on the warehouse (rows of
 * `[at − window, at)`, or every row before `at` without a window) and measures each view's
 * freshness against `at` (its newest event before `at`), and compares each feature with `drift:` with its baseline profile. Writes the result to
 * `target/test_results.json` (with `generatedAt`). Throws a usage error for a bad option or an
 * unknown view; FC011 at a `baseline:` naming no saved profile (of a chosen view); FC016 when a
 * view's table is not built yet.
 */
export async function runDataTests(opts: TestOptions): Promise<TestResult> {
  const at = opts.at !== undefined ? timestampOption("--at", opts.at) : nowMicros();
  const start = windowStart(at, opts.window, "7d");
  const { config, registry } = await loadProject(opts.projectDir);
  const { target, ct } = compileTargetFor(config, opts.target);
  const views = selectedViews(registry, opts.select);
  const chosen = new Set(views);
  const compiled = compileDataTests(registry, ct);
  const tests = compiled.tests.filter((t) => chosen.has(t.view));
  const freshness = compiled.freshness.filter((f) => chosen.has(f.view));
  const drift = compileDriftChecks(registry, ct, readProfiles(config.dir, registry), "error");
  const missing = drift.diagnostics.filter((d) => chosen.has(d.view));
  if (missing.length > 0) throw new FcUserError(missing.map(({ view: _, ...d }) => d));
  const driftChecks = drift.checks.filter((c) => chosen.has(c.view));
  // Without --window, every row before at: nothing after the time the run is as of.
  const params = { fc_start: start === undefined ? "-infinity" : formatTimestamp(start), fc_end: formatTimestamp(at) };
  const dir = `target/compiled/${ct.dialect.name}`;
  const wh = await openWarehouse(target, config.dir, registry, ct.dialect.name === "duckdb");
  try {
    await checkReady(
      wh,
      registry,
      ct,
      new Set([...tests.map((t) => t.view), ...freshness.map((f) => f.view), ...driftChecks.map((c) => c.view)]),
    );
    const testResults: DataTestResult[] = [];
    for (const t of tests) {
      const what = `data test ${t.view}/${t.name} (${dir}/${t.path})`;
      const count = await wh.queryWithParameters(`SELECT count(*) AS n FROM (\n${t.sql}\n) AS failing`, params, what);
      const failing = Number(count[0]?.n ?? 0);
      const sample =
        failing === 0
          ? []
          : (await wh.queryWithParameters(`SELECT * FROM (\n${t.sql}\n) AS failing\nLIMIT ${SAMPLE_ROWS}`, params, what)).map(plainRow);
      testResults.push({
        view: t.view,
        ...(t.feature !== undefined ? { feature: t.feature } : {}),
        name: t.name,
        kind: t.kind,
        status: failing === 0 ? "pass" : "fail",
        failing,
        sample,
        file: `${dir}/${t.path}`,
      });
    }
    for (const c of driftChecks) {
      const rows = await wh.queryWithParameters(c.sql, params, `drift check ${c.view}/${c.name} (${dir}/${c.path})`);
      const v = driftVerdict(c, rows);
      testResults.push({
        view: c.view,
        feature: c.feature,
        name: c.name,
        kind: "drift",
        status: v.status,
        failing: v.status === "fail" ? 1 : 0,
        psi: v.psi,
        band: v.band,
        ks: v.ks,
        baseline: c.baseline,
        maxPsi: c.maxPsi,
        ...(c.maxKs !== undefined ? { maxKs: c.maxKs } : {}),
        sample: v.sample,
        file: `${dir}/${c.path}`,
      });
    }
    const freshResults: FreshnessResult[] = [];
    for (const f of freshness) {
      const view = registry.views.get(f.view)!;
      const rows = await wh.queryWithParameters(f.sql, { fc_end: params.fc_end }, `freshness of ${f.view} (${dir}/${f.path})`);
      const raw = rows[0]?.newest_us;
      const newest = raw === null || raw === undefined ? undefined : BigInt(raw as string | bigint | number);
      const age = newest === undefined ? undefined : Number(at - newest) / 1e6;
      const fr = view.freshness!;
      const status: FreshnessResult["status"] =
        age === undefined
          ? fr.errorAfterSeconds !== undefined
            ? "fail"
            : "warn"
          : fr.errorAfterSeconds !== undefined && age > fr.errorAfterSeconds
            ? "fail"
            : fr.warnAfterSeconds !== undefined && age > fr.warnAfterSeconds
              ? "warn"
              : "pass";
      freshResults.push({
        view: f.view,
        status,
        newest: newest === undefined ? null : formatTimestamp(newest),
        ageSeconds: age ?? null,
        ...(fr.warnAfter !== undefined ? { warnAfter: fr.warnAfter } : {}),
        ...(fr.errorAfter !== undefined ? { errorAfter: fr.errorAfter } : {}),
      });
    }
    const result: TestResult = {
      project: registry.project.name,
      target: target.name,
      at: formatTimestamp(at),
      start: start === undefined ? null : formatTimestamp(start),
      tests: testResults,
      freshness: freshResults,
      ok: testResults.every((t) => t.status === "pass") && freshResults.every((f) => f.status !== "fail"),
    };
    writeTestResults(config.dir, result);
    return result;
  } finally {
    await wh.close();
  }
}

/** `target/test_results.json`: the result (as `--json` prints it) with `generatedAt`, for the catalog. */
function writeTestResults(projectDir: string, r: TestResult): void {
  const dir = path.join(projectDir, "target");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "test_results.json"), JSON.stringify({ ...r, generatedAt: new Date().toISOString() }, null, 2) + "\n");
}

/** A result row with values JSON can hold: bigints as numbers when exact, engine values (DuckDB timestamps) as their text. */
function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v instanceof Date) out[k] = v.toISOString();
    else if (typeof v === "bigint")
      out[k] = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : String(v);
    else if (v !== null && typeof v === "object") out[k] = String(v);
    else out[k] = v;
  }
  return out;
}

/** The failures of a result (failed tests, views past error_after), as `--alert-webhook` posts them. */
export function failuresOf(r: TestResult): object {
  return {
    project: r.project,
    target: r.target,
    at: r.at,
    start: r.start,
    failures: [
      ...r.tests.filter((t) => t.status === "fail").map((t) => ({ check: "test", ...t })),
      ...r.freshness.filter((f) => f.status === "fail").map((f) => ({ check: "freshness", ...f })),
    ],
  };
}

/** POSTs the failures as JSON to `url`; throws FC016 when the server is unreachable or answers other than 2xx. */
export async function postFailures(url: string, r: TestResult): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(failuresOf(r)) });
  } catch (err) {
    // fetch says only "fetch failed"; the reason (refused, unknown host, TLS) is its cause.
    const cause = (err as Error & { cause?: unknown }).cause;
    const why = cause instanceof Error ? `${cause.message}${"code" in cause ? ` (${String(cause.code)})` : ""}` : "";
    throw userError("FC016", `--alert-webhook ${url}: cannot post the failures: ${(err as Error).message}${why ? `: ${why}` : ""}`);
  }
  if (!res.ok) throw userError("FC016", `--alert-webhook ${url}: the server answered ${res.status} ${res.statusText}`);
}
