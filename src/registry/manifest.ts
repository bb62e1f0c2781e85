import { createHash } from "node:crypto";
import type { AggregationFeature, Feature, FeatureView, JoinKeyType, Registry, Source, SqlPart } from "./types.js";
import { unreachable } from "./types.js";

/** Version of the manifest's shape; bumped on incompatible changes. */
export const MANIFEST_VERSION = 1;

/** sha256 of a value's canonical JSON (keys sorted), as `sha256:…`. */
export function contentHash(value: unknown): string {
  return "sha256:" + createHash("sha256").update(canonicalJson(value)).digest("hex");
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Drops positions and derived fields: what a hash and the manifest describe is the definition. */
function strip<T extends object>(obj: T, ...drop: string[]): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(obj)
      .filter(
        ([k, v]) => k !== "at" && !drop.includes(k) && v !== undefined && !(EMPTY_DROPPED.has(k) && Array.isArray(v) && v.length === 0),
      )
      .map(([k, v]) => [k, GOVERNANCE_KEYS.has(k) ? withoutLocations(v) : v]),
  );
}

/** Lists left out of the manifest when empty (a project without governance declarations keeps its manifest). */
const EMPTY_DROPPED: ReadonlySet<string> = new Set(["tests", "labels"]);
/** Governance declarations (src/registry/governance.ts), whose parts carry source locations. */
const GOVERNANCE_KEYS: ReadonlySet<string> = new Set(["tests", "drift", "freshness"]);

/** A declaration without its `at` locations (they change with formatting, not meaning). */
function withoutLocations(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutLocations);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== "at" && k !== "baselineAt")
        .map(([k, x]) => [k, withoutLocations(x)]),
    );
  return v;
}

function withHash(obj: Record<string, unknown>): Record<string, unknown> {
  return { ...obj, hash: contentHash(obj) };
}

/** Every join key with its type, null where it is unknown until the warehouse reads the data. */
function keyTypeEntry(keys: readonly string[], types: Partial<Record<string, JoinKeyType>>): Record<string, JoinKeyType | null> {
  return Object.fromEntries(keys.map((k) => [k, types[k] ?? null]));
}

/** A source as the manifest shows it; `push` only when true (so a source without pushes hashes as before push existed). */
function sourceEntry(src: Source): Record<string, unknown> {
  const drop = src.push ? [] : ["push"];
  return src.kind === "file" ? strip(src, "path", ...drop) : { ...strip(src, ...drop), table: src.table.join(".") };
}

/** A push source's dedupe_key (undefined when the source is not a push source or has none). */
function pushDedupeKey(src: Source | undefined): string | undefined {
  return src?.push ? src.dedupeKey : undefined;
}

/**
 * A source's entry without what only pushes and lint read (`push`, `dedupe_key`, `labels`): making
 * a source a push source changes no materialized value (an aggregation state's id column is hashed apart).
 */
function materializedSourceEntry(src: Source): Record<string, unknown> {
  const { push: _push, dedupeKey: _dedupeKey, labels: _labels, ...rest } = sourceEntry(src);
  return rest;
}

/** A view's definition as the manifest shows it (its features are listed apart). */
function viewDefinition(v: FeatureView): Record<string, unknown> {
  switch (v.kind) {
    case "plain":
      return strip(v, "features");
    case "sql":
      return { ...strip(v, "parts", "sqlText", "features"), sql: v.sqlText };
    case "aggregation":
      return v.events.kind === "source"
        ? { ...strip(v, "features", "events", "ttl", "ttlSeconds", "hopSeconds"), source: v.events.source }
        : { ...strip(v, "features", "events", "ttl", "ttlSeconds", "hopSeconds"), sqlFile: v.events.sqlFile, sql: v.events.sqlText };
    default:
      return unreachable(v);
  }
}

/** What a view reads, for its materialization hash: its source's entry, or its SQL. */
function viewInputEntry(reg: Registry, view: FeatureView): unknown {
  switch (view.kind) {
    case "plain":
      return materializedSourceEntry(reg.sources.get(view.source)!);
    case "sql":
      return view.sqlText;
    case "aggregation":
      return view.events.kind === "source" ? materializedSourceEntry(reg.sources.get(view.events.source)!) : view.events.sqlText;
    default:
      return unreachable(view);
  }
}

/**
 * A feature as the manifest shows it; an aggregation's function, column, window and filter
 * included, and (`withFilterExpr`, over a push source) the filter's portable form.
 */
function featureEntry(f: Feature | AggregationFeature, withFilterExpr = true): Record<string, unknown> {
  if (!("aggregation" in f)) return strip(f);
  const at = ["filterAt", "functionAt", "columnAt", "windowAt", "windowSeconds"];
  const drop = withFilterExpr ? at : [...at, "filterExpr"];
  return { ...strip(f, "aggregation"), aggregation: strip(f.aggregation, ...drop) };
}

/** Upstream sources and SQL views of a view, transitively. */
function upstream(reg: Registry, view: FeatureView, acc = { sources: new Set<string>(), views: new Set<string>() }) {
  switch (view.kind) {
    case "plain":
      acc.sources.add(view.source);
      break;
    case "sql":
      upstreamOfSql(reg, view.parts, acc);
      break;
    case "aggregation":
      if (view.events.kind === "source") acc.sources.add(view.events.source);
      else upstreamOfSql(reg, view.events.parts, acc);
      break;
    default:
      unreachable(view);
  }
  return acc;
}

function upstreamOfSql(reg: Registry, parts: readonly SqlPart[], acc: { sources: Set<string>; views: Set<string> }): void {
  for (const p of parts) {
    if (typeof p === "string") continue;
    if (p.kind === "source") acc.sources.add(p.name);
    else if (!acc.views.has(p.name)) {
      acc.views.add(p.name);
      const dep = reg.views.get(p.name);
      if (dep) upstream(reg, dep, acc);
    }
  }
}

/**
 * The registry as `target/manifest.json`: every object with a content hash, every feature with
 * its type and metadata, every entity and view with the type of each join key (`keyTypes`:
 * `int64`, `string`, or null when only the warehouse will know), each view's `materializationHash`
 * (see materializationHash: what `fcompile plan` compares), and lineage from each feature to the
 * source tables or files it reads.
 */
export function buildManifest(reg: Registry, version: string): Record<string, unknown> {
  const entities = Object.fromEntries(
    [...reg.entities.values()].map((e) => [e.name, withHash({ ...strip(e), keyTypes: keyTypeEntry(e.joinKeys, e.keyTypes) })]),
  );
  const sources = Object.fromEntries([...reg.sources.values()].map((s) => [s.name, withHash(sourceEntry(s))]));
  const views: Record<string, unknown> = {};
  const features: Record<string, unknown> = {};
  const lineage: Record<string, unknown> = {};
  for (const v of reg.views.values()) {
    const def = {
      ...viewDefinition(v),
      keyTypes: keyTypeEntry(v.joinKeys, v.keyTypes),
    };
    // The view's hash covers its features' full definitions, not just their names.
    views[v.name] = {
      ...def,
      features: v.features.map((f) => f.name),
      hash: contentHash({ def, features: v.features.map((f) => featureEntry(f)) }),
      // What `fcompile plan` compares to tell which materializations a change invalidates.
      materializationHash: materializationHash(reg, v),
    };
    const up = upstream(reg, v);
    const tables = [...up.sources].sort().map((s) => {
      const src = reg.sources.get(s);
      return src?.kind === "table" ? src.table.join(".") : (src?.projectPath ?? s);
    });
    for (const f of v.features) {
      const id = `${v.name}:${f.name}`;
      features[id] = withHash({
        ...featureEntry(f),
        owner: f.owner ?? v.owner,
        tags: { ...v.tags, ...f.tags },
        entities: v.entities,
        ttl: v.ttl,
      });
      lineage[id] = { view: v.name, views: [...up.views].sort(), sources: [...up.sources].sort(), tables };
    }
  }
  const services = Object.fromEntries(
    [...reg.services.values()].map((s) => [
      s.name,
      withHash({ ...strip(s, "refs", "features"), refs: s.refs, features: s.features.map((f) => `${f.view}:${f.feature}`) }),
    ]),
  );
  return {
    metadata: { manifest_version: MANIFEST_VERSION, fcompile_version: version, project: reg.project.name },
    entities,
    sources,
    feature_views: views,
    features,
    feature_services: services,
    lineage,
  };
}

/**
 * A hash of everything that decides a view's materialized values: keys and their types, timestamps, ttl, feature
 * names and types, and its source or SQL (with the SQL of the views it reads). Descriptions and
 * tags are left out, so editing them does not force a full re-materialization.
 */
export function materializationHash(reg: Registry, view: FeatureView): string {
  const up = upstream(reg, view);
  const stateId =
    view.kind === "aggregation" && view.events.kind === "source" ? pushDedupeKey(reg.sources.get(view.events.source)) : undefined;
  return contentHash({
    keys: view.joinKeys,
    // Keys are cast to their type: a changed type changes the materialized key column.
    keyTypes: keyTypeEntry(view.joinKeys, view.keyTypes),
    timestamp: view.timestamp,
    created: view.createdTimestamp ?? null,
    ttl: view.ttlSeconds ?? null,
    // (an aggregation's definition too, not the filter's portable form; plain features keep the [name, type] of earlier hashes)
    features: view.features.map((f) => ("aggregation" in f ? [f.name, f.type, featureEntry(f, false).aggregation] : [f.name, f.type])),
    source: viewInputEntry(reg, view),
    upstream: [...up.views].sort().map((v) => {
      const dep = reg.views.get(v);
      return dep?.kind === "sql" ? dep.sqlText : null;
    }),
    // An aggregation state over a push source with a dedupe_key carries each event's id (src/compile/aggregation-state.ts).
    ...(stateId !== undefined ? { stateId } : {}),
  });
}
