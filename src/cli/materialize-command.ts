import type { Command } from "commander";
import { noun, plural } from "../diagnostics/plural.js";
import { DEFAULT_MAX_SHRINK } from "../commands/load.js";
import { loadNumbers, runLoad } from "./load-command.js";
import { usageError } from "../diagnostics/diagnostic.js";
import { materialize } from "../commands/materialize.js";
import { withProjectOptions } from "./common-options.js";
import type { LoadFlags } from "./load-command.js";
import { progressLine, runCommand } from "./output.js";

interface MaterializeFlags extends LoadFlags {
  end?: string;
  start?: string;
  incremental?: boolean;
  views?: string;
  load?: boolean;
}

export function registerMaterialize(program: Command): void {
  withProjectOptions(program.command("materialize"))
    .description(
      "compute the latest feature values per entity as of --end (what training returns at T = end), and each aggregation view's events of its longest window, for `load`",
    )
    .option("--end <ts>", "end time, ISO 8601 (UTC unless a zone is given); default: now")
    .option("--start <ts>", "only read rows at or after this time, merged into the previous materialization")
    .option("--incremental", "continue each view from its last end time (its watermark, kept in the warehouse)")
    .option("--views <names>", "comma-separated feature views (default: all)")
    .option("--load", "then load the materialization into the online store, as 'fcompile load' does")
    .option("--grace-ms <ms>", "with --load, Redis: keep the replaced values readable this long after the switch", "1000")
    .option(
      "--max-shrink <fraction>",
      "with --load: refuse to drop more than this fraction of a loaded view's rows",
      String(DEFAULT_MAX_SHRINK),
    )
    .option("--allow-empty", "with --load: load a view whose materialization is empty, emptying it online")
    .option("--force", "with --load: load whatever the shrink")
    .addHelpText(
      "after",
      `
Each view's values go to the table <schema>.mat__<view>; all views and their watermarks are
swapped in together in one transaction, so a failed run leaves the previous materialization.

Examples:
  fcompile materialize --end 2025-06-01
  fcompile materialize --incremental --end 2025-06-02T00:00:00Z
  fcompile materialize --end 2025-06-01 --views customer_daily_stats --target pg
  fcompile materialize --incremental --load      on a schedule: see docs/scheduling.md

With --load, a failed load leaves the new materialization in place (and readers on the previous
load): run 'fcompile load' to retry. The load pushes every materialized view, not only --views.`,
    )
    .action((opts: MaterializeFlags) =>
      runCommand("materialize", async () => {
        const numbers = loadNumbers(opts);
        if (!opts.load && (opts.allowEmpty || opts.force || opts.maxShrink !== String(DEFAULT_MAX_SHRINK) || opts.graceMs !== "1000"))
          throw usageError(
            "--allow-empty, --force, --max-shrink and --grace-ms apply to the load: add --load (or pass them to 'fcompile load')",
          );
        const progress = progressLine();
        const r = await materialize({
          projectDir: opts.project,
          target: opts.target,
          end: opts.end,
          start: opts.start,
          incremental: !!opts.incremental,
          views: opts.views
            ?.split(",")
            .map((s) => s.trim())
            .filter(Boolean),
          onStep: (view, i, n) => progress.update(`[${i + 1}/${n}] materializing ${view}…`),
        });
        progress.done();
        for (const v of r.views) {
          const how = v.mode === "full" ? "full" : `${v.mode} since ${v.start}`;
          process.stdout.write(
            `  ${v.view}: ${v.rows} ${v.unit === "events" ? noun(v.rows, "event") : noun(v.rows, "entity", "entities")} (${how})${v.note ? ` — ${v.note}` : ""}\n`,
          );
        }
        const total = r.views.reduce((n, v) => n + v.rows, 0);
        process.stdout.write(
          `materialize ok: ${plural(r.views.length, "view")}, ${total} ${noun(total, "row")} as of ${r.end} UTC in ${(r.ms / 1000).toFixed(1)} s\n`,
        );
        for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
        if (opts.load) await loadAfter(opts, numbers);
      }),
    );
}

/** `materialize --load`: the load step, reported as `fcompile load` reports it. */
async function loadAfter(opts: MaterializeFlags, numbers: { maxShrink: number; graceMs: number }): Promise<void> {
  try {
    await runLoad(opts, numbers);
  } catch (err) {
    process.stderr.write(
      "note: the materialization above is committed; the load failed, so readers still see the previous load. Run 'fcompile load' to retry.\n",
    );
    throw err;
  }
}
