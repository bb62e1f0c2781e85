/**
 * The data of the static catalog `fcompile docs` writes (docs/governance.md, "fcompile docs"):
 * every feature, view, source and service with what a reader needs about it, and the lineage
 * graph from sources through views to services. Pure: built from the registry, the latest
 * profiles and the last test results; the browser app (src/catalog-app) only reads it.
 */
import type { FeatureView, Registry } from "../../registry/types.js";
import type { FeatureProfile } from "./profiles.js";
import type { DataTestResult, FreshnessResult, TestResult } from "../test/results.js";

type Tags = Record<string, string | number | boolean>;

/**
 * A feature's distribution from the newest saved profile holding a value of it (profiles/NAME.json;
 * when none does, the newest holding it).
 */
export interface CatalogProfile {
  /** The profile's name (its file is `profiles/<name>.json`) and when it was saved (ISO 8601 UTC). */
  name: string;
  createdAt: string;
  /** The profiled rows' event-time window, UTC text; null when unbounded. */
  start: string | null;
  end: string | null;
  kind: FeatureProfile["kind"];
  count: number;
  nullRate: number;
  distinct: number;
  min: number | string | boolean | null;
  max: number | string | boolean | null;
  mean: number | null;
  /** Numbers only: 10 quantile bins, `lower <= v < upper` (the last includes max). */
  histogram: { lower: number; upper: number; count: number }[];
  /** Up to 20 most frequent non-null values. */
  topValues: { value: string | number | boolean; count: number }[];
  /** Names of newer profiles that hold the feature but no value of it (a window without rows), newest first. */
  newerWithoutValues?: string[];
}

/** When the last `fcompile test` ran (target/test_results.json), and whether everything passed. */
export interface CatalogTestRun {
  /** The tested instant (UTC `YYYY-MM-DD HH:MM:SS`) and when the file was written (ISO 8601). */
  at: string;
  /** The tested rows' window start (`--window`), UTC text; null when every row was tested. */
  start: string | null;
  generatedAt: string | null;
  target: string;
  ok: boolean;
}

/** One test's last result, as `fcompile test` reported it. */
export interface CatalogTestResult {
  name: string;
  /** `not_null`, `range`, …, `unique_per_entity_and_time`, or `drift`. */
  kind: string;
  status: DataTestResult["status"];
  /** Rows the test query returned (a drift check: 1 when it failed). */
  failing: number;
  /** A drift check's measures; only on kind `drift`. */
  drift?: CatalogDriftResult;
}

/**
 * A drift check's result (docs/governance.md, "Drift"): the tested rows against the baseline
 * profile's bins (a number's 10 quantile bins, a category's most frequent values and `(other)`).
 */
export interface CatalogDriftResult {
  /** The baseline profile's name (`profiles/<baseline>.json`). */
  baseline: string;
  /** Population stability index; null when no tested row had a value. */
  psi: number | null;
  /** none below 0.1, minor to 0.25, major above. */
  band: "none" | "minor" | "major" | null;
  /** Numbers only: the Kolmogorov–Smirnov statistic at the baseline's bin edges; null otherwise. */
  ks: number | null;
  /** The limits as declared (max_psi, max_ks). */
  maxPsi?: number;
  maxKs?: number;
  /** The bins whose share moved most (up to 5): shares of the baseline's and the tested rows, 0 to 1. */
  bins: { bin: string; expected: number; actual: number }[];
}

export interface CatalogFeature {
  /** `view:feature`, the name `ls`, services and `--features` use. */
  id: string;
  name: string;
  view: string;
  type: string;
  description?: string;
  /** Its own owner, else its view's. */
  owner?: string;
  /** The view's tags with the feature's own over them. */
  tags: Tags;
  entities: string[];
  /** Services that serve it, in definition order. */
  services: string[];
  /** `function(column) over window` for an aggregation feature. */
  aggregation?: string;
  /** Test names declared on it (`tests:`, `drift:`), as `fcompile test` names them. */
  declaredTests: string[];
  testResults: CatalogTestResult[];
  profile?: CatalogProfile;
  /**
   * Its `drift:` as declared, with its statistics in the baseline profile when
   * `profiles/<baseline>.json` holds it.
   */
  drift?: { baseline: string; maxPsi: number; maxKs?: number; profile?: CatalogProfile };
  /** Lower-case text the search box matches: name, id, description, owner, tags (`k=v`). */
  search: string;
}

export interface CatalogView {
  name: string;
  kind: FeatureView["kind"];
  description?: string;
  owner?: string;
  tags: Tags;
  entities: string[];
  ttl?: string;
  /** The expected update frequency (`freshness:`), as written. */
  freshness?: { warnAfter?: string; errorAfter?: string };
  /** Its freshness when `fcompile test` last ran. */
  freshnessResult?: FreshnessResult;
  /** Its own row tests' results (not its features'). */
  testResults: CatalogTestResult[];
  /** Features as `view:feature` ids. */
  features: string[];
  /** Sources and SQL views it reads (lineage node ids). */
  reads: string[];
  search: string;
}

export interface CatalogSource {
  name: string;
  kind: "file" | "table";
  /** The file (relative to the project) or table it reads. */
  reads: string;
  description?: string;
  owner?: string;
  tags: Tags;
  search: string;
}

export interface CatalogService {
  name: string;
  description?: string;
  owner?: string;
  tags: Tags;
  /** `view:feature` ids, in order. */
  features: string[];
  search: string;
}

/** A lineage node: `source:NAME`, `view:NAME` or `service:NAME`. */
export interface LineageNode {
  id: string;
  kind: "source" | "view" | "service";
  name: string;
}

/** `from` feeds `to`: a source or SQL view read by a view, or a view whose features a service serves. */
export interface LineageEdge {
  from: string;
  to: string;
}

/** Everything the catalog shows; written as `catalog-data.js` (window.FCOMPILE_CATALOG). */
export interface CatalogData {
  project: string;
  /** When `fcompile docs` ran (ISO 8601 UTC). */
  generatedAt: string;
  testRun: CatalogTestRun | null;
  features: CatalogFeature[];
  views: CatalogView[];
  sources: CatalogSource[];
  services: CatalogService[];
  lineage: { nodes: LineageNode[]; edges: LineageEdge[] };
}

/** A saved profile's name (its `name`, else its file's), when it was saved and the rows' window. */
export interface ProfileHeader {
  name: string;
  createdAt: string;
  start: string | null;
  end: string | null;
}

/**
 * The newest profile holding a value of each feature, by `view:feature` id, with its profile's
 * name and times, and the names of newer profiles holding no value of it (newest first).
 */
export type LatestProfiles = Map<string, ProfileHeader & { profile: FeatureProfile; newerWithoutValues?: string[] }>;

/** Every saved profile by its file's name (`profiles/<name>.json`), its features by `view:feature`. */
export type ProfilesByName = Map<string, ProfileHeader & { features: Record<string, FeatureProfile> }>;

/**
 * The catalog of a project, from its saved profiles (src/governance/docs/profiles.ts) and last
 * test results: `generatedAt` is passed in so the result is a pure function of its inputs.
 */
export function buildCatalog(
  reg: Registry,
  profiles: { latest: LatestProfiles; byName: ProfilesByName },
  tests: (TestResult & { generatedAt?: string }) | undefined,
  generatedAt: string,
): CatalogData {
  const servicesOf = new Map<string, string[]>();
  for (const s of reg.services.values())
    for (const ref of s.features) {
      const id = `${ref.view}:${ref.feature}`;
      const list = servicesOf.get(id) ?? [];
      if (!list.includes(s.name)) list.push(s.name);
      servicesOf.set(id, list);
    }
  // Test results by view and feature ("" for the view's own tests), in the order they ran.
  const byTarget = new Map<string, CatalogTestResult[]>();
  for (const t of tests?.tests ?? []) {
    const key = `${t.view}:${t.feature ?? ""}`;
    const list = byTarget.get(key) ?? [];
    list.push({
      name: t.name,
      kind: t.kind,
      status: t.status,
      failing: t.failing,
      ...opt("drift", t.kind === "drift" ? driftOf(t) : undefined),
    });
    byTarget.set(key, list);
  }
  const resultsOf = (view: string, feature: string | undefined): CatalogTestResult[] => byTarget.get(`${view}:${feature ?? ""}`) ?? [];
  const freshnessOf = new Map((tests?.freshness ?? []).map((r) => [r.view, r]));

  const features: CatalogFeature[] = [];
  const views: CatalogView[] = [];
  for (const v of reg.views.values()) {
    for (const f of v.features) {
      const id = `${v.name}:${f.name}`;
      const owner = f.owner ?? v.owner;
      const tags = { ...v.tags, ...f.tags };
      const p = profiles.latest.get(id);
      const baseline = f.drift && profiles.byName.get(f.drift.baseline);
      const baselineProfile = baseline?.features[id];
      const agg =
        "aggregation" in f ? (f as { aggregation: { function: string; column?: string; window: string } }).aggregation : undefined;
      features.push({
        id,
        name: f.name,
        view: v.name,
        type: f.type,
        ...opt("description", f.description),
        ...opt("owner", owner),
        tags,
        entities: v.entities,
        services: servicesOf.get(id) ?? [],
        ...opt("aggregation", agg && `${agg.function}(${agg.column ?? "*"}) over ${agg.window}`),
        declaredTests: [...f.tests.map((t) => t.kind), ...(f.drift ? [`drift vs ${f.drift.baseline}`] : [])],
        testResults: resultsOf(v.name, f.name),
        ...opt("profile", p && profileOf(p)),
        ...opt(
          "drift",
          f.drift && {
            baseline: f.drift.baseline,
            maxPsi: f.drift.maxPsi,
            ...opt("maxKs", f.drift.maxKs),
            ...opt("profile", baseline && baselineProfile && profileOf({ ...baseline, profile: baselineProfile })),
          },
        ),
        search: searchText([id, f.description, owner], tags),
      });
    }
    const fresh = freshnessOf.get(v.name);
    views.push({
      name: v.name,
      kind: v.kind,
      ...opt("description", v.description),
      ...opt("owner", v.owner),
      tags: v.tags,
      entities: v.entities,
      ...opt("ttl", v.ttl),
      ...opt("freshness", v.freshness && { ...opt("warnAfter", v.freshness.warnAfter), ...opt("errorAfter", v.freshness.errorAfter) }),
      ...opt("freshnessResult", fresh),
      testResults: resultsOf(v.name, undefined),
      features: v.features.map((f) => `${v.name}:${f.name}`),
      reads: readsOf(v),
      search: searchText([v.name, v.description, v.owner], v.tags),
    });
  }
  const sources: CatalogSource[] = [...reg.sources.values()].map((s) => ({
    name: s.name,
    kind: s.kind,
    reads: s.kind === "file" ? s.projectPath : s.table.join("."),
    ...opt("description", s.description),
    ...opt("owner", s.owner),
    tags: s.tags,
    search: searchText([s.name, s.description, s.owner], s.tags),
  }));
  const services: CatalogService[] = [...reg.services.values()].map((s) => ({
    name: s.name,
    ...opt("description", s.description),
    ...opt("owner", s.owner),
    tags: s.tags,
    features: s.features.map((r) => `${r.view}:${r.feature}`),
    search: searchText([s.name, s.description, s.owner], s.tags),
  }));
  return {
    project: reg.project.name,
    generatedAt,
    testRun: tests
      ? { at: tests.at, start: tests.start ?? null, generatedAt: tests.generatedAt ?? null, target: tests.target, ok: tests.ok }
      : null,
    features,
    views,
    sources,
    services,
    lineage: lineageOf(views, sources, services),
  };
}

/** What a view reads, as lineage node ids: its source, or the sources and SQL views its SQL names. */
function readsOf(v: FeatureView): string[] {
  const out: string[] = [];
  const add = (id: string) => {
    if (!out.includes(id)) out.push(id);
  };
  if (v.kind === "plain") add(`source:${v.source}`);
  else if (v.kind === "aggregation" && v.events.kind === "source") add(`source:${v.events.source}`);
  const parts = v.kind === "sql" ? v.parts : v.kind === "aggregation" && v.events.kind === "sql" ? v.events.parts : [];
  for (const p of parts) if (typeof p !== "string") add(`${p.kind === "source" ? "source" : "view"}:${p.name}`);
  return out;
}

/** The whole graph: sources → views (→ views) → services. */
function lineageOf(views: CatalogView[], sources: CatalogSource[], services: CatalogService[]): CatalogData["lineage"] {
  const nodes: LineageNode[] = [
    ...sources.map((s) => ({ id: `source:${s.name}`, kind: "source" as const, name: s.name })),
    ...views.map((v) => ({ id: `view:${v.name}`, kind: "view" as const, name: v.name })),
    ...services.map((s) => ({ id: `service:${s.name}`, kind: "service" as const, name: s.name })),
  ];
  const edges: LineageEdge[] = views.flatMap((v) => v.reads.map((from) => ({ from, to: `view:${v.name}` })));
  for (const s of services) {
    const fromViews = [...new Set(s.features.map((id) => id.slice(0, id.indexOf(":"))))];
    for (const v of fromViews) edges.push({ from: `view:${v}`, to: `service:${s.name}` });
  }
  return { nodes, edges };
}

/** A drift entry of test_results.json as the catalog keeps it (missing measures as null). */
function driftOf(t: DataTestResult): CatalogDriftResult {
  const bins = (t.sample ?? []).filter(
    (s): s is { bin: string; expected: number; actual: number } =>
      typeof s.bin === "string" && typeof s.expected === "number" && typeof s.actual === "number",
  );
  return {
    baseline: t.baseline ?? "",
    psi: typeof t.psi === "number" ? t.psi : null,
    band: t.band ?? null,
    ks: typeof t.ks === "number" ? t.ks : null,
    ...opt("maxPsi", t.maxPsi),
    ...opt("maxKs", t.maxKs),
    bins,
  };
}

function profileOf(p: ProfileHeader & { profile: FeatureProfile; newerWithoutValues?: string[] }): CatalogProfile {
  const f = p.profile;
  return {
    name: p.name,
    createdAt: p.createdAt,
    start: p.start,
    end: p.end,
    kind: f.kind,
    count: f.count,
    nullRate: f.nullRate,
    distinct: f.distinct,
    min: f.min ?? null,
    max: f.max ?? null,
    mean: f.mean ?? null,
    histogram: f.histogram ?? [],
    topValues: (f.topValues ?? []).slice(0, 20),
    ...(p.newerWithoutValues && p.newerWithoutValues.length > 0 ? { newerWithoutValues: p.newerWithoutValues } : {}),
  };
}

/** The lower-case text search matches: the given fields, then each tag as `key=value`. */
export function searchText(fields: (string | undefined)[], tags: Tags): string {
  return [...fields.filter((x): x is string => x !== undefined), ...Object.entries(tags).map(([k, v]) => `${k}=${String(v)}`)]
    .join(" ")
    .toLowerCase();
}

function opt<K extends string, V>(key: K, value: V | undefined | null | "" | false): { [P in K]?: V } {
  return value === undefined || value === null || value === "" || value === false ? {} : ({ [key]: value } as { [P in K]: V });
}
