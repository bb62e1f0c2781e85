import type { Command } from "commander";
import { plural } from "../diagnostics/plural.js";
import { withProjectOptions } from "./common-options.js";
import type { CommonOptions } from "./common-options.js";
import { progressLine, runCommand } from "./output.js";

export function registerRun(program: Command): void {
  withProjectOptions(program.command("run"))
    .description("load file sources into the warehouse and build SQL feature views, all or nothing")
    .action((opts: CommonOptions) =>
      runCommand("run", async () => {
        const started = performance.now();
        const progress = progressLine();
        const r = await (
          await import("../commands/run.js")
        ).run({
          projectDir: opts.project,
          target: opts.target,
          onStep: (s, i, n) =>
            progress.update(`[${i + 1}/${n}] ${s.kind === "file-source" ? "loading source" : "building view"} ${s.name}…`),
        });
        progress.done();
        process.stdout.write(`run ok: ${plural(r.steps, "relation")} built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
      }),
    );
}
