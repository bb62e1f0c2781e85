/**
 * Building the page from data: every piece of project text goes in as a text node (never as
 * HTML), so a description holding `<script>` shows as written.
 */
type Child = Node | string | number | null | undefined | false;

/** An element with attributes (`class`, `href`, `data-*`, …) and children; strings become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(typeof c === "object" ? c : String(c));
  return el;
}

/** A link to a catalog page (`#/feature/x`), by hash route. */
export function link(route: string, text: string, cls = ""): HTMLAnchorElement {
  return h("a", { href: `#/${route}`, ...(cls ? { class: cls } : {}) }, text);
}

/** The route of an object's page: `feature/<view:feature>`, `view/<name>`, … */
export function routeOf(kind: "feature" | "view" | "service" | "source", name: string): string {
  return `${kind}/${encodeURIComponent(name)}`;
}

/** Tags as small `key=value` chips. */
export function tagChips(tags: Record<string, string | number | boolean>): HTMLElement {
  return h("span", { class: "tags" }, ...Object.entries(tags).map(([k, v]) => h("span", { class: "tag" }, `${k}=${String(v)}`)));
}

/** A two-column table of label → value rows; rows whose value is missing are left out. */
export function facts(rows: [string, Child][]): HTMLElement {
  return h(
    "dl",
    { class: "facts" },
    ...rows.filter(([, v]) => v !== undefined && v !== null && v !== "").flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
  );
}

/** A status word (pass, warn, fail) as a coloured badge. */
export function badge(status: string): HTMLElement {
  return h("span", { class: `badge badge-${status}` }, status);
}

/** A list of links, or "none". */
export function linkList(items: { route: string; text: string }[], none = "none"): HTMLElement {
  if (items.length === 0) return h("span", { class: "muted" }, none);
  return h("ul", { class: "inline-list" }, ...items.map((i) => h("li", {}, link(i.route, i.text))));
}
