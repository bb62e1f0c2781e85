import type { Registry } from "../../registry/types.js";

/** What `fcompile ls` lists, in this order when no kind is given. */
export const LIST_KINDS = ["entities", "sources", "views", "features", "services"] as const;
export type ListKind = (typeof LIST_KINDS)[number];

/** The singular of each kind, as a listed object's `kind`. */
export const KIND_SINGULAR: Record<ListKind, string> = {
  entities: "entity",
  sources: "source",
  views: "view",
  features: "feature",
  services: "service",
};

/**
 * One listed object. `details`: what matters about it beyond its metadata, by column heading
 * (an entity's join keys and their types, a source's file or table, a view's kind, entities,
 * feature count and ttl, a feature's type, a service's feature count), values as text.
 */
export interface ListedObject {
  kind: string;
  /** The object's name; features as `view:feature`. */
  name: string;
  /** A feature's is its own, else its view's. */
  owner?: string;
  /** A feature's are its view's tags with its own over them. */
  tags: Record<string, string | number | boolean>;
  description?: string;
  details: Record<string, string>;
}

/** `--owner` and `--tag` of `fcompile ls`: an object is listed when it matches all of them. */
export interface ListFilter {
  owner?: string;
  /** `k=v` (tag `k` equal to `v`, compared as text) or `k` (tag `k` set to anything). */
  tags: { key: string; value?: string }[];
}

/** The project's objects of `kinds`, in definition order, that pass `filter`. */
export function listObjects(reg: Registry, kinds: readonly ListKind[], filter: ListFilter): ListedObject[] {
  const out: ListedObject[] = [];
  for (const kind of kinds) out.push(...objectsOf(reg, kind));
  return out.filter((o) => matches(o, filter));
}

function matches(o: ListedObject, f: ListFilter): boolean {
  if (f.owner !== undefined && o.owner !== f.owner) return false;
  return f.tags.every((t) => t.key in o.tags && (t.value === undefined || String(o.tags[t.key]) === t.value));
}

function meta(m: { description?: string; owner?: string }): { description?: string; owner?: string } {
  return { ...(m.owner !== undefined ? { owner: m.owner } : {}), ...(m.description !== undefined ? { description: m.description } : {}) };
}

function objectsOf(reg: Registry, kind: ListKind): ListedObject[] {
  switch (kind) {
    case "entities":
      return [...reg.entities.values()].map((e) => ({
        kind: "entity",
        name: e.name,
        ...meta(e),
        tags: e.tags,
        details: { "join keys": e.joinKeys.map((k) => `${k}:${e.keyTypes[k] ?? "?"}`).join(", ") },
      }));
    case "sources":
      return [...reg.sources.values()].map((s) => ({
        kind: "source",
        name: s.name,
        ...meta(s),
        tags: s.tags,
        details: {
          type: s.kind + (s.push ? ", push" : ""),
          reads: s.kind === "file" ? s.projectPath : s.table.join("."),
          timestamp: s.timestamp,
        },
      }));
    case "views":
      return [...reg.views.values()].map((v) => ({
        kind: "view",
        name: v.name,
        ...meta(v),
        tags: v.tags,
        details: { type: v.kind, entities: v.entities.join(", "), features: String(v.features.length), ttl: v.ttl ?? "-" },
      }));
    case "features":
      return [...reg.views.values()].flatMap((v) =>
        v.features.map((f) => ({
          kind: "feature",
          name: `${v.name}:${f.name}`,
          ...meta({ owner: f.owner ?? v.owner, description: f.description }),
          tags: { ...v.tags, ...f.tags },
          details: { type: f.type },
        })),
      );
    case "services":
      return [...reg.services.values()].map((s) => ({
        kind: "service",
        name: s.name,
        ...meta(s),
        tags: s.tags,
        details: { features: String(s.features.length) },
      }));
  }
}
