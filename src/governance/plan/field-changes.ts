import type { ManifestObject } from "./manifest-shape.js";

/** Keys that describe an object without changing what it computes or serves. */
export const DOCUMENTATION_KEYS: ReadonlySet<string> = new Set(["description", "owner", "tags", "tests", "drift", "freshness"]);

/** Keys `plan` does not compare: hashes, and values derived from a key that is compared (`ttlSeconds` from `ttl`). */
const IGNORED_KEYS: ReadonlySet<string> = new Set([
  "hash",
  "materializationHash",
  "ttlSeconds",
  "latenessSeconds",
  "hopSeconds",
  "filterExpr",
  "name",
]);

/** The manifest's keys as a definition file writes them. */
const YAML_NAMES: Record<string, string> = {
  joinKeys: "join_keys",
  keyTypes: "join key types",
  createdTimestamp: "created_timestamp",
  dedupeKey: "dedupe_key",
  projectPath: "path",
  sqlFile: "sql file",
};

/** The keys whose values differ between two versions of an object (ignored keys and `skip` left out), sorted. */
export function changedKeys(before: ManifestObject, after: ManifestObject, skip: readonly string[] = []): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => !IGNORED_KEYS.has(k) && !skip.includes(k) && !sameValue(before[k], after[k])).sort();
}

/** Deep equality of JSON values (object key order ignored). */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  return (
    JSON.stringify(v, (_k, x: unknown) =>
      x && typeof x === "object" && !Array.isArray(x)
        ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : x,
    ) ?? "undefined"
  );
}

/** A manifest key as a definition file names it (`joinKeys` → `join_keys`). */
export function keyName(key: string): string {
  return key === "sql" ? "SQL" : (YAML_NAMES[key] ?? key);
}

/** A key change in words: `ttl 30d → 7d`, `SQL changed` (SQL and long values are not shown). */
export function describeChange(key: string, before: unknown, after: unknown): string {
  const name = keyName(key);
  if (key === "sql") return "SQL changed";
  const a = show(before);
  const b = show(after);
  return a.length + b.length > 80 ? `${name} changed` : `${name} ${a} → ${b}`;
}

function show(v: unknown): string {
  if (v === undefined || v === null) return "(none)";
  if (typeof v === "string") return v;
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return `[${v.join(", ")}]`;
  // A flat map (tags, join key types) as YAML's flow style writes it.
  if (v && typeof v === "object" && !Array.isArray(v) && Object.values(v).every((x) => x === null || typeof x !== "object"))
    return `{${Object.entries(v)
      // Seconds derived from a duration written beside them (freshness: warnAfterSeconds of warnAfter).
      .filter(([k]) => !(k.endsWith("Seconds") && k.slice(0, -"Seconds".length) in v))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${k}: ${x === null ? "null" : String(x)}`)
      .join(", ")}}`;
  return canonical(v);
}
