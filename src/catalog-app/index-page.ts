/** The front page: a search box over names, descriptions, owners and tags, and the matching objects. */
import type { CatalogData } from "../governance/docs/catalog-data.js";
import { badge, h, link, routeOf, tagChips } from "./dom.js";
import { runAt, runTarget } from "./format.js";
import { indexRows, matchRows } from "./search.js";
import type { IndexRow } from "./search.js";

/** Rows shown per kind: a large project's thousands of features stay quick to show; search narrows them. */
const SHOWN = 200;

const KIND_HEADINGS: Record<IndexRow["kind"], string> = { feature: "Features", view: "Views", service: "Services", source: "Sources" };

/** The index page; `query` is the search text kept in the route (`#/?q=…`). */
export function indexPage(data: CatalogData, query: string): HTMLElement {
  const rows = indexRows(data);
  const input = h("input", {
    type: "search",
    id: "search",
    placeholder: "Search names, descriptions, owners, tags…",
    "aria-label": "Search",
    autocomplete: "off",
  });
  input.value = query;
  const results = h("div", { id: "results" });
  const render = () => {
    results.replaceChildren(...resultSections(matchRows(rows, input.value)));
    history.replaceState(null, "", input.value ? `#/?q=${encodeURIComponent(input.value)}` : "#/");
  };
  input.addEventListener("input", render);
  results.replaceChildren(...resultSections(matchRows(rows, query)));
  queueMicrotask(() => input.focus());
  return h(
    "section",
    {},
    h("h1", {}, `${data.project}: feature catalog`),
    h(
      "p",
      { class: "lead" },
      `${count(data.features.length, "feature")} in ${count(data.views.length, "view")}, served by ${count(data.services.length, "service")}. `,
      link("lineage", "See the lineage graph"),
      ".",
    ),
    lastRun(data),
    input,
    results,
  );
}

function resultSections(rows: IndexRow[]): HTMLElement[] {
  if (rows.length === 0) return [h("p", { class: "muted" }, "Nothing matches.")];
  return (["feature", "view", "service", "source"] as const).flatMap((kind) => {
    const of = rows.filter((r) => r.kind === kind);
    if (of.length === 0) return [];
    const parts: (HTMLElement | null)[] = [
      h("h2", {}, `${KIND_HEADINGS[kind]} (${of.length})`),
      h(
        "table",
        { class: "list", "data-kind": kind },
        h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Description"), h("th", {}, "Owner"), h("th", {}, "Tags"))),
        h(
          "tbody",
          {},
          ...of
            .slice(0, SHOWN)
            .map((r) =>
              h(
                "tr",
                {},
                h("td", {}, link(routeOf(r.kind, r.name), r.name)),
                h("td", {}, r.description ?? ""),
                h("td", { class: "owner" }, r.owner ?? ""),
                h("td", {}, tagChips(r.tags)),
              ),
            ),
        ),
      ),
      of.length > SHOWN ? h("p", { class: "muted" }, `and ${of.length - SHOWN} more: type in the search box to narrow the list.`) : null,
    ];
    return parts.filter((x): x is HTMLElement => x !== null);
  });
}

/** How the last `fcompile test` went, over every feature's and view's checks and freshness: `17 checks, all passed`. */
function lastRun(data: CatalogData): HTMLElement {
  if (!data.testRun) return h("p", { class: "muted" }, "No test results yet — run fcompile test.");
  const results = [...data.features.flatMap((f) => f.testResults), ...data.views.flatMap((v) => v.testResults)];
  const fresh = data.views.flatMap((v) => (v.freshnessResult ? [v.freshnessResult] : []));
  const checks = results.length + fresh.length;
  const failed = results.filter((t) => t.status === "fail").length + fresh.filter((r) => r.status === "fail").length;
  const warned = fresh.filter((r) => r.status === "warn").length;
  const told =
    failed === 0 && warned === 0
      ? "all passed"
      : [failed > 0 && `${failed} failed`, warned > 0 && `${warned} warned`].filter(Boolean).join(", ");
  return h(
    "p",
    { class: "last-run" },
    badge(data.testRun.ok ? "pass" : "fail"),
    ` Last fcompile test, at ${runAt(data.testRun)} on target ${runTarget(data.testRun)}: ${count(checks, "check")}, ${told}.`,
  );
}

/** `1 feature`, `2 features`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
