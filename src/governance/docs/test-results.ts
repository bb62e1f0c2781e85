/** The last `fcompile test` run's results (target/test_results.json), for the catalog. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { TestResult } from "../test/results.js";

/**
 * `target/test_results.json` (the object `fcompile test --json` prints, plus `generatedAt`), or
 * undefined when it is missing; a file that is not such an object is skipped with a warning (FC003).
 */
export function readTestResults(projectDir: string): { results?: TestResult & { generatedAt?: string }; diagnostics: Diagnostic[] } {
  const file = path.join(projectDir, "target", "test_results.json");
  if (!existsSync(file)) return { diagnostics: [] };
  try {
    const r = JSON.parse(readFileSync(file, "utf8")) as TestResult & { generatedAt?: string };
    if (typeof r !== "object" || r === null || !Array.isArray(r.tests) || !Array.isArray(r.freshness))
      throw new Error("it has no 'tests' and 'freshness' arrays");
    return { results: r, diagnostics: [] };
  } catch (err) {
    return {
      diagnostics: [
        {
          code: "FC003",
          severity: "warning",
          message: `skipped: not the results of fcompile test (${(err as Error).message})`,
          at: { file: "target/test_results.json", line: 1, col: 1 },
        },
      ],
    };
  }
}
