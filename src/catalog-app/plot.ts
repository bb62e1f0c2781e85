/**
 * A feature's distribution from its saved profile, drawn with Observable Plot: for a number with
 * few values (all of them among the profile's most frequent), rows per value; for other numbers a
 * histogram (the profile's 10 quantile bins, as density so unequal widths read right); bars of the
 * most frequent values otherwise.
 */
import * as Plot from "@observablehq/plot";
import type { CatalogProfile } from "../governance/docs/catalog-data.js";
import { h } from "./dom.js";
import { num } from "./format.js";

const WIDTH = 560;

/** The plot, or a sentence saying why there is none. */
export function distributionPlot(p: CatalogProfile | undefined): HTMLElement {
  if (!p) return h("p", { class: "muted" }, "No profile yet — run fcompile profile --save NAME");
  // Fields an older or hand-edited catalog may lack read as none.
  const bins = p.histogram ?? [];
  const top = p.topValues ?? [];
  const nonNull = (p.count ?? 0) - Math.round((p.nullRate ?? 0) * (p.count ?? 0));
  const exact = p.kind === "numeric" && top.length === p.distinct && top.reduce((n, v) => n + v.count, 0) === nonNull;
  if (exact && p.distinct > 0) return h("div", { class: "plot", "data-plot": "value-counts", "data-profile": p.name }, valueCounts(top));
  if (p.kind === "numeric" && bins.length > 0) {
    const { plot, note } = histogram(bins);
    return h(
      "div",
      { class: "plot", "data-plot": "histogram", "data-profile": p.name },
      plot,
      note ? h("p", { class: "muted note" }, note) : null,
    );
  }
  if (top.length > 0) return h("div", { class: "plot", "data-plot": "top-values", "data-profile": p.name }, topValues(top, nonNull));
  if (nonNull > 0)
    return h("p", { class: "muted" }, `The profile ${p.name} lists no values of this feature to plot (${p.distinct} distinct).`);
  return h("p", { class: "muted" }, `The profile ${p.name} holds no non-null value of this feature.`);
}

/**
 * A tail bin over twice as wide as all the others together (a few large values) would squeeze them into a
 * sliver: the axis then stops a little past the other bins, the tail bin runs off its edge, and
 * the note says where it ends.
 */
function histogram(bins: CatalogProfile["histogram"]): { plot: Element; note?: string } {
  const widths = bins.map((b) => b.upper - b.lower);
  if (widths.every((w) => w > 0)) {
    const rows = bins.map((b, i) => ({ ...b, density: b.count / widths[i]! }));
    const first = bins[0]!;
    const last = bins[bins.length - 1]!;
    let lo = first.lower;
    let hi = last.upper;
    const notes: string[] = [];
    if (bins.length >= 3) {
      const rest = bins[bins.length - 2]!.upper - first.lower;
      if (widths[bins.length - 1]! > 2 * rest) {
        hi = bins[bins.length - 2]!.upper + 0.3 * rest;
        notes.push(`the last bin, ${num(last.lower)} to ${num(last.upper)} (${last.count} rows), runs past the right edge`);
      }
      const restLeft = hi - bins[1]!.lower;
      if (widths[0]! > 2 * restLeft) {
        lo = bins[1]!.lower - 0.3 * restLeft;
        notes.push(`the first bin, ${num(first.lower)} to ${num(first.upper)} (${first.count} rows), runs past the left edge`);
      }
    }
    const plot = Plot.plot({
      width: WIDTH,
      height: 240,
      marginLeft: 56,
      x: { label: "value", domain: [lo, hi] },
      y: { label: "rows per unit of value", grid: true },
      marks: [
        Plot.rectY(rows, {
          x1: "lower",
          x2: "upper",
          y: "density",
          fill: "#3b6fb6",
          inset: 0.5,
          clip: true,
          title: (d: (typeof rows)[number]) => `${num(d.lower)} – ${num(d.upper)}: ${d.count} rows`,
        }),
        Plot.ruleY([0]),
      ],
    });
    return notes.length > 0 ? { plot, note: `Each bar holds about a tenth of the rows; ${notes.join("; ")}.` } : { plot };
  }
  // A bin of one repeated value has no width: show counts per bin instead.
  const rows = bins.map((b) => ({ label: b.lower === b.upper ? num(b.lower) : `${num(b.lower)} – ${num(b.upper)}`, count: b.count }));
  return {
    plot: Plot.plot({
      width: WIDTH,
      height: 260,
      marginBottom: 70,
      x: { label: null, domain: rows.map((r) => r.label), tickRotate: -30 },
      y: { label: "rows", grid: true },
      marks: [Plot.barY(rows, { x: "label", y: "count", fill: "#3b6fb6" }), Plot.ruleY([0])],
    }),
  };
}

/** A number with few values (all of them in the profile's most frequent values): rows per value, in value order. */
function valueCounts(values: CatalogProfile["topValues"]): Element {
  const rows = values.map((v) => ({ value: Number(v.value), count: v.count })).sort((x, y) => x.value - y.value);
  return Plot.plot({
    width: WIDTH,
    height: 240,
    marginLeft: 56,
    x: { label: "value", domain: rows.map((r) => r.value), tickFormat: (x: number) => num(x) },
    y: { label: "rows", grid: true },
    marks: [
      Plot.barY(rows, { x: "value", y: "count", fill: "#3b6fb6", title: (d: (typeof rows)[number]) => `${num(d.value)}: ${d.count} rows` }),
      Plot.ruleY([0]),
    ],
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
