import type { Command } from "commander";
import { plural } from "../diagnostics/plural.js";
import { withProjectOptions } from "./common-options.js";
import type { CommonOptions } from "./common-options.js";
import { printDiagnostics, runCommand } from "./output.js";

export function registerBuild(program: Command): void {
  withProjectOptions(program.command("build"))
    .description(
      "validate the project and compile it: writes target/manifest.json and target/compiled/<dialect>/*.sql (no database needed)",
    )
    .option("--strict", "make every lint finding an error (exit 1, nothing written); see 'fcompile lint --help'")
    .addHelpText(
      "after",
      "\nLint findings (FC1xx, as 'fcompile lint' finds them) are printed as warnings, or as errors where fcompile.yaml's\n" +
        "'lint: rules:' says so or with --strict.\n" +
        "Exit code 0 when the project is valid, 1 with file:line:col diagnostics when it is not (target/ is then left as it was).",
    )
    .action((opts: CommonOptions & { strict?: boolean }) =>
      runCommand("build", async () => {
        const started = performance.now();
        const r = await (
          await import("../commands/build.js")
        ).build({ projectDir: opts.project, target: opts.target, strict: opts.strict });
        printDiagnostics([...r.diagnostics, ...(r.lint ?? [])], r.ok ? "" : "nothing was written (target/ is unchanged)");
        if (!r.ok) {
          process.exitCode = 1;
          return;
        }
        process.stdout.write(`build ok: ${plural(r.files, "file")} written to target/ in ${Math.round(performance.now() - started)} ms\n`);
      }),
    );
}
