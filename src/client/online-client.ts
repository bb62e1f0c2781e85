import { encodeKey, int64KeyText } from "../online/codec.js";
import type { ServiceCatalog, ViewLayout } from "../online/layout.js";
import { nowMicros, parseTimestamp } from "../timestamps.js";
import { decodeRead, makePlan, toRows } from "./columns.js";
import type { AnswerPlan, DecodedRead } from "./columns.js";
import type { StoreReader } from "../online/store-reader.js";
import type { PushOptions, PushReport, PushRows } from "../online/push/types.js";
import { pushEvents } from "../online/push/push-events.js";
import { mergeAggregation, mergePlain } from "../online/push/merge.js";
import { OnlineError } from "../online/store-reader.js";
import { suggest } from "../suggest.js";
import type { FeatureLog } from "./feature-log.js";
import type {
  FeatureColumn,
  FeatureValue,
  GetOnlineFeatureColumnsResponse,
  GetOnlineFeaturesRequest,
  GetOnlineFeaturesResponse,
} from "./types.js";

interface Wanted {
  view: string;
  feature: string;
  name: string;
}

/** A request's features resolved against the layouts known when it was resolved. */
interface Resolved {
  wanted: Wanted[];
  views: string[];
  /** How to answer from values read at these versions (rebuilt when a read uses other versions). */
  plan?: AnswerPlan;
}

/** Resolved requests kept at most (distinct service / feature lists); the cache starts over past it. */
const RESOLVED_CACHE = 1000;

/** The thin online client: one round trip per read, whatever the number of entities and views. */
export class OnlineClient {
  private readonly versions = new Map<string, number>();
  private readonly layoutCache = new Map<number, ViewLayout>();
  private catalog: ServiceCatalog | undefined;
  /** Requests resolved since the versions last changed; `generation` counts the changes. */
  private readonly resolved = new Map<string, Resolved>();
  private generation = 0;

  /**
   * `project` is the project name the store's keys are namespaced by (for messages); `log`, when
   * given, receives the sampled rows of every read (docs/online.md, "Logging served features").
   */
  constructor(
    private readonly store: StoreReader,
    private readonly project = "",
    private readonly log?: FeatureLog,
  ) {}

  /**
   * What is loaded now for these views: the layout each is read with (its version, join keys and
   * their types, features, ttl, the materialization's end time and row count), or undefined for a
   * view that has never been loaded. One store call; the layouts are cached.
   */
  async loaded(views: readonly string[]): Promise<(ViewLayout | undefined)[]> {
    const { current } = await this.store.read(
      views,
      views.map(() => undefined),
      views.map(() => []),
    );
    await this.cacheLayouts(current);
    return current.map((v) => (v === undefined ? undefined : this.layoutCache.get(v)));
  }

  /**
   * Reads features for entity rows (docs/semantics.md, "Online"), one object per row and feature. Throws
   * OnlineError on a bad request or a store failure. `getOnlineFeatureColumns` reads the same in
   * columns, with far fewer objects: the faster shape for large batches.
   */
  async getOnlineFeatures<F = Record<string, FeatureValue>>(req: GetOnlineFeaturesRequest): Promise<GetOnlineFeaturesResponse<F>> {
    const { resolved, plan, decoded, at } = await this.read(req);
    this.log?.record(req.service, req.entityRows, resolved.wanted, decoded.columns, at);
    return { featureNames: resolved.wanted.map((w) => w.name), rows: toRows<F>(req.entityRows, plan, decoded) };
  }

  /**
   * Reads features for entity rows (docs/semantics.md, "Online") in columns: per feature, its values, statuses and
   * event times for every row, in row order. Same reads and errors as `getOnlineFeatures`.
   */
  async getOnlineFeatureColumns<F = Record<string, FeatureValue>>(
    req: GetOnlineFeaturesRequest,
  ): Promise<GetOnlineFeatureColumnsResponse<F>> {
    const { resolved, plan, decoded, at } = await this.read(req);
    this.log?.record(req.service, req.entityRows, resolved.wanted, decoded.columns, at);
    const columns: Record<string, FeatureColumn | null> = { ...plan.template };
    plan.features.forEach((f, k) => (columns[f.name] = decoded.columns[k]!));
    return {
      featureNames: resolved.wanted.map((w) => w.name),
      rowCount: decoded.rowCount,
      columns: columns as unknown as GetOnlineFeatureColumnsResponse<F>["columns"],
    };
  }

  /** One round trip (more only when a load switched versions), decoded into columns. */
  private async read(req: GetOnlineFeaturesRequest): Promise<{ resolved: Resolved; plan: AnswerPlan; decoded: DecodedRead; at: bigint }> {
    const at = req.at === undefined ? nowMicros() : atMicros(req.at);
    let resolved = await this.resolve(req);
    for (let attempt = 0; ; attempt++) {
      const { views } = resolved;
      const versions = views.map((v) => this.versions.get(v));
      const keys = versions.map((v) => (v === undefined ? [] : keysOf(this.layoutCache.get(v)!, req.entityRows)));
      // Views over a push source also read their pushed entries, in the same round trip (docs/push.md).
      const pushed = versions.some((v) => v !== undefined && this.layoutCache.get(v)!.push)
        ? versions.map((v) => v !== undefined && this.layoutCache.get(v)!.push !== undefined)
        : undefined;
      const { current, values, pushed: pushedValues } = await this.store.read(views, versions, keys, pushed);
      if (pushedValues)
        mergePushed(
          versions.map((v) => (v === undefined ? undefined : this.layoutCache.get(v))),
          values,
          pushedValues,
        );
      if (current.every((c, i) => c === versions[i])) {
        let plan = resolved.plan;
        if (!plan || plan.versions.some((v, i) => v !== versions[i]))
          plan = resolved.plan = makePlan(
            resolved.wanted,
            views,
            versions,
            versions.map((v) => (v === undefined ? undefined : this.layoutCache.get(v))),
          );
        return { resolved, plan, decoded: decodeRead(plan, values, at, req.entityRows.length), at };
      }
      // A load switched versions since the last read (or this is the first): learn the new layouts, read again.
      if (attempt >= 3) throw new OnlineError("STORE", "the online store kept switching versions during the read; try again");
      await this.learn(views, current);
      // `view:*` may name other features now; a view gone from the store (retired by a load) is
      // refused as it would be for a fresh client.
      if (resolved.wanted.some((w) => w.feature === "*") || current.some((c) => c === undefined)) resolved = await this.resolve(req);
    }
  }

  /**
   * Pushes events of push source `source` (docs/push.md): every plain and aggregation view over
   * it that is loaded takes them at once. Rows are checked first: any bad row (a join key missing
   * or not of its type, a timestamp that does not parse, a value that does not convert, a filter
   * that cannot evaluate) throws a PushRowsError (OnlineError BAD_REQUEST) listing every bad row,
   * and nothing is written. Late rows (per view) and duplicates (`dedupe_key`) are skipped and
   * counted. Each step of `opts.batchSize` rows is applied atomically (one Redis script, one
   * SQLite transaction). Throws OnlineError BAD_REQUEST when no loaded view reads `source` as a
   * push source, TIMEOUT/UNAVAILABLE/STORE on a store failure.
   */
  async push(source: string, rows: PushRows, opts: PushOptions = {}): Promise<PushReport> {
    return pushEvents(this.store, this.layoutCache, source, rows, opts);
  }

  /** Resolves if the online store answers; rejects with an OnlineError (TIMEOUT, UNAVAILABLE, STORE) if not. Caches nothing. */
  async ping(): Promise<void> {
    await this.store.ping();
  }

  /** Closes the store connection, after writing what the served-feature log still buffers. */
  async close(): Promise<void> {
    await this.log?.close();
    await this.store.close();
  }

  /**
   * Nothing at all is loaded for this client's project: most often the project name is wrong (or
   * `load` has not run). Lists the projects the store holds when it can tell cheaply.
   */
  private async nothingLoaded(): Promise<OnlineError> {
    const projects = await this.store.projects().catch(() => undefined);
    const others = projects?.filter((p) => p !== this.project);
    const hint =
      others === undefined
        ? "check the project name (fcompile.yaml 'name', the client's 'project') or run 'fcompile load'"
        : others.length > 0
          ? `projects loaded there: ${others.join(", ")}; check the project name (fcompile.yaml 'name', the client's 'project')`
          : "no project is loaded there; run 'fcompile materialize' and 'fcompile load'";
    return new OnlineError(
      "BAD_REQUEST",
      `nothing is loaded for project '${this.project}' in the online store at ${this.store.where} (${hint})`,
    );
  }

  /** Fetches the layouts of these versions that are not cached yet, in one store call. */
  private async cacheLayouts(current: readonly (number | undefined)[]): Promise<void> {
    const missing = [...new Set(current.filter((v): v is number => v !== undefined && !this.layoutCache.has(v)))];
    for (const l of await this.store.layouts(missing)) this.layoutCache.set(l.version, l);
  }

  private async learn(views: string[], current: (number | undefined)[]): Promise<void> {
    await this.cacheLayouts(current);
    // A new load (not a first sight) may have changed the services too.
    if (views.some((v, i) => this.versions.has(v) && this.versions.get(v) !== current[i])) this.catalog = undefined;
    views.forEach((v, i) => (current[i] === undefined ? this.versions.delete(v) : this.versions.set(v, current[i]!)));
    this.generation++;
    this.resolved.clear();
  }

  /** The request's features, checked against the store's layouts; cached until a load switches versions. */
  private async resolve(req: GetOnlineFeaturesRequest): Promise<Resolved> {
    if (!!req.service === !!req.features?.length) throw new OnlineError("BAD_REQUEST", "give exactly one of service or features");
    if (!Array.isArray(req.entityRows)) throw new OnlineError("BAD_REQUEST", "entityRows must be an array of objects");
    const cacheKey = `${req.fullNames ? 1 : 0}\u0001${req.service ?? ""}\u0001${req.features?.join("\u0001") ?? ""}`;
    const hit = this.resolved.get(cacheKey);
    if (hit) return hit;
    const generation = this.generation;
    const wanted = await this.resolveWanted(req);
    const out: Resolved = { wanted, views: [...new Set(wanted.map((w) => w.view))] };
    // Kept only if no load switched versions meanwhile (this request's own first sight of a view included).
    if (generation === this.generation) {
      if (this.resolved.size >= RESOLVED_CACHE) this.resolved.clear();
      this.resolved.set(cacheKey, out);
    }
    return out;
  }

  private async resolveWanted(req: GetOnlineFeaturesRequest): Promise<Wanted[]> {
    let refs: [string, string][];
    if (req.service) {
      this.catalog ??= await this.store.services();
      const s = this.catalog[req.service];
      if (!s) {
        const loaded = Object.keys(this.catalog);
        if (loaded.length === 0) throw await this.nothingLoaded();
        throw new OnlineError(
          "BAD_REQUEST",
          `unknown feature service '${req.service}' for project '${this.project}' in the online store at ${this.store.where} ` +
            `(loaded: ${loaded.join(", ")}); check the name, or run 'fcompile load' if the service is new`,
        );
      }
      refs = s;
    } else {
      refs = req.features!.map((f) => {
        const m = /^([^:]+):([^:]+)$/.exec(f);
        if (!m) throw new OnlineError("BAD_REQUEST", `feature reference '${f}' must be view:feature or view:*`);
        return [m[1]!, m[2]!];
      });
    }
    // Make sure every view's layout is known, so view:* expands and names are checked.
    const unknown = [...new Set(refs.map((r) => r[0]))].filter((v) => !this.versions.has(v));
    if (unknown.length > 0) {
      const { current } = await this.store.read(
        unknown,
        unknown.map(() => undefined),
        unknown.map(() => []),
      );
      await this.learn(unknown, current);
    }
    const out: Wanted[] = [];
    for (const [view, feature] of refs) {
      const ver = this.versions.get(view);
      const layout = ver === undefined ? undefined : this.layoutCache.get(ver);
      if (!layout) {
        this.catalog ??= await this.store.services();
        if (Object.keys(this.catalog).length === 0) throw await this.nothingLoaded();
        throw new OnlineError(
          "BAD_REQUEST",
          `feature view '${view}' has not been loaded into the online store at ${this.store.where} for project '${this.project}' ` +
            "(check the name, or run 'fcompile materialize' and 'fcompile load')",
        );
      }
      const names = feature === "*" ? layout.features.map((f) => f[0]) : [feature];
      for (const f of names) {
        if (!layout.features.some((x) => x[0] === f)) {
          const known = layout.features.map((x) => x[0]);
          throw new OnlineError(
            "BAD_REQUEST",
            `feature view '${view}' has no feature '${f}'${suggest(f, known)} (it has: ${known.join(", ")})`,
          );
        }
        out.push({ view, feature: f, name: req.fullNames ? `${view}__${f}` : f });
      }
    }
    const seen = new Set<string>();
    for (const w of out) {
      if (seen.has(w.name))
        throw new OnlineError(
          "BAD_REQUEST",
          req.fullNames
            ? `two requested features are both named '${w.name}' with full names (view__feature); ask for one of them`
            : `two requested features are named '${w.name}'; name them view__feature: fullNames: true (fcompile get --full-names; the server's "full_feature_names": true)`,
        );
      seen.add(w.name);
    }
    return out;
  }
}

/** Each pushed view's values with its pushed entries merged in (src/online/push/merge.ts), in place. */
function mergePushed(layouts: (ViewLayout | undefined)[], values: (Uint8Array | null)[][], pushed: (Uint8Array | null)[][]): void {
  layouts.forEach((l, i) => {
    if (!l?.push) return;
    const vals = values[i]!;
    const got = pushed[i]!;
    if (l.aggregation) {
      const end = parseTimestamp(l.end)!;
      for (let r = 0; r < vals.length; r++) if (got[r]) vals[r] = mergeAggregation(vals[r] ?? null, got[r]!, end);
    } else for (let r = 0; r < vals.length; r++) if (got[r]) vals[r] = mergePlain(vals[r] ?? null, got[r]!);
  });
}

/** The entity key of every row for a view (its join keys, in order). */
function keysOf(layout: ViewLayout, rows: readonly Record<string, unknown>[]): string[] {
  const out: string[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = keyOf(layout, rows[r]!, r);
  return out;
}

function keyOf(layout: ViewLayout, row: Record<string, unknown>, r: number): string {
  if (row === null || typeof row !== "object") throw new OnlineError("BAD_REQUEST", `entity row ${r + 1} is not an object`);
  const { keys } = layout;
  // One join key (the usual case): its text, with no array on the way (what encodeKey would give).
  if (keys.length === 1) return keyText(layout, 0, row[keys[0]!], r);
  const parts: string[] = new Array(keys.length);
  for (let i = 0; i < parts.length; i++) parts[i] = keyText(layout, i, row[keys[i]!], r);
  return encodeKey(parts);
}

/** Short decimal integers without a sign, leading zero or space: already the int64's canonical text. */
const PLAIN_INT = /^(?:0|-?[1-9]\d{0,17})$/;

/**
 * A request's join-key value as the text the store is keyed by, checked against the key's type
 * (`layout.keyTypes`): an int64 key takes an integer as a number, a bigint or its digits as text
 * ("42" and 42 name the same entity; beyond 2^53 only a bigint or text is exact); a string key
 * takes text (or a number, written in decimal). A value that does not convert is BAD_REQUEST
 * naming the key and the value — never a silent NOT_FOUND.
 */
function keyText(layout: ViewLayout, i: number, v: unknown, r: number): string {
  const k = layout.keys[i]!;
  if (v === undefined || v === null)
    throw new OnlineError(
      "BAD_REQUEST",
      `entity row ${r + 1} has no value for join key '${k}' (view '${layout.view}' is keyed by ${layout.keys.join(", ")})`,
    );
  const type = layout.keyTypes?.[i];
  if (type === "int64") {
    if (typeof v === "string" && PLAIN_INT.test(v)) return v;
    const text = int64KeyText(v);
    if (text !== undefined) return text;
    const why =
      typeof v === "number" && Number.isInteger(v)
        ? `${v} is beyond 2^53, where a JS number is not exact: pass a bigint or its digits as text`
        : "give a whole number between -2^63 and 2^63-1 (a number, a bigint or its digits as text)";
    throw new OnlineError("BAD_REQUEST", `entity row ${r + 1}: join key '${k}' is an int64, and ${showValue(v)} is not one; ${why}`);
  }
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  if (typeof v === "boolean" && type !== "string") return String(v);
  throw new OnlineError(
    "BAD_REQUEST",
    `entity row ${r + 1}: join key '${k}' must be ${type === "string" ? "a string" : "a string or a number"}, not ${showValue(v)}`,
  );
}

/** A request value as it appears in a message (strings quoted, at most 60 characters). */
function showValue(v: unknown): string {
  if (typeof v === "bigint") return `${v}`;
  if (typeof v === "string") return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : typeof v;
}

function atMicros(at: string | Date): bigint {
  if (at instanceof Date) return BigInt(at.getTime()) * 1000n;
  const t = parseTimestamp(at);
  if (t === undefined) throw new OnlineError("BAD_REQUEST", `'at' must be an ISO 8601 timestamp (got '${at}')`);
  return t;
}
