// Bundles the browser app of `fcompile docs` (src/catalog-app: the app, @dagrejs/dagre and
// @observablehq/plot) with esbuild into dist/catalog-app/catalog-app.js and catalog.css, minified,
// so the catalog works offline: `fcompile docs` copies both into target/docs/. Run by `npm run build`.
import { build } from "esbuild";

await build({
  entryPoints: { "catalog-app": "src/catalog-app/main.ts", catalog: "src/catalog-app/catalog.css" },
  outdir: "dist/catalog-app",
  bundle: true,
  minify: true,
  format: "iife",
  platform: "browser",
  target: ["es2020"],
  legalComments: "eof",
  logLevel: "warning",
});
