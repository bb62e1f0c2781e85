import type { CompileTarget } from "../compile/relations.js";
import type { ProjectConfig } from "../project/read-project.js";
import type { PushReport } from "../client/index.js";
import type { Registry } from "../registry/types.js";
import { rowSourceOf, sqlRowsOf } from "../registry/types.js";
import { OnlineError } from "../online/store-reader.js";
import type { PushTo } from "../server/feast-push.js";
import type { TargetConfig } from "../warehouse/targets.js";
import { compileTargetFor, openWarehouse } from "./common.js";
import { appendOffline, pushSource } from "./push-offline.js";
import type { OfflineAppend } from "./push-offline.js";

export type { PushTo };

/** What the online store did with pushed rows (client.push's report). */
export type OnlinePushReport = PushReport;

/** What one push did: the online report (when `to` includes online) and the offline append (when it includes offline). */
export interface PushSummary extends OnlinePushReport {
  source: string;
  to: PushTo;
  /** Rows appended to the warehouse, and those skipped there as duplicates by `dedupe_key`. */
  offline?: OfflineAppend;
}

/** Sends rows to the online store (client.push); throws PushRowsError (`problems`) for bad rows, writing nothing. */
export type OnlinePusher = (source: string, rows: Record<string, unknown>[]) => Promise<OnlinePushReport>;

/** A loaded project that takes pushes: `fcompile push` opens one per command, `serve --push` one for its life. */
export interface PushSession {
  config: ProjectConfig;
  registry: Registry;
  target: TargetConfig;
  ct: CompileTarget;
  /** The online store's push (required when `to` includes online). */
  online?: OnlinePusher;
}

/** A session for the project's target (or `targetName`). */
export function pushSession(config: ProjectConfig, registry: Registry, targetName?: string, online?: OnlinePusher): PushSession {
  const { target, ct } = compileTargetFor(config, targetName);
  return { config, registry, target, ct, online };
}

/**
 * Pushes rows to a push source (docs/push.md): offline first (appended where training reads the
 * source, one transaction), then online (every view over the source at once). Bad rows are
 * reported before anything is written to that side; a failure online after the offline append
 * committed leaves the rows offline only — retry the push: with a `dedupe_key` the retry appends
 * nothing twice. Throws FcUserError for an unknown source or one without `push: true`.
 */
export async function pushRows(s: PushSession, source: string, rows: Record<string, unknown>[], to: PushTo): Promise<PushSummary> {
  pushSource(s.registry, source);
  const summary: PushSummary = { source, to, rows: rows.length, applied: {}, late: {}, duplicates: 0 };
  const notUpdated = viewsNotUpdated(s.registry, source);
  if (notUpdated.length > 0) summary.notUpdated = notUpdated;
  if (to !== "online") {
    const wh = await openWarehouse(s.target, s.config.dir, s.registry);
    try {
      summary.offline = await appendOffline(wh, s.registry, s.ct, source, rows);
    } finally {
      await wh.close();
    }
  }
  if (to !== "offline") {
    if (!s.online) throw new Error("pushRows: no online store to push to");
    const report = await s.online(source, rows).catch((err: unknown) => {
      throw notLoaded(s.registry, source, err);
    });
    Object.assign(summary, { applied: report.applied, late: report.late, duplicates: report.duplicates });
  }
  return summary;
}

/**
 * The online store's "no loaded view reads push source S" (it knows only what is loaded) said
 * with the project known: S is a push source, so its views need `materialize` and `load` (or it
 * has no view that pushes update). Any other error as it is.
 */
function notLoaded(reg: Registry, source: string, err: unknown): unknown {
  if (
    !(err instanceof OnlineError) ||
    err.code !== "BAD_REQUEST" ||
    !err.message.startsWith(`no loaded view reads push source '${source}'`)
  )
    return err;
  const views = [...reg.views.values()].filter((v) => rowSourceOf(v) === source).map((v) => v.name);
  return new OnlineError(
    "BAD_REQUEST",
    views.length > 0
      ? `no view over push source '${source}' is loaded in the online store yet: its views (${views.sort().join(", ")}) take pushes once they are materialized and loaded; run 'fcompile materialize --end TS' and 'fcompile load', then push again`
      : `push source '${source}' has no plain or aggregation view over it (pushes do not update SQL views): nothing online takes its events; push to offline only, or add a view over it`,
    { cause: err },
  );
}

/**
 * The views that read `source` through SQL (SQL views and aggregation views over SQL, directly or
 * through other SQL views): pushes do not update them online; they see pushed rows offline after
 * `run` rebuilds them.
 */
export function viewsNotUpdated(reg: Registry, source: string): string[] {
  const reads = new Set<string>();
  for (const name of reg.sqlViewOrder) {
    const rows = sqlRowsOf(reg.views.get(name)!);
    if (rows?.parts.some((p) => typeof p !== "string" && (p.kind === "source" ? p.name === source : reads.has(p.name)))) reads.add(name);
  }
  return [...reads].sort();
}
