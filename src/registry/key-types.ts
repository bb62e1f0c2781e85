import type { DiagnosticBag, SourceLocation } from "../diagnostics/diagnostic.js";
import type { DataFileColumn } from "./file-columns.js";
import type { JoinKeyType, Registry } from "./types.js";

/** A join key as written on an entity: `customer_id` or `{name: customer_id, type: int64}`. */
export interface JoinKeyDecl {
  name: string;
  type?: JoinKeyType;
}

/** The join keys of an entity's `join_keys` list (malformed items are skipped: the schema reported them). */
export function joinKeyDecls(raw: unknown): JoinKeyDecl[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((k: unknown): JoinKeyDecl[] => {
    if (typeof k === "string") return [{ name: k }];
    if (k && typeof k === "object" && typeof (k as { name?: unknown }).name === "string") {
      const { name, type } = k as { name: string; type?: unknown };
      return [type === "int64" || type === "string" ? { name, type } : { name }];
    }
    return [];
  });
}

/**
 * The join-key type a DuckDB column type stands for: integers that fit in 64 bits → int64, text →
 * string; anything else (DOUBLE, DATE, UBIGINT, …) gives no type, so the key stays untyped.
 */
export function keyTypeOfDuckDbType(duckdbType: string): JoinKeyType | undefined {
  const t = duckdbType.toUpperCase();
  if (["TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"].includes(t)) return "int64";
  if (t === "VARCHAR") return "string";
  return undefined;
}

/** What one view's data file says about the type of one of its entities' keys. */
export interface KeyEvidence {
  view: string;
  entity: string;
  key: string;
  type: JoinKeyType;
  /** The file and its column type, for messages: `data/orders.csv (BIGINT)`. */
  seen: string;
  /** Where the view names the entity. */
  at: SourceLocation;
}

/** The evidence a plain view over a file source gives for its entities' undeclared keys. */
export function keyEvidence(
  reg: Registry,
  viewName: string,
  file: string,
  columns: readonly DataFileColumn[],
  entityAt: (index: number) => SourceLocation,
): KeyEvidence[] {
  const view = reg.views.get(viewName)!;
  return view.entities.flatMap((entityName, i) => {
    const entity = reg.entities.get(entityName);
    if (!entity) return [];
    return entity.joinKeys.flatMap((key) => {
      if (entity.keyTypes[key]) return [];
      const col = columns.find((c) => c.name === key);
      const type = col && keyTypeOfDuckDbType(col.duckdbType);
      return type ? [{ view: viewName, entity: entityName, key, type, seen: `${file} (${col.duckdbType})`, at: entityAt(i) }] : [];
    });
  });
}

/**
 * Gives each undeclared key the type its views' data files agree on. Two views that read the same
 * key as different types are an error (FC003) at the second view's entity, naming both.
 */
export function inferKeyTypes(reg: Registry, evidence: readonly KeyEvidence[], bag: DiagnosticBag): void {
  const first = new Map<string, KeyEvidence>();
  for (const e of evidence) {
    const id = `${e.entity}\u0000${e.key}`;
    const prev = first.get(id);
    if (!prev) {
      first.set(id, e);
      reg.entities.get(e.entity)!.keyTypes[e.key] = e.type;
    } else if (prev.type !== e.type) {
      bag.error(
        "FC003",
        `join key '${e.key}' of entity '${e.entity}' reads as ${e.type} in view '${e.view}' (${e.seen}) but as ${prev.type} in view '${prev.view}' (${prev.seen}); ` +
          `declare its type on the entity, e.g. join_keys: [{name: ${e.key}, type: ${prev.type}}], and fix the data that disagrees ` +
          `(a column with no values at all reads as text: declaring the type is then enough)`,
        e.at,
      );
    }
  }
}

/**
 * Copies the entities' key types onto each view (`view.keyTypes`). Two entities of one view that
 * share a key name but not its type are an error (FC003) at the second entity.
 */
export function viewKeyTypes(reg: Registry, bag: DiagnosticBag, entityAt: (view: string, index: number) => SourceLocation): void {
  for (const view of reg.views.values()) {
    const from: Partial<Record<string, string>> = {};
    view.entities.forEach((entityName, i) => {
      const entity = reg.entities.get(entityName);
      if (!entity) return;
      for (const key of entity.joinKeys) {
        const type = entity.keyTypes[key];
        if (!type) continue;
        const had = view.keyTypes[key];
        if (had && had !== type) {
          bag.error(
            "FC003",
            `join key '${key}' is ${type} in entity '${entityName}' but ${had} in entity '${from[key]}', both in view '${view.name}'; give the key one type`,
            entityAt(view.name, i),
          );
        } else if (!had) {
          view.keyTypes[key] = type;
          from[key] = entityName;
        }
      }
    });
  }
}
