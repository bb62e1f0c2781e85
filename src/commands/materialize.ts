import { compileMaterialization } from "../compile/materialize.js";
import { materializationRelation, materializationTable } from "../compile/relations.js";
import { userError } from "../diagnostics/diagnostic.js";
import { materializationHash } from "../registry/manifest.js";
import { suggest } from "../registry/suggest.js";
import type { FeatureView } from "../registry/types.js";
import { formatTimestamp, nowMicros, parseTimestamp } from "../timestamps.js";
import type { MaterializeStep, Watermark } from "../warehouse/warehouse.js";
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
}

/** What `materialize` did for one view. */
export interface MaterializedView {
  view: string;
  mode: Watermark["mode"];
  /** Rows read since (incremental and `--start`). */
  start: string | null;
  rows: number;
  /** Why an incremental run rebuilt the view in full, if it did. */
  note?: string;
}

/**
 * `fcompile materialize`: per view, the latest row per entity as of the end time, into
 * `<schema>.mat__<view>`; all views swap in together with their watermarks, or none does.
 */
export async function materialize(opts: MaterializeOptions): Promise<{ end: string; views: MaterializedView[]; ms: number }> {
  const started = performance.now();
  const end = opts.end !== undefined ? timestampOption("--end", opts.end) : nowMicros();
  const start = opts.start !== undefined ? timestampOption("--start", opts.start) : undefined;
  if (start !== undefined && opts.incremental) throw userError("FC015", "give --start or --incremental, not both");
  if (start !== undefined && start > end) throw userError("FC015", `--start ${opts.start} is after --end ${formatTimestamp(end)}`);
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
      let mode: Watermark["mode"] = "full";
      let since: bigint | undefined;
      let note: string | undefined;
      if (opts.incremental && mergeable) [mode, since] = ["incremental", prevEnd];
      else if (start !== undefined) [mode, since] = [mergeable ? "incremental" : "window", start];
      if (opts.incremental && !prev) note = "no earlier materialization: built in full";
      else if (opts.incremental && !mergeable) note = "its definition changed since the last materialization: rebuilt in full";
      const sql = compileMaterialization(registry, view, ct, {
        withStart: since !== undefined,
        previous: mode === "incremental" ? materializationRelation(view, ct) : undefined,
      });
      const step: MaterializeStep = {
        view: view.name,
        table: materializationTable(view, ct),
        sql,
        what: `materializing '${view.name}' (target/compiled/${ct.dialect.name}/materialize/${view.name}${mode === "incremental" ? ".incremental" : ""}.sql)`,
        params: { fc_end: formatTimestamp(end), ...(since !== undefined ? { fc_start: formatTimestamp(since) } : {}) },
        watermark: {
          view: view.name,
          endTime: formatTimestamp(end),
          startTime: since !== undefined ? formatTimestamp(since) : null,
          mode,
          viewHash: hash,
        },
      };
      return { step, note };
    });
    const counts = await wh.materialize(
      ct.schema,
      plans.map((p) => p.step),
      (s, i) => opts.onStep?.(s.view, i, plans.length),
    );
    return {
      end: formatTimestamp(end),
      views: plans.map((p, i) => ({
        view: p.step.view,
        mode: p.step.watermark.mode,
        start: p.step.watermark.startTime,
        rows: counts[i]!,
        note: p.note,
      })),
      ms: performance.now() - started,
    };
  } finally {
    await wh.close();
  }
}

function chooseViews(all: FeatureView[], names?: string[]): FeatureView[] {
  if (!names?.length) return all;
  const byName = new Map(all.map((v) => [v.name, v]));
  return names.map((n) => {
    const v = byName.get(n);
    if (!v) throw userError("FC006", `unknown feature view '${n}'${suggest(n, byName.keys())}`);
    return v;
  });
}
