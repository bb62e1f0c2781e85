/**
 * The catalog in the browser (`fcompile docs`): reads `window.FCOMPILE_CATALOG` (catalog-data.js)
 * and shows the page the hash names: `#/` (search), `#/feature/<view:feature>`, `#/view/<name>`,
 * `#/service/<name>`, `#/source/<name>`, `#/lineage`. Works from file:// with no network.
 */
import type { CatalogData } from "../governance/docs/catalog-data.js";
import { h, link } from "./dom.js";
import { instant } from "./format.js";
import { indexPage } from "./index-page.js";
import { featurePage, lineagePage, servicePage, sourcePage, viewPage } from "./pages.js";

declare global {
  interface Window {
    FCOMPILE_CATALOG?: CatalogData;
  }
}

function page(data: CatalogData, hash: string): HTMLElement {
  const route = hash.replace(/^#\/?/, "");
  const [path, query] = route.split("?", 2) as [string, string | undefined];
  const slash = path.indexOf("/");
  const kind = slash < 0 ? path : path.slice(0, slash);
  const name = slash < 0 ? "" : decodeURIComponent(path.slice(slash + 1));
  switch (kind) {
    case "feature":
      return featurePage(data, name);
    case "view":
      return viewPage(data, name);
    case "service":
      return servicePage(data, name);
    case "source":
      return sourcePage(data, name);
    case "lineage":
      return lineagePage(data);
    default:
      return indexPage(data, new URLSearchParams(query ?? "").get("q") ?? "");
  }
}

function show(app: HTMLElement, data: CatalogData): void {
  app.replaceChildren(
    h(
      "header",
      { class: "top" },
      link("", `${data.project} catalog`, "brand"),
      h("nav", {}, link("", "Search"), link("lineage", "Lineage")),
    ),
    h("main", {}, page(data, location.hash)),
    h("footer", {}, `Written by fcompile docs at ${instant(data.generatedAt)}.`),
  );
  window.scrollTo(0, 0);
}

const app = document.getElementById("app")!;
const data = window.FCOMPILE_CATALOG;
if (!data) app.textContent = "The catalog data (catalog-data.js) is missing: run fcompile docs again.";
else {
  window.addEventListener("hashchange", () => show(app, data));
  show(app, data);
}
