import path from "node:path";
import { usageError, userError } from "../diagnostics/diagnostic.js";
import type { PushTo } from "../server/feast-push.js";
import type { PushFileFormat } from "../warehouse/push-file.js";
import { loadProject } from "./common.js";
import type { ProjectOptions } from "./common.js";
import { pushRows, pushSession } from "./push.js";
import type { OnlinePusher, PushSummary } from "./push.js";
import { pushSource } from "./push-offline.js";

/** Options of `fcompile push`. */
export interface PushFileOptions extends ProjectOptions {
  source: string;
  /** A .csv, .parquet or .ndjson file (relative to the current directory). */
  file: string;
  to: PushTo;
  /** The online store's push (when `to` includes online): checks every row, then applies them in atomic steps. */
  online?: OnlinePusher;
  /** Called with the number of rows once the file is read. */
  onRows?: (rows: number) => void;
}

/** What `fcompile push` did, and the file's format (row numbers of problems are data rows, 1-based). */
export interface PushFileResult extends PushSummary {
  format: PushFileFormat;
}

/**
 * `fcompile push --source S --file F`: reads F (openPushFile: CSV and Parquet typed by DuckDB's
 * detection, NDJSON value by value), then appends
 * its rows offline in one transaction and pushes them online (client.push checks every row
 * first, then applies them in atomic steps). A bad row: nothing is written on that side, and the
 * error lists every bad row (PushRowsRejected offline, PushRowsError online), each problem with
 * `line`: its row's first physical line in F (CSV: the header is line 1; Parquet: the row number).
 */
export async function pushFile(opts: PushFileOptions): Promise<PushFileResult> {
  const { pushFileFormat, openPushFile } = await import("../warehouse/push-file.js");
  const format = pushFileFormat(opts.file);
  if (!format) throw usageError(`--file ${opts.file}: give a .csv, .parquet or .ndjson (.jsonl) file`);
  const { config, registry } = await loadProject(opts.projectDir);
  pushSource(registry, opts.source);
  const s = pushSession(config, registry, opts.target, opts.online);
  let file;
  try {
    file = await openPushFile(path.resolve(opts.file), format);
  } catch (err) {
    throw userError("FC011", `cannot read ${opts.file}: ${(err as Error).message.split("\n")[0]}`);
  }
  const rows: Record<string, unknown>[] = [];
  for await (const b of file.batches(10_000)) rows.push(...b);
  opts.onRows?.(rows.length);
  try {
    return { ...(await pushRows(s, opts.source, rows, opts.to)), format };
  } catch (err) {
    // Bad rows (PushRowsRejected, PushRowsError): each problem gets its row's first line in the file.
    const problems = (err as { problems?: { row: number; line?: number }[] }).problems;
    if (Array.isArray(problems)) for (const p of problems) p.line = file.lines?.[p.row - 1] ?? (format === "csv" ? p.row + 1 : p.row);
    throw err;
  }
}
