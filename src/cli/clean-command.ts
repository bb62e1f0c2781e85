import type { Command } from "commander";
import type { CleanResult } from "../commands/clean.js";
import { usageError } from "../diagnostics/diagnostic.js";
import { withProjectOptions } from "./common-options.js";
import type { CommonOptions } from "./common-options.js";
import { progressLine, runCommand } from "./output.js";

interface CleanFlags extends CommonOptions {
  yes?: boolean;
  warehouseOnly?: boolean;
  onlineOnly?: boolean;
}

export function registerClean(program: Command): void {
  withProjectOptions(program.command("clean"))
    .description("remove the project's tables from the warehouse and its values from the online store (asks for --yes)")
    .option("-y, --yes", "remove them; without it, only list what would be removed")
    .option("--warehouse-only", "only the warehouse target's tables")
    .option("--online-only", "only the online store's values")
    .addHelpText(
      "after",
      `
Removes what fcompile created for this project:
  warehouse  in the project's schema on the target, the tables fcompile builds (source__*, view__*,
             mat__*) and the watermark table fc_materializations; then the schema, if nothing else is
             left in it. Your own tables — table sources, anything else in the schema — are never touched.
  online     Redis: every key fc:<project>:*; SQLite: the project's rows (and the file, if it held
             nothing else).
Without --yes it lists them and exits 2 without changing anything. Files (target/, data/) stay.

Examples:
  fcompile clean                 what would be removed
  fcompile clean --yes --target pg`,
    )
    .action((opts: CleanFlags) =>
      runCommand("clean", async () => {
        if (opts.warehouseOnly && opts.onlineOnly) throw usageError("give --warehouse-only or --online-only, not both");
        const progress = progressLine();
        const r = await (
          await import("../commands/clean.js")
        ).clean({
          onProgress: (n) => progress.update(`removing online keys: ${n.toLocaleString("en")}…`),
          projectDir: opts.project,
          target: opts.target,
          yes: opts.yes,
          only: opts.warehouseOnly ? "warehouse" : opts.onlineOnly ? "online" : undefined,
        });
        progress.done();
        process.stdout.write(describe(r));
        if (!r.removed && !r.empty) {
          process.stderr.write("dry run: nothing was removed; run 'fcompile clean --yes' to remove the above\n");
          process.exitCode = 2;
        }
      }),
    );
}

function describe(r: CleanResult): string {
  const p = r.plan;
  const verb = r.removed ? "removed" : "would remove";
  const lines: string[] = [];
  if (r.scope !== "online") {
    lines.push(
      p.tables.length > 0
        ? `warehouse (target '${p.target}', schema ${p.schema}): ${verb} ${p.tables.length} table${p.tables.length === 1 ? "" : "s"}: ${p.tables.join(", ")}`
        : `warehouse (target '${p.target}', schema ${p.schema}): nothing to remove`,
    );
    if (p.kept.length > 0) lines.push(`  kept (not fcompile's): ${p.kept.join(", ")}`);
    if (r.schemaDropped) lines.push(`  removed schema ${p.schema}`);
  }
  if (p.online) {
    lines.push(
      p.online.entries > 0 || p.online.views.length > 0
        ? `online (${p.online.store}): ${verb} project '${p.project}': ${p.online.views.length} loaded view${p.online.views.length === 1 ? "" : "s"}` +
            `${p.online.views.length > 0 ? ` (${p.online.views.join(", ")})` : ""}, ${r.removed ? r.onlineRemoved : p.online.entries} ${p.online.type === "redis" ? "keys" : "values"}`
        : `online (${p.online.store}): nothing to remove`,
    );
    if (r.onlineFileRemoved) lines.push(`  removed ${p.online.store} (it held nothing else)`);
  }
  if (r.removed) lines.push("clean ok");
  else if (r.empty) lines.push("nothing to clean");
  return lines.map((l) => `${l}\n`).join("");
}
