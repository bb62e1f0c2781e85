import Handlebars from "handlebars";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { TemplateName } from "./dialect.js";

/** The package's templates/ folder (two levels above src/dialects and dist/dialects). */
const TEMPLATE_ROOT = fileURLToPath(new URL("../../templates/", import.meta.url));

/** Loads and compiles `templates/<dialect>/*.sql.hbs` lazily, once per process. */
export function templateRenderer(dialect: string): (name: TemplateName, context: object) => string {
  const hb = Handlebars.create();
  const cache = new Map<string, Handlebars.TemplateDelegate>();
  hb.registerHelper("join", (items: unknown[], sep: unknown) =>
    Array.isArray(items) ? items.join(typeof sep === "string" ? sep : ", ") : "",
  );
  return (name, context) => {
    let t = cache.get(name);
    if (!t) {
      const text = readFileSync(`${TEMPLATE_ROOT}${dialect}/${name}.sql.hbs`, "utf8");
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
