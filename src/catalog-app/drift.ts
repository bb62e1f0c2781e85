/**
 * A feature's drift check (`drift:`; docs/governance.md, "Drift"): its baseline profile, its
 * limits, and the last `fcompile test` result — PSI with its band, KS, pass or fail, and the bins
 * whose share moved most.
 */
import type { CatalogData, CatalogFeature, CatalogProfile } from "../governance/docs/catalog-data.js";
import { badge, facts, h } from "./dom.js";
import { binLabel, day, instant, percent, runAt, stat } from "./format.js";

/** The drift section's content, or null when the feature declares no drift check. */
export function driftSection(data: CatalogData, f: CatalogFeature): HTMLElement | null {
  const d = f.drift;
  if (!d) return null;
  const result = f.testResults.find((t) => t.drift);
  const r = result?.drift;
  return h(
    "div",
    { class: "drift", "data-drift": d.baseline },
    facts([
      [
        "Baseline",
        d.profile
          ? `profile ${d.baseline} (${profileWhen(d.profile)})`
          : h("span", { class: "muted" }, `profiles/${d.baseline}.json holds no profile of this feature`),
      ],
      ["Fails when", `PSI > ${d.maxPsi}${d.maxKs !== undefined ? ` or KS > ${d.maxKs}` : ""}`],
      [
        "Last check",
        !data.testRun
          ? h("span", { class: "muted" }, "not run yet — run fcompile test")
          : !result || !r
            ? h("span", { class: "muted" }, `not in the last run (${runAt(data.testRun)})`)
            : h(
                "span",
                {},
                badge(result.status),
                ` rows ${data.testRun.start ? `from ${day(data.testRun.start)} ` : ""}to ${day(data.testRun.at)} against ${r.baseline || "its baseline"}`,
              ),
      ],
      [
        "PSI",
        r
          ? r.psi === null
            ? h("span", { class: "muted" }, "no tested value")
            : h("span", {}, stat(r.psi), " ", bandChip(r.band))
          : undefined,
      ],
      ["KS", r ? (r.ks === null ? h("span", { class: "muted" }, "not measured (numbers only)") : stat(r.ks)) : undefined],
    ]),
    r && r.bins.length > 0
      ? h(
          "table",
          { class: "list bins" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", {}, "Bin (moved most)"),
              h("th", { class: "num" }, "Baseline share"),
              h("th", { class: "num" }, "Tested share"),
              h("th", { class: "num" }, "Change"),
            ),
          ),
          h(
            "tbody",
            {},
            ...r.bins.map((b) =>
              h(
                "tr",
                {},
                h("td", {}, binLabel(b.bin)),
                h("td", { class: "num" }, percent(b.expected)),
                h("td", { class: "num" }, percent(b.actual)),
                h("td", { class: "num" }, `${b.actual >= b.expected ? "+" : "−"}${(Math.abs(b.actual - b.expected) * 100).toFixed(1)} pt`),
              ),
            ),
          ),
        )
      : null,
    r &&
      h(
        "p",
        { class: "muted" },
        "PSI (population stability index) over the baseline's bins: below 0.1 no real change, 0.1 to 0.25 minor, above 0.25 major. KS: the largest gap between the two cumulative distributions, 0 to 1.",
      ),
  );
}

/** When a profile was saved and which rows it holds: `saved 2026-12-01 05:08 UTC; rows 2025-11-01 to 2025-12-01`. */
export function profileWhen(p: CatalogProfile): string {
  return `saved ${instant(p.createdAt)}${p.start || p.end ? `; rows ${p.start ? day(p.start) : "…"} to ${p.end ? day(p.end) : "…"}` : ""}`;
}

function bandChip(band: string | null): HTMLElement {
  return h("span", { class: `band band-${band ?? "unknown"}` }, band ?? "?");
}
