import { materializationRelation } from "../compile/relations.js";
import { userError } from "../diagnostics/diagnostic.js";
import { encodeKey, ValuePacker } from "../online/codec.js";
import type { OnlineValue } from "../online/codec.js";
import type { OnlineStoreConfig, ServiceCatalog, ViewLayout } from "../online/layout.js";
import type { OnlineEntry, OnlineWriter } from "../online/online-writer.js";
import { resolveOnline } from "../project/online-config.js";
import { materializationHash } from "../registry/manifest.js";
import type { FeatureView, Registry } from "../registry/types.js";
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
}

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

/** Opens the writer of the project's online store; each driver is loaded only when used. */
export async function openOnlineWriter(store: OnlineStoreConfig, project: string, graceMs = 1000): Promise<OnlineWriter> {
  if (store.type === "sqlite") {
    const { SqliteWriter } = await import("../online/sqlite-writer.js");
    return SqliteWriter.open(store.path, project);
  }
  const { Redis } = await import("ioredis");
  const { RedisWriter } = await import("../online/redis-writer.js");
  const redis = new Redis(store.url ?? "redis://127.0.0.1:6379/0", { maxRetriesPerRequest: 2, connectTimeout: 5000, lazyConnect: true });
  redis.on("error", () => undefined); // surfaced through the failing command
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw userError("FC016", `cannot connect to the online store ${redactUrl(store.url)}: ${(err as Error).message}; is Redis running?`);
  }
  return new RedisWriter(redis, project, { graceMs });
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
    const writer = await openOnlineWriter(store, config.name, opts.graceMs);
    try {
      const versions = await writer.begin(views.map((v) => v.name));
      let done = 0;
      const layouts: ViewLayout[] = [];
      for (const [i, view] of views.entries()) {
        const mark = marks.get(view.name)!;
        const rows = await loadView(wh, view, ct, mark, versions[i]!, writer, opts.batchSize ?? 2000, (n) => {
          done += n;
          opts.onProgress?.(done, total);
        });
        layouts.push({
          view: view.name,
          version: versions[i]!,
          keys: view.joinKeys,
          features: view.features.map((f) => [f.name, f.type]),
          ttlSeconds: view.ttlSeconds ?? null,
          end: mark.endTime,
          loadedAt: new Date().toISOString(),
          rows,
        });
      }
      const { removed, retired } = await writer.commit(layouts, serviceCatalog(registry), [...registry.views.keys()]);
      return {
        store: store.type === "sqlite" ? store.path : redactUrl(store.url),
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

/** Streams one view's materialization table into the writer; returns its row count. */
async function loadView(
  wh: Awaited<ReturnType<typeof openWarehouse>>,
  view: FeatureView,
  ct: CompileTarget,
  mark: Watermark,
  version: number,
  writer: OnlineWriter,
  batchSize: number,
  progress: (n: number) => void,
): Promise<number> {
  const q = (s: string): string => ct.dialect.quote(s);
  const types = view.features.map((f) => f.type);
  const select = [
    ...view.joinKeys.map(q),
    ct.dialect.epochMicros(q(view.timestamp)),
    ...view.features.map((f) => (f.type === "timestamp" ? ct.dialect.epochMicros(q(f.name)) : q(f.name))),
  ];
  const sql = `SELECT ${select.join(", ")} FROM ${materializationRelation(view, ct)}`;
  const nKeys = view.joinKeys.length;
  const packer = new ValuePacker(types);
  const keyParts: unknown[] = new Array(nKeys);
  // Keys expire an hour after their value would fall out of the ttl, counted from this load as if it ran at the end time.
  // In float ms: microsecond timestamps up to the year 2255 are exact doubles, and an expiry needs no more.
  const end = Number(parseTimestamp(mark.endTime)!);
  const expiryBase = view.ttlSeconds !== undefined ? Date.now() + 3_600_000 + (view.ttlSeconds * 1_000_000 - end) / 1000 : undefined;
  let rows = 0;
  let batch: OnlineEntry[] = [];
  for await (const chunk of readAhead(wh.readRows(sql, { what: `reading the materialization of '${view.name}'`, batchSize }))) {
    for (const r of chunk) {
      const ts = BigInt(r[nKeys] as bigint | number);
      for (let k = 0; k < nKeys; k++) keyParts[k] = r[k];
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
  return rows;
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

function redactUrl(url = "redis://127.0.0.1:6379/0"): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}
