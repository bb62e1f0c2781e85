/** The search box: which catalog objects match what was typed. */
import type { CatalogData } from "../governance/docs/catalog-data.js";

/** One row of the index list. */
export interface IndexRow {
  kind: "feature" | "view" | "service" | "source";
  name: string;
  description?: string;
  owner?: string;
  tags: Record<string, string | number | boolean>;
  search: string;
}

/** Every object of the catalog as an index row: features, then views, services and sources. */
export function indexRows(data: CatalogData): IndexRow[] {
  return [
    ...data.features.map((f) => ({
      kind: "feature" as const,
      name: f.id,
      description: f.description,
      owner: f.owner,
      tags: f.tags,
      search: f.search,
    })),
    ...data.views.map((v) => ({
      kind: "view" as const,
      name: v.name,
      description: v.description,
      owner: v.owner,
      tags: v.tags,
      search: v.search,
    })),
    ...data.services.map((s) => ({
      kind: "service" as const,
      name: s.name,
      description: s.description,
      owner: s.owner,
      tags: s.tags,
      search: s.search,
    })),
    ...data.sources.map((s) => ({
      kind: "source" as const,
      name: s.name,
      description: s.description,
      owner: s.owner,
      tags: s.tags,
      search: s.search,
    })),
  ];
}

/** The rows whose search text holds every word of `query` (case-insensitive); all rows for an empty query. */
export function matchRows(rows: IndexRow[], query: string): IndexRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return words.length === 0 ? rows : rows.filter((r) => words.every((w) => r.search.includes(w)));
}
