import path from "node:path";
import type { DiagnosticBag, SourceLocation } from "../diagnostics/diagnostic.js";
import type { DefinitionFile, RawProject } from "../project/read-project.js";
import { readTextIfExists, relativeToProject } from "../project/project-files.js";
import { locate } from "../project/yaml-file.js";
import type { YamlPath } from "../project/yaml-file.js";
import { parseDuration } from "./durations.js";
import { checkFileSourceColumns, dataFileExists, readSourceColumns } from "./file-columns.js";
import type { FileColumnsReader } from "./file-columns.js";
import { inferKeyTypes, joinKeyDecls, keyEvidence, viewKeyTypes } from "./key-types.js";
import type { KeyEvidence } from "./key-types.js";
import { resolveFeatureRefs } from "./feature-refs.js";
import { orderSqlViews } from "./sql-view-order.js";
import type { AggregationView, Feature, FeatureService, FeatureView, FileSource, Registry, Source, SqlPart, SqlRows } from "./types.js";
import { readAggregations, readHop, typeAggregations } from "./aggregations.js";
import { checkLabels, readDrift, readFeatureTests, readFreshness, readViewTests } from "./governance.js";
import { rowSourceOf, unreachable } from "./types.js";
import { splitUserSql } from "./user-sql.js";
import { suggest } from "../suggest.js";
import { checkPush } from "./push-checks.js";

type Obj = Record<string, unknown>;
type Tags = Record<string, string | number | boolean>;

interface Item {
  file: DefinitionFile;
  path: YamlPath;
  value: Obj;
  /** The item failed the schema: register its name, skip its own checks. */
  broken: boolean;
  /**
   * Of a feature view: the indexes of its `aggregations` that failed the schema. Only those are
   * skipped (the view's other aggregations are still checked); the view itself is not broken.
   */
  brokenAggregations: Set<number>;
  /**
   * Optional keys that failed the schema and are left out (ISOLATED_KEYS): reported there, while
   * the item's other checks still run, so every problem comes out in one run.
   */
  brokenKeys: Set<string>;
}

/**
 * Per list, the optional keys whose value nothing else of the item depends on: one that fails the
 * schema is dropped (as if absent) instead of breaking the whole item, whose other problems — an
 * unknown entity, a window, a column missing from the data file, the views over a source — are
 * then still reported in the same run.
 */
const ISOLATED_KEYS: Record<"entities" | "sources" | "views" | "services", readonly string[]> = {
  entities: ["description", "owner", "tags"],
  sources: ["push", "dedupe_key", "labels", "created_timestamp", "description", "owner", "tags"],
  views: ["lateness", "ttl", "hop", "created_timestamp", "freshness", "tests", "description", "owner", "tags"],
  services: ["description", "owner", "tags"],
};

/** The same for a view's features and aggregations (brokenKeys holds them as `features/<i>/<key>`). */
const NESTED_ISOLATED_KEYS: readonly string[] = ["tests", "drift", "description", "owner", "tags"];

/** How the registry treats data files. */
export interface DataFileOptions {
  /**
   * Reads a data file's columns (DuckDB's sniffer): when given, the columns of every file source
   * whose file is there are checked and undeclared join-key types inferred from them.
   */
  fileColumns?: FileColumnsReader;
  /** A missing data file is an error (for `run`, which loads them); otherwise a warning. */
  requireDataFiles?: boolean;
}

/**
 * Gives meaning to a read project: resolves references, checks every rule of the definitions
 * (docs/definitions.md), types join keys. Every problem goes to `bag`.
 */
export async function buildRegistry(raw: RawProject, bag: DiagnosticBag, opts: DataFileOptions = {}): Promise<Registry> {
  const reg: Registry = {
    project: { name: raw.config.name, dir: raw.config.dir },
    entities: new Map(),
    sources: new Map(),
    views: new Map(),
    services: new Map(),
    sqlViewOrder: [],
    dataFiles: new Map(),
  };
  const lists = collect(raw.files);
  const at = (it: Item, ...p: YamlPath): SourceLocation => locate(it.file.yaml, [...it.path, ...p]);
  const seen = new Map<string, SourceLocation>();
  const unique = (kind: string, it: Item): boolean => {
    const name = it.value.name;
    if (typeof name !== "string") return false;
    const prev = seen.get(`${kind}:${name}`);
    if (prev) {
      bag.error("FC005", `duplicate ${kind} name '${name}' (first defined at ${prev.file}:${prev.line}:${prev.col})`, at(it, "name"));
      return false;
    }
    seen.set(`${kind}:${name}`, at(it, "name"));
    return true;
  };

  for (const it of lists.entities) {
    if (!unique("entity", it)) continue;
    const v = ok(it);
    const keys = joinKeyDecls(v.join_keys);
    const seenKey = new Set<string>();
    keys.forEach((k, i) => {
      if (seenKey.has(k.name))
        bag.error("FC005", `join key '${k.name}' is listed twice in entity '${String(v.name)}'`, at(it, "join_keys", i));
      seenKey.add(k.name);
    });
    const keyTypes = Object.fromEntries(keys.flatMap((k) => (k.type ? [[k.name, k.type]] : [])));
    reg.entities.set(v.name as string, { ...meta(v, at(it, "name")), joinKeys: keys.map((k) => k.name), keyTypes });
  }

  const sourceItems = new Map<string, Item>();
  for (const it of lists.sources) {
    if (!unique("source", it)) continue;
    sourceItems.set(it.value.name as string, it);
    const v = ok(it);
    const common = {
      ...meta(v, at(it, "name")),
      timestamp: v.timestamp as string,
      createdTimestamp: v.created_timestamp as string | undefined,
      push: v.push === true,
      ...(typeof v.dedupe_key === "string" ? { dedupeKey: v.dedupe_key } : {}),
      labels: strings(v.labels),
    };
    if (typeof v.path === "string" && typeof v.table === "string") {
      bag.error("FC003", `source '${common.name}' has both 'path' and 'table'; give one`, at(it, "table"));
    } else if (typeof v.path === "string") {
      const abs = path.resolve(path.dirname(it.file.yaml.absPath), v.path);
      const src: Source = {
        ...common,
        kind: "file",
        path: abs,
        projectPath: relativeToProject(reg.project.dir, abs),
        format: v.path.endsWith(".parquet") ? "parquet" : "csv",
      };
      reg.sources.set(src.name, src);
      if (!it.broken && !dataFileExists(abs)) {
        const report = opts.requireDataFiles ? bag.error.bind(bag) : bag.warning.bind(bag);
        const next = opts.requireDataFiles
          ? "create it, or fix 'path'"
          : "build goes on without it, but 'fcompile run' needs it: create it before running, or fix 'path'";
        report(
          "FC011",
          `data file '${v.path}' of source '${src.name}' not found (looked for ${src.projectPath}, relative to this YAML file); ${next}`,
          at(it, "path"),
        );
      }
    } else if (typeof v.table === "string") {
      reg.sources.set(common.name, { ...common, kind: "table", table: v.table.split(".") });
    } else if (!it.broken) {
      bag.error("FC004", `source '${common.name}' needs 'path' (a CSV or Parquet file) or 'table' (a warehouse table)`, at(it, "name"));
    }
  }

  const viewItems = new Map<string, Item>();
  for (const it of lists.views) {
    if (!unique("feature view", it)) continue;
    const view = readView(it, reg, bag, at);
    if (view) {
      reg.views.set(view.name, view);
      viewItems.set(view.name, it);
    }
  }

  for (const [name, view] of reg.views) {
    const it = viewItems.get(name)!;
    if (it.broken) continue;
    checkViewReferences(view, it, reg, bag, at);
  }
  reg.sqlViewOrder = orderSqlViews(reg, bag);

  // Data files that are there: their columns (DuckDB's sniffer) are checked, and tell key types.
  if (opts.fileColumns) {
    const fileSources = [...reg.sources.values()].filter((s): s is FileSource => s.kind === "file" && !sourceItems.get(s.name)!.broken);
    const columns = await readSourceColumns(fileSources, opts.fileColumns, bag, (s) => at(sourceItems.get(s)!, "path"));
    reg.dataFiles = columns;
    const evidence: KeyEvidence[] = [];
    for (const [name, view] of reg.views) {
      const it = viewItems.get(name)!;
      const reads = view.kind === "plain" || (view.kind === "aggregation" && view.events.kind === "source") ? view : undefined;
      if (it.broken || !reads) continue;
      const source = reads.kind === "plain" ? reads.source : reads.events.kind === "source" ? reads.events.source : "";
      const src = reg.sources.get(source);
      const cols = columns.get(source);
      if (src?.kind !== "file" || !cols) continue;
      checkFileSourceColumns(reads, src, cols, bag, (...p) => at(it, ...p));
      evidence.push(...keyEvidence(reg, name, src.projectPath, cols, (i) => at(it, "entities", i)));
    }
    inferKeyTypes(reg, evidence, bag);
    checkLabels(reg, bag, (source, i) => at(sourceItems.get(source)!, "labels", i));
  }
  // Aggregations over a column take its type: from the data file where it was read, else declared.
  for (const [name, view] of reg.views) {
    if (view.kind !== "aggregation" || viewItems.get(name)!.broken) continue;
    const source = view.events.kind === "source" ? reg.sources.get(view.events.source) : undefined;
    const where =
      view.events.kind === "sql"
        ? view.events.sqlFile
        : source?.kind === "file"
          ? source.projectPath
          : `table ${source?.table.join(".") ?? "?"}`;
    typeAggregations(view, source ? reg.dataFiles.get(source.name) : undefined, where, bag);
  }
  viewKeyTypes(reg, bag, (view, i) => at(viewItems.get(view)!, "entities", i));
  // A source whose `push:` is broken is neither a push source nor not one: the push rules of it and of its views are skipped.
  const pushUnknown = (source: string | undefined): boolean =>
    source !== undefined && sourceItems.get(source)?.brokenKeys.has("push") === true;
  checkPush(
    reg,
    bag,
    (kind, name, key) => at((kind === "source" ? sourceItems : viewItems).get(name)!, key),
    (kind, name) => {
      const it = (kind === "source" ? sourceItems : viewItems).get(name);
      if (it?.broken !== false) return true;
      return pushUnknown(kind === "source" ? name : rowSourceOf(reg.views.get(name)!));
    },
  );

  for (const it of lists.services) {
    if (!unique("feature service", it)) continue;
    const v = ok(it);
    const refs = (v.features as string[]) ?? [];
    const service: FeatureService = { ...meta(v, at(it, "name")), refs, features: [] };
    if (!it.broken) {
      service.features = resolveFeatureRefs(reg, refs, (i) => at(it, "features", i), bag, `service '${service.name}'`);
    }
    reg.services.set(service.name, service);
  }
  return reg;
}

function collect(files: DefinitionFile[]): Record<"entities" | "sources" | "views" | "services", Item[]> {
  const out = { entities: [] as Item[], sources: [] as Item[], views: [] as Item[], services: [] as Item[] };
  const keys = { entities: "entities", sources: "sources", views: "feature_views", services: "feature_services" } as const;
  for (const file of files) {
    const js = file.yaml.value as Obj | null;
    if (!js || typeof js !== "object") continue;
    for (const [kind, key] of Object.entries(keys) as [keyof typeof keys, string][]) {
      const list = js[key];
      if (!Array.isArray(list)) continue;
      list.forEach((value: unknown, i) => {
        if (!value || typeof value !== "object" || Array.isArray(value)) return;
        const pointer = `/${key}/${i}`;
        const aggregation = new RegExp(`^${pointer}/aggregations/(\\d+)(/|$)`);
        const nestedIsolated = new RegExp(`^${pointer}/(features|aggregations)/(\\d+)/(${NESTED_ISOLATED_KEYS.join("|")})(/(\\d+))?(/|$)`);
        const brokenAggregations = new Set<number>();
        const brokenKeys = new Set<string>();
        const broken = [...file.broken].some((b) => {
          // A feature's or aggregation's governance keys (tests, drift, description…) are isolated too.
          const nested = kind === "views" ? nestedIsolated.exec(b) : null;
          if (nested) {
            // A bad item of a list of tests drops that item alone (`features/<i>/tests/<j>`).
            brokenKeys.add(
              `${nested[1]}/${nested[2]}/${nested[3]}${nested[3] === "tests" && nested[5] !== undefined ? `/${nested[5]}` : ""}`,
            );
            return false;
          }
          const m = kind === "views" ? aggregation.exec(b) : null;
          if (m) brokenAggregations.add(Number(m[1]));
          const isolated = ISOLATED_KEYS[kind].find((k) => b === `${pointer}/${k}` || b.startsWith(`${pointer}/${k}/`));
          if (isolated !== undefined) brokenKeys.add(isolated);
          return !m && isolated === undefined && (b === pointer || b.startsWith(pointer + "/") || b === `/${key}`);
        });
        out[kind].push({ file, path: [key, i], value: value as Obj, broken, brokenAggregations, brokenKeys });
      });
    }
  }
  return out;
}

/** The strings of a list that may be malformed (only in items that already have diagnostics). */
function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** An item's value without its broken isolated keys (ISOLATED_KEYS): what the registry reads. */
function ok(it: Item): Obj {
  if (it.brokenKeys.size === 0) return it.value;
  return Object.fromEntries(Object.entries(it.value).filter(([k]) => !it.brokenKeys.has(k)));
}

function meta(v: Obj, at: SourceLocation): { name: string; description?: string; owner?: string; tags: Tags; at: SourceLocation } {
  return {
    name: v.name as string,
    description: typeof v.description === "string" ? v.description : undefined,
    owner: typeof v.owner === "string" ? v.owner : undefined,
    tags: (v.tags && typeof v.tags === "object" ? v.tags : {}) as Tags,
    at,
  };
}

type At = (it: Item, ...p: YamlPath) => SourceLocation;

function readView(it: Item, reg: Registry, bag: DiagnosticBag, at: At): FeatureView | undefined {
  const v = ok(it);
  const name = v.name as string;
  const features: Feature[] = (Array.isArray(v.features) ? (v.features as unknown[]) : []).flatMap((raw, i) => {
    const f = (raw && typeof raw === "object" ? raw : {}) as Obj;
    if (typeof f.name !== "string") return [];
    const fine = (key: string): boolean => !it.brokenKeys.has(`features/${i}/${key}`);
    const atF = (...p: YamlPath): SourceLocation => at(it, "features", i, ...p);
    const drift = fine("drift") ? readDrift(f.drift, atF) : undefined;
    return [
      {
        name: f.name,
        type: f.type as Feature["type"],
        description: typeof f.description === "string" && fine("description") ? f.description : undefined,
        owner: typeof f.owner === "string" && fine("owner") ? f.owner : undefined,
        tags: (fine("tags") ? (f.tags ?? {}) : {}) as Tags,
        view: name,
        at: atF("name"),
        tests: fine("tests")
          ? readFeatureTests(f.tests, f.name, name, f.type as Feature["type"], bag, atF, (j) => !fine(`tests/${j}`))
          : [],
        ...(drift ? { drift } : {}),
      },
    ];
  });
  const freshness = readFreshness(v.freshness, name, bag, (...p) => at(it, ...p));
  const ttl = typeof v.ttl === "string" ? v.ttl : undefined;
  const lateness = typeof v.lateness === "string" ? v.lateness : undefined;
  const base = {
    ...meta(v, at(it, "name")),
    entities: strings(v.entities),
    joinKeys: [] as string[],
    keyTypes: {},
    ttl,
    ttlSeconds: ttl ? parseDuration(ttl) : undefined,
    ...(lateness !== undefined ? { lateness, latenessSeconds: parseDuration(lateness) } : {}),
    features,
    timestamp: (v.timestamp as string) ?? "",
    createdTimestamp: v.created_timestamp as string | undefined,
    ...(freshness ? { freshness } : {}),
    tests: readViewTests(v.tests, (...p) => at(it, ...p)),
  };
  if (it.broken) {
    // Registered so references to it resolve; its own problems are already reported.
    return typeof v.sql === "string"
      ? { ...base, kind: "sql", sqlFile: v.sql, sqlText: "", parts: [] }
      : { ...base, kind: "plain", source: typeof v.source === "string" ? v.source : "" };
  }
  if (v.aggregations !== undefined) return readAggregationView(it, v, base, reg, bag, at);
  if (v.hop !== undefined)
    bag.error("FC003", `'hop' applies only to aggregation views; feature view '${name}' has no aggregations`, at(it, "hop"));
  if (features.length === 0) {
    bag.error("FC004", `feature view '${name}' has no 'features'`, at(it, "name"));
  }
  checkFeatureNames(features, name, bag, (i) => at(it, "features", i, "name"));
  if (typeof v.source === "string" && typeof v.sql === "string") {
    bag.error("FC003", `feature view '${name}' has both 'source' and 'sql'; a view reads a source or runs SQL, not both`, at(it, "sql"));
    return undefined;
  }
  if (typeof v.sql === "string") {
    if (!base.timestamp) {
      bag.error(
        "FC004",
        `SQL feature view '${name}' needs 'timestamp': the column of its SELECT that holds the event time`,
        at(it, "name"),
      );
    }
    const rows = readSqlRows(it, v.sql, name, reg, bag, at);
    if (!rows) return undefined;
    return { ...base, kind: "sql", ...rows };
  }
  if (typeof v.source === "string") {
    return { ...base, kind: "plain", source: v.source };
  }
  bag.error("FC004", `feature view '${name}' needs 'source' (a plain view) or 'sql' (an SQL view)`, at(it, "name"));
  return undefined;
}

/** An aggregation view: `aggregations:` over a source's rows or over its own SQL. */
function readAggregationView(
  it: Item,
  v: Obj,
  base: Omit<AggregationView, "kind" | "events" | "features">,
  reg: Registry,
  bag: DiagnosticBag,
  at: At,
): AggregationView | undefined {
  const name = base.name;
  let ok = true;
  if (v.features !== undefined) {
    bag.error(
      "FC003",
      `feature view '${name}' has both 'features' and 'aggregations'; an aggregation view lists only aggregations`,
      at(it, "features"),
    );
    ok = false;
  }
  if (v.ttl !== undefined) {
    // Reported, and the view is still checked: its other problems come out in the same run.
    bag.error("FC003", `'ttl' does not apply to aggregation view '${name}': each aggregation has its own window`, at(it, "ttl"));
  }
  const items = (v.aggregations as unknown[]).map((a, i) => (it.brokenAggregations.has(i) ? undefined : a));
  const features = readAggregations(
    items,
    name,
    bag,
    (...p) => at(it, "aggregations", ...p),
    (i, key) => it.brokenKeys.has(`aggregations/${i}/${key}`),
  );
  checkFeatureNames(features, name, bag, (i) => features[i]!.at);
  const hop = typeof v.hop === "string" ? readHop(v.hop, name, features, bag, at(it, "hop")) : undefined;
  // Bad aggregations were left out of `features` (and reported); the others are still checked.
  if (!ok) return undefined;
  const common = { ...base, ttl: undefined, ttlSeconds: undefined, features, ...(hop ? { hop: v.hop as string, hopSeconds: hop } : {}) };
  if (typeof v.source === "string" && typeof v.sql === "string") {
    bag.error("FC003", `feature view '${name}' has both 'source' and 'sql'; its events come from one of them`, at(it, "sql"));
    return undefined;
  }
  if (typeof v.sql === "string") {
    const rows = readSqlRows(it, v.sql, name, reg, bag, at);
    if (!base.timestamp)
      bag.error(
        "FC004",
        `aggregation view '${name}' over SQL needs 'timestamp': the column of its SELECT that holds the event time`,
        at(it, "name"),
      );
    return rows ? { ...common, kind: "aggregation", events: { kind: "sql", ...rows } } : undefined;
  }
  if (typeof v.source === "string") return { ...common, kind: "aggregation", events: { kind: "source", source: v.source } };
  bag.error(
    "FC004",
    `aggregation view '${name}' needs 'source' (its events are a source's rows) or 'sql' (a SELECT of events)`,
    at(it, "name"),
  );
  return undefined;
}

/** Reads a view's `.sql` file; undefined (and FC011) when it is not there. */
function readSqlRows(it: Item, file: string, view: string, reg: Registry, bag: DiagnosticBag, at: At): SqlRows | undefined {
  const abs = path.resolve(path.dirname(it.file.yaml.absPath), file);
  const sqlFile = relativeToProject(reg.project.dir, abs);
  const text = readTextIfExists(abs);
  if (text === undefined) {
    bag.error("FC011", `SQL file '${file}' of view '${view}' not found (looked for ${sqlFile}, relative to this YAML file)`, at(it, "sql"));
    return undefined;
  }
  return { sqlFile, sqlText: text, parts: splitUserSql(text, sqlFile, bag) };
}

/** Feature names are unique in a view, case-insensitively (DuckDB treats `Total` and `total` as one column). */
function checkFeatureNames(features: readonly Feature[], view: string, bag: DiagnosticBag, atOf: (i: number) => SourceLocation): void {
  const seen = new Map<string, string>();
  features.forEach((f, i) => {
    const prev = seen.get(f.name.toLowerCase());
    if (prev !== undefined)
      bag.error(
        "FC005",
        prev === f.name
          ? `feature '${f.name}' is defined twice in view '${view}'`
          : `features '${prev}' and '${f.name}' of view '${view}' differ only in case (one column to the warehouse); rename one`,
        atOf(i),
      );
    else seen.set(f.name.toLowerCase(), f.name);
  });
}

/** The `{{source}}` and `{{ref}}` placeholders of SQL name a source and an SQL view. */
function checkSqlParts(parts: readonly SqlPart[], reg: Registry, bag: DiagnosticBag): void {
  for (const p of parts) {
    if (typeof p === "string") continue;
    if (p.kind === "source" && !reg.sources.has(p.name)) {
      bag.error("FC006", `unknown source '${p.name}'${suggest(p.name, reg.sources.keys())}`, p.at);
    } else if (p.kind === "ref") {
      const target = reg.views.get(p.name);
      if (!target) {
        bag.error("FC006", `unknown feature view '${p.name}'${suggest(p.name, reg.views.keys())}`, p.at);
        continue;
      }
      switch (target.kind) {
        case "sql":
          break;
        case "plain":
          bag.error("FC006", `{{ref "${p.name}"}} names a plain view; read its data with {{source "${target.source}"}}`, p.at);
          break;
        case "aggregation":
          bag.error(
            "FC006",
            `{{ref "${p.name}"}} names an aggregation view, whose features exist only at an entity's timestamp; ref an SQL view, or read its events with {{source}}`,
            p.at,
          );
          break;
        default:
          unreachable(target);
      }
    }
  }
}

function checkViewReferences(view: FeatureView, it: Item, reg: Registry, bag: DiagnosticBag, at: At): void {
  view.entities.forEach((e, i) => {
    const ent = reg.entities.get(e);
    if (!ent) bag.error("FC006", `unknown entity '${e}' in view '${view.name}'${suggest(e, reg.entities.keys())}`, at(it, "entities", i));
    else view.joinKeys.push(...ent.joinKeys.filter((k) => !view.joinKeys.includes(k)));
  });
  const fromSource = (source: string): void => {
    const src = reg.sources.get(source);
    if (!src) {
      bag.error("FC006", `unknown source '${source}' in view '${view.name}'${suggest(source, reg.sources.keys())}`, at(it, "source"));
      return;
    }
    if (!view.timestamp) view.timestamp = src.timestamp;
    if (view.createdTimestamp === undefined) view.createdTimestamp = src.createdTimestamp;
  };
  switch (view.kind) {
    case "plain":
      fromSource(view.source);
      break;
    case "sql":
      checkSqlParts(view.parts, reg, bag);
      break;
    case "aggregation":
      if (view.events.kind === "source") fromSource(view.events.source);
      else checkSqlParts(view.events.parts, reg, bag);
      break;
    default:
      unreachable(view);
  }
  // A timestamp read from a source that failed the schema may be missing (that source is reported).
  const reserved = new Set([...view.joinKeys, view.timestamp, view.createdTimestamp ?? ""].map((c) => (c ?? "").toLowerCase()));
  view.features.forEach((f, i) => {
    if (reserved.has(f.name.toLowerCase())) {
      bag.error(
        "FC010",
        `feature '${f.name}' has the name of a join key or timestamp column of view '${view.name}'`,
        at(it, "features", i, "name"),
      );
    }
  });
}
