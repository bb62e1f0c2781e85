import type { Command } from "commander";
import { materialize } from "../commands/materialize.js";
import { withProjectOptions } from "./common-options.js";
import type { CommonOptions } from "./common-options.js";
import { progressLine, runCommand } from "./output.js";

interface MaterializeFlags extends CommonOptions {
  end?: string;
  start?: string;
  incremental?: boolean;
  views?: string;
}

export function registerMaterialize(program: Command): void {
  withProjectOptions(program.command("materialize"))
    .description("compute the latest feature values per entity as of --end (what training returns at T = end), for `load`")
    .option("--end <ts>", "end time, ISO 8601 (UTC unless a zone is given); default: now")
    .option("--start <ts>", "only read rows at or after this time, merged into the previous materialization")
    .option("--incremental", "continue each view from its last end time (its watermark, kept in the warehouse)")
    .option("--views <names>", "comma-separated feature views (default: all)")
    .addHelpText(
      "after",
      `
Each view's values go to the table <schema>.mat__<view>; all views and their watermarks are
swapped in together in one transaction, so a failed run leaves the previous materialization.

Examples:
  fcompile materialize --end 2025-06-01
  fcompile materialize --incremental --end 2025-06-02T00:00:00Z
  fcompile materialize --end 2025-06-01 --views customer_daily_stats --target pg`,
    )
    .action((opts: MaterializeFlags) =>
      runCommand(async () => {
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
          process.stdout.write(`  ${v.view}: ${v.rows} entities (${how})${v.note ? ` — ${v.note}` : ""}\n`);
        }
        const total = r.views.reduce((n, v) => n + v.rows, 0);
        process.stdout.write(
          `materialize ok: ${r.views.length} views, ${total} rows as of ${r.end} UTC in ${(r.ms / 1000).toFixed(1)} s\n`,
        );
        for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
      }),
    );
}
