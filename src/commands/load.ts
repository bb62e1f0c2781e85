import { materializationRelation } from "../compile/relations.js";
import { noun } from "../diagnostics/plural.js";
import { FcUserError, userError } from "../diagnostics/diagnostic.js";
import { encodeKey, int64KeyText, ValuePacker } from "../online/codec.js";
import type { OnlineValue } from "../online/codec.js";
import type { AggregationLayout, OnlineKeyType, OnlineStoreConfig, ServiceCatalog, ViewLayout } from "../online/layout.js";
import type { OnlineEntry, OnlineWriter } from "../online/online-writer.js";
import { onlineStore } from "../online/stores.js";
import { resolveOnline } from "../project/online-config.js";
import { materializationHash } from "../registry/manifest.js";
import type { AggregationView, FeatureView, Registry } from "../registry/types.js";
import { aggregationStateColumns, stateDedupeKey } from "../compile/aggregation-state.js";
import { pushLayout, settlePushLayouts } from "./push-layout.js";
import { EventStatePacker } from "../online/aggregation-state.js";
import { HopStatePacker, hopLayout } from "../online/hop-state.js";
import type { CompileTarget } from "../compile/relations.js";
import { parseTimestamp } from "../timestamps.js";
import type { Watermark } from "../warehouse/warehouse.js";
import { compileTargetFor, loadProject, openWarehouse } from "./common.js";
import type { ProjectOptions } from "./common.js";

/** Options of `load`. */
export interface LoadOptions extends ProjectOptions {
  /** Called after each batch with rows written so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Redis: how long old versions stay readable after the switch (ms). Default 1000. */
  graceMs?: number;
  /** Rows per write batch. Default 2000. */
  batchSize?: number;
  /** Load a view whose materialization is empty although the store holds rows of it (it is emptied). */
  allowEmpty?: boolean;
  /** Load whatever the shrink (an empty view included). */
  force?: boolean;
  /**
   * The largest fraction of a loaded view's rows a load may drop (0 … 1; default 0.5): a view that
   * would shrink more is refused unless `force` is set. 1 allows any shrink short of empty.
   */
  maxShrink?: number;
}

/** The shrink `load` accepts without --force (README, docs/online.md). */
export const DEFAULT_MAX_SHRINK = 0.5;

/** What `load` did. */
export interface LoadResult {
  store: string;
  views: { view: string; version: number; rows: number; end: string }[];
  /** Views with no materialization, left as they were in the store. */
  skipped: string[];
  /** Views in the store that the project no longer has: removed with their values. */
  retired: string[];
  removed: number;
  ms: number;
}

/** Opens the writer of the project's online store (`STORES`); each driver is loaded only when used. */
export async function openOnlineWriter(store: OnlineStoreConfig, project: string, graceMs = 1000): Promise<OnlineWriter> {
  return onlineStore(store).openWriter(store, project, { graceMs });
}

/**
 * `fcompile load`: pushes every view's latest materialization into the online store and switches
 * readers over to all of them at once (docs/semantics.md, "Online").
 */
export async function load(opts: LoadOptions): Promise<LoadResult> {
  const started = performance.now();
  const { config, registry } = await loadProject(opts.projectDir);
  const { target, ct } = compileTargetFor(config, opts.target);
  const store = resolveOnline(config);
  const wh = await openWarehouse(target, config.dir, registry, true);
  try {
    const marks = await wh.watermarks(ct.schema);
    const views = [...registry.views.values()].filter((v) => marks.has(v.name));
    const skipped = [...registry.views.keys()].filter((v) => !marks.has(v));
    if (views.length === 0) throw userError("FC016", "nothing is materialized yet; run 'fcompile materialize --end TS' first");
    for (const v of views) {
      if (marks.get(v.name)!.viewHash !== materializationHash(registry, v))
        throw userError(
          "FC016",
          `view '${v.name}' changed since it was materialized (at ${marks.get(v.name)!.endTime}); run 'fcompile materialize' again before loading`,
        );
    }
    const total = views.reduce((n, v) => n + marks.get(v.name)!.rows, 0);
    const pushed = views.map((view) => ({
      view,
      push: pushLayout(
        registry,
        view,
        view.kind === "aggregation" ? aggregationStateColumns(view, ct, stateDedupeKey(registry, view)) : undefined,
      ),
    }));
    // Refused before anything is written.
    await settlePushLayouts(wh, registry, ct, pushed);
    const writer = await openOnlineWriter(store, config.name, opts.graceMs);
    try {
      refuseShrink(await writer.loaded(), views, marks, writer.where, opts);
      const versions = await writer.begin(views.map((v) => v.name));
      let done = 0;
      const layouts: ViewLayout[] = [];
      for (const [i, view] of views.entries()) {
        const mark = marks.get(view.name)!;
        const progress = (n: number): void => {
          done += n;
          opts.onProgress?.(done, total);
        };
        const batch = opts.batchSize ?? 2000;
        const { rows, keyTypes, aggregation } =
          view.kind === "aggregation"
            ? await loadAggregationView(wh, view, stateDedupeKey(registry, view), ct, mark, versions[i]!, writer, batch, progress)
            : { ...(await loadView(wh, view, ct, mark, versions[i]!, writer, batch, progress)), aggregation: undefined };
        const push = pushed[i]!.push;
        layouts.push({
          view: view.name,
          version: versions[i]!,
          keys: view.joinKeys,
          keyTypes,
          features: view.features.map((f) => [f.name, f.type]),
          ttlSeconds: view.ttlSeconds ?? null,
          ...(aggregation ? { aggregation } : {}),
          ...(push ? { push } : {}),
          end: mark.endTime,
          loadedAt: new Date().toISOString(),
          rows,
        });
      }
      const { removed, retired } = await writer.commit(layouts, serviceCatalog(registry), [...registry.views.keys()]);
      return {
        store: writer.where,
        views: layouts.map((l) => ({ view: l.view, version: l.version, rows: l.rows, end: l.end })),
        skipped,
        retired,
        removed,
        ms: performance.now() - started,
      };
    } catch (err) {
      await writer.abort().catch(() => undefined);
      throw err;
    } finally {
      await writer.close();
    }
  } finally {
    await wh.close();
  }
}

/**
 * Streams one view's materialization table into the writer; returns its row count and the type
 * of each join key: the entity's declared type, else the type of the materialization's values
 * (integers: int64, text: string; null otherwise, or when there are no rows to tell). Keys of an
 * int64 key are written in their canonical decimal form, as the client writes a request's.
 */
async function loadView(
  wh: Awaited<ReturnType<typeof openWarehouse>>,
  view: FeatureView,
  ct: CompileTarget,
  mark: Watermark,
  version: number,
  writer: OnlineWriter,
  batchSize: number,
  progress: (n: number) => void,
): Promise<{ rows: number; keyTypes: (OnlineKeyType | null)[] }> {
  const q = (s: string): string => ct.dialect.quote(s);
  const types = view.features.map((f) => f.type);
  const select = [
    ...view.joinKeys.map(q),
    ct.dialect.epochMicros(q(view.timestamp)),
    ...view.features.map((f) => (f.type === "timestamp" ? ct.dialect.epochMicros(q(f.name)) : q(f.name))),
  ];
  const sql = `SELECT ${select.join(", ")} FROM ${materializationRelation(view, ct)}`;
  const nKeys = view.joinKeys.length;
  const declared = view.joinKeys.map((k) => view.keyTypes[k] ?? null);
  let keyTypes: (OnlineKeyType | null)[] | undefined;
  const packer = new ValuePacker(types);
  const keyParts: unknown[] = new Array(nKeys);
  // Keys expire an hour after their value would fall out of the ttl, counted from this load as if it ran at the end time.
  // In float ms: microsecond timestamps up to the year 2255 are exact doubles, and an expiry needs no more.
  const end = Number(parseTimestamp(mark.endTime)!);
  const expiryBase = view.ttlSeconds !== undefined ? Date.now() + 3_600_000 + (view.ttlSeconds * 1_000_000 - end) / 1000 : undefined;
  let rows = 0;
  let batch: OnlineEntry[] = [];
  for await (const chunk of readAhead(wh.readRows(sql, { what: `reading the materialization of '${view.name}'`, batchSize }))) {
    keyTypes ??= declared.map((t, k) => t ?? valueKeyType(chunk[0]![k]));
    for (const r of chunk) {
      const ts = BigInt(r[nKeys] as bigint | number);
      for (let k = 0; k < nKeys; k++) keyParts[k] = keyTypes[k] === "int64" ? int64Key(view, k, r[k], declared[k] !== null) : r[k];
      batch.push({
        key: encodeKey(keyParts),
        value: packer.pack(ts, r as OnlineValue[], nKeys + 1),
        expireAtMs: expiryBase === undefined ? undefined : Math.floor(expiryBase + Number(ts) / 1000),
      });
      if (batch.length >= batchSize) {
        await writer.write(version, batch);
        progress(batch.length);
        rows += batch.length;
        batch = [];
      }
    }
  }
  if (batch.length > 0) {
    await writer.write(version, batch);
    progress(batch.length);
    rows += batch.length;
  }
  return { rows, keyTypes: keyTypes ?? declared };
}

/**
 * Streams an aggregation view's state (one row per event, ordered by entity) into the writer:
 * each entity's events packed into one value (src/online/aggregation-state.ts). Over a push
 * source with a dedupe_key (`dedupeKey`), also records the ids of the events a push could bring
 * again — those at or after end − the view's lateness, or all without one (docs/push.md,
 * "Duplicates") — so an event already loaded and pushed again counts once. Returns the number of
 * events, the key types, and the state's layout.
 */
async function loadAggregationView(
  wh: Awaited<ReturnType<typeof openWarehouse>>,
  view: AggregationView,
  dedupeKey: string | undefined,
  ct: CompileTarget,
  mark: Watermark,
  version: number,
  writer: OnlineWriter,
  batchSize: number,
  progress: (n: number) => void,
): Promise<{ rows: number; keyTypes: (OnlineKeyType | null)[]; aggregation: AggregationLayout }> {
  const q = (s: string): string => ct.dialect.quote(s);
  const cols = aggregationStateColumns(view, ct, dedupeKey);
  const end = parseTimestamp(mark.endTime)!;
  const aggregation: AggregationLayout = {
    eventTypes: [...(cols.created ? ["timestamp" as const] : []), ...cols.values.map((v) => v.type)],
    created: cols.created !== undefined,
    features: cols.features.map((f) => ({
      function: f.function,
      value: f.value,
      flag: f.flag,
      windowMicros: f.windowSeconds === undefined ? null : String(BigInt(f.windowSeconds) * 1_000_000n),
    })),
    stateStart: cols.longestWindowSeconds === undefined ? null : String(end - BigInt(cols.longestWindowSeconds) * 1_000_000n),
  };
  if (view.hopSeconds !== undefined) {
    // Tiles per hop instead of events (src/online/hop-state.ts); the state starts at the first tile.
    aggregation.hop = hopLayout(aggregation, BigInt(view.hopSeconds) * 1_000_000n, end);
    if (aggregation.stateStart !== null) aggregation.stateStart = aggregation.hop.tilesStart;
  }
  const keys = view.joinKeys.map(q);
  const select = [
    ...keys,
    ct.dialect.epochMicros(q(cols.ts)),
    ...(cols.created ? [ct.dialect.epochMicros(q(cols.created))] : []),
    ...cols.values.map((v) => (v.type === "timestamp" ? ct.dialect.epochMicros(q(v.name)) : q(v.name))),
    ...(cols.id !== undefined ? [q(cols.id)] : []),
  ];
  const sql = `SELECT ${select.join(", ")} FROM ${materializationRelation(view, ct)} ORDER BY ${keys.join(", ")}`;
  // The ids a push could bring again: an event older than end − lateness is late (never applied).
  const idsFrom = view.latenessSeconds === undefined ? undefined : end - BigInt(view.latenessSeconds) * 1_000_000n;
  let ids: string[] = [];
  const flushIds = async (): Promise<void> => {
    if (ids.length > 0) await writer.writeLoadedIds(version, ids);
    ids = [];
  };
  const nKeys = view.joinKeys.length;
  const declared = view.joinKeys.map((k) => view.keyTypes[k] ?? null);
  let keyTypes: (OnlineKeyType | null)[] | undefined;
  const packer = aggregation.hop ? new HopStatePacker(aggregation) : new EventStatePacker(aggregation);
  const keyParts: unknown[] = new Array(nKeys);
  let current: string | undefined;
  let events = 0;
  let batch: OnlineEntry[] = [];
  const flushEntity = async (): Promise<void> => {
    if (current === undefined) return;
    batch.push({ key: current, value: packer.take() });
    if (batch.length >= batchSize) {
      await writer.write(version, batch);
      batch = [];
    }
  };
  for await (const chunk of readAhead(wh.readRows(sql, { what: `reading the state of aggregation view '${view.name}'`, batchSize }))) {
    keyTypes ??= declared.map((t, k) => t ?? valueKeyType(chunk[0]![k]));
    for (const r of chunk) {
      for (let k = 0; k < nKeys; k++) keyParts[k] = keyTypes[k] === "int64" ? int64Key(view, k, r[k], declared[k] !== null) : r[k];
      const key = encodeKey(keyParts);
      if (key !== current) {
        await flushEntity();
        current = key;
      }
      const ts = BigInt(r[nKeys] as bigint | number);
      packer.add(ts, r as OnlineValue[], nKeys + 1);
      if (cols.id !== undefined && (idsFrom === undefined || ts >= idsFrom)) {
        const id = r[r.length - 1];
        if (id !== null && id !== undefined) ids.push(String(id));
      }
    }
    events += chunk.length;
    progress(chunk.length);
    if (ids.length >= batchSize) await flushIds();
  }
  await flushEntity();
  if (batch.length > 0) await writer.write(version, batch);
  await flushIds();
  return { rows: events, keyTypes: keyTypes ?? declared, aggregation };
}

/** The key type of a warehouse value: int64 for integers (bigint, or an integral JS number), string for text. */
function valueKeyType(v: unknown): OnlineKeyType | null {
  if (typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v))) return "int64";
  return typeof v === "string" ? "string" : null;
}

/** An int64 key's canonical text; a value that is not one is an error naming the view, the key and the value. */
function int64Key(view: FeatureView, k: number, v: unknown, declared: boolean): unknown {
  if (v === null || v === undefined) return v; // encodeKey refuses it
  const text = int64KeyText(v);
  if (text === undefined)
    throw userError(
      "FC016",
      `view '${view.name}': join key '${view.joinKeys[k]}' is ${declared ? "declared int64" : "int64 (its first values are integers)"}, ` +
        `but the materialization holds ${JSON.stringify(String(v))}; fix the data, or declare the key's type on its entity ` +
        "(join_keys: [{name: …, type: string}]), then run 'fcompile materialize' again",
    );
  return text;
}

/**
 * Refuses a load that would empty a loaded view, or drop more than `maxShrink` of its rows — most
 * often a materialization run at a time past the view's ttl — unless told to (`allowEmpty`, `force`).
 * Checked before anything is written.
 */
function refuseShrink(
  loaded: Map<string, ViewLayout>,
  views: FeatureView[],
  marks: Map<string, Watermark>,
  where: string,
  opts: LoadOptions,
): void {
  if (opts.force) return;
  const maxShrink = opts.maxShrink ?? DEFAULT_MAX_SHRINK;
  const problems: string[] = [];
  for (const v of views) {
    const before = loaded.get(v.name)?.rows ?? 0;
    const mark = marks.get(v.name)!;
    const after = mark.rows;
    if (before === 0 || after >= before) continue;
    const ttl = v.ttl ? `its ttl (${v.ttl})` : "the time of its data";
    const shown = `view '${v.name}' would go from ${before.toLocaleString("en")} ${noun(before, "row")} to ${after.toLocaleString("en")} in the online store at ${where}`;
    if (after === 0) {
      if (!opts.allowEmpty)
        problems.push(
          `${shown}: its materialization (as of ${mark.endTime}) is empty. Most likely 'materialize' ran at an end time (default: now) past ${ttl} after the newest rows; ` +
            "run 'fcompile materialize --end <the time of your data>' and load again, or pass --allow-empty to empty it on purpose",
        );
    } else if (before - after > maxShrink * before)
      problems.push(
        `${shown} (${Math.round((100 * (before - after)) / before)}% fewer, more than --max-shrink ${maxShrink}): its materialization (as of ${mark.endTime}) lost most entities. ` +
          `Most likely 'materialize' ran at an end time past ${ttl} after many entities' newest rows; check --end, or pass --force to load it anyway`,
      );
  }
  if (problems.length > 0)
    throw new FcUserError(
      problems.map((message) => ({
        code: "FC016",
        severity: "error",
        message: `load refused: ${message}`,
        at: { file: "", line: 1, col: 1 },
      })),
    );
}

/**
 * Asks for the next chunk before the current one is handed out, so the warehouse fetches it (on
 * its own thread) while this one is packed and sent, instead of each waiting for the other.
 */
async function* readAhead<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  let next = source.next();
  try {
    for (;;) {
      const r = await next;
      if (r.done) return;
      next = source.next();
      yield r.value;
    }
  } finally {
    // Stopped early (an error while writing): let the pending fetch settle, then close the source.
    await next.catch(() => undefined);
    await source.return(undefined);
  }
}

/** Services as the client resolves them: service → [view, feature], `view:*` expanded. */
function serviceCatalog(reg: Registry): ServiceCatalog {
  const out: ServiceCatalog = {};
  for (const s of reg.services.values()) out[s.name] = s.features.map((f) => [f.view, f.feature]);
  return out;
}
