import type Handlebars from "handlebars";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { TemplateName } from "./dialect.js";
import type { TemplateContexts } from "./template-contexts.js";

/** The package's templates/ folder (two levels above src/dialects and dist/dialects). */
const TEMPLATE_ROOT = fileURLToPath(new URL("../../templates/", import.meta.url));

/** handlebars, loaded on the first render: commands that compile no SQL (`lint`, `ls`, `docs`) never load it. */
const require = createRequire(import.meta.url);

/** Where templates every dialect may use live: partials (`{{> swap}}`) and default templates. */
const SHARED = "_shared";

/**
 * Loads and compiles templates lazily, once per process: `templates/<dialect>/<name>.sql.hbs`,
 * else `templates/_shared/<name>.sql.hbs`. Every file of `templates/_shared/` is also a partial
 * (`{{> swap}}`) that a file of the same name in the dialect's folder overrides, so a dialect
 * writes only the pieces where its SQL differs.
 */
export function templateRenderer(dialect: string): <N extends TemplateName>(name: N, context: TemplateContexts[N]) => string {
  let hb: typeof Handlebars | undefined;
  const cache = new Map<string, Handlebars.TemplateDelegate>();
  const setup = (): typeof Handlebars => {
    const h = (require("handlebars") as typeof Handlebars).create();
    h.registerHelper("join", (items: unknown[], sep: unknown) =>
      Array.isArray(items) ? items.join(typeof sep === "string" ? sep : ", ") : "",
    );
    // Shared partials first; a file of the same name in the dialect's own folder overrides one.
    for (const folder of [SHARED, dialect]) {
      for (const f of readdirSync(`${TEMPLATE_ROOT}${folder}`)) {
        if (f.endsWith(".sql.hbs"))
          h.registerPartial(f.slice(0, -".sql.hbs".length), readFileSync(`${TEMPLATE_ROOT}${folder}/${f}`, "utf8"));
      }
    }
    return h;
  };
  return (name, context) => {
    hb ??= setup();
    let t = cache.get(name);
    if (!t) {
      const own = `${TEMPLATE_ROOT}${dialect}/${name}.sql.hbs`;
      const text = readFileSync(existsSync(own) ? own : `${TEMPLATE_ROOT}${SHARED}/${name}.sql.hbs`, "utf8");
      t = hb.compile(text, { noEscape: true, strict: true });
      cache.set(name, t);
    }
    return (
      t(context)
        .replace(/\n{3,}/g, "\n\n")
        .trimEnd() + "\n"
    );
  };
}
