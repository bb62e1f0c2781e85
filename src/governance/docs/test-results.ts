/** The last `fcompile test` run's results (target/test_results.json), for the catalog. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { DataTestResult, FreshnessResult, TestResult } from "../test/results.js";

const FILE = "target/test_results.json";

/**
 * `target/test_results.json` (the object `fcompile test --json` prints, plus `generatedAt`;
 * src/governance/test/results.ts), or undefined when it is missing. Checked field by field, as
 * the catalog reads them: a file that is not such an object (bad JSON; no `tests` or `freshness`
 * array; no `at` or `target` text; no `ok` boolean) is skipped with a warning (FC003); an entry
 * of `tests` or `freshness` without the fields the catalog shows is skipped with one warning
 * naming how many; optional fields of a wrong type are dropped (`start`, `generatedAt`, a drift
 * check's measures and bins).
 */
export function readTestResults(projectDir: string): { results?: TestResult & { generatedAt?: string }; diagnostics: Diagnostic[] } {
  const file = path.join(projectDir, "target", "test_results.json");
  if (!existsSync(file)) return { diagnostics: [] };
  const warn = (message: string): Diagnostic => ({ code: "FC003", severity: "warning", message, at: { file: FILE, line: 1, col: 1 } });
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    if (typeof r !== "object" || r === null || Array.isArray(r)) throw new Error("it is not a JSON object");
    if (!Array.isArray(r.tests) || !Array.isArray(r.freshness)) throw new Error("it has no 'tests' and 'freshness' arrays");
    for (const key of ["at", "target"]) if (typeof r[key] !== "string") throw new Error(`its '${key}' is not text`);
    if (typeof r.ok !== "boolean") throw new Error("its 'ok' is not true or false");
  } catch (err) {
    return { diagnostics: [warn(`skipped: not the results of fcompile test (${(err as Error).message})`)] };
  }
  const tests = (r.tests as unknown[]).map(testOf);
  const freshness = (r.freshness as unknown[]).map(freshnessOf);
  const badTests = tests.filter((t) => t === undefined).length;
  const badFreshness = freshness.filter((t) => t === undefined).length;
  const diagnostics: Diagnostic[] = [];
  if (badTests > 0)
    diagnostics.push(
      warn(
        `skipped ${badTests} of ${tests.length} 'tests' entries without text 'view', 'name' and 'kind', 'status' pass or fail, and a number 'failing'`,
      ),
    );
  if (badFreshness > 0)
    diagnostics.push(
      warn(`skipped ${badFreshness} of ${freshness.length} 'freshness' entries without text 'view' and 'status' pass, warn or fail`),
    );
  return {
    results: {
      project: typeof r.project === "string" ? r.project : "",
      target: r.target as string,
      at: r.at as string,
      start: typeof r.start === "string" ? r.start : null,
      ok: r.ok as boolean,
      tests: tests.filter((t): t is DataTestResult => t !== undefined),
      freshness: freshness.filter((t): t is FreshnessResult => t !== undefined),
      ...(typeof r.generatedAt === "string" ? { generatedAt: r.generatedAt } : {}),
    },
    diagnostics,
  };
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const numberOrNull = (x: unknown): number | null => (typeof x === "number" && Number.isFinite(x) ? x : null);

/** A `tests` entry with the fields the catalog reads, or undefined when one it needs is missing or wrong. */
function testOf(x: unknown): DataTestResult | undefined {
  if (!isObject(x)) return undefined;
  const { view, feature, name, kind, status, failing } = x;
  if (typeof view !== "string" || typeof name !== "string" || typeof kind !== "string") return undefined;
  if ((status !== "pass" && status !== "fail") || typeof failing !== "number" || !Number.isFinite(failing)) return undefined;
  const t: DataTestResult = {
    view,
    name,
    kind: kind as DataTestResult["kind"],
    status,
    failing,
    sample: Array.isArray(x.sample) ? x.sample.filter(isObject) : [],
    file: typeof x.file === "string" ? x.file : "",
  };
  if (typeof feature === "string") t.feature = feature;
  if (kind === "drift") {
    t.psi = numberOrNull(x.psi);
    t.ks = numberOrNull(x.ks);
    t.band = x.band === "none" || x.band === "minor" || x.band === "major" ? x.band : null;
    if (typeof x.baseline === "string") t.baseline = x.baseline;
    if (typeof x.maxPsi === "number") t.maxPsi = x.maxPsi;
    if (typeof x.maxKs === "number") t.maxKs = x.maxKs;
  }
  return t;
}

/** A `freshness` entry with the fields the catalog reads, or undefined when `view` or `status` is missing or wrong. */
function freshnessOf(x: unknown): FreshnessResult | undefined {
  if (!isObject(x)) return undefined;
  const { view, status } = x;
  if (typeof view !== "string" || (status !== "pass" && status !== "warn" && status !== "fail")) return undefined;
  return {
    view,
    status,
    newest: typeof x.newest === "string" ? x.newest : null,
    ageSeconds: numberOrNull(x.ageSeconds),
    ...(typeof x.warnAfter === "string" ? { warnAfter: x.warnAfter } : {}),
    ...(typeof x.errorAfter === "string" ? { errorAfter: x.errorAfter } : {}),
  };
}
