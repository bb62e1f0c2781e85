import { warehouseMayHoldData } from "../warehouse/targets.js";
import { FcUserError } from "../diagnostics/diagnostic.js";
import { resolveOnline } from "../project/online-config.js";
import { materializationHash } from "../registry/manifest.js";
import { parseTimestamp } from "../timestamps.js";
import type { Watermark } from "../warehouse/warehouse.js";
import { compileTargetFor, loadProject, openWarehouse } from "./common.js";
import type { ProjectOptions } from "./common.js";
import { inspectOnline, storeName } from "./online-store.js";

/**
 * Where a view stands, from the first thing that needs doing:
 * - `never-materialized`: no materialization yet (`fcompile materialize`);
 * - `changed`: its definition changed since it was materialized (`materialize`, then `load`);
 * - `not-loaded`: materialized, not in the online store (`fcompile load`);
 * - `load-behind`: the online store holds another materialization than the warehouse's last (`load`);
 * - `fresh`: the online store holds the latest materialization of the current definition;
 * - `not-in-project`: in the online store, but the project no longer has the view (the next `load` removes it);
 * - `online-unknown`: materialized, but the online store could not be read (see `onlineError`).
 */
export type ViewState = "never-materialized" | "changed" | "not-loaded" | "load-behind" | "fresh" | "not-in-project" | "online-unknown";

/** One view's materialization and online state. Times are UTC, `YYYY-MM-DD HH:MM:SS[.ffffff]` unless said. */
export interface ViewStatus {
  view: string;
  /** The last materialization (the warehouse's watermark table), or null. */
  materialized: { end: string; start: string | null; mode: Watermark["mode"]; rows: number; at: string } | null;
  /** The version readers of the online store see, or null (never loaded, or the store is unreachable). */
  online: { version: number; end: string; rows: number; loadedAt: string } | null;
  state: ViewState;
  /** What the state means and what to run next, in words. */
  detail: string;
}

/** What `status` found. */
export interface StatusResult {
  project: string;
  target: string;
  schema: string;
  /** Where the online store is (SQLite path, or Redis URL with the password hidden). */
  store: string;
  /** Why the online store could not be read (its materialized views are then `online-unknown`), if it could not. */
  onlineError?: string;
  /** The project's views in definition order, then views found only in the online store. */
  views: ViewStatus[];
  /** Views whose state is not `fresh`. */
  stale: number;
}

/**
 * `fcompile status`: per view, the last materialization (from the warehouse's watermark table)
 * and the version loaded in the online store (from the store's own layout), and what is stale.
 * Reads only; the warehouse is opened read-only. Throws FC016 when the warehouse cannot be opened.
 */
export async function status(opts: ProjectOptions): Promise<StatusResult> {
  const { config, registry } = await loadProject(opts.projectDir);
  const { target, ct } = compileTargetFor(config, opts.target);
  const store = resolveOnline(config);

  let marks = new Map<string, Watermark>();
  // A warehouse that cannot hold anything yet has nothing materialized (and opening it may create it).
  if (warehouseMayHoldData(target)) {
    const wh = await openWarehouse(target, config.dir, registry, true);
    try {
      marks = await wh.watermarks(ct.schema);
    } finally {
      await wh.close();
    }
  }

  let loaded = new Map<string, { version: number; end: string; rows: number; loadedAt: string }>();
  let onlineError: string | undefined;
  try {
    const contents = await inspectOnline(store, config.name);
    loaded = new Map([...contents.views].map(([v, l]) => [v, { version: l.version, end: l.end, rows: l.rows, loadedAt: l.loadedAt }]));
  } catch (err) {
    onlineError = err instanceof FcUserError ? err.diagnostics.map((d) => d.message).join("; ") : (err as Error).message;
  }

  const views: ViewStatus[] = [];
  for (const view of registry.views.values()) {
    const mark = marks.get(view.name);
    const materialized = mark
      ? { end: mark.endTime, start: mark.startTime, mode: mark.mode, rows: mark.rows, at: mark.materializedAt }
      : null;
    const online = loaded.get(view.name) ?? null;
    const [state, detail] = judge(mark, online, mark !== undefined && mark.viewHash !== materializationHash(registry, view), onlineError);
    views.push({ view: view.name, materialized, online, state, detail });
  }
  for (const [view, online] of loaded)
    if (!registry.views.has(view))
      views.push({
        view,
        materialized: null,
        online,
        state: "not-in-project",
        detail: "in the online store, but no longer in the project; the next 'fcompile load' removes it",
      });
  return {
    project: config.name,
    target: target.name,
    schema: ct.schema,
    store: storeName(store),
    ...(onlineError !== undefined ? { onlineError } : {}),
    views,
    stale: views.filter((v) => v.state !== "fresh").length,
  };
}

function judge(mark: Watermark | undefined, online: ViewStatus["online"], changed: boolean, onlineError?: string): [ViewState, string] {
  if (!mark) return ["never-materialized", "never materialized; run 'fcompile materialize'"];
  if (changed)
    return ["changed", `its definition changed since it was materialized (at ${mark.endTime}); run 'fcompile materialize --load'`];
  if (onlineError !== undefined)
    return ["online-unknown", `materialized as of ${mark.endTime}; what is loaded is unknown: the online store could not be read`];
  if (!online) return ["not-loaded", `materialized as of ${mark.endTime} but not loaded; run 'fcompile load'`];
  const t = (s: string): bigint => parseTimestamp(s) ?? 0n;
  if (t(online.end) !== t(mark.endTime))
    return [
      "load-behind",
      `the online store holds the values as of ${online.end}, the warehouse as of ${mark.endTime}; run 'fcompile load'`,
    ];
  // Materialized again at the same end time (e.g. after new data arrived) after the last load.
  if (t(online.end) === t(mark.endTime) && t(online.loadedAt) < t(mark.materializedAt))
    return ["load-behind", `materialized again at ${mark.materializedAt}, after the last load (${online.loadedAt}); run 'fcompile load'`];
  return ["fresh", `loaded as of ${online.end}`];
}
