import type { ListedObject } from "./list-objects.js";

/** Longest description a table shows (cut with `…`). */
const DESCRIPTION_WIDTH = 60;

/**
 * Plain lines, for pipes: one object a line — its name alone when one kind is listed
 * (`oneKind`), else `kind name`.
 */
export function formatLines(objects: readonly ListedObject[], oneKind: boolean): string {
  return objects.map((o) => `${oneKind ? o.name : `${o.kind} ${o.name}`}\n`).join("");
}

/**
 * A table, for a terminal: a heading row, then one row per object — NAME, the kind's details
 * (when one kind is listed; else KIND first), OWNER, TAGS (`k=v,…`), DESCRIPTION — columns aligned
 * with two spaces; `-` where there is nothing; and a count line.
 */
export function formatTable(objects: readonly ListedObject[], oneKind: boolean): string {
  if (objects.length === 0) return "nothing to list\n";
  const detailKeys = oneKind ? Object.keys(objects[0]!.details) : [];
  const head = [...(oneKind ? [] : ["KIND"]), "NAME", ...detailKeys.map((k) => k.toUpperCase()), "OWNER", "TAGS", "DESCRIPTION"];
  const rows = objects.map((o) => [
    ...(oneKind ? [] : [o.kind]),
    o.name,
    ...detailKeys.map((k) => o.details[k] || "-"),
    o.owner ?? "-",
    Object.entries(o.tags)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(",") || "-",
    cut(o.description ?? "-"),
  ]);
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const lines = all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  "));
  return [...lines, "", `${objects.length} listed`].map((l) => `${l}\n`).join("");
}

function cut(s: string): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > DESCRIPTION_WIDTH ? `${one.slice(0, DESCRIPTION_WIDTH - 1)}…` : one;
}
