import type { Command } from "commander";
import { noun, plural } from "../diagnostics/plural.js";
import { DEFAULT_MAX_SHRINK } from "../commands/load.js";
import { usageError } from "../diagnostics/diagnostic.js";
import { integerOption, withProjectOptions } from "./common-options.js";
import type { CommonOptions } from "./common-options.js";
import { progressLine, runCommand } from "./output.js";

/** The flags of `load` (also `materialize --load`'s). */
export interface LoadFlags extends CommonOptions {
  graceMs: string;
  allowEmpty?: boolean;
  force?: boolean;
  maxShrink: string;
}

export function registerLoad(program: Command): void {
  withProjectOptions(program.command("load"))
    .description("push the latest materialization of every view into the online store; readers switch to it all at once")
    .option("--grace-ms <ms>", "Redis: keep the replaced values readable this long after the switch", "1000")
    .option(
      "--max-shrink <fraction>",
      "refuse to drop more than this fraction of a loaded view's rows (0 to 1)",
      String(DEFAULT_MAX_SHRINK),
    )
    .option("--allow-empty", "load a view whose materialization is empty, emptying it online")
    .option("--force", "load whatever the shrink (an empty view included)")
    .addHelpText(
      "after",
      `
The online store is fcompile.yaml's 'online:' section (default: SQLite file online.sqlite).
Run 'fcompile materialize --end TS' first. A load that fails or is killed leaves readers on the
previous values; run it again to complete. Two loads of one project never interleave: the
second one stops with an error. A load that would empty a loaded view, or drop more than
--max-shrink of its rows (most often: 'materialize' ran at an end time past the view's ttl), is
refused before anything is written and exits 1; --allow-empty or --force loads it anyway.

Example:
  fcompile materialize --end 2025-06-01 && fcompile load && fcompile get --service churn_model --entity customer_id=1001`,
    )
    .action((opts: LoadFlags) =>
      runCommand("load", async () => {
        await runLoad(opts, loadNumbers(opts));
      }),
    );
}

/** The numbers of load's flags, checked before anything runs (`materialize --load` checks them before materializing). */
export function loadNumbers(opts: LoadFlags): { maxShrink: number; graceMs: number } {
  return { maxShrink: parseMaxShrink(opts.maxShrink), graceMs: integerOption("--grace-ms", opts.graceMs, 0, 86_400_000) };
}

/** `--max-shrink`: a fraction from 0 to 1, or a usage error saying so. */
function parseMaxShrink(text: string): number {
  const maxShrink = Number(text);
  if (text.trim() === "" || !(maxShrink >= 0 && maxShrink <= 1))
    throw usageError(`--max-shrink must be a fraction from 0 to 1, e.g. 0.5 (got '${text}')`);
  return maxShrink;
}

/** Runs `load` with progress on a terminal, notes on stderr and the summary line on stdout. */
export async function runLoad(opts: LoadFlags, { maxShrink, graceMs }: { maxShrink: number; graceMs: number }): Promise<void> {
  const progress = progressLine();
  let r;
  try {
    r = await (
      await import("../commands/load.js")
    ).load({
      projectDir: opts.project,
      target: opts.target,
      graceMs,
      maxShrink,
      allowEmpty: !!opts.allowEmpty,
      force: !!opts.force,
      onProgress: (done, total) =>
        progress.update(
          `loading ${done.toLocaleString("en")}/${total.toLocaleString("en")} ${noun(total, "row")} (${Math.floor((100 * done) / Math.max(total, 1))}%)`,
        ),
    });
  } finally {
    progress.done();
  }
  for (const s of r.skipped) process.stderr.write(`note: view '${s}' has no materialization; not loaded (run 'fcompile materialize')\n`);
  for (const v of r.retired) process.stderr.write(`note: view '${v}' is no longer in the project; removed from the online store\n`);
  const rows = r.views.reduce((n, v) => n + v.rows, 0);
  const secs = r.ms / 1000;
  process.stdout.write(
    `load ok: ${plural(r.views.length, "view")}, ${rows.toLocaleString("en")} ${noun(rows, "row")} into ${r.store} in ${secs.toFixed(1)} s ` +
      `(${Math.round(rows / Math.max(secs, 1e-3)).toLocaleString("en")} rows/s; as of ${[...new Set(r.views.map((v) => v.end))].join(", ")})` +
      (r.removed > 0 ? `; ${r.removed.toLocaleString("en")} replaced ${noun(r.removed, "value")} removed` : "") +
      "\n",
  );
}
