import { compileMaterializeFrame, compileMaterializeScript } from "../compile/materialize.js";
import type { MaterializeRunMode } from "../compile/materialize.js";
import { usageError, userError } from "../diagnostics/diagnostic.js";
import { materializationHash } from "../registry/manifest.js";
import { suggest } from "../suggest.js";
import type { FeatureView } from "../registry/types.js";
import { formatTimestamp, nowMicros, parseTimestamp } from "../timestamps.js";
import type { ExecutedStatement, MaterializeStep } from "../warehouse/warehouse.js";
import { incrementalReread } from "./incremental-reread.js";
import { checkReady, compileTargetFor, loadProject, openWarehouse, timestampOption } from "./common.js";
import type { ProjectOptions } from "./common.js";

/** Options of `materialize` (README "Commands"; docs/semantics.md, "Online"). */
export interface MaterializeOptions extends ProjectOptions {
  /** End time; default now. */
  end?: string;
  /** Only rows at or after this time are read (merged into the previous materialization, if any). */
  start?: string;
  /** Continue each view from its last watermark. */
  incremental?: boolean;
  /** Views to materialize; default all. */
  views?: string[];
  onStep?: (view: string, i: number, total: number) => void;
  /** Receives every statement sent to the warehouse (for tracing and tests). */
  onStatement?: (s: ExecutedStatement) => void;
}

/** What `materialize` did for one view. */
export interface MaterializedView {
  view: string;
  mode: MaterializeRunMode;
  /**
   * Rows read since (incremental and `--start`); for a view over a push source with `lateness:`, at
   * the latest the previous end − lateness (src/commands/incremental-reread.ts).
   */
  start: string | null;
  /** Rows materialized: entities (one row each), or for an aggregation view its events. */
  rows: number;
  /** What a row is: `entities`, or `events` (an aggregation view's state). */
  unit: "entities" | "events";
  /** Why an incremental run rebuilt the view in full, if it did. */
  note?: string;
}

/** What `materialize` did. */
export interface MaterializeResult {
  /** The end time, UTC `YYYY-MM-DD HH:MM:SS[.ffffff]`. */
  end: string;
  views: MaterializedView[];
  /**
   * Things the user should know, one line each, for stderr (exit code stays 0): a future
   * `--end`, a view that yielded no row (why that is likely, and what to do).
   */
  warnings: string[];
  ms: number;
}

/**
 * `fcompile materialize`: per view, the latest row per entity as of the end time, into
 * `<schema>.mat__<view>`; all views swap in together with their watermarks, or none does.
 */
export async function materialize(opts: MaterializeOptions): Promise<MaterializeResult> {
  const started = performance.now();
  const now = nowMicros();
  const end = opts.end !== undefined ? timestampOption("--end", opts.end) : now;
  const warnings: string[] = [];
  if (end > now) {
    warnings.push(
      `--end ${formatTimestamp(end)} is in the future (now is ${formatTimestamp(now)} UTC): rows that arrive later with timestamps ` +
        "before it will be missed by the next incremental run, and ttl is applied as of that time; pass --end at or before now",
    );
  }
  const start = opts.start !== undefined ? timestampOption("--start", opts.start) : undefined;
  if (start !== undefined && opts.incremental) throw usageError("give --start or --incremental, not both");
  if (start !== undefined && start > end) throw usageError(`--start ${opts.start} is after --end ${formatTimestamp(end)}`);
  const { config, registry } = await loadProject(opts.projectDir);
  const { target, ct } = compileTargetFor(config, opts.target);
  const views = chooseViews([...registry.views.values()], opts.views);
  const wh = await openWarehouse(target, config.dir, registry);
  try {
    await checkReady(
      wh,
      registry,
      ct,
      views.map((v) => v.name),
    );
    const marks = await wh.watermarks(ct.schema);
    const plans = views.map((view) => {
      const hash = materializationHash(registry, view);
      const prev = marks.get(view.name);
      const mergeable = prev !== undefined && prev.viewHash === hash;
      const prevEnd = prev ? parseTimestamp(prev.endTime)! : undefined;
      if (mergeable && prevEnd! > end && (opts.incremental || start !== undefined))
        throw userError(
          "FC015",
          `view '${view.name}' is materialized up to ${prev.endTime}, after --end ${formatTimestamp(end)}; ` +
            "an incremental run cannot go back: run 'fcompile materialize' without --incremental/--start",
        );
      let mode: MaterializeRunMode = "full";
      let since: bigint | undefined;
      let note: string | undefined;
      if (opts.incremental && mergeable) [mode, since] = ["incremental", prevEnd];
      else if (start !== undefined) [mode, since] = [mergeable ? "incremental" : "window", start];
      // An aggregation state needs every event of its windows: a merge after --start leaves no gap since the last end.
      if (view.kind === "aggregation" && mode === "incremental" && since! > prevEnd!) since = prevEnd;
      if (view.kind === "aggregation" && mode === "window") {
        // Its windows need every event of the longest window, not only those since --start.
        [mode, since] = ["full", undefined];
        note = "an aggregation view's state is built in full (its windows need every event of the longest window)";
      }
      if (opts.incremental && !prev) note = "no earlier materialization: built in full";
      else if (opts.incremental && !mergeable) note = "its definition changed since the last materialization: rebuilt in full";
      if (mode === "incremental") {
        // A push may have appended rows older than the previous end: read them again, or build in full.
        const reread = incrementalReread(registry, view, since!, prevEnd!);
        if (reread.full !== undefined) [mode, since, note] = ["full", undefined, reread.full];
        else if (reread.reread !== undefined) since = reread.reread;
      }
      const script = compileMaterializeScript(registry, view, ct, mode);
      const step: MaterializeStep = {
        view: view.name,
        script,
        file: `target/compiled/${ct.dialect.name}/${script.path}`,
        params: { fc_end: formatTimestamp(end), ...(since !== undefined ? { fc_start: formatTimestamp(since) } : {}) },
      };
      return { step, mode, since, note, view };
    });
    const frame = compileMaterializeFrame(ct);
    wh.onStatement = opts.onStatement;
    const counts = await wh.materialize({ begin: frame.begin, views: plans.map((p) => p.step), commit: frame.commit }, (s, i) =>
      opts.onStep?.(s.view, i, plans.length),
    );
    const result = plans.map((p, i) => ({
      view: p.step.view,
      mode: p.mode,
      start: p.since !== undefined ? formatTimestamp(p.since) : null,
      rows: counts[i]!,
      unit: p.view.kind === "aggregation" ? ("events" as const) : ("entities" as const),
      note: p.note,
    }));
    return {
      end: formatTimestamp(end),
      views: result,
      warnings: [
        ...warnings,
        ...emptyViewWarnings(
          result,
          plans.map((p) => p.view),
          end,
        ),
      ],
      ms: performance.now() - started,
    };
  } finally {
    await wh.close();
  }
}

/** One warning per view that yielded no row, with the likely reason and what to do. */
function emptyViewWarnings(result: MaterializedView[], views: FeatureView[], end: bigint): string[] {
  return result.flatMap((r, i) => {
    if (r.rows > 0) return [];
    const view = views[i]!;
    const at = formatTimestamp(end);
    const why = [
      ...(view.ttl ? [`older than its ttl (${view.ttl}) before --end ${at}`] : []),
      ...(r.start !== null ? [`before ${r.start} (the start)`] : []),
      `after --end ${at}`,
    ];
    return [
      `view '${r.view}' materialized 0 rows: its rows may all be ${why.join(", or ")}, or its source may be empty. ` +
        "Check the data's timestamps and pass --end at (or just after) the latest one; 'fcompile load' of this materialization would leave the view empty online.",
    ];
  });
}

/** The views to materialize: those named, or every view. */
function chooseViews(all: FeatureView[], names?: string[]): FeatureView[] {
  if (!names?.length) return all;
  const byName = new Map(all.map((v) => [v.name, v]));
  return names.map((n) => {
    const v = byName.get(n);
    if (!v) throw userError("FC006", `unknown feature view '${n}'${suggest(n, byName.keys())}`);
    return v;
  });
}
