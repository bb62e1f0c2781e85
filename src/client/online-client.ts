import { decodeValue, encodeKey } from "../online/codec.js";
import type { OnlineValue } from "../online/codec.js";
import type { ServiceCatalog, ViewLayout } from "../online/layout.js";
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

/** The thin online client: one round trip per read, whatever the number of entities and views. */
export class OnlineClient {
  private readonly versions = new Map<string, number>();
  private readonly layoutCache = new Map<number, ViewLayout>();
  private catalog: ServiceCatalog | undefined;

  constructor(private readonly store: StoreReader) {}

  /** Reads features for entity rows (SPEC.md §4). Throws OnlineError on a bad request or a store failure. */
  async getOnlineFeatures<F = Record<string, FeatureValue>>(req: GetOnlineFeaturesRequest): Promise<GetOnlineFeaturesResponse<F>> {
    const at = req.at === undefined ? nowMicros() : atMicros(req.at);
    let wanted = await this.resolve(req);
    const views = [...new Set(wanted.map((w) => w.view))];
    for (let attempt = 0; ; attempt++) {
      const versions = views.map((v) => this.versions.get(v));
      const keys = views.map((v, i) =>
        versions[i] === undefined ? [] : req.entityRows.map((row, r) => keyOf(this.layoutCache.get(versions[i]!)!, row, r)),
      );
      const { current, values } = await this.store.read(views, versions, keys);
      if (current.every((c, i) => c === versions[i])) return this.answer<F>(req, wanted, views, versions, values, at);
      // A load switched versions since the last read (or this is the first): learn the new layouts, read again.
      if (attempt >= 3) throw new OnlineError("STORE", "the online store kept switching versions during the read; try again");
      await this.learn(views, current);
      if (wanted.some((w) => w.feature === "*")) wanted = await this.resolve(req);
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
  }

  private async resolve(req: GetOnlineFeaturesRequest): Promise<Wanted[]> {
    if (!!req.service === !!req.features?.length) throw new OnlineError("BAD_REQUEST", "give exactly one of service or features");
    if (!Array.isArray(req.entityRows)) throw new OnlineError("BAD_REQUEST", "entityRows must be an array of objects");
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
    wanted: Wanted[],
    views: string[],
    versions: (number | undefined)[],
    values: (Uint8Array | null)[][],
    at: bigint,
  ): GetOnlineFeaturesResponse<F> {
    const layouts = versions.map((v) => (v === undefined ? undefined : this.layoutCache.get(v)));
    const plan = wanted.map((w) => {
      const vi = views.indexOf(w.view);
      const layout = layouts[vi]!;
      return {
        name: w.name,
        vi,
        fi: layout.features.findIndex((f) => f[0] === w.feature),
        type: layout.features.find((f) => f[0] === w.feature)![1],
      };
    });
    const rows = req.entityRows.map((entity, r) => {
      const decoded = views.map((_, vi) => {
        const bytes = values[vi]![r];
        if (!bytes) return undefined;
        const layout = layouts[vi]!;
        return decodeValue(
          layout.features.map((f) => f[1]),
          bytes,
        );
      });
      const features: Record<string, FeatureValue> = {};
      for (const p of plan) {
        const d = decoded[p.vi];
        if (!d) {
          features[p.name] = { value: null, eventTimestamp: null, status: "NOT_FOUND" };
          continue;
        }
        const ttl = layouts[p.vi]!.ttlSeconds;
        const eventTimestamp = isoMicros(d.ts);
        if (ttl !== null && d.ts < at - BigInt(ttl) * 1_000_000n) {
          features[p.name] = { value: null, eventTimestamp, status: "OUTSIDE_MAX_AGE" };
          continue;
        }
        const v = d.values[p.fi] ?? null;
        features[p.name] =
          v === null
            ? { value: null, eventTimestamp, status: "NULL_VALUE" }
            : { value: scalar(v, p.type), eventTimestamp, status: "PRESENT" };
      }
      return { entity, features: features as F };
    });
    return { featureNames: wanted.map((w) => w.name), rows };
  }
}

function keyOf(layout: ViewLayout, row: Record<string, unknown>, r: number): string {
  if (row === null || typeof row !== "object") throw new OnlineError("BAD_REQUEST", `entity row ${r} is not an object`);
  const parts = layout.keys.map((k) => {
    const v = row[k];
    if (v === undefined || v === null)
      throw new OnlineError(
        "BAD_REQUEST",
        `entity row ${r} has no value for join key '${k}' (view '${layout.view}' is keyed by ${layout.keys.join(", ")})`,
      );
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "bigint" && typeof v !== "boolean")
      throw new OnlineError("BAD_REQUEST", `entity row ${r}: join key '${k}' must be a string or a number`);
    return v;
  });
  return encodeKey(parts);
}

function scalar(v: OnlineValue, type: string): FeatureScalar {
  return type === "timestamp" ? isoMicros(v as bigint) : (v as FeatureScalar);
}

/** `2025-06-01T00:00:00.123456Z`: exact to the microsecond. */
export function isoMicros(micros: bigint): string {
  return formatTimestamp(micros).replace(" ", "T") + "Z";
}

function atMicros(at: string | Date): bigint {
  if (at instanceof Date) return BigInt(at.getTime()) * 1000n;
  const t = parseTimestamp(at);
  if (t === undefined) throw new OnlineError("BAD_REQUEST", `'at' must be an ISO 8601 timestamp (got '${at}')`);
  return t;
}
