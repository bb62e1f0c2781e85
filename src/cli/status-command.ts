import type { Command } from "commander";
import { plural } from "../diagnostics/plural.js";
import type { StatusResult } from "../commands/status.js";
import { withProjectOptions } from "./common-options.js";
import type { CommonOptions } from "./common-options.js";
import { runCommand } from "./output.js";

interface StatusFlags extends CommonOptions {
  json?: boolean;
  check?: boolean;
}

export function registerStatus(program: Command): void {
  withProjectOptions(program.command("status"))
    .description("per view: the last materialization, the version loaded online, and what is stale")
    .option("--json", "print the status as JSON")
    .option("--check", "exit 1 when any view is not fresh (for monitoring)")
    .addHelpText(
      "after",
      `
States (the first thing that needs doing):
  never-materialized   run 'fcompile materialize'
  changed              the view's definition changed since it was materialized: materialize, then load
  not-loaded           materialized, not in the online store: run 'fcompile load'
  load-behind          the online store holds another materialization than the warehouse's last: load
  fresh                the online store holds the latest materialization of the current definition
  not-in-project       in the online store only; the next load removes it
  online-unknown       materialized; the online store could not be read (the message says why)

Examples:
  fcompile status
  fcompile status --json --target pg
  fcompile status --check || alert "features are stale"`,
    )
    .action((opts: StatusFlags) =>
      runCommand("status", async () => {
        const r = await (await import("../commands/status.js")).status({ projectDir: opts.project, target: opts.target });
        process.stdout.write(opts.json ? `${JSON.stringify(r, null, 2)}\n` : table(r));
        if (opts.check && r.stale > 0) process.exitCode = 1;
      }),
    );
}

function table(r: StatusResult): string {
  const n = (x: number): string => x.toLocaleString("en");
  const rows = [
    ["VIEW", "STATE", "MATERIALIZED (end, rows, mode, at)", "ONLINE (version, end, rows, loaded)"],
    ...r.views.map((v) => [
      v.view,
      v.state,
      v.materialized ? `${v.materialized.end}, ${n(v.materialized.rows)}, ${v.materialized.mode}, ${v.materialized.at.slice(0, 19)}` : "-",
      v.online ? `v${v.online.version}, ${v.online.end}, ${n(v.online.rows)}, ${v.online.loadedAt.slice(0, 19).replace("T", " ")}` : "-",
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = [
    `project ${r.project}, target '${r.target}' (schema ${r.schema}), online store ${r.store}`,
    ...(r.onlineError ? [`online store not readable: ${r.onlineError}`] : []),
    "",
    ...rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")),
    "",
    ...r.views.filter((v) => v.state !== "fresh").map((v) => `${v.view}: ${v.detail}`),
    r.stale === 0
      ? r.views.length === 1
        ? "the 1 view fresh"
        : `all ${r.views.length} views fresh`
      : `${r.stale} of ${plural(r.views.length, "view")} ${r.stale === 1 ? "needs" : "need"} attention`,
  ];
  return lines.map((l) => `${l}\n`).join("");
}
