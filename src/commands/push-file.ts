import path from "node:path";
import { userError } from "../diagnostics/diagnostic.js";
import type { PushTo } from "../server/feast-push.js";
import type { PushFileFormat } from "../warehouse/push-file.js";
import { loadProject, openWarehouse } from "./common.js";
import type { ProjectOptions } from "./common.js";
import { pushSession } from "./push.js";
import type { OnlinePusher, OnlinePushReport, PushSummary } from "./push.js";
import { appendOffline, pushSource } from "./push-offline.js";

/** Options of `fcompile push`. */
export interface PushFileOptions extends ProjectOptions {
  source: string;
  /** A .csv, .parquet or .ndjson file (relative to the current directory). */
  file: string;
  to: PushTo;
  /** Rows per online push (each applied atomically); default 1,000. */
  batchSize?: number;
  /** The online store's push (when `to` includes online). */
  online?: OnlinePusher;
  /** Checks every row for the online store without writing (so a bad row anywhere writes nothing anywhere). */
  checkOnline?: (source: string, rows: Record<string, unknown>[]) => Promise<void>;
  onProgress?: (done: number, total: number) => void;
}

/** What `fcompile push` did, and the file's format (row numbers of problems are data rows, 1-based). */
export interface PushFileResult extends PushSummary {
  format: PushFileFormat;
}

/**
 * `fcompile push --source S --file F`: reads F with DuckDB (typed by its detection), checks every
 * row, then appends them offline in one transaction and pushes them online in batches of
 * `batchSize` (each batch applied atomically). A bad row anywhere: nothing is written, and the
 * error lists every bad row (PushRowsRejected, or the client's PushRowsError).
 */
export async function pushFile(opts: PushFileOptions): Promise<PushFileResult> {
  const { pushFileFormat, openPushFile } = await import("../warehouse/push-file.js");
  const format = pushFileFormat(opts.file);
  if (!format) throw userError("FC015", `--file ${opts.file}: give a .csv, .parquet or .ndjson (.jsonl) file`);
  const { config, registry } = await loadProject(opts.projectDir);
  pushSource(registry, opts.source);
  const s = pushSession(config, registry, opts.target, opts.online);
  let file;
  try {
    file = await openPushFile(path.resolve(opts.file), format);
  } catch (err) {
    throw userError("FC011", `cannot read ${opts.file}: ${(err as Error).message.split("\n")[0]}`);
  }
  const size = opts.batchSize ?? 1000;
  const batches: Record<string, unknown>[][] = [];
  for await (const b of file.batches(size)) batches.push(b);
  const rows = batches.flat();
  const summary: PushFileResult = { source: opts.source, to: opts.to, rows: rows.length, applied: {}, late: {}, duplicates: 0, format };
  if (opts.to !== "offline") await opts.checkOnline?.(opts.source, rows);
  if (opts.to !== "online") {
    const wh = await openWarehouse(s.target, config.dir, registry);
    try {
      summary.offline = await appendOffline(wh, registry, s.ct, opts.source, rows);
    } finally {
      await wh.close();
    }
  }
  if (opts.to !== "offline") {
    if (!opts.online) throw new Error("pushFile: no online store to push to");
    let done = 0;
    for (const b of batches) {
      try {
        merge(summary, await opts.online(opts.source, b));
      } catch (err) {
        // Rows of this batch are numbered within it: renumber them within the file.
        const problems = (err as { problems?: { row: number }[] }).problems;
        if (Array.isArray(problems)) for (const p of problems) p.row += done;
        throw err;
      }
      done += b.length;
      opts.onProgress?.(done, rows.length);
    }
  }
  return summary;
}

function merge(into: PushSummary, r: OnlinePushReport): void {
  for (const [v, n] of Object.entries(r.applied)) into.applied[v] = (into.applied[v] ?? 0) + n;
  for (const [v, n] of Object.entries(r.late)) into.late[v] = (into.late[v] ?? 0) + n;
  into.duplicates += r.duplicates;
  if (r.notUpdated) into.notUpdated = r.notUpdated;
}
