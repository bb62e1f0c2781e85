/**
 * A feature's distribution from its saved profile, drawn with Observable Plot: a histogram for
 * numbers (the profile's 10 quantile bins, as density so unequal widths read right), bars of the
 * most frequent values otherwise.
 */
import * as Plot from "@observablehq/plot";
import type { CatalogProfile } from "../governance/docs/catalog-data.js";
import { h } from "./dom.js";

const WIDTH = 560;

/** The plot, or a sentence saying why there is none. */
export function distributionPlot(p: CatalogProfile | undefined): HTMLElement {
  if (!p) return h("p", { class: "muted" }, "No profile yet — run fcompile profile --save NAME");
  const bins = p.histogram;
  if (p.kind === "numeric" && bins.length > 0) return h("div", { class: "plot", "data-plot": "histogram" }, histogram(bins));
  if (p.topValues.length > 0)
    return h("div", { class: "plot", "data-plot": "top-values" }, topValues(p.topValues, p.count - Math.round(p.nullRate * p.count)));
  return h("p", { class: "muted" }, `The profile ${p.name} holds no non-null value of this feature.`);
}

function histogram(bins: CatalogProfile["histogram"]): Element {
  const widths = bins.map((b) => b.upper - b.lower);
  if (widths.every((w) => w > 0)) {
    const rows = bins.map((b, i) => ({ ...b, density: b.count / widths[i]! }));
    return Plot.plot({
      width: WIDTH,
      height: 240,
      marginLeft: 56,
      x: { label: "value" },
      y: { label: "rows per unit of value", grid: true },
      marks: [
        Plot.rectY(rows, {
          x1: "lower",
          x2: "upper",
          y: "density",
          fill: "#3b6fb6",
          inset: 0.5,
          title: (d: (typeof rows)[number]) => `${d.lower} – ${d.upper}: ${d.count} rows`,
        }),
        Plot.ruleY([0]),
      ],
    });
  }
  // A bin of one repeated value has no width: show counts per bin instead.
  const rows = bins.map((b) => ({ label: b.lower === b.upper ? String(b.lower) : `${b.lower} – ${b.upper}`, count: b.count }));
  return Plot.plot({
    width: WIDTH,
    height: 260,
    marginBottom: 70,
    x: { label: null, domain: rows.map((r) => r.label), tickRotate: -30 },
    y: { label: "rows", grid: true },
    marks: [Plot.barY(rows, { x: "label", y: "count", fill: "#3b6fb6" }), Plot.ruleY([0])],
  });
}

function topValues(values: CatalogProfile["topValues"], nonNull: number): Element {
  const rows = values.map((v) => ({ value: String(v.value), count: v.count, share: nonNull > 0 ? v.count / nonNull : 0 }));
  return Plot.plot({
    width: WIDTH,
    height: 40 + rows.length * 24,
    marginLeft: 140,
    x: { label: "rows", grid: true },
    y: { label: null, domain: rows.map((r) => r.value) },
    marks: [
      Plot.barX(rows, {
        y: "value",
        x: "count",
        fill: "#3b6fb6",
        title: (d: (typeof rows)[number]) => `${d.value}: ${d.count} rows (${(d.share * 100).toFixed(1)}%)`,
      }),
      Plot.ruleX([0]),
    ],
  });
}
