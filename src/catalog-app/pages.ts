/** The page of one feature, view, service or source, and the whole lineage graph. */
import type { CatalogData, CatalogFeature, CatalogProfile } from "../governance/docs/catalog-data.js";
import { badge, facts, h, link, linkList, routeOf, tagChips } from "./dom.js";
import { driftSection, profileWhen } from "./drift.js";
import { num, percent, value } from "./format.js";
import { featureSubgraph, lineageSvg } from "./lineage.js";
import { distributionPlot } from "./plot.js";
import { freshnessFacts, testResultsTable } from "./results.js";

export function featurePage(data: CatalogData, id: string): HTMLElement {
  const f = data.features.find((x) => x.id === id);
  if (!f) return notFound("feature", id);
  const view = data.views.find((v) => v.name === f.view)!;
  return h(
    "article",
    { class: "feature", "data-feature": f.id },
    h("p", { class: "crumb" }, link("", "Catalog"), " › ", link(routeOf("view", f.view), f.view), " › ", f.name),
    h("h1", {}, f.name, h("span", { class: "kind" }, "feature")),
    h("p", { class: "description" }, f.description ?? h("span", { class: "muted" }, "No description.")),
    facts([
      ["Type", f.type],
      ["Owner", f.owner ?? h("span", { class: "muted" }, "no owner")],
      ["Tags", Object.keys(f.tags).length > 0 ? tagChips(f.tags) : h("span", { class: "muted" }, "none")],
      ["View", link(routeOf("view", f.view), f.view)],
      ["Entity", f.entities.join(", ")],
      ["Computed as", f.aggregation],
      [
        "Used by",
        linkList(
          f.services.map((s) => ({ route: routeOf("service", s), text: s })),
          "no service",
        ),
      ],
    ]),
    h("h2", {}, "Freshness"),
    freshnessFacts(data, view),
    h("h2", {}, "Tests"),
    testResultsTable(data, f.testResults, f.declaredTests),
    f.drift ? h("h2", {}, "Drift") : null,
    driftSection(data, f),
    h("h2", {}, "Distribution"),
    ...distribution(f),
    h("h2", {}, "Lineage"),
    h("div", { class: "graph", id: "feature-lineage" }, lineageSvg(featureSubgraph(data, f.id), `view:${f.view}`)),
  );
}

export function viewPage(data: CatalogData, name: string): HTMLElement {
  const v = data.views.find((x) => x.name === name);
  if (!v) return notFound("view", name);
  const services = data.services.filter((s) => s.features.some((id) => id.startsWith(`${v.name}:`)));
  return h(
    "article",
    { class: "view" },
    h("p", { class: "crumb" }, link("", "Catalog"), " › ", v.name),
    h("h1", {}, v.name, h("span", { class: "kind" }, `${v.kind} view`)),
    h("p", { class: "description" }, v.description ?? h("span", { class: "muted" }, "No description.")),
    facts([
      ["Owner", v.owner ?? h("span", { class: "muted" }, "no owner")],
      ["Tags", Object.keys(v.tags).length > 0 ? tagChips(v.tags) : h("span", { class: "muted" }, "none")],
      ["Entity", v.entities.join(", ")],
      ["Values expire after (ttl)", v.ttl],
      ["Reads", linkList(v.reads.map((id) => nodeLink(id)))],
      [
        "Used by",
        linkList(
          services.map((s) => ({ route: routeOf("service", s.name), text: s.name })),
          "no service",
        ),
      ],
    ]),
    h("h2", {}, "Freshness"),
    freshnessFacts(data, v),
    h("h2", {}, `Features (${v.features.length})`),
    featureTable(data, v.features),
    h("h2", {}, "Tests of its rows"),
    testResultsTable(data, v.testResults),
  );
}

export function servicePage(data: CatalogData, name: string): HTMLElement {
  const s = data.services.find((x) => x.name === name);
  if (!s) return notFound("service", name);
  return h(
    "article",
    { class: "service" },
    h("p", { class: "crumb" }, link("", "Catalog"), " › ", s.name),
    h("h1", {}, s.name, h("span", { class: "kind" }, "service")),
    h("p", { class: "description" }, s.description ?? h("span", { class: "muted" }, "No description.")),
    facts([
      ["Owner", s.owner ?? h("span", { class: "muted" }, "no owner")],
      ["Tags", Object.keys(s.tags).length > 0 ? tagChips(s.tags) : h("span", { class: "muted" }, "none")],
    ]),
    h("h2", {}, `Features (${s.features.length})`),
    featureTable(data, s.features),
  );
}

export function sourcePage(data: CatalogData, name: string): HTMLElement {
  const s = data.sources.find((x) => x.name === name);
  if (!s) return notFound("source", name);
  const readers = data.views.filter((v) => v.reads.includes(`source:${s.name}`));
  return h(
    "article",
    { class: "source" },
    h("p", { class: "crumb" }, link("", "Catalog"), " › ", s.name),
    h("h1", {}, s.name, h("span", { class: "kind" }, "source")),
    h("p", { class: "description" }, s.description ?? h("span", { class: "muted" }, "No description.")),
    facts([
      [s.kind === "file" ? "File" : "Table", s.reads],
      ["Owner", s.owner ?? h("span", { class: "muted" }, "no owner")],
      ["Tags", Object.keys(s.tags).length > 0 ? tagChips(s.tags) : h("span", { class: "muted" }, "none")],
      [
        "Read by",
        linkList(
          readers.map((v) => ({ route: routeOf("view", v.name), text: v.name })),
          "no view",
        ),
      ],
    ]),
  );
}

export function lineagePage(data: CatalogData): HTMLElement {
  const graph = h("div", { class: "graph", id: "lineage" }, h("p", { class: "muted" }, `Laying out ${data.lineage.nodes.length} boxes…`));
  // Laid out after the page shows: a project of thousands of views takes dagre a few seconds.
  setTimeout(() => graph.replaceChildren(lineageSvg(data.lineage)), 0);
  return h(
    "article",
    {},
    h("p", { class: "crumb" }, link("", "Catalog"), " › lineage"),
    h("h1", {}, "Lineage"),
    h(
      "p",
      { class: "lead" },
      "Where the data comes from: sources (▤) feed views, views feed other views through their SQL, and services (◆) serve features of views. Click a box to open it.",
    ),
    graph,
  );
}

function featureTable(data: CatalogData, ids: string[]): HTMLElement {
  return h(
    "table",
    { class: "list" },
    h(
      "thead",
      {},
      h("tr", {}, h("th", {}, "Feature"), h("th", {}, "Type"), h("th", {}, "Description"), h("th", {}, "Owner"), h("th", {}, "Last tests")),
    ),
    h(
      "tbody",
      {},
      ...ids.map((id) => {
        const f = data.features.find((x) => x.id === id);
        return h(
          "tr",
          {},
          h("td", {}, link(routeOf("feature", id), id)),
          h("td", {}, f?.type ?? ""),
          h("td", {}, f?.description ?? ""),
          h("td", { class: "owner" }, f?.owner ?? ""),
          h("td", { class: "owner" }, f && data.testRun ? testTally(f) : ""),
        );
      }),
    ),
  );
}

/** A feature's last test results in a few words: a `fail` badge and `1 of 3 failed`, or `pass` and `all 3 passed`. */
function testTally(f: CatalogFeature): HTMLElement | string {
  const n = f.testResults.length;
  if (n === 0) return h("span", { class: "muted" }, "none");
  const failed = f.testResults.filter((t) => t.status === "fail").length;
  return h("span", {}, badge(failed > 0 ? "fail" : "pass"), failed > 0 ? ` ${failed} of ${n} failed` : ` all ${n} passed`);
}

function nodeLink(id: string): { route: string; text: string } {
  const colon = id.indexOf(":");
  const kind = id.slice(0, colon) as "source" | "view";
  return { route: routeOf(kind, id.slice(colon + 1)), text: `${kind} ${id.slice(colon + 1)}` };
}

function notFound(kind: string, name: string): HTMLElement {
  return h("article", {}, h("h1", {}, `No ${kind} named ${name}`), h("p", {}, link("", "Back to the catalog")));
}

/**
 * The plot of the newest profile holding values of it (newer ones without any named), then the drift baseline's when it is another profile; each says
 * which profile it is.
 */
function distribution(f: CatalogFeature): (HTMLElement | null)[] {
  const p = f.profile;
  const b = f.drift?.profile;
  const same = p !== undefined && b !== undefined && p.name === b.name && p.createdAt === b.createdAt;
  return [
    p
      ? h(
          "p",
          { class: "muted caption" },
          `${p.newerWithoutValues ? "Newest profile with values of it" : "Newest profile"}, ${p.name} (${profileWhen(p)}): ${stats(p)}${same ? " It is the drift check's baseline." : ""}${newerNote(p)}`,
        )
      : null,
    distributionPlot(p),
    b && !same ? h("h3", {}, `Drift baseline: ${b.name}`) : null,
    b && !same ? h("p", { class: "muted caption" }, `Profile ${b.name} (${profileWhen(b)}): ${stats(b)}`) : null,
    b && !same ? distributionPlot(b) : null,
  ];
}

/** The newer profiles passed over: ` Newer profiles without a value of it: empty1.` */
function newerNote(p: CatalogProfile): string {
  const n = p.newerWithoutValues ?? [];
  if (n.length === 0) return "";
  return ` Newer profile${n.length === 1 ? "" : "s"} without a value of it (no rows in ${n.length === 1 ? "its" : "their"} window, or only nulls): ${n.join(", ")}.`;
}

/** `691 rows, 9.7% null, 618 distinct, mean 87.08, min 9.02, max 1543.8.` (min and max of numbers and times only). */
function stats(p: CatalogProfile): string {
  const range = p.kind === "numeric" || p.kind === "timestamp";
  return `${p.count} rows, ${percent(p.nullRate)} null, ${p.distinct} distinct${typeof p.mean === "number" ? `, mean ${num(p.mean)}` : ""}${range && p.min !== null && p.min !== undefined ? `, min ${value(p.min)}, max ${value(p.max ?? null)}` : ""}.`;
}
