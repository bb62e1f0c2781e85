/** Test results and freshness, as `fcompile test` last reported them. */
import type { CatalogData, CatalogTestResult, CatalogView } from "../governance/docs/catalog-data.js";
import { badge, facts, h } from "./dom.js";
import { runAt, runTarget, stat } from "./format.js";

/** A table of test results (each with what it found), or a sentence when there are none. */
export function testResultsTable(data: CatalogData, results: CatalogTestResult[], declared: string[] = []): HTMLElement {
  if (!data.testRun)
    return h(
      "p",
      { class: "muted" },
      declared.length > 0
        ? `Declared tests: ${declared.join(", ")}. Not run yet — run fcompile test.`
        : "No test results yet — run fcompile test.",
    );
  if (results.length === 0) return h("p", { class: "muted" }, `No test of its own in the last run (${runAt(data.testRun)}).`);
  return h(
    "div",
    {},
    h(
      "table",
      { class: "list tests" },
      h("thead", {}, h("tr", {}, h("th", {}, "Test"), h("th", {}, "Kind"), h("th", {}, "Status"), h("th", {}, "Found"))),
      h(
        "tbody",
        {},
        ...results.map((t) =>
          h(
            "tr",
            { "data-test": t.name },
            h("td", {}, t.name),
            h("td", { class: "kind" }, t.kind),
            h("td", {}, badge(t.status)),
            h("td", { class: "found" }, found(t)),
          ),
        ),
      ),
    ),
    h("p", { class: "muted" }, `Last run: ${runAt(data.testRun)} on target ${runTarget(data.testRun)}.`),
  );
}

/** What a test found: failing rows, or a drift check's PSI and KS against their limits. */
function found(t: CatalogTestResult): string {
  const d = t.drift;
  if (d) {
    const baseline = d.baseline || "its baseline";
    if (d.psi === null) return `no tested value (against ${baseline})`;
    const psi = `PSI ${stat(d.psi)} (${d.band ?? "?"})${d.maxPsi !== undefined ? ` ${d.psi > d.maxPsi ? ">" : "≤"} ${d.maxPsi}` : ""}`;
    const ks = d.ks !== null ? `, KS ${stat(d.ks)}${d.maxKs !== undefined ? ` ${d.ks > d.maxKs ? ">" : "≤"} ${d.maxKs}` : ""}` : "";
    return `${psi}${ks} against ${baseline}`;
  }
  if (t.kind === "max_null_rate") return t.failing > 0 ? "null rate over the limit" : "null rate within the limit";
  return t.failing === 0 ? "no failing row" : `${t.failing} failing row${t.failing === 1 ? "" : "s"}`;
}

/** A view's expected update frequency and how fresh it was when last tested. */
export function freshnessFacts(data: CatalogData, view: CatalogView): HTMLElement {
  const f = view.freshness;
  const r = view.freshnessResult;
  return facts([
    [
      "Expected updates",
      f
        ? [f.warnAfter && `warn when older than ${f.warnAfter}`, f.errorAfter && `fail when older than ${f.errorAfter}`]
            .filter(Boolean)
            .join("; ")
        : h("span", { class: "muted" }, "not declared (freshness:)"),
    ],
    [
      "Freshness",
      r
        ? h(
            "span",
            {},
            badge(r.status),
            ` newest row ${r.newest ?? "none"}${typeof r.ageSeconds === "number" ? ` (${age(r.ageSeconds)} old)` : ""}, checked ${runAt(data.testRun)}`,
          )
        : h("span", { class: "muted" }, "not checked yet — run fcompile test"),
    ],
  ]);
}

/** Seconds as the largest whole units: `3d 4h`, `2h 5m`, `40s`. */
export function age(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const hr = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d}d${hr > 0 ? ` ${hr}h` : ""}`;
  if (hr > 0) return `${hr}h${m > 0 ? ` ${m}m` : ""}`;
  return m > 0 ? `${m}m` : `${Math.floor(seconds)}s`;
}
