/**
 * Compiles `drift:` checks (docs/governance.md, "fcompile test", "Drift"): the tested rows of a
 * feature counted in the bins of its baseline profile (`profiles/<baseline>.json`, read at build
 * time): a number in bins of its values (few distinct ones) or of its histogram, with bins beyond
 * the baseline's range (driftBins), any other value among the baseline's top values plus one
 * "other" bin. NULLs are left out (null rates are what not_null and max_null_rate test), and so
 * are a float's NaN and ±inf (as in the profile). The query returns `bin, n` per non-empty bin; driftOf
 * compares them with the baseline's counts (statistics.ts). Pure: no file, no connection.
 */
import type { CompileTarget } from "../../compile/relations.js";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Feature, FeatureView, Registry } from "../../registry/types.js";
import type { FeatureProfile, ProfileFile } from "../profile/profile-file.js";
import { profileKind } from "../profile/profile-file.js";
import { finiteCondition } from "../profile/compile-profile.js";
import { testedRows } from "../test/compile-data-tests.js";

/**
 * The bins of a drift check, from its baseline: labels and the baseline's count in each. A number's
 * bins partition the whole line, in order (so KS can be read off them): bin i holds the values
 * meeting cut i and no earlier one (`< at`, or `<= at` when inclusive); the last bin the rest.
 */
export interface DriftBins {
  /** Numbers: the cuts, ascending; cuts.length + 1 bins. */
  cuts?: { at: number; inclusive: boolean }[];
  /** Other kinds: the baseline's top values as text; the bin after them is "other". */
  values?: string[];
  /** A name per bin: `[lower, upper)`, `< min`, `> max`, the value, or `(other)`. */
  labels: string[];
  /** The baseline's non-NULL (for floats: finite) count per bin. */
  expected: number[];
}

/** A saved profile as read from its file: the profile, or what is wrong with the file. */
export type SavedProfile = { profile: ProfileFile } | { problem: string };

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
 * `profiles/` that a baseline names). A baseline naming no saved profile, a profile file that is
 * not a profile's shape, one without the feature or its values, or one that profiled the feature
 * as another kind of type (saved before a type change), is a FC011 diagnostic at the `baseline:`
 * value with the given severity (`build` warns, `test` fails) and no check.
 */
export function compileDriftChecks(
  reg: Registry,
  t: CompileTarget,
  profiles: ReadonlyMap<string, SavedProfile>,
  severity: Diagnostic["severity"],
): { checks: CompiledDrift[]; diagnostics: (Diagnostic & { view: string })[] } {
  const checks: CompiledDrift[] = [];
  const diagnostics: (Diagnostic & { view: string })[] = [];
  for (const view of reg.views.values())
    for (const f of view.features) {
      if (!f.drift) continue;
      const key = `${view.name}:${f.name}`;
      const file = `profiles/${f.drift.baseline}.json`;
      const saved = profiles.get(f.drift.baseline);
      const profile = saved && "profile" in saved ? saved.profile : undefined;
      const fp = profile?.features[key];
      const sameKind = fp !== undefined && fp.kind === profileKind(f.type);
      const bins = fp && sameKind ? driftBins(fp) : undefined;
      if (!bins) {
        const why =
          saved && "problem" in saved
            ? `${file} is not a saved profile: ${saved.problem}; save it again with 'fcompile profile --save ${f.drift.baseline}'`
            : !profile
              ? `no profile '${file}'; save one with 'fcompile profile --save ${f.drift.baseline}'`
              : !fp
                ? `profile '${f.drift.baseline}' has no feature '${key}'; profile its view again with --save ${f.drift.baseline}`
                : !sameKind
                  ? `${file} profiled '${key}' as ${fp.type}, but it is declared ${f.type}; save the profile again with --save ${f.drift.baseline}`
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

/**
 * The bins of a feature's baseline; undefined when it has no non-NULL (finite) value to compare
 * with. A number with few distinct values (its top values cover every finite value) gets a bin per
 * value and one between and beyond them: a shift to a value never seen is a move to an empty bin.
 * Other numbers get the baseline histogram's bins (its distinct inner edges between min and max)
 * and one bin below min and one above max (empty in the baseline). Other kinds: the top values
 * plus "other". Throws nothing: the profile's shape is checked when it is read (profile-shape.ts).
 */
export function driftBins(p: FeatureProfile): DriftBins | undefined {
  if (p.kind === "numeric") {
    const h = p.histogram ?? [];
    const finite = h.reduce((s, b) => s + b.count, 0);
    if (finite === 0) return undefined;
    const top = (p.topValues ?? []).filter((v): v is { value: number; count: number } => typeof v.value === "number");
    if (top.length > 0 && top.reduce((s, v) => s + v.count, 0) === finite) {
      const vs = [...top].sort((a, b) => a.value - b.value);
      const cuts: { at: number; inclusive: boolean }[] = [];
      const labels: string[] = [];
      const expected: number[] = [];
      vs.forEach((v, i) => {
        cuts.push({ at: v.value, inclusive: false }, { at: v.value, inclusive: true });
        labels.push(i === 0 ? `< ${v.value}` : `(${vs[i - 1]!.value}, ${v.value})`, String(v.value));
        expected.push(0, v.count);
      });
      labels.push(`> ${vs[vs.length - 1]!.value}`);
      expected.push(0);
      return { cuts, labels, expected };
    }
    const min = h[0]!.lower;
    const max = h[h.length - 1]!.upper;
    const edges: number[] = [];
    for (const b of h.slice(1)) if (b.lower > (edges.length === 0 ? min : edges[edges.length - 1]!) && b.lower <= max) edges.push(b.lower);
    // Below min, [min, e1), …, [ek, max], above max.
    const expected = new Array<number>(edges.length + 3).fill(0);
    h.forEach((b, k) => (expected[1 + (k === 0 ? 0 : edges.filter((e) => e <= b.lower).length)] += b.count));
    const bounds = [min, ...edges, max];
    const cuts = [min, ...edges].map((at) => ({ at, inclusive: false }));
    cuts.push({ at: max, inclusive: true });
    const labels = [
      `< ${min}`,
      ...bounds.slice(0, -1).map((b, i) => `[${b}, ${bounds[i + 1]}${i === bounds.length - 2 ? "]" : ")"}`),
      `> ${max}`,
    ];
    return { cuts, labels, expected };
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
  const float = f.type === "float32" || f.type === "float64";
  const bin = bins.cuts
    ? `CASE ${bins.cuts.map((c, i) => `WHEN ${col} ${c.inclusive ? "<=" : "<"} ${numberLiteral(c.at)} THEN ${i}`).join(" ")} ELSE ${bins.cuts.length} END`
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
      `${rows.header(what, `the non-NULL count per bin of the baseline (${bins.labels.length} bins: ${bins.cuts ? "its histogram or values, and beyond" : "its top values and other"})`)}\n` +
      `${rows.tested}\nSELECT ${bin} AS bin, count(*) AS n\nFROM tested\nWHERE ${col} IS NOT NULL${float ? ` AND ${finiteCondition(col)}` : ""}\nGROUP BY 1\nORDER BY 1`,
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
