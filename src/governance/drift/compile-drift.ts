/**
 * Compiles `drift:` checks (docs/governance.md, "fcompile test", "Drift"): the tested rows of a
 * feature counted in the bins of its baseline profile (`profiles/<baseline>.json`, read at build
 * time): a number in the baseline histogram's bins (its inner edges, repeats merged), any other
 * value among the baseline's top values plus one "other" bin. NULLs are left out (null rates are
 * what not_null and max_null_rate test). The query returns `bin, n` per non-empty bin; driftOf
 * compares them with the baseline's counts (statistics.ts). Pure: no file, no connection.
 */
import type { CompileTarget } from "../../compile/relations.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Feature, FeatureView, Registry } from "../../registry/types.js";
import type { FeatureProfile, ProfileFile } from "../profile/profile-file.js";
import { testedRows } from "../test/compile-data-tests.js";

/** The bins of a drift check, from its baseline: labels and the baseline's count in each. */
export interface DriftBins {
  /** Numbers: the inner edges (ascending, distinct); bin i holds values with i edges at or below them. */
  edges?: number[];
  /** Other kinds: the baseline's top values as text; the bin after them is "other". */
  values?: string[];
  /** A name per bin: `[lower, upper)` or the value (`(other)` last). */
  labels: string[];
  /** The baseline's non-NULL count per bin. */
  expected: number[];
}

/** One compiled drift check. */
export interface CompiledDrift {
  view: string;
  feature: string;
  /** `<feature>__drift`. */
  name: string;
  kind: "drift";
  /** `test/<view>/<feature>__drift.sql`. */
  path: string;
  /** Rows (bin, n): the tested rows' non-NULL count per non-empty bin. */
  sql: string;
  baseline: string;
  maxPsi: number;
  maxKs?: number;
  bins: DriftBins;
}

/**
 * The drift checks of every feature with `drift:`, given the saved profiles by name (those in
 * `profiles/`). A baseline naming no saved profile, or one without the feature's values, is a
 * FC011 diagnostic at the `baseline:` value with the given severity (`build` warns, `test` fails)
 * and no check.
 */
export function compileDriftChecks(
  reg: Registry,
  t: CompileTarget,
  profiles: ReadonlyMap<string, ProfileFile>,
  severity: Diagnostic["severity"],
): { checks: CompiledDrift[]; diagnostics: (Diagnostic & { view: string })[] } {
  const checks: CompiledDrift[] = [];
  const diagnostics: (Diagnostic & { view: string })[] = [];
  for (const view of reg.views.values())
    for (const f of view.features) {
      if (!f.drift) continue;
      const key = `${view.name}:${f.name}`;
      const profile = profiles.get(f.drift.baseline);
      const fp = profile?.features[key];
      const bins = fp ? driftBins(fp) : undefined;
      if (!bins) {
        const why = !profile
          ? `no profile 'profiles/${f.drift.baseline}.json'; save one with 'fcompile profile --save ${f.drift.baseline}'`
          : !fp
            ? `profile '${f.drift.baseline}' has no feature '${key}'; profile its view again with --save ${f.drift.baseline}`
            : `profile '${f.drift.baseline}' holds no non-NULL value of '${key}' to compare with`;
        diagnostics.push({
          view: view.name,
          code: "FC011",
          severity,
          message: `drift baseline of '${key}': ${why}`,
          at: f.drift.baselineAt,
        });
        continue;
      }
      checks.push(compileDrift(reg, view, f, bins, t));
    }
  return { checks, diagnostics };
}

/** The bins of a feature's baseline; undefined when it has no non-NULL value to compare with. */
export function driftBins(p: FeatureProfile): DriftBins | undefined {
  if (p.kind === "numeric") {
    const h = p.histogram ?? [];
    if (h.length === 0 || h.every((b) => b.count === 0)) return undefined;
    const edges: number[] = [];
    for (const b of h.slice(1)) if (edges.length === 0 || b.lower > edges[edges.length - 1]!) edges.push(b.lower);
    const expected = new Array<number>(edges.length + 1).fill(0);
    h.forEach((b, k) => (expected[k === 0 ? 0 : edges.filter((e) => e <= b.lower).length] += b.count));
    const bounds = [h[0]!.lower, ...edges, h[h.length - 1]!.upper];
    const labels = expected.map((_, i) => `[${bounds[i]}, ${bounds[i + 1]}${i === expected.length - 1 ? "]" : ")"}`);
    return { edges, labels, expected };
  }
  const top = p.topValues ?? [];
  const nonNull = p.count - p.nullCount;
  if (nonNull <= 0) return undefined;
  const values = top.map((v) => String(v.value));
  const expected = [...top.map((v) => v.count), Math.max(0, nonNull - top.reduce((s, v) => s + v.count, 0))];
  return { values, labels: [...values, "(other)"], expected };
}

function compileDrift(reg: Registry, view: FeatureView, f: Feature, bins: DriftBins, t: CompileTarget): CompiledDrift {
  const d = t.dialect;
  const col = d.quote(f.name);
  const rows = testedRows(reg, view, t, [f.name]);
  const bin = bins.edges
    ? `CASE ${bins.edges.map((e, i) => `WHEN ${col} < ${numberLiteral(e)} THEN ${i}`).join(" ")} ELSE ${bins.edges.length} END`
    : `CASE CAST(${col} AS ${d.sqlType("string")}) ${bins.values!.map((v, i) => `WHEN ${d.stringLiteral(v)} THEN ${i}`).join(" ")} ELSE ${bins.values!.length} END`;
  const drift = f.drift!;
  const what = `${view.name}.${f.name} drift against profiles/${drift.baseline}.json (${drift.at.file}:${drift.at.line})`;
  return {
    view: view.name,
    feature: f.name,
    name: `${f.name}__drift`,
    kind: "drift",
    path: `test/${view.name}/${f.name}__drift.sql`,
    sql:
      `${rows.header(what, `the non-NULL count per bin of the baseline (${bins.labels.length} bins: ${bins.edges ? "its histogram" : "its top values and other"})`)}\n` +
      `${rows.tested}\nSELECT ${bin} AS bin, count(*) AS n\nFROM tested\nWHERE ${col} IS NOT NULL\nGROUP BY 1\nORDER BY 1`,
    baseline: drift.baseline,
    maxPsi: drift.maxPsi,
    ...(drift.maxKs !== undefined ? { maxKs: drift.maxKs } : {}),
    bins,
  };
}

/** A finite number as an SQL numeric literal, exact (the shortest text that reads back as it). */
function numberLiteral(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 2 ** 53 ? String(n) : String(n).replace(/e\+?/i, "E");
}
