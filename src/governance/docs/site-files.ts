/**
 * The files of the static catalog (target/docs/): index.html, the data as a script (so the page
 * works opened from disk, where a browser refuses to fetch JSON), and the bundled app and styles
 * built by `npm run build` into dist/catalog-app/.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CatalogData } from "./catalog-data.js";

/** The bundled browser app and its styles, as `npm run build` wrote them (dist/catalog-app/). */
const APP_DIR = new URL("../../catalog-app/", import.meta.url);

/** Escapes text for HTML element content and quoted attribute values (`& < > " '`). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * `catalog-data.js`: the catalog as a script setting `window.FCOMPILE_CATALOG`, as a JSON text in
 * a string literal handed to `JSON.parse` (which browsers read much faster than an object literal
 * of megabytes). `<`, `>`, `&`, U+2028 and U+2029 are written as `\uXXXX`, so no project text can
 * end the script or break it (`</script>`, `<!--`).
 */
export function catalogScript(data: CatalogData): string {
  const literal = JSON.stringify(JSON.stringify(data)).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `window.FCOMPILE_CATALOG = JSON.parse(${literal});\n`;
}

/** The page: a shell the app fills in; the project's name is its title. */
export function indexHtml(project: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(project)} — feature catalog</title>
<link rel="stylesheet" href="catalog.css">
</head>
<body>
<noscript>This catalog needs JavaScript.</noscript>
<div id="app"></div>
<script src="catalog-data.js"></script>
<script src="catalog-app.js"></script>
</body>
</html>
`;
}

/** Every file of target/docs/, by name. Throws when the app was not built (run `npm run build`). */
export function siteFiles(data: CatalogData): Map<string, string> {
  const read = (name: string) => readFileSync(fileURLToPath(new URL(name, APP_DIR)), "utf8");
  return new Map([
    ["index.html", indexHtml(data.project)],
    ["catalog-data.js", catalogScript(data)],
    ["catalog-app.js", read("catalog-app.js")],
    ["catalog.css", read("catalog.css")],
  ]);
}
