import { decodeValue, encodeKey } from "../online/codec.js";
import type { OnlineValue } from "../online/codec.js";
import type { OnlineType, ServiceCatalog, ViewLayout } from "../online/layout.js";
import { formatTimestamp, nowMicros, parseTimestamp } from "../timestamps.js";
import type { StoreReader } from "./store-reader.js";
import { OnlineError } from "./store-reader.js";

/** SPEC.md §4: what a read says about each feature. */
export type FeatureStatus = "PRESENT" | "NULL_VALUE" | "NOT_FOUND" | "OUTSIDE_MAX_AGE";

/** A feature value as read: int64 as bigint (exact), timestamps as ISO 8601 UTC strings with microseconds. */
export type FeatureScalar = number | bigint | string | boolean;

/** One feature of one entity row. The value is null unless the status is PRESENT. */
export interface FeatureValue<T extends FeatureScalar = FeatureScalar> {
  value: T | null;
  /** When the value was true (its row's event timestamp), ISO 8601 UTC; null when NOT_FOUND. */
  eventTimestamp: string | null;
  status: FeatureStatus;
}

/** A read: `service` or `features` (`view:feature`, `view:*`), and the entity rows (join key → value). */
export interface GetOnlineFeaturesRequest {
  service?: string;
  features?: string[];
  entityRows: Record<string, unknown>[];
  /** Evaluate ttl as of this time instead of now (SPEC.md §2 `--at`). ISO 8601 text or a Date. */
  at?: string | Date;
  /** Name features `view__feature` instead of `feature`. */
  fullNames?: boolean;
}

/** One result row: the entity row as given and its features, in the requested order. */
export interface OnlineRow<F = Record<string, FeatureValue>> {
  entity: Record<string, unknown>;
  features: F;
}

export interface GetOnlineFeaturesResponse<F = Record<string, FeatureValue>> {
  /** Output names, in order. */
  featureNames: string[];
  rows: OnlineRow<F>[];
}

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

interface AnswerPlan {
  versions: (number | undefined)[];
  /** Per view: its types in packing order, and its ttl in microseconds (null = no limit). */
  types: OnlineType[][];
  ttlMicros: (bigint | null)[];
  /** Per output feature: its name, view index, index in the view's values, and whether it is a timestamp. */
  features: { name: string; vi: number; fi: number; timestamp: boolean }[];
  /** An object with every output name (null), in order: copied for each row. */
  template: Record<string, null>;
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

  constructor(private readonly store: StoreReader) {}

  /** Reads features for entity rows (SPEC.md §4). Throws OnlineError on a bad request or a store failure. */
  async getOnlineFeatures<F = Record<string, FeatureValue>>(req: GetOnlineFeaturesRequest): Promise<GetOnlineFeaturesResponse<F>> {
    const at = req.at === undefined ? nowMicros() : atMicros(req.at);
    let resolved = await this.resolve(req);
    for (let attempt = 0; ; attempt++) {
      const { views } = resolved;
      const versions = views.map((v) => this.versions.get(v));
      const keys = versions.map((v) => (v === undefined ? [] : keysOf(this.layoutCache.get(v)!, req.entityRows)));
      const { current, values } = await this.store.read(views, versions, keys);
      if (current.every((c, i) => c === versions[i])) return this.answer<F>(req, resolved, versions, values, at);
      // A load switched versions since the last read (or this is the first): learn the new layouts, read again.
      if (attempt >= 3) throw new OnlineError("STORE", "the online store kept switching versions during the read; try again");
      await this.learn(views, current);
      if (resolved.wanted.some((w) => w.feature === "*")) resolved = await this.resolve(req);
    }
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  private async learn(views: string[], current: (number | undefined)[]): Promise<void> {
    const missing = current.filter((v): v is number => v !== undefined && !this.layoutCache.has(v));
    for (const l of await this.store.layouts(missing)) this.layoutCache.set(l.version, l);
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
      if (!s)
        throw new OnlineError(
          "BAD_REQUEST",
          `unknown feature service '${req.service}' in the online store (loaded: ${Object.keys(this.catalog).join(", ") || "none"})`,
        );
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
      if (!layout)
        throw new OnlineError("BAD_REQUEST", `feature view '${view}' has not been loaded into the online store (run 'fcompile load')`);
      const names = feature === "*" ? layout.features.map((f) => f[0]) : [feature];
      for (const f of names) {
        if (!layout.features.some((x) => x[0] === f)) throw new OnlineError("BAD_REQUEST", `feature view '${view}' has no feature '${f}'`);
        out.push({ view, feature: f, name: req.fullNames ? `${view}__${f}` : f });
      }
    }
    const seen = new Set<string>();
    for (const w of out) {
      if (seen.has(w.name)) throw new OnlineError("BAD_REQUEST", `two requested features are named '${w.name}'; pass fullNames`);
      seen.add(w.name);
    }
    return out;
  }

  private answer<F>(
    req: GetOnlineFeaturesRequest,
    resolved: Resolved,
    versions: (number | undefined)[],
    values: (Uint8Array | null)[][],
    at: bigint,
  ): GetOnlineFeaturesResponse<F> {
    let plan = resolved.plan;
    if (!plan || plan.versions.some((v, i) => v !== versions[i])) plan = resolved.plan = this.plan(resolved, versions);
    const nv = versions.length;
    // Per view, the oldest event time still inside the ttl at `at`.
    const oldest = plan.ttlMicros.map((t) => (t === null ? null : at - t));
    const decoded: ({ ts: bigint; values: OnlineValue[] } | undefined)[] = new Array(nv);
    const stamps: string[] = new Array(nv);
    const expired: boolean[] = new Array(nv);
    const rows: OnlineRow<F>[] = new Array(req.entityRows.length);
    for (let r = 0; r < rows.length; r++) {
      // Each view's value is decoded, and its event time formatted, once per row (not per feature).
      for (let vi = 0; vi < nv; vi++) {
        const bytes = values[vi]![r];
        if (!bytes) {
          decoded[vi] = undefined;
          continue;
        }
        const d = decodeValue(plan.types[vi]!, bytes);
        decoded[vi] = d;
        stamps[vi] = isoMicros(d.ts);
        const limit = oldest[vi];
        expired[vi] = limit !== null && limit !== undefined && d.ts < limit;
      }
      // A copy of a template with every name: the stores below then only fill existing properties.
      const features: Record<string, FeatureValue | null> = { ...plan.template };
      for (const f of plan.features) {
        const d = decoded[f.vi];
        if (!d) {
          features[f.name] = { value: null, eventTimestamp: null, status: "NOT_FOUND" };
          continue;
        }
        const eventTimestamp = stamps[f.vi]!;
        if (expired[f.vi]) {
          features[f.name] = { value: null, eventTimestamp, status: "OUTSIDE_MAX_AGE" };
          continue;
        }
        const v = d.values[f.fi] ?? null;
        features[f.name] =
          v === null
            ? { value: null, eventTimestamp, status: "NULL_VALUE" }
            : { value: f.timestamp ? isoMicros(v as bigint) : (v as FeatureScalar), eventTimestamp, status: "PRESENT" };
      }
      rows[r] = { entity: req.entityRows[r]!, features: features as unknown as F };
    }
    return { featureNames: resolved.wanted.map((w) => w.name), rows };
  }

  /** Where each requested feature is in the values read at these versions. */
  private plan(resolved: Resolved, versions: (number | undefined)[]): AnswerPlan {
    const layouts = versions.map((v) => (v === undefined ? undefined : this.layoutCache.get(v)));
    return {
      versions: [...versions],
      types: layouts.map((l) => (l ? l.features.map((f) => f[1]) : [])),
      ttlMicros: layouts.map((l) => (l && l.ttlSeconds !== null ? BigInt(l.ttlSeconds) * 1_000_000n : null)),
      features: resolved.wanted.map((w) => {
        const vi = resolved.views.indexOf(w.view);
        const fi = layouts[vi]!.features.findIndex((f) => f[0] === w.feature);
        return { name: w.name, vi, fi, timestamp: layouts[vi]!.features[fi]![1] === "timestamp" };
      }),
      template: Object.fromEntries(resolved.wanted.map((w) => [w.name, null])),
    };
  }
}

/** The entity key of every row for a view (its join keys, in order). */
function keysOf(layout: ViewLayout, rows: readonly Record<string, unknown>[]): string[] {
  const out: string[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) out[r] = keyOf(layout, rows[r]!, r);
  return out;
}

function keyOf(layout: ViewLayout, row: Record<string, unknown>, r: number): string {
  if (row === null || typeof row !== "object") throw new OnlineError("BAD_REQUEST", `entity row ${r} is not an object`);
  const parts: unknown[] = new Array(layout.keys.length);
  for (let i = 0; i < parts.length; i++) {
    const k = layout.keys[i]!;
    const v = row[k];
    if (v === undefined || v === null)
      throw new OnlineError(
        "BAD_REQUEST",
        `entity row ${r} has no value for join key '${k}' (view '${layout.view}' is keyed by ${layout.keys.join(", ")})`,
      );
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "bigint" && typeof v !== "boolean")
      throw new OnlineError("BAD_REQUEST", `entity row ${r}: join key '${k}' must be a string or a number`);
    parts[i] = v;
  }
  return encodeKey(parts);
}

const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));
const dates = new Map<number, string>();

/** `2025-06-01T00:00:00.123456Z`: exact to the microsecond (the fraction without trailing zeros, none if whole). */
export function isoMicros(micros: bigint): string {
  const m = Number(micros);
  if (Number.isSafeInteger(m)) {
    // Exact in doubles. The date of a day is formatted once (by Date), the time of day by hand.
    let sub = m % 1_000_000;
    if (sub < 0) sub += 1_000_000;
    const secs = (m - sub) / 1_000_000;
    let sod = secs % 86_400;
    if (sod < 0) sod += 86_400;
    const day = (secs - sod) / 86_400;
    let date = dates.get(day);
    if (date === undefined) {
      const iso = new Date(day * 86_400_000).toISOString();
      date = iso.length === 24 ? iso.slice(0, 11) : "";
      if (dates.size >= 4096) dates.clear();
      dates.set(day, date);
    }
    if (date !== "") {
      const t = `${date}${PAD2[Math.floor(sod / 3600)]}:${PAD2[Math.floor(sod / 60) % 60]}:${PAD2[sod % 60]}`;
      return sub === 0 ? `${t}Z` : `${t}.${fraction(sub)}Z`;
    }
  }
  // Years outside 0000–9999, or beyond 2^53 µs: the general formatter.
  return formatTimestamp(micros).replace(" ", "T") + "Z";
}

/** Six digits of microseconds, trailing zeros dropped. */
function fraction(sub: number): string {
  let s = String(sub).padStart(6, "0");
  let end = 6;
  while (s.charCodeAt(end - 1) === 0x30) end--;
  if (end < 6) s = s.slice(0, end);
  return s;
}

function atMicros(at: string | Date): bigint {
  if (at instanceof Date) return BigInt(at.getTime()) * 1000n;
  const t = parseTimestamp(at);
  if (t === undefined) throw new OnlineError("BAD_REQUEST", `'at' must be an ISO 8601 timestamp (got '${at}')`);
  return t;
}
